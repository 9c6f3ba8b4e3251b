"""Lab sheet: residual networks: degradation, gradients through depth, the residual unit, lesions, loss landscapes."""

import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.choices import OPTIMIZER_LABELS
from dlcore.experiments import resnet as lab
from dlcore.experiments.resnet.blocks import ORDERS, SHORTCUTS
from dlcore.plots import resnet as plots
from pages import components as ui

PREFIX = "resnet"
DEG, GRAD, UNIT, LES, LAND = (f"{PREFIX}.{part}" for part in ("degradation", "gradients", "unit", "lesion", "landscape"))
GROUPS = {
    DEG: (lab.degradation.Config, ""),
    GRAD: (lab.gradients.Config, "gradients"),
    UNIT: (lab.unit.Config, "unit"),
    LES: (lab.lesion.Config, "lesion"),
    LAND: (lab.landscape.Config, "landscape"),
}
LABELS = {
    "network": ("Networks", lab.NETWORK_KINDS.get), "dataset": ("Toy data set (MLPs only)", None), "num_samples": ("Points in the toy set", None),
    "noise": ("Noise", None), "shallow_blocks": ("Shallow networks: blocks (2 layers each)", None), "deep_blocks": ("Deep networks: blocks", None),
    "blocks": ("Blocks (2 layers each)", None), "width": ("Width (units or channels)", None), "batch_norm": ("Batch norm", None),
    "optimizer": ("Optimizer", OPTIMIZER_LABELS.get), "learning_rate": ("Learning rate (decays to 0 over the run)", None), "epochs": ("Epochs", None),
    "batch_size": ("Batch size", None), "seed": ("Seed", None), "order": ("Order of the layers", ORDERS.get), "shortcut": ("Shortcut", SHORTCUTS.get),
    "downsample": ("Downsample in block 2", None), "resolution": ("Grid points per side", None),
    "span": ("Span ± (in filter norms)", None), "direction_seed": ("Direction seed", None),
}  # fmt: skip
HELP = {
    "downsample": "Block 2 uses stride 2 (the 8×8 image becomes 4×4) and twice the channels, so its shortcut must change shape too.",
    "batch_norm": "Batch normalisation after (post-activation) or before (pre-activation) every weight layer. Without it, each residual branch's last layer starts at zero.",
    "shallow_blocks": "Each block is two weight layers; with the stem and the output layer a network of B blocks has 2B + 2 weight layers.",
    "span": "How far the grid reaches along each direction: 1 moves every filter by its own norm.",
    "direction_seed": "Seeds the two random directions; the same seed gives the same directions for the same networks.",
}

ui.lab_header(
    "🪜 Residual networks",
    "Stacking more layers should never make a network fit its *training* data worse: the extra layers could simply learn to "
    "pass their input through unchanged. Yet deep **plain** networks do fit worse, which He et al. (2016) called "
    "**degradation**. A **residual** block computes `x + F(x)`: its layers learn only a correction to the identity, and the "
    "identity path carries signals and gradients through any depth. Below, watch the degradation appear and disappear, follow "
    "the gradient back through the layers, take a block apart, delete blocks from trained networks, and look at the loss "
    "surface around the trained weights. Every number comes from networks trained on this page.",
)
for prefix, (config_class, part) in GROUPS.items():
    ui.init_state(prefix, config_class(), part)


def settings_form(prefix: str, columns: list[list[str]], button: str):
    """A form with one column of controls per list of field names; returns the group's config as the widgets set it."""
    config_class, part = GROUPS[prefix]
    with st.form(f"{prefix}.form"):
        for column, fields in zip(st.columns(len(columns)), columns):
            with column:
                for field in fields:
                    label, format_func = LABELS[field]
                    widget = "radio" if field in ("network", "order", "shortcut") else ("number" if "seed" in field else None)
                    ui.control(prefix, config_class, field, label, widget=widget, format_func=format_func, help=HELP.get(field))
        st.form_submit_button(f"▶ {button}", type="primary")
    return ui.shared_config(prefix, config_class(), part)


