"""Lab sheet: regularization with L1, L2 and dropout."""

import dataclasses

import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.experiments import regularization as exp
from dlcore.plots import overfitting as boundary_plots
from dlcore.plots import regularization as plots
from pages import components as ui

PREFIX, SWEEP, DROP = "regularization", "regularization_lambda", "regularization_dropout"
DEFAULTS = exp.Config()
SWEEP_DEFAULTS = exp.SweepConfig()
DROP_DEFAULTS = exp.Config(l1=0.0, l2=0.0, dropout_rate=0.5)


def lambda_label(value: float) -> str:
    return "off" if value == 0 else f"{value:g}"


def data_controls(prefix: str, config_class, network: bool = True) -> None:
    ui.control(prefix, config_class, "dataset", "Data set")
    ui.control(prefix, config_class, "num_points", "Training points (validation: 500)")
    ui.control(prefix, config_class, "noise", "Noise (standard deviation)")
    if network:
        network_controls(prefix, config_class)
    ui.control(prefix, config_class, "epochs", "Epochs")
    ui.control(prefix, config_class, "seed", "Seed", widget="number")


def network_controls(prefix: str, config_class) -> None:
    ui.control(prefix, config_class, "num_hidden_layers", "Hidden layers (depth)")
    ui.control(prefix, config_class, "units", "Units per hidden layer (width)")


def live_comparison(config, info):
    """While the pair trains: both runs' training and validation error so far."""
    if info.epochs_table is None or not len(info.epochs_table):
        return None
    return plots.curves_with_and_without(exp.comparison_curves(config, info.epochs_table))


def live_sweep(sweep_config, figure, info):
    """While a sweep trains: every network's errors so far."""
    if info.epochs_table is None or not len(info.epochs_table):
        return None
    return figure(exp.sweep_table(sweep_config, info.epochs_table))


ui.lab_header(
    "🧲 Regularization: L1, L2 and dropout",
    "A network with far more weights than training points can memorise the points, noise included. "
    "**Regularization** makes memorising harder. A **penalty** adds a price for large weights to the loss the "
    "optimizer minimises, so every weight must earn its size by lowering the data error; **dropout** silences a random "
    "share of hidden units at every training step, so no unit can count on a particular partner. Below, the same "
    "network from the same seed is trained twice, once as it is and once regularized, on the same batches.",
)
# Each tab's settings travel in the URL: the comparison's under bare names, the others as "sweep.units=...".
for prefix, defaults, part in ((PREFIX, DEFAULTS, ""), (SWEEP, SWEEP_DEFAULTS, "sweep"), (DROP, DROP_DEFAULTS, "dropout")):
    ui.init_state(prefix, defaults, part)

# Only the open tab trains (the others keep their controls), so a first visit costs one comparison.
compare_tab, sweep_tab, dropout_tab = ui.lab_tabs(["1 · With and without", "2 · Sweep λ", "3 · Dropout"], f"{PREFIX}.tab")

