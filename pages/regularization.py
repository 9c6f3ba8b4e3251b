"""Lab sheet: regularization with L1, L2 and dropout."""

import dataclasses

import streamlit as st

from dlcore import limits
from dlcore.experiments import overfitting
from dlcore.experiments import regularization as exp
from dlcore.plots import overfitting as boundary_plots
from dlcore.plots import regularization as plots
from pages import components as ui

CAPS = limits.current()
PREFIX, SWEEP, DROP = "regularization", "regularization_lambda", "regularization_dropout"
DEFAULTS = exp.Config()
SWEEP_DEFAULTS = exp.SweepConfig()
DROP_DEFAULTS = exp.Config(l1=0.0, l2=0.0, dropout_rate=0.5)
LAMBDAS = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
UNITS = tuple(u for u in (4, 8, 16, 32, 64, 128) if u <= CAPS.max_units)
EPOCHS = tuple(e for e in (10, 25, 50, 100, 200) if e <= CAPS.max_epochs)
NOISES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
OPTIONS = {"l1": LAMBDAS, "l2": LAMBDAS, "dropout_rate": RATES, "units": UNITS, "epochs": EPOCHS, "noise": NOISES}


def clamp_state(prefix: str) -> None:
    """Keep values from a preset or link inside the option lists (hosted mode has smaller caps)."""
    for field, options in OPTIONS.items():
        key = f"{prefix}.{field}"
        if key in st.session_state and st.session_state[key] not in options:
            st.session_state[key] = min(options, key=lambda option: abs(option - st.session_state[key]))


def lambda_label(value: float) -> str:
    return "off" if value == 0 else f"{value:g}"


def data_controls(prefix: str, network: bool = True) -> None:
    st.selectbox("Data set", overfitting.CLASSIFIER_DATASETS, key=f"{prefix}.dataset")
    st.slider("Training points (validation: 500)", 20, 300, step=10, key=f"{prefix}.num_points")
    st.select_slider("Noise (standard deviation)", NOISES, key=f"{prefix}.noise")
    if network:
        st.slider("Hidden layers (depth)", 1, 6, key=f"{prefix}.num_hidden_layers")
        st.select_slider("Units per hidden layer (width)", UNITS, key=f"{prefix}.units")
    st.select_slider("Epochs", EPOCHS, key=f"{prefix}.epochs")
    st.number_input("Seed", 0, 10_000, step=1, key=f"{prefix}.seed")


ui.lab_header(
    "🧲 Regularization: L1, L2 and dropout",
    "A network with far more weights than training points can memorise the points, noise included. "
    "**Regularization** makes memorising harder. A **penalty** adds a price for large weights to the loss the "
    "optimizer minimises, so every weight must earn its size by lowering the data error; **dropout** silences a random "
    "share of hidden units at every training step, so no unit can count on a particular partner. Below, the same "
    "network from the same seed is trained twice, once as it is and once regularized, on the same batches.",
)
st.latex(r"\text{L1:}\quad J(w) = \underbrace{\tfrac{1}{n}\sum_{i=1}^{n} \big(y_i - \hat y_i\big)^2}_{\text{MSE}} + \lambda \sum_j |w_j|")
st.latex(r"\text{L2:}\quad J(w) = \underbrace{\tfrac{1}{n}\sum_{i=1}^{n} \big(y_i - \hat y_i\big)^2}_{\text{MSE}} + \lambda \sum_j w_j^2")
st.markdown(
    "The lecture writes the data error as mean squared error; our classifier uses cross-entropy, and the penalty is the same. "
    "**Why L1 gives zeros:** the slope of λ|w| is ±λ whatever the weight's size, so every update pulls each weight toward "
    "zero by the same step. A weight that helps the data error less than that step is walked all the way to zero and "
    "stays there: the network becomes **sparse**. **Why L2 only shrinks:** the slope of λw² is 2λw, proportional to the "
    "weight, so the pull weakens as the weight gets small. Large weights are cut hard, small ones barely, and almost none "
    "lands exactly on zero: all weights shrink **smoothly**. Biases are not penalised."
)
# Each tab's settings travel in the URL: the comparison's under bare names, the others as "sweep.units=...".
for prefix, defaults, part in ((PREFIX, DEFAULTS, ""), (SWEEP, SWEEP_DEFAULTS, "sweep"), (DROP, DROP_DEFAULTS, "dropout")):
    ui.init_state(prefix, defaults, part)
    clamp_state(prefix)

