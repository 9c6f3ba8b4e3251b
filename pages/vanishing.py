"""Lab sheet: vanishing and exploding gradients."""

import numpy as np
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.experiments import vanishing
from dlcore.plots import training as plots
from pages import components as ui

PREFIX = "vanishing"
DEFAULTS = vanishing.Config()

ui.lab_header(
    "📉 Vanishing and exploding gradients",
    "Backpropagation carries the error signal ∂L/∂a from the output back to the input, multiplying it at every "
    "layer by that layer's weights and the slope of its activation. Sigmoid's slope is never above 0.25, so with "
    "modest weights each sigmoid layer shrinks the signal and after twenty of them it all but **vanishes**: the "
    "first layers stop learning. Weights that start too large do the opposite: the signal **explodes** and the "
    "numbers overflow. Train a deep network below, look at the gradient in every layer, then try the remedies: "
    "ReLU, a scaled initialisation (He or Glorot), batch normalisation and gradient clipping.",
)
ui.init_state(PREFIX, DEFAULTS)

main_figures = st.container()  # the gradient per layer and the loss first, the presets and the form under them
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
with main_figures:
    result = ui.run_experiment(vanishing.run, config, live_figure=lambda info: info.epochs_table is not None and plots.loss_curves([("current", info.epochs_table)]) or None)
if result is None:
    st.stop()

pinned_config = st.session_state.get(f"{PREFIX}.pinned")
pin, unpin, _ = st.columns([2, 2, 3])  # with the controls: pin this run, change the settings, compare in the figures above
if pin.button("📌 Pin this run for comparison", width="stretch"):
    st.session_state[f"{PREFIX}.pinned"] = pinned_config = config
if pinned_config is not None and unpin.button("✖ Clear the pinned run", width="stretch"):
    st.session_state[f"{PREFIX}.pinned"] = pinned_config = None
with main_figures:
    pinned = ui.run_experiment(vanishing.run, pinned_config) if pinned_config is not None and pinned_config != config else None


def describe(run_config) -> str:
    return f"{run_config.activation}, {run_config.initializer}, {run_config.num_hidden_layers} layers" + (", BN" if run_config.batch_norm else "")


def ratio_text(value: float) -> str:
    return "0 (underflow)" if value == 0 else f"{value:.2g}"


runs = [("current: " + describe(config), result)] + ([("pinned: " + describe(pinned_config), pinned)] if pinned else [])
history = result.history
reading = vanishing.read_gradients(history)
with main_figures:
    if history.divergence is not None:
        cause = (
            "The gradient was exploding from the first update (see the verdict below), so the updates were huge"
            if reading.verdict == "exploding"
            else "The gradient was not exploding at the start, so the learning rate is too large for this network"
        )
        st.warning(
            f"💥 **{history.divergence.message()}** A number passed float32's largest value (about 3.4·10³⁸) and became infinite, "
            f"and NaN followed. {cause}. Lower the learning rate, use a scaled initialisation, or turn on gradient clipping and train again.",
        )

    left, right = st.columns(2)
    with left:
        ui.chart(plots.gradient_norm_by_layer([(label, run.layer_names, run.history.initial_gradient_norms) for label, run in runs],
                                              signals=[run.history.initial_output_gradient_norms for _, run in runs]))
        ui.notice(
            reading.sentence() + " Solid lines are weight gradients ∂L/∂W, dotted ones the signal ∂L/∂a. They can disagree: "
            "∂L/∂W = (layer input)ᵀ · δ, so a large signal near the input that meets small layer inputs gives an ordinary weight gradient."
        )
    with right:
        if history.divergence is not None and history.divergence.epoch <= 1:
            ui.chart(plots.loss_per_update(history.steps, history.divergence.step))
            ui.notice(f"the run overflowed during the first epoch, so there is no epoch curve: the loss of each update up to update {history.divergence.step} is shown instead.")
        else:
            ui.chart(plots.loss_curves([(label, run.history.epochs) for label, run in runs], divergence_epochs=[run.history.divergence and run.history.divergence.epoch for _, run in runs]))
            losses = history.epochs["train_loss"].to_numpy(dtype=float)
            finite = losses[np.isfinite(losses)]
            if len(finite) >= 2 and finite[-1] > 0.95 * finite[0]:
                coin_flip = " (0.693 = ln 2 is what always answering 50/50 costs)" if abs(finite[-1] - 0.693) < 0.02 else ""
                ui.notice(f"the training loss went from {finite[0]:.3f} to {finite[-1]:.3f}: it barely moved{coin_flip}.")
            elif len(finite) >= 2:
                ui.notice(f"the training loss fell from {finite[0]:.3f} to {finite[-1]:.3f} over {len(finite)} epochs.")

    metrics = st.columns(6)  # under the figures they sum up
    metrics[0].metric("Validation accuracy", f"{result.final_val_accuracy:.1%}")
    metrics[1].metric("Verdict", reading.verdict, help=f"From ∂L/∂a at the first update, per layer: below ×{1 / vanishing.HEALTHY_FACTOR:.2f} vanishing, above ×{vanishing.HEALTHY_FACTOR:g} exploding.")
    metrics[2].metric("∂L/∂a first ÷ last", ratio_text(reading.signal_ratio), help="The back-propagated signal ‖∂L/∂a‖ at the first hidden layer over the last hidden layer, at the first update.")
    weight_help = "The weight gradient ‖∂L/∂W‖ of the first layer over the output layer's, at the first update." + (f" Layers 1-{reading.first_nonzero_layer - 1} have a gradient of exactly 0; this starts at layer {reading.first_nonzero_layer}." if reading.first_nonzero_layer > 1 else "")
    metrics[3].metric("∂L/∂W first ÷ output", ratio_text(reading.weight_ratio), help=weight_help)
    metrics[4].metric("Parameter updates", f"{history.num_steps:,}", help=f"{history.steps_per_epoch} per epoch")
    metrics[5].metric("Training time", f"{history.seconds:.1f} s")

zero_rows = int(np.sum(np.all(history.gradient_norms == 0, axis=0))) if len(history.gradient_norms) else 0
ui.chart(plots.gradient_heatmap(history.group_names, history.gradient_norms, divergence_step=history.divergence.step if history.divergence else None))
ui.notice(
    "each column is one update; the colour scale is logarithmic, so one shade is a factor of ten. Dark rows near the bottom are layers that barely learn"
    + (f"; the {zero_rows} rows marked “= 0” had a gradient of exactly 0 at every update." if zero_rows else ".")
)

left, right = st.columns(2)
with left:
    value_range = (-0.05, 1.05) if config.activation == "sigmoid" else None
    ui.chart(plots.activation_distributions(result.activation_layers, result.activations_at_start, result.activations_at_end, value_range))
    ui.notice("each violin shows one hidden layer's outputs on 256 training examples, before (left half) and after (right half) training.")
with right:
    ui.chart(plots.flat_fraction_by_layer(result.activation_layers, result.flat_fraction_at_start, result.flat_fraction_at_end))
    ui.notice(vanishing.saturation_sentence(result) + " (A unit counts as flat where its slope is under 10% of the function's steepest.)")
