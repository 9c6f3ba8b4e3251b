"""Lab sheet: vanishing and exploding gradients."""

import numpy as np
import streamlit as st

from dlcore.experiments import vanishing
from dlcore.plots import training as plots
from pages import components as ui

PREFIX = "vanishing"
DEFAULTS = vanishing.Config()

ui.lab_header(
    "📉 Vanishing and exploding gradients",
    "Backpropagation multiplies one factor per layer: the layer's weights times the slope of its activation. "
    "Sigmoid's slope is never above 0.25, so twenty sigmoid layers multiply twenty small numbers and the "
    "gradient that reaches the first layers all but **vanishes**: those layers stop learning. Weights that start "
    "too large do the opposite, and the gradient **explodes** until the numbers overflow. Train a deep network "
    "below, look at the gradient in every layer, then try the remedies: ReLU, a scaled initialisation (He or "
    "Glorot), batch normalisation and gradient clipping.",
)
ui.init_state(PREFIX, DEFAULTS)

st.markdown("**Try a preset** (each sets several controls at once):")
preset_columns = st.columns(len(vanishing.PRESETS))
for column, (name, values) in zip(preset_columns, vanishing.PRESETS.items()):
    column.button(name, on_click=ui.apply_preset, args=(PREFIX, values, vanishing.Config), width="stretch", help=vanishing.PRESET_HELP[name])

with st.form(f"{PREFIX}.form"):
    network, optimisation, training = st.columns(3)
    with network:
        st.markdown("**Network**")
        ui.network_controls(PREFIX, vanishing.Config)
    with optimisation:
        st.markdown("**Optimizer**")
        ui.optimizer_controls(PREFIX, vanishing.Config)
    with training:
        st.markdown("**Data and training**")
        ui.training_controls(PREFIX, vanishing.Config)
    st.form_submit_button("▶ Train with these settings", type="primary")

config = ui.shared_config(PREFIX, DEFAULTS)
result = ui.run_experiment(vanishing.run, config, live_figure=lambda info: info.epochs_table is not None and plots.loss_curves([("current", info.epochs_table)]) or None)
if result is None:
    st.stop()

pinned_config = st.session_state.get(f"{PREFIX}.pinned")
pin, unpin, _ = st.columns([2, 2, 3])
if pin.button("📌 Pin this run for comparison", width="stretch"):
    st.session_state[f"{PREFIX}.pinned"] = pinned_config = config
if pinned_config is not None and unpin.button("✖ Clear the pinned run", width="stretch"):
    st.session_state[f"{PREFIX}.pinned"] = pinned_config = None
pinned = ui.run_experiment(vanishing.run, pinned_config) if pinned_config is not None and pinned_config != config else None


def describe(run_config) -> str:
    return f"{run_config.activation}, {run_config.initializer}, {run_config.num_hidden_layers} layers" + (", BN" if run_config.batch_norm else "")


runs = [("current: " + describe(config), result)] + ([("pinned: " + describe(pinned_config), pinned)] if pinned else [])
history = result.history
if history.divergence is not None:
    st.warning(
        f"💥 **{history.divergence.message()}** This is the exploding-gradient problem in action: the updates "
        "grew so large that the weights overflowed to infinity and the loss became NaN. Lower the learning rate, "
        "use a scaled initialisation, or turn on gradient clipping and train again.",
    )

first_layer, last_layer = history.initial_gradient_norms[0], history.initial_gradient_norms[-1]
metrics = st.columns(4)
metrics[0].metric("Validation accuracy", f"{result.final_val_accuracy:.1%}")
ratio = first_layer / last_layer if last_layer > 0 and np.isfinite(first_layer / last_layer) else float("nan")
metrics[1].metric("Gradient, first layer ÷ output layer", f"{ratio:.2g}", help="At the first update. Far below 1: vanishing. Far above 1: exploding.")
metrics[2].metric("Parameter updates", f"{history.num_steps:,}", help=f"{history.steps_per_epoch} per epoch")
metrics[3].metric("Training time", f"{history.seconds:.1f} s")

left, right = st.columns(2)
with left:
    ui.chart(plots.gradient_norm_by_layer([(label, run.layer_names, run.history.initial_gradient_norms) for label, run in runs]))
    ui.notice(
        "a line that falls toward the left (the input) means the first layers receive almost no signal: vanishing. "
        "A line far above 1 that rises toward the input means exploding. A healthy network keeps it roughly flat."
    )
with right:
    ui.chart(plots.loss_curves([(label, run.history.epochs) for label, run in runs], divergence_epochs=[run.history.divergence and run.history.divergence.epoch for _, run in runs]))
    ui.notice("with vanishing gradients the loss sits still near 0.69 (a coin flip) for many epochs; the remedies make it fall at once.")

ui.chart(plots.gradient_heatmap(history.group_names, history.gradient_norms, divergence_step=history.divergence.step if history.divergence else None))
ui.notice("each column is one update. Dark rows near the bottom are layers that barely learn; the colour scale is logarithmic, so one shade is a factor of ten.")

left, right = st.columns(2)
with left:
    value_range = (-0.05, 1.05) if config.activation == "sigmoid" else None
    ui.chart(plots.activation_distributions(result.activation_layers, result.activations_at_start, result.activations_at_end, value_range))
    ui.notice("sigmoid outputs squeezed against 0 or 1 sit where the slope is nearly zero; ReLU outputs at exactly 0 pass no gradient at all.")
with right:
    ui.chart(plots.flat_fraction_by_layer(result.activation_layers, result.flat_fraction_at_start, result.flat_fraction_at_end))
    ui.notice("a unit counts as flat where its activation's slope is under 10% of the function's steepest slope: gradient through it is cut at least tenfold.")