with compare_tab:
    first_figure = st.container()  # filled after the form: the curves and the numbers come first, above the controls
    st.markdown("**Try a preset** (each sets the regularization controls):")
    for column, (name, values) in zip(st.columns(len(exp.PRESETS)), exp.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(PREFIX, values, exp.Config), width="stretch", key=f"{PREFIX}.preset.{name}")
    with st.form(f"{PREFIX}.form"):
        penalty_column, data_column = st.columns(2)
        with penalty_column:
            st.markdown("**Regularization** (combine them freely)")
            ui.control(PREFIX, exp.Config, "l1", "L1 strength λ₁ (log steps)", format_func=lambda_label)
            ui.control(PREFIX, exp.Config, "l2", "L2 strength λ₂ (log steps)", format_func=lambda_label)
            ui.control(PREFIX, exp.Config, "dropout_rate", "Dropout rate (share of hidden units silenced)")
        with data_column:
            st.markdown("**Network, data and training** (shared by both runs)")
            data_controls(PREFIX, exp.Config)
        st.form_submit_button("▶ Train with and without", type="primary")
    # the penalties the λ controls above set (the sweep tab uses the same two)
    l1_formula, l2_formula = st.columns(2)  # side by side on a laptop or projector, stacked on a phone
    l1_formula.latex(r"\text{L1:}\quad J(w) = \mathrm{CE}(y, \hat y) + \lambda \sum_j |w_j|")
    l2_formula.latex(r"\text{L2:}\quad J(w) = \mathrm{CE}(y, \hat y) + \lambda \sum_j w_j^2")
    with st.expander("Why L1 gives exact zeros and L2 does not (and why this page trains with plain SGD)"):
        st.markdown(
            "CE is our classifier's data error, the cross-entropy −(1/n) Σᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)] "
            "(a lecture may write mean squared error there; the penalty is the same). "
            "**L2:** the slope of λw² is 2λw, proportional to the weight, so a gradient step cuts a fixed *share* of every weight: "
            "large weights lose a lot, small ones almost nothing, and a weight only creeps toward zero without reaching it. "
            "**L1:** the slope of λ|w| is ±λ whatever the weight's size, a constant pull toward zero. Taken as a plain gradient step, "
            "that pull overshoots zero, and the weight flips sign and jitters around zero, (practically) never exactly 0. So this page "
            "applies L1 the way sparse models are fitted in practice, as a **proximal step**: after each update every weight moves "
            "toward zero by learning rate × λ, and a weight that would cross zero is set to exactly 0 (soft thresholding). A weight "
            "whose data gradient cannot beat that pull stays switched off: the network becomes **sparse**.\n\n"
            f"**Why plain SGD** (learning rate {exp.LEARNING_RATE:g}, batches of {exp.BATCH_SIZE}): Adam divides each weight's step by "
            "the running size of that weight's own gradient. The penalty's gradient is divided too, so the pull each weight feels no "
            "longer follows the formula, and the L1/L2 difference blurs (Loshchilov & Hutter, 2019, made this point for L2 and proposed "
            "decoupled weight decay, AdamW). Biases are not penalised."
        )
    config = ui.shared_config(PREFIX, DEFAULTS)
    with first_figure:
        figures = st.container()  # a note that the result came from the cache goes under the figures, not above
        result = ui.run_experiment(exp.run_comparison, config, live_figure=lambda info: live_comparison(config, info)) if compare_tab.open else None
    with figures:
        if result is not None:
            base, reg = result.baseline, result.regularized
            if result.divergence:
                st.warning(f"💥 **{result.divergence}** A penalty this strong makes the updates overshoot. Lower λ and train again.")
            if not config.regularized:
                st.info("All regularization is off, so both runs are the same network trained the same way: their lines coincide.")
            runs = [(reg.label, reg), ("no regularization", base)]
            ui.chart(plots.curves_with_and_without([(label, run.epochs) for label, run in runs]))
            ui.notice(exp.curves_notice(result))
            metrics = st.columns(5)
            metrics[0].metric("Validation accuracy", f"{reg.final['val_accuracy']:.1%}", delta=f"{reg.final['val_accuracy'] - base.final['val_accuracy']:+.1%} vs none")
            metrics[1].metric("Validation error", f"{reg.final['val_loss']:.3f}", delta=f"{reg.final['val_loss'] - base.final['val_loss']:+.3f} vs none", delta_color="inverse", help="Final cross-entropy on the 500 validation points.")
            metrics[2].metric("Gap (validation − training)", f"{reg.gap:.3g}", delta=f"{reg.gap - base.gap:+.3g} vs none", delta_color="inverse", help="Final cross-entropy on validation minus on training.")
            metrics[3].metric("Weights exactly 0", f"{reg.zero_share:.0%}", delta=f"{reg.zero_share - base.zero_share:+.0%} vs none" if reg.zero_share != base.zero_share else None, help=f"{reg.near_zero_share:.0%} have |w| < {exp.NEAR_ZERO:g}.")
            metrics[4].metric("Penalty at the end", f"{reg.penalty_reported:.3g}", help="λ₁ Σ|w| + λ₂ Σw² of the final weights; the tests check it against the formula.")
    if result is not None:
        left, right = st.columns(2)
        for index, (column, (label, run)) in enumerate(zip((left, right), runs)):
            with column:  # keyed: with everything off the two figures are identical
                figure = boundary_plots.decision_boundary(result.grid_x, result.grid_y, run.grid_probability, result.x_train, result.y_train, result.x_val, result.y_val, f"Decision boundary: {label}")
                ui.chart(figure, key=f"{PREFIX}.boundary.{index}")
        ui.notice("look for islands and fingers drawn around single noisy training points: that is memorised noise, which regularization should remove. A very large λ can flatten the boundary into a straight line or give up on one class.")
        left, right = st.columns(2)
        with left:
            ui.chart(plots.weight_histogram([(label, run.weights) for label, run in runs], exp.NEAR_ZERO))
            ui.notice(exp.histogram_notice(result))
        with right:
            ui.chart(plots.weight_norm([(label, run.epochs) for label, run in runs]))
            ui.notice(exp.norm_notice(result))