# Only the open tab trains (the others keep their controls), so a first visit costs one comparison.
compare_tab, sweep_tab, dropout_tab = ui.lab_tabs(["1 · With and without", "2 · Sweep λ", "3 · Dropout"], f"{PREFIX}.tab")

with compare_tab:
    st.markdown("**Try a preset** (each sets the regularization controls):")
    for column, (name, values) in zip(st.columns(len(exp.PRESETS)), exp.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(PREFIX, values), width="stretch", key=f"{PREFIX}.preset.{name}")
    with st.form(f"{PREFIX}.form"):
        penalty_column, data_column = st.columns(2)
        with penalty_column:
            st.markdown("**Regularization** (combine them freely)")
            st.select_slider("L1 strength λ₁ (log steps)", LAMBDAS, format_func=lambda_label, key=f"{PREFIX}.l1")
            st.select_slider("L2 strength λ₂ (log steps)", LAMBDAS, format_func=lambda_label, key=f"{PREFIX}.l2")
            st.select_slider("Dropout rate (share of hidden units silenced)", RATES, key=f"{PREFIX}.dropout_rate")
        with data_column:
            st.markdown("**Network, data and training** (shared by both runs)")
            data_controls(PREFIX)
        st.form_submit_button("▶ Train with and without", type="primary")
    config = ui.shared_config(PREFIX, DEFAULTS)
    result = ui.run_experiment(exp, config) if compare_tab.open else None
    if result is not None:
        base, reg = result.baseline, result.regularized
        if result.divergence:
            st.warning(f"💥 **{result.divergence}** A penalty this strong makes the updates overshoot. Lower λ and train again.")
        if not config.regularized:
            st.info("All regularization is off, so both runs are the same network trained the same way: their lines coincide.")
        metrics = st.columns(4)
        metrics[0].metric("Validation accuracy", f"{reg.final['val_accuracy']:.1%}", delta=f"{reg.final['val_accuracy'] - base.final['val_accuracy']:+.1%} vs none")
        metrics[1].metric("Gap (validation − training)", f"{reg.gap:.3g}", delta=f"{reg.gap - base.gap:+.3g} vs none", delta_color="inverse", help="Final cross-entropy on validation minus on training.")
        metrics[2].metric("Weights near zero", f"{reg.near_zero_share:.0%}", delta=f"{reg.near_zero_share - base.near_zero_share:+.0%} vs none", help=f"|w| < {exp.NEAR_ZERO:g}")
        metrics[3].metric("Penalty in the loss at the end", f"{reg.penalty_reported:.3g}", help="The model's own penalty term; the tests check it against the formula.")
        runs = [(reg.label, reg), ("no regularization", base)]
        ui.chart(plots.curves_with_and_without([(label, run.epochs) for label, run in runs]))
        ui.notice("solid lines are the regularized run, dotted the plain one. Without help the training error dives toward zero while validation error climbs; the penalty keeps training error higher and validation error lower: a smaller gap.")
        left, right = st.columns(2)
        for index, (column, (label, run)) in enumerate(zip((left, right), runs)):
            with column:  # keyed: with everything off the two figures are identical
                figure = boundary_plots.decision_boundary(result.grid_x, result.grid_y, run.grid_probability, result.x_train, result.y_train, result.x_val, result.y_val, f"Decision boundary: {label}")
                ui.chart(figure, key=f"{PREFIX}.boundary.{index}")
        ui.notice("the plain network draws islands and fingers around single noisy training points; the regularized one draws a simpler, smoother boundary. Too large a λ flattens it into a straight line or gives up on one class.")
        left, right = st.columns(2)
        with left:
            ui.chart(plots.weight_histogram([(label, run.weights, run.near_zero_share) for label, run in runs], exp.NEAR_ZERO))
            ui.notice("with L1 a tall spike grows at exactly zero (the count is on a log scale): most weights are switched off. L2 narrows the whole bell instead, with few weights at zero.")
        with right:
            ui.chart(plots.weight_norm([(label, run.epochs) for label, run in runs]))
            ui.notice("without a penalty the weights keep growing to sharpen the fit to the training points; a penalty holds the norm down or even shrinks it, the more the larger λ.")