def warn_divergence(message) -> None:
    if message:
        st.warning(f"💥 {message} Lower the learning rate, or switch batch norm on.")


tabs = ui.lab_tabs(["① Degradation", "② Gradients through depth", "③ The residual unit", "④ Lesion test", "⑤ Loss landscape"], f"{PREFIX}.tab")

with tabs[0]:
    slot = st.container()  # the figure first, the presets and the controls under it
    st.markdown("**Try a preset** (each sets several controls at once):")
    for column, (name, values) in zip(st.columns(len(lab.degradation.PRESETS)), lab.degradation.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(DEG, values, lab.degradation.Config), width="stretch", help=lab.degradation.PRESET_HELP[name], key=f"{DEG}.preset.{name}")
    config = settings_form(DEG, [["network", "batch_norm"], ["shallow_blocks", "deep_blocks", "width"], ["dataset", "num_samples", "noise"], ["optimizer", "learning_rate", "epochs"], ["batch_size", "seed"]], "Train all four networks")
    live = lambda info: plots.training_curves(lab.degradation.live_tables(config, info.epochs_table)) if info.epochs_table is not None else None  # noqa: E731
    with slot:
        figure = st.container()  # above the run's own lines (a "shown from the cache" note): the first screen keeps the whole figure
        result = ui.run_experiment(lab.degradation.run, config, live_figure=live) if tabs[0].open else None
    if result is not None:
        with figure:
            warn_divergence(result.divergence)
            finding = result.finding
            networks = [(run.label, run.residual, index % 2 == 1, run.epochs) for index, run in enumerate(result.runs)]
            left, right = st.columns([3, 2])
            with left:
                curves = st.container()
                show_validation = st.toggle("Show the validation loss too (dashed)", key=f"{DEG}.show_validation")  # under the chart it changes
                with curves:
                    ui.chart(plots.training_curves(networks, result.chance_loss, show_validation))
            with right:
                ui.chart(plots.final_loss_bars([n[0] for n in networks], [n[1] for n in networks], [n[2] for n in networks], lab.degradation.final_losses(result), result.chance_loss))
            plain_deep, plain_shallow = result.run(False, True), result.run(False, False)
            ui.notice(
                f"this is the *training* loss, so it is not overfitting: {plain_deep.label} holds every layer of {plain_shallow.label} and more, and could copy it "
                "with its extra blocks passing their input through, yet the optimizer "
                + ("did not find such weights in this run. " if finding.plain_degrades else "found weights at least that good in this run. ")
                + "In a residual block passing the input through only needs F(x) = 0, which is where our residual branches start "
                + ("(without batch norm their last layer starts at zero)." if not config.batch_norm else "(with batch norm they start as ordinary random layers, and the shortcut carries x past them).")
            )
            (st.success if finding.plain_degrades and not finding.residual_degrades else st.info)(finding.sentence)
        st.dataframe(
            {"network": [r.label for r in result.runs], "weight layers": [r.layers for r in result.runs], "final training loss": [f"{r.final_train_loss:.4g}" for r in result.runs],
             "training accuracy": [f"{r.final_train_accuracy:.1%}" for r in result.runs], "validation accuracy": [f"{r.final_val_accuracy:.1%}" for r in result.runs]},
            hide_index=True, width="stretch",
        )  # fmt: skip

