"""Lab sheet: gradient descent, batch sizes, learning rates and optimizers."""

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import landscapes
from dlcore.experiments import gradient_descent as gd
from dlcore.plots import descent as plots
from pages import components as ui

PREFIX, RATE, RACE, NET = "descent", "descent_rate", "descent_race", "descent_net"
MODE_LABELS = {"batch": "Batch GD", "minibatch": "Mini-batch", "stochastic": "Stochastic (SGD)"}
SHORT_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "rmsprop": "RMSProp", "adam": "Adam", "adagrad": "AdaGrad"}
VERDICT_HELP = (
    "Read from this run: diverged (NaN/inf), growing (ends above its start), jumpy (one update at least doubled the loss), "
    "noisy (the loss rose by more than 1 % on some updates), oscillating (the loss fell every time while the path crossed the valley "
    "back and forth on most steps) or smooth."
)
CLIP_HELP = (
    "Keras has two kinds. clipnorm (per variable) rescales each weight matrix's and each bias vector's gradient on its own, "
    "so different layers can be shrunk by different factors and the overall direction changes. global_clipnorm rescales the "
    "whole gradient by one factor when its joint norm is too large, keeping its direction."
)
CLIP_NOTES = {
    "norm": "✂️ Clipping per variable (Keras clipnorm): each weight matrix's and each bias vector's gradient is scaled down on its own to norm {threshold:g} at most before the optimizer sees it, so the layers' gradients may shrink by different factors.",
    "global": "✂️ Clipping the whole gradient (Keras global_clipnorm): when the norm of all the gradients together exceeds {threshold:g}, every one is scaled by the same factor, so the update keeps its direction.",
}
SGD_RATE, ADAPTIVE_RATE = "Learning rate: SGD, momentum, Nesterov", "Learning rate: RMSProp, Adam, AdaGrad"
TABS = ("① Batch size", "② Learning rate", "③ Race", "④ Network")


def mode_label(mode: str, batch_size: int) -> str:
    return f"{MODE_LABELS[mode]} (batch {batch_size})"


def batch_size_label(batch_size: int) -> str:
    return "all (full batch)" if batch_size == 0 else str(batch_size)


def control_row(prefix: str, config_class, controls: dict, widths=None) -> None:
    """One column per setting: field name -> its label, or (label, extra arguments for ui.control)."""
    for column, (name, label) in zip(st.columns(widths or len(controls)), controls.items()):
        label, options = (label, {}) if isinstance(label, str) else label
        with column:
            ui.control(prefix, config_class, name, label, **options)


ui.lab_header(
    "⛰️ Gradient descent and optimizers",
    "Training walks downhill on the loss: a step against the gradient, scaled by the **learning rate**. How many examples "
    "feed each gradient makes it **batch** (all), **stochastic** (one) or **mini-batch** (k) descent; the **optimizer** "
    "turns gradients into steps. Every path here is a real Keras model or optimizer, trained in this run.",
)
ui.init_state(PREFIX, gd.Config())
# Parts 2-4 travel in the URL too, as "rate.learning_rate=...", "race.landscape=...", "net.units=...".
for prefix, defaults, part in ((RATE, gd.LearningRateConfig(), "rate"), (RACE, gd.OptimizersConfig(), "race"), (NET, gd.NetworkConfig(), "net")):
    ui.init_state(prefix, defaults, part)
st.session_state.setdefault(f"{RACE}.shown", list(gd.OPTIMIZERS))
tabs = ui.lab_tabs(list(TABS), f"{PREFIX}.tab")