with sweep_tab:
    st.markdown(
        f"Train one network per penalty strength (L1 and L2, λ = {', '.join(f'{v:g}' for v in exp.SWEPT_LAMBDAS)}) plus one without, "
        "all from the same seed in one compiled loop, and compare their **final** errors."
    )
    sweep_slot = st.container()  # the sweep's curves first, the form under them
    with st.form(f"{SWEEP}.form"):
        left, right = st.columns(2)
        with left:
            data_controls(SWEEP, exp.SweepConfig, network=False)
        with right:
            network_controls(SWEEP, exp.SweepConfig)
        st.form_submit_button("▶ Run the λ sweep", type="primary")
    sweep_config = dataclasses.replace(ui.shared_config(SWEEP, SWEEP_DEFAULTS, "sweep"), kind="lambda")
    with sweep_slot:
        sweep = ui.run_experiment(exp.run_sweep, sweep_config, live_figure=lambda info: live_sweep(sweep_config, plots.lambda_sweep, info)) if sweep_tab.open else None
        if sweep is not None:
            ui.chart(plots.lambda_sweep(sweep.table))
            st.caption(f"{len(sweep.table)} networks trained together in {sweep.seconds:.1f} s.")
            ui.notice(exp.sweep_notice(sweep.table))

with dropout_tab:
    st.markdown(
        "During training each hidden unit is switched off with probability *p* at every step, and the survivors are scaled up "
        "by 1/(1−p) so that the next layer receives the same total on average. At prediction time nothing is dropped."
    )
    mask_slot = st.container()  # the mask first, the form under it, then the rate sweep
    with st.form(f"{DROP}.form"):
        left, right = st.columns(2)
        with left:
            ui.control(DROP, exp.Config, "dropout_rate", "Dropout rate p")
            ui.control(DROP, exp.Config, "units", "Units per hidden layer (width)")
        with right:
            ui.control(DROP, exp.Config, "epochs", "Epochs")
            ui.control(DROP, exp.Config, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train with dropout", type="primary")
    drop_config = dataclasses.replace(ui.shared_config(DROP, DROP_DEFAULTS, "dropout"), l1=0.0, l2=0.0)
    with mask_slot:
        dropped = ui.run_experiment(exp.run_comparison, drop_config, live_figure=lambda info: live_comparison(drop_config, info)) if dropout_tab.open else None
        if dropped is not None:
            if dropped.mask_kept is None:
                st.info("With a rate of 0 nothing is dropped: pick a rate above 0 to see the mask.")
            else:
                ui.chart(plots.dropout_mask(dropped.mask_activations, dropped.mask_kept, drop_config.dropout_rate))
                ui.notice(f"each row is one example of the batch and each column one unit of the first hidden layer. {1 - dropped.mask_kept.mean():.0%} of the cells are red here (the rate is {drop_config.dropout_rate:.0%}), a different pattern in every row and at every step; the kept activations come out larger to make up for the missing ones.")
            st.caption(f"Same network and seed, {drop_config.dropout_rate:g} dropout vs none: validation accuracy {dropped.regularized.final['val_accuracy']:.1%} vs {dropped.baseline.final['val_accuracy']:.1%}, validation error {dropped.regularized.final['val_loss']:.3f} vs {dropped.baseline.final['val_loss']:.3f}.")
    fields = {f.name: getattr(drop_config, f.name) for f in dataclasses.fields(exp.SweepConfig) if f.name != "kind"}
    rate_config = exp.SweepConfig(kind="dropout", **fields)
    rate_sweep = ui.run_experiment(exp.run_sweep, rate_config, live_figure=lambda info: live_sweep(rate_config, plots.dropout_sweep, info)) if dropout_tab.open else None
    if rate_sweep is not None:
        ui.chart(plots.dropout_sweep(rate_sweep.table))
        ui.notice(exp.dropout_sweep_notice(rate_sweep.table))