with tabs[1]:
    slot = st.container()  # the figures first, the explanation and the controls under them
    st.markdown("Through a residual block the backward pass multiplies by the identity **plus** the branch's Jacobian; through a plain block, by the Jacobian alone:")
    st.latex(r"a_{k+1} = a_k + F(a_k)\;\Rightarrow\;\frac{\partial a_{k+1}}{\partial a_k} = I + \frac{\partial F}{\partial a_k},\qquad \frac{\partial L}{\partial a_k} = \frac{\partial L}{\partial a_{k+1}}\left(I + \frac{\partial F}{\partial a_k}\right)")
    config = settings_form(GRAD, [["network", "dataset"], ["blocks", "width", "batch_norm"], ["learning_rate", "epochs", "seed"]], "Train both networks")
    with slot:
        result = ui.run_experiment(lab.gradients.run, config) if tabs[1].open else None
    if result is not None:
        with slot:
            for run in result.runs:
                warn_divergence(run.divergence)
            left, right = st.columns(2)
            with left:
                runs = [(r.label, r.residual, r.positions, r.activation_gradient_at_start, r.activation_gradient_at_end) for r in result.runs]
                ui.chart(plots.depth_profile(runs, "‖∂L/∂a‖", "first update", "last epoch (mean)", "‖∂L/∂a‖ by depth"))
                ui.notice(
                    "a flat line means the gradient reaches the first blocks as strongly as the last; a line falling to the left means it fades on the way back. "
                    + ("Residual branches that start at zero make every block start as the identity, so the ‘I’ term hands ∂L/∂a back almost unchanged "
                       "(the ReLU after each addition only zeroes units that are zero anyway)." if not config.batch_norm else
                       "Whatever the branches do, the ‘I’ term adds a path on which ∂L/∂a travels back unchanged.")
                )  # fmt: skip
            with right:
                runs = [(r.label, r.residual, r.weight_positions, r.weight_gradient_first_epoch, r.weight_gradient_last_epoch) for r in result.runs]
                ui.chart(plots.depth_profile(runs, "‖∂L/∂W‖", "epoch 1 (mean)", "last epoch (mean)", "‖∂L/∂W‖ by depth"))
                ui.notice(
                    "a block's weight gradient is its input times the ∂L/∂a arriving from above: where ∂L/∂a fades, the blocks below it stop learning."
                )
            st.info(lab.gradients.describe(result))
        colour_range = plots.heatmap_range([r.output_gradient_norms for r in result.runs])
        for column, r in zip(st.columns(2), result.runs):
            with column:
                ui.chart(plots.gradient_heatmap(r.label, r.positions, r.output_gradient_norms, colour_range))
        ui.notice("one colour scale for both heatmaps: read across a row to follow one block through training, down a column to follow one update from output to input.")

with tabs[2]:
    slot = st.container()  # the block first, the controls under it
    config = settings_form(UNIT, [["order", "shortcut"], ["batch_norm", "downsample", "width", "blocks"], ["epochs", "learning_rate", "seed"]], "Train the residual CNN")
    with slot:
        result = ui.run_experiment(lab.unit.run, config) if tabs[2].open else None
    if result is not None:
        with slot:
            warn_divergence(result.divergence)
            default_view = 2 if config.downsample else 1
            left, right = st.columns([3, 2])
            with right:
                shown = st.selectbox("Block to draw", [b.number for b in result.blocks], index=default_view - 1, key=f"{UNIT}.shown_block", format_func=lambda n: f"block {n}")
                view = result.blocks[min(shown, len(result.blocks)) - 1]
                rows = [s for s in (*view.main, view.shortcut) if s.parameters or s.name in ("projection",)]
                st.markdown(f"**Parameters of block {view.number}**, counted by Keras and by hand:")
                st.dataframe({"layer": [s.name for s in rows], "Keras": [f"{s.parameters:,}" for s in rows], "by hand": [s.formula for s in rows]}, hide_index=True, width="stretch")
                st.caption(f"Total: {view.parameters:,}. A batch norm keeps 4 numbers per channel: γ and β are learned, the running mean and variance are tracked. " + ("An identity shortcut costs nothing, even across a change of shape." if view.shortcut.name == "identity" else f"The projection adds {view.shortcut.parameters:,}."))
            with left:
                ui.chart(plots.unit_diagram(view, config.order))
            ui.notice(
                "post-activation (original) puts batch norm and ReLU *after* each convolution and a ReLU after the addition, so the shortcut's output is "
                "squeezed by a ReLU in every block; pre-activation (v2) moves them *before* the convolutions and keeps the shortcut a clean identity from end to end."
            )
            st.caption(f"A residual CNN of {config.blocks} blocks trained on the 8×8 digits for {config.epochs} epochs: {result.total_parameters:,} parameters, validation accuracy {result.intact_accuracy:.1%}.")
        st.subheader("Switch a shortcut off in the trained network")
        on_column, which_column = st.columns([1, 2])
        skips_on = on_column.toggle("Shortcuts on", value=True, key=f"{UNIT}.skips_on")
        choice = which_column.selectbox("Which shortcut to switch off", ["all", *(f"block {k}" for k in range(1, config.blocks + 1))], key=f"{UNIT}.which_off", disabled=skips_on)
        if skips_on:
            accuracy, selected = result.intact_accuracy, "all shortcuts on"
        elif choice == "all":
            accuracy, selected = result.all_off_accuracy, "all off"
        else:
            number = int(choice.split()[1])
            accuracy, selected = result.skip_off_accuracy[min(number, config.blocks) - 1], f"{choice} off"
        st.metric("Validation accuracy now", f"{accuracy:.1%}", delta=f"{accuracy - result.intact_accuracy:+.1%} vs all shortcuts on")
        left, right = st.columns(2)
        with left:
            ui.chart(plots.skip_off_bars(config.blocks, result.intact_accuracy, result.skip_off_accuracy, result.all_off_accuracy, selected))
        with right:
            ui.chart(plots.path_norms([b.number for b in result.blocks], [b.skip_norm for b in result.blocks], [b.branch_norm for b in result.blocks]))
        worst = int(result.skip_off_accuracy.argmin()) + 1
        ui.notice(
            f"the network was trained with its shortcuts, so every layer after a block expects x + F(x), not F(x) alone: switching block {worst}'s shortcut off costs the most "
            f"({result.intact_accuracy:.1%} → {result.skip_off_accuracy[worst - 1]:.1%}), all of them {result.intact_accuracy:.1%} → {result.all_off_accuracy:.1%}. "
            "The red bars of the shortcut-vs-branch chart are what the shortcuts were carrying."
        )