with sweep_tab:
    st.markdown(
        f"Train one network per penalty strength (L1 and L2, λ = {', '.join(f'{v:g}' for v in exp.LAMBDAS)}) plus one without, "
        "all from the same seed in one compiled loop, and compare their **final** errors."
    )
    with st.form(f"{SWEEP}.form"):
        left, right = st.columns(2)
        with left:
            data_controls(SWEEP, network=False)
        with right:
            st.slider("Hidden layers (depth)", 1, 6, key=f"{SWEEP}.num_hidden_layers")
            st.select_slider("Units per hidden layer (width)", UNITS, key=f"{SWEEP}.units")
        st.form_submit_button("▶ Run the λ sweep", type="primary")
    sweep_config = dataclasses.replace(ui.shared_config(SWEEP, SWEEP_DEFAULTS, "sweep"), kind="lambda")
    sweep = ui.run_experiment(exp, sweep_config) if sweep_tab.open else None
    if sweep is not None:
        ui.chart(plots.lambda_sweep(sweep.table))
        st.caption(f"{len(sweep.table)} networks trained together in {sweep.seconds:.1f} s.")
        ui.notice("too little λ and validation error sits near the overfit level of the dotted grey line; too much and both errors rise together: underfitting. Validation error is lowest in between (the star). L1 at large λ collapses sooner because it zeroes weights outright.")

with dropout_tab:
    st.markdown(
        "During training each hidden unit is switched off with probability *p* at every step, and the survivors are scaled up "
        "by 1/(1−p) so that the next layer receives the same total on average. At prediction time nothing is dropped."
    )
    with st.form(f"{DROP}.form"):
        left, right = st.columns(2)
        with left:
            st.select_slider("Dropout rate p", RATES, key=f"{DROP}.dropout_rate")
            st.select_slider("Units per hidden layer (width)", UNITS, key=f"{DROP}.units")
        with right:
            st.select_slider("Epochs", EPOCHS, key=f"{DROP}.epochs")
            st.number_input("Seed", 0, 10_000, step=1, key=f"{DROP}.seed")
        st.form_submit_button("▶ Train with dropout", type="primary")
    drop_config = dataclasses.replace(ui.shared_config(DROP, DROP_DEFAULTS, "dropout"), l1=0.0, l2=0.0)
    dropped = ui.run_experiment(exp, drop_config) if dropout_tab.open else None
    if dropped is not None:
        if dropped.mask_kept is None:
            st.info("With a rate of 0 nothing is dropped: pick a rate above 0 to see the mask.")
        else:
            ui.chart(plots.dropout_mask(dropped.mask_activations, dropped.mask_kept, drop_config.dropout_rate))
            ui.notice(f"each row is one example of the batch and each column one unit of the first hidden layer. About {drop_config.dropout_rate:.0%} of the cells are red, a different pattern in every row and at every step; the kept activations come out larger to make up for the missing ones.")
        st.caption(f"Same network and seed, {drop_config.dropout_rate:g} dropout vs none: validation accuracy {dropped.regularized.final['val_accuracy']:.1%} vs {dropped.baseline.final['val_accuracy']:.1%}.")
    fields = {f.name: getattr(drop_config, f.name) for f in dataclasses.fields(exp.SweepConfig) if f.name != "kind"}
    rate_sweep = ui.run_experiment(exp, exp.SweepConfig(kind="dropout", **fields)) if dropout_tab.open else None
    if rate_sweep is not None:
        ui.chart(plots.dropout_sweep(rate_sweep.table))
        ui.notice(f"rates {', '.join(f'{v:g}' for v in exp.DROPOUT_RATES)}, one network each. The training error rises with the rate (each step sees a crippled network) while the gap to validation error shrinks; once training error catches up with validation error the gap is closed, and a higher rate only makes the network underfit.")