# ---- part 1 ----
with tabs[0]:
    slot = st.container()  # the paths and the loss first; the set-up and its form under them
    st.markdown(
        "One Dense unit on one input: two parameters, weight **w** and bias **b**. "
        "The three variants start at the same point with the same learning rate and see every example once per epoch."
    )
    with st.form(f"{PREFIX}.form"):
        control_row(
            PREFIX,
            gd.Config,
            {
                "problem": ("Model", dict(format_func=gd.PROBLEMS.get)),
                "learning_rate": "Learning rate",
                "minibatch_size": "Mini-batch size k",
                "num_samples": "Training examples N",
                "epochs": "Epochs",
                "seed": ("Seed", dict(widget="number")),
            },
        )
        st.form_submit_button("▶ Run all three", type="primary")
    config = ui.shared_config(PREFIX, gd.Config())
    with slot:
        figures = st.container()  # a note that the result came from the cache goes under the figures, not above
        result = ui.run_experiment(gd.run, config) if tabs[0].open else None
    if result is not None:
        runs = [(mode_label(run.mode, run.batch_size), run, index) for index, run in enumerate(result.runs)]
        with figures:
            for label, run, _ in runs:
                if run.divergence is not None:
                    st.warning(f"💥 {label}: {run.divergence.message()} The learning rate is too large for this variant.")
            path_note, loss_note = gd.mode_notes(result, {run.mode: MODE_LABELS[run.mode] for run in result.runs})
            left, right = st.columns([1.15, 1])
            with left:
                ui.chart(
                    plots.paths_on_contour(
                        result.surface, [(label, run.path, index) for label, run, index in runs], gd.PROBLEM_SETTINGS[config.problem].start,
                        [result.lowest_point], f"Three descents: {gd.PROBLEMS[config.problem].split(' (')[0]}", "weight w", "bias b",
                        height=440,  # 480 px with its legend: whole under the tab bar of a 1280x720 window
                    )
                )
                ui.notice(path_note)
            with right:
                ui.chart(plots.loss_three_ways(runs, result.minimum_loss))
                ui.notice(loss_note)
        table = pd.DataFrame(
            {
                "variant": [label for label, _, _ in runs],
                "updates per epoch": [run.updates_per_epoch for _, run, _ in runs],
                "updates in all": [run.num_updates for _, run, _ in runs],
                "examples processed": [int(run.examples[-1]) for _, run, _ in runs],
                "ms per epoch": [1000 * run.seconds_per_epoch for _, run, _ in runs],
                "wall time (s)": [run.seconds for _, run, _ in runs],
                "final training loss": [run.path_loss[-1] for _, run, _ in runs],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", column_config={"ms per epoch": st.column_config.NumberColumn(format="%.1f"), "wall time (s)": st.column_config.NumberColumn(format="%.2f"), "final training loss": st.column_config.NumberColumn(format="%.4f")})
        costly = max(runs, key=lambda item: item[1].seconds_per_epoch)
        ui.notice(
            f"wall time includes compiling the loop once (the first epoch); ms per epoch leaves it out. Per epoch, **{costly[0]}** cost the most here "
            f"({1000 * costly[1].seconds_per_epoch:.1f} ms for {costly[1].updates_per_epoch} updates): every update is a step of the loop, whatever its batch size."
        )

# ---- part 2 ----
with tabs[1]:
    st.markdown(
        "The learning rate scales every step. For batch descent on this model: too small and the descent crawls; above 1/λ (λ = the steepest curvature of the loss) "
        "each step overshoots the valley floor and the path oscillates; above 2/λ every overshoot is bigger than the last and the loss blows up."
    )
    rate_slot = st.container()  # the path and its loss first, the controls under them
    control_row(  # one descent takes about a second: every change applies at once
        RATE,
        gd.LearningRateConfig,
        {
            "problem": ("Model", dict(format_func=gd.PROBLEMS.get)),
            "mode": ("Variant", dict(widget="radio", format_func=MODE_LABELS.get)),
            "learning_rate": "Learning rate",
            "epochs": "Epochs",
        },
    )
    rate_config = ui.shared_config(RATE, gd.LearningRateConfig(), "rate")
    with rate_slot:
        rate_result = ui.run_experiment(gd.run_learning_rate, rate_config) if tabs[1].open else None
        if rate_result is not None:
            run, shape, crossings = rate_result.run, rate_result.shape, rate_result.crossings
            label = mode_label(run.mode, run.batch_size)
            metrics = st.columns(4)
            metrics[0].metric("Learning rate × λ", f"{rate_config.learning_rate * rate_result.hessian_eigenvalues[-1]:.2f}", help="λ: the largest eigenvalue of the loss's Hessian at its minimum (the steepest curvature).")
            metrics[1].metric("Batch GD diverges above", f"{rate_result.stable_learning_rate:.3g}", help="2/λ. Exact for linear regression (its loss is a quadratic); stochastic and mini-batch steps can blow up earlier.")
            metrics[2].metric("What happened", rate_result.verdict, help=VERDICT_HELP)
            metrics[3].metric("Updates run", f"{run.num_updates:,}")
            if run.divergence is not None:
                st.warning(f"💥 **The descent exploded.** {run.divergence.message()} Each step overshot further than the last until the numbers overflowed; the run ended there, cleanly. Lower the learning rate.")
            elif rate_result.verdict == "growing":
                st.warning("📈 The loss ends above where it started: the steps overshoot more each time. Given more steps, this run would overflow.")
            left, right = st.columns(2)
            with left:
                ui.chart(plots.paths_on_contour(rate_result.surface, [(label, run.path, 0)], gd.PROBLEM_SETTINGS[rate_config.problem].start, [rate_result.lowest_point], f"Learning rate {rate_config.learning_rate:g}", "weight w", "bias b"))
                ui.notice(
                    f"this path crossed the valley floor (the line through the minimum along the flat direction) on {crossings.crossings} of the "
                    f"{crossings.steps} steps where it was clearly off it. For batch descent on a quadratic, that happens on every step once the learning rate passes 1/λ, and the swings grow past 2/λ."
                )
            with right:
                ui.chart(plots.loss_per_update(run.path_loss, 0, label, rate_result.minimum_loss, run.divergence.step if run.divergence else None))
                said = {"diverged": "the loss **diverged**", "growing": "the loss is **growing**"}.get(rate_result.verdict, f"the loss curve is **{shape.word}**")
                ui.notice(f"{said}: it {shape.sentence()}. On a log scale steady progress is a straight line down; a line going up is divergence, and it is exponential.")

# ---- part 3 ----
with tabs[2]:
    st.markdown(
        "Six real Keras optimizers each move their own point (a `tf.Variable`) on the same landscape, all inside the engine's compiled training loop. "
        "**Momentum** keeps a running velocity, **Nesterov** looks ahead along it. **RMSProp** and **Adam** divide each coordinate's step by the "
        "square root of a moving average of its recent squared gradients; **AdaGrad** by the square root of the *sum* of all its past squared "
        "gradients, which only grows, so its steps in that coordinate keep shrinking. SGD-like and adaptive optimizers get their own learning rate."
    )
    landscape_labels = {name: landscapes.LANDSCAPES[name].label if name != "model" else "The two-parameter model of part 1" for name in gd.LANDSCAPE_NAMES}

    def apply_suggested_settings() -> None:
        suggested = gd.suggested_settings(st.session_state[f"{RACE}.landscape"], st.session_state[f"{PREFIX}.problem"])
        ui.apply_preset(RACE, suggested, gd.OptimizersConfig)

    race_slot = st.container()  # the race first, the controls under it
    top = st.columns([2, 1, 3], vertical_alignment="bottom")
    with top[0]:
        ui.control(RACE, gd.OptimizersConfig, "landscape", "Landscape", format_func=landscape_labels.get)
    top[1].button("Suggested rates and steps", on_click=apply_suggested_settings, width="stretch", help="Learning rates and a number of steps that suit this landscape.")
    top[2].multiselect("Optimizers shown", gd.OPTIMIZERS, format_func=SHORT_LABELS.get, key=f"{RACE}.shown")
    with st.form(f"{RACE}.form"):
        control_row(
            RACE,
            gd.OptimizersConfig,
            dict(steps="Steps", learning_rate=SGD_RATE, adaptive_learning_rate=ADAPTIVE_RATE, momentum="Momentum", beta_1="Adam β₁", beta_2="Adam β₂", rho="RMSProp ρ"),
        )
        st.form_submit_button("▶ Race the optimizers", type="primary")
    race_config = dataclasses.replace(ui.shared_config(RACE, gd.OptimizersConfig(), "race"), problem=config.problem, seed=config.seed)
    with race_slot:
        race = ui.run_experiment(gd.run_optimizers, race_config) if tabs[2].open else None
    shown = [name for name in gd.OPTIMIZERS if name in st.session_state[f"{RACE}.shown"]]
    if race is not None and not shown:
        race_slot.info("Pick at least one optimizer to show.")
    elif race is not None:
        with race_slot:
            gone = [SHORT_LABELS[name] + f" (step {race.diverged_at[name]})" for name in shown if race.diverged_at[name] is not None]
            if gone:
                st.warning(f"💥 Diverged (loss or position became NaN/inf, path cut there): {', '.join(gone)}. Its learning rate is too large for this landscape.")
            left, right = st.columns([1.2, 1])
            with left:
                ui.chart(plots.optimizer_race(race, shown, SHORT_LABELS))
            with right:
                ui.chart(plots.race_losses(race, shown, SHORT_LABELS, gd.precision_floor(race.minimum_loss)))
            ui.notice("press ▶ Play or drag the slider to replay the race.\n" + "".join(f"\n- {sentence}" for sentence in gd.race_notes(race, shown, SHORT_LABELS)))
        minima = np.asarray(race.landscape.minima)
        rows = []
        for name in shown:
            finite = race.paths[name][np.all(np.isfinite(race.paths[name]), axis=1)]
            distance = float(np.min(np.linalg.norm(minima - finite[-1], axis=1))) if len(finite) else float("nan")
            rows.append({"optimizer": SHORT_LABELS[name], "final loss − minimum": max(race.losses[name][len(finite) - 1] - race.minimum_loss, 0.0) if len(finite) else float("nan"), "distance to nearest minimum": distance, "diverged at step": race.diverged_at[name]})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={"final loss − minimum": st.column_config.NumberColumn(format="%.2e"), "distance to nearest minimum": st.column_config.NumberColumn(format="%.3g")})
        traced = "once" if race.traces == 1 else f"{race.traces} times"
        st.caption(f"All six optimizers ran {race_config.steps} steps together in the engine's compiled loop (each update moves every point once; the loop was traced {traced}) in {race.seconds:.2f} s, compiling included.")

# ---- part 4 ----
with tabs[3]:
    st.markdown("Do the landscapes tell the truth about real networks? The same optimizers train the same ReLU MLP, from the same initial weights, on the same data and the same batches.")
    net_slot = st.container()  # the curves first, the form under them
    with st.form(f"{NET}.form"):
        control_row(
            NET,
            gd.NetworkConfig,
            {
                "dataset": "Data set",
                "optimizers": ("Optimizers", dict(format_func=SHORT_LABELS.get)),
                "learning_rate": SGD_RATE,
                "adaptive_learning_rate": ADAPTIVE_RATE,
                "epochs": "Epochs",
            },
            widths=[1, 2, 1, 1, 1],
        )
        control_row(
            NET,
            gd.NetworkConfig,
            {
                "num_hidden_layers": "Hidden layers (depth)",
                "units": "Units per hidden layer (width)",
                "batch_size": ("Batch size", dict(format_func=batch_size_label)),
                "clipping": ("Gradient clipping by norm", dict(format_func=gd.CLIPPING.get, help=CLIP_HELP)),
                "clip_threshold": "Clip at norm",
            },
            widths=[1, 1, 1, 1.4, 1],
        )
        st.form_submit_button("▶ Train one network per optimizer", type="primary")
    net_config = ui.shared_config(NET, gd.NetworkConfig(), "net")
    chosen = net_config.optimizers
    with net_slot:
        net = ui.run_experiment(gd.run_network, net_config) if tabs[3].open and chosen else None
        if tabs[3].open and not chosen:
            st.info("Pick at least one optimizer to train.")
    if net is not None:
        with net_slot:
            for name, divergence in net.divergence.items():
                if divergence is not None:
                    st.warning(f"💥 {SHORT_LABELS[name]}: {divergence.message()}")
            loss_note, accuracy_note = gd.network_notes(net, SHORT_LABELS)
            if net_config.clipping != "off":
                st.caption(CLIP_NOTES[net_config.clipping].format(threshold=net_config.clip_threshold))
            left, right = st.columns(2)
            with left:
                ui.chart(plots.optimizer_curves(net.epochs, SHORT_LABELS, "loss"))
                ui.notice(loss_note)
            with right:
                ui.chart(plots.optimizer_curves(net.epochs, SHORT_LABELS, "accuracy"))
                if accuracy_note:
                    ui.notice(accuracy_note)
        summary = pd.DataFrame(
            {
                "optimizer": [SHORT_LABELS[n] for n in net.epochs],
                "final training loss": [float(t["train_loss"].iloc[-1]) if len(t) else float("nan") for t in net.epochs.values()],
                "final validation accuracy": [float(t["val_accuracy"].iloc[-1]) if len(t) else float("nan") for t in net.epochs.values()],
                "wall time (s)": list(net.seconds.values()),
            }
        )
        number = st.column_config.NumberColumn
        st.dataframe(summary, hide_index=True, width="stretch", column_config={"final training loss": number(format="%.4f"), "final validation accuracy": number(format="%.3f"), "wall time (s)": number(format="%.2f")})