with tabs[3]:
    slot = st.container()  # the figure first, the controls under it
    config = settings_form(LES, [["network", "dataset"], ["blocks", "width", "batch_norm"], ["learning_rate", "epochs", "seed"]], "Train both networks, then delete blocks")
    with slot:
        result = ui.run_experiment(lab.lesion.run, config) if tabs[3].open else None
        if result is not None:
            ui.chart(plots.lesion_curves(result.curves, result.chance_accuracy))
            ui.notice(
                "deleting a residual block leaves its shortcut: the later blocks still receive x, only without that block's correction F(x). Deleting a plain block "
                "hands every later layer features it was never trained on. Veit et al. (2016) read this as a residual network behaving like an ensemble of "
                "many shallower paths, rather than one deep chain."
            )
            st.info(lab.lesion.describe(result))

with tabs[4]:
    slot = st.container()  # the figures first, the explanation and the controls under them
    st.markdown(
        "Two random directions in weight space, with every filter (a unit's incoming weights, or one output channel of a convolution) rescaled to the "
        "norm of the same filter in the trained network, as Li et al. (2018) proposed; biases and batch-norm parameters stay put. The loss is the "
        "whole training set's, at the trained weights plus α·direction 1 + β·direction 2."
    )
    config = settings_form(LAND, [["network", "dataset", "blocks", "width"], ["learning_rate", "epochs", "seed"], ["resolution", "span", "direction_seed"]], "Train both networks and map the loss")
    with slot:
        result = ui.run_experiment(lab.landscape.run, config) if tabs[4].open else None
        if result is not None:
            st.info(lab.landscape.describe(result))
            ui.chart(plots.landscape_line(result.alphas, result.slices))
            colour_range = plots.landscape_colour_range(result.slices)
            for draw in (plots.landscape_contour, plots.landscape_surface):
                for column, piece in zip(st.columns(2), result.slices):
                    with column:
                        ui.chart(draw(result.alphas, result.betas, piece, colour_range))
            centre = "; ".join(f"{s.label} {s.centre:.6g} (engine: {s.trained_loss:.6g})" for s in result.slices)
            ui.notice(
                f"the × marks the trained weights, where the loss is the network's own training loss ({centre}). Li et al. found deep plain networks' surfaces "
                "rugged and deep residual ones smooth and bowl-shaped; the counts above say how rugged these two are, on the same directions' seed."
            )
