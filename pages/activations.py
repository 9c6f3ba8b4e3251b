"""Lab sheet: activation functions: the gallery, why a network needs one, and why ReLU won."""

import numpy as np
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.activation_functions import GALLERY
from dlcore.choices import ACTIVATION_LABELS, OPTIMIZER_LABELS
from dlcore.experiments import activations as lab
from dlcore.plots import activations as plots
from pages import components as ui

PREFIX = "activations"

ui.lab_header(
    "📈 Activation functions",
    "A neuron adds up its weighted inputs and then bends the sum with an **activation function**. That bend is "
    "the whole point: without it, stacking layers buys nothing, because a chain of linear maps is itself one "
    "linear map. Below, look at the usual functions and how steep they are, prove the linear collapse on a "
    "trained network, and measure three reasons why ReLU pushed sigmoid out of hidden layers.",
)
TAB_NAMES = ["① Gallery", "② Why non-linear?", "③ Why ReLU?", "④ Maxout", "⑤ Live training"]


def remember(prefix: str, defaults) -> None:
    """Give one experiment's widgets (keyed '<prefix>.<field>') their session, link or default values.

    Each experiment's settings travel in the URL under its own part name ("gallery.names=relu,gelu").
    """
    ui.init_state(prefix, defaults, prefix.removeprefix(f"{PREFIX}."))


def settings(prefix: str, defaults):
    """The experiment's config as its widgets set it, remembered for the session and written into the URL."""
    return ui.shared_config(prefix, defaults, prefix.removeprefix(f"{PREFIX}."))


def bump(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def gallery_part():
    gp = f"{PREFIX}.gallery"
    remember(gp, lab.GalleryConfig())
    slot = st.container()  # filled after the controls: the figure first, its controls under it
    chosen, sliders = st.columns([2, 3])
    with chosen:
        ui.control(gp, lab.GalleryConfig, "names", "Functions to overlay", format_func=lambda name: GALLERY[name].label)
    with sliders:
        for column, (field, label) in zip(st.columns(4), (("leaky_slope", "Leaky slope a"), ("elu_alpha", "ELU α"), ("maxout_pieces", "Maxout pieces k"), ("x_limit", "x range ±"))):
            with column:
                ui.control(gp, lab.GalleryConfig, field, label)
    config = settings(gp, lab.GalleryConfig())
    with slot:
        if not config.names:
            st.info("Pick at least one function to draw.")
            return
        result = ui.run_experiment(lab.gallery, config, trains=False)
        if result is None:
            return
        ui.chart(plots.gallery_figure(result))
        ui.notice(
            "the dotted line is the slope that backpropagation multiplies by. Shaded stretches are **saturated** (slope under "
            "10% of the function's steepest): a unit living there passes almost no gradient back. ReLU's slope is exactly 1 "
            "for every positive input; sigmoid's never exceeds 0.25."
        )
    for row in range(0, len(result.curves), 2):  # one card per function, under the controls that choose them
        for column, curve in zip(st.columns(2), result.curves[row : row + 2]):
            with column.container(border=True):
                st.markdown(f"**{curve.label}**: {curve.note}.")
                for part in curve.latex.split(r", \qquad "):  # the function, then its slope: one line each, so a phone shows both whole
                    st.latex(part)
                st.caption(f"Steepest slope on this range: **{curve.peak_slope:.4g}** at x = {curve.peak_x:.2f}.")
                if curve.name == "sigmoid":
                    st.page_link("pages/vanishing.py", label="Twenty such layers deep: vanishing gradients", icon="📉")


def nonlinear_part():
    nlp = f"{PREFIX}.nonlinear"
    remember(nlp, lab.NonLinearityConfig())
    st.markdown(
        "Train the **same** network twice: same depth, width, seed and data, once with no activation (the identity) and "
        "once with a real non-linearity. Then multiply the linear network's weight matrices together."
    )
    slot = st.container()  # the two boundaries first, the form under them
    with st.form(f"{nlp}.form"):
        cols = st.columns(4)
        with cols[0]:
            ui.control(nlp, lab.NonLinearityConfig, "dataset", "Data set")
            ui.control(nlp, lab.NonLinearityConfig, "activation", "Non-linear activation", format_func=ACTIVATION_LABELS.get)
        with cols[1]:
            ui.control(nlp, lab.NonLinearityConfig, "num_hidden_layers", "Hidden layers")
            ui.control(nlp, lab.NonLinearityConfig, "units", "Units per layer")
        with cols[2]:
            ui.control(nlp, lab.NonLinearityConfig, "epochs", "Epochs")
            ui.control(nlp, lab.NonLinearityConfig, "learning_rate", "Learning rate (Adam)")
        with cols[3]:
            ui.control(nlp, lab.NonLinearityConfig, "noise", "Noise")
            ui.control(nlp, lab.NonLinearityConfig, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train both networks", type="primary")
    config = settings(nlp, lab.NonLinearityConfig())
    with slot:
        result = ui.run_experiment(lab.why_nonlinear, config)
        if result is None:
            return
        left, right = st.columns(2)
        collapse = result.collapse
        with left:
            title = f"Identity activation · validation accuracy {result.linear.val_accuracy:.1%}"
            line = (collapse.weight[:, 0], float(collapse.bias[0]))
            ui.chart(plots.decision_boundary(result.linear, result.x_train, result.y_train, title, line=line))
        with right:
            title = f"{ACTIVATION_LABELS[config.activation]} · validation accuracy {result.nonlinear.val_accuracy:.1%}"
            ui.chart(plots.decision_boundary(result.nonlinear, result.x_train, result.y_train, title))
        ui.notice(
            f"however deep, the identity network's boundary is one straight line: {config.num_hidden_layers} hidden layers of "
            f"{config.units} units did not help. The dashed yellow line is computed from the weights alone and lies on top of it."
        )
        for message in (result.linear.divergence, result.nonlinear.divergence):
            if message:
                st.warning(f"💥 {message} Lower the learning rate.")
    st.subheader("The linear collapse, from the trained weights")  # computed from this run, under the form
    shapes = " · ".join(f"W_{i + 1}\\,({r}\\times{c})" for i, (r, c) in enumerate(collapse.layer_shapes))
    st.latex(rf"W = {shapes} = \begin{{pmatrix}} {collapse.weight[0, 0]:.4f} \\ {collapse.weight[1, 0]:.4f} \end{{pmatrix}}, \qquad b = {collapse.bias[0]:.4f}")
    cols = st.columns(3)
    cols[0].metric("Largest |network − x·W − b|", f"{collapse.max_abs_difference:.2e}")
    cols[1].metric("Largest |network output|", f"{collapse.output_scale:.3g}")
    cols[2].metric("Relative difference", f"{collapse.relative_difference:.1e}", help="float32 carries about 7 significant digits (machine epsilon 1.2e-7)")
    ui.notice(
        f"{len(collapse.layer_shapes)} weight matrices and their biases fold into **one** 2×1 matrix and one number. The "
        "single map reproduces the network's logit on every training and grid point to float32 precision: without an "
        "activation, the deep network *is* logistic regression."
    )


def relu_part():
    rp = f"{PREFIX}.relu"
    st.markdown("Three measured reasons, each on real networks trained or timed just now.")
    experiments = ((f"{rp}.cost", lab.CostConfig(), lab.relu_cost), (f"{rp}.gradient", lab.GradientConfig(), lab.relu_gradients), (f"{rp}.sparsity", lab.SparsityConfig(), lab.relu_sparsity))
    for prefix, defaults, _ in experiments:
        remember(prefix, defaults)
    cost, gradients, sparsity = [ui.run_experiment(experiment, settings(prefix, defaults)) for prefix, defaults, experiment in experiments]
    if any(part is None for part in (cost, gradients, sparsity)):
        return
    element = cost.elementwise.set_index("activation")["ms"]
    norms = {name: h.initial_gradient_norms for name, h in gradients.histories.items()}
    sweep = sparsity.sweep
    cols = st.columns(3)
    cols[0].metric("1 · Cost: sigmoid ÷ ReLU time", f"{element['sigmoid'] / element['relu']:.2f}×", help="The activation and its slope alone, on a million numbers")
    ratio = {name: n[0] / n[-1] for name, n in norms.items()}
    cols[1].metric("2 · First ÷ last layer gradient: sigmoid | ReLU", f"{ratio['sigmoid']:.1e} | {ratio['relu']:.2g}", help="At the first update of the deep networks below")
    cols[2].metric("3 · Exactly-zero ReLU outputs", f"{sweep['zero_fraction'].median():.0%}", help="Median over the learning-rate sweep, after training")

    st.subheader("1 · Cost: is ReLU cheaper to compute?")
    left, right = st.columns([3, 2])
    with left:
        ui.chart(plots.cost_figure(cost.passes))
    with right:
        st.markdown(
            f"**The activation alone** (value and slope of {cost.elementwise_size:,} numbers): sigmoid "
            f"{element['sigmoid']:.2f} ms, ReLU {element['relu']:.2f} ms on {cost.device}. ReLU needs one comparison; "
            "sigmoid needs an exponential and a division."
        )
        st.button("⏱ Measure again", on_click=bump, args=(f"{rp}.cost.trial",))
    ui.notice(
        "**honest caveat:** in a whole forward + backward pass the matrix products and the per-call overhead dominate, so on "
        "small networks the two lines nearly coincide; the saving shows on the activation itself and matters on big models. "
        "Timings are live and vary with machine load."
    )

    st.subheader("2 · Gradients: does the signal reach the first layer?")
    cols = st.columns([1, 2, 2])
    with cols[0]:
        ui.control(f"{rp}.gradient", lab.GradientConfig, "num_hidden_layers", "Hidden layers")
        ui.control(f"{rp}.gradient", lab.GradientConfig, "epochs", "Epochs")
    with cols[1]:
        ui.chart(plots.gradient_through_layers(gradients.histories))
    with cols[2]:
        ui.chart(plots.loss_comparison(gradients.histories))
    spans = {name: history.initial_gradient_norms[0] / history.initial_gradient_norms[-1] for name, history in gradients.histories.items() if history.initial_gradient_norms[-1] > 0}
    ui.notice(
        "sigmoid's slope is at most 0.25, but the factor each layer applies to the gradient is that slope times the layer's weights, so "
        "it depends on the initialisation too; ReLU's slope is exactly 1 wherever a unit is active. In this run, first layer ÷ output layer at the "
        "first update: " + ", ".join(f"{name} ×{value:.2g}" for name, value in spans.items()) + ". Very deep networks can stall with ReLU as well: "
        "compare the loss curves (blue sigmoid, green ReLU; solid training, dashed validation) as you add layers."
    )

    st.subheader("3 · Sparsity and dead units")
    cols = st.columns([1, 2, 2])
    with cols[0]:
        ui.control(f"{rp}.sparsity", lab.SparsityConfig, "optimizer", "Optimizer", widget="radio", format_func=OPTIMIZER_LABELS.get)
    shown = cols[0].select_slider("Learning rate shown per layer", lab.SWEEP_LEARNING_RATES, value=0.1, key=f"{rp}.shown_rate", format_func=lambda v: f"{v:g}")
    with cols[1]:
        ui.chart(plots.zero_fraction_by_layer(sparsity.layers[sparsity.layers["learning_rate"] == shown], shown))
    with cols[2]:
        ui.chart(plots.dead_units_vs_learning_rate(sweep))
    start_dead, end_dead = sweep["dead_fraction_at_start"], sweep["dead_fraction"]
    ui.notice(
        f"a median of {sweep['zero_fraction'].median():.0%} of the ReLU outputs are exactly zero after training: a sparse code that costs nothing. "
        "A unit that is zero for **every** training input (dead, ✕) gets no gradient through its own weights; it can only come back if the "
        f"layers below change its inputs. Across this sweep the dead share went from {start_dead.min():.0%}–{start_dead.max():.0%} before training "
        f"to {end_dead.min():.0%}–{end_dead.max():.0%} after (highest at learning rate {sweep.loc[end_dead.idxmax(), 'learning_rate']:g})."
    )


def inspected_unit(key: str, units: int) -> int:
    """A slider over the first Maxout layer's units, its remembered choice kept below a smaller width."""
    if units == 1:
        return 0
    st.session_state[key] = min(st.session_state.get(key, 0), units - 1)
    return st.slider("Unit of the first Maxout layer to inspect", 0, units - 1, key=key)


def maxout_part():
    mp = f"{PREFIX}.maxout"
    remember(mp, lab.MaxoutConfig())
    st.markdown(
        "A **Maxout** unit computes k linear functions of its input and outputs the largest. It learns its own "
        "activation shape: ReLU is the special case max(0, x). Here two Keras `Maxout` layers learn a 2-D data set."
    )
    slot = st.container()  # the figures first; the unit to inspect and the form under them
    unit_slot = st.container()
    with st.form(f"{mp}.form"):
        cols = st.columns(4)
        with cols[0]:
            ui.control(mp, lab.MaxoutConfig, "dataset", "Data set")
        with cols[1]:
            ui.control(mp, lab.MaxoutConfig, "pieces", "Pieces per unit k")
            ui.control(mp, lab.MaxoutConfig, "units", "Units per Maxout layer")
        with cols[2]:
            ui.control(mp, lab.MaxoutConfig, "epochs", "Epochs")
        with cols[3]:
            ui.control(mp, lab.MaxoutConfig, "learning_rate", "Learning rate (Adam)")
        st.form_submit_button("▶ Train the Maxout network", type="primary")
    config = settings(mp, lab.MaxoutConfig())
    with slot:
        result = ui.run_experiment(lab.maxout, config)
    if result is None:
        return
    with unit_slot:
        unit = inspected_unit(f"{mp}.unit", config.units)
    grid_pieces, positions, slice_pieces, x2 = lab.maxout_unit_views(result, unit)
    with slot:
        left, right = st.columns(2)
        with left:
            title = f"{config.units} units × {config.pieces} pieces, two layers · validation {result.boundary.val_accuracy:.1%}"
            ui.chart(plots.decision_boundary(result.boundary, result.x_train, result.y_train, title))
        with right:
            ui.chart(plots.maxout_unit_map(result, unit, grid_pieces))
        ui.chart(plots.maxout_unit_slice(positions, slice_pieces, x2, unit, height=400))
        ui.notice(
            "each coloured region of the plane is where one learned piece wins; the unit is linear inside a region and bends "
            "along the borders. Along any line across the plane (the bottom chart) it is a convex, piecewise-linear function: a learned activation."
        )


def live_part():
    lp = f"{PREFIX}.live"
    remember(lp, lab.LiveConfig())
    st.markdown(
        "Watch the decision boundary form while the network trains, for any activation. The training step takes a snapshot "
        "of the boundary before training, every few epochs and at the end; the engine hands each new one to this page "
        "between epochs, and keeps them all for the replay."
    )
    slot = st.container()  # the live boundary and the replay first, the form under them
    with st.form(f"{lp}.form"):
        cols = st.columns(4)
        with cols[0]:
            ui.control(lp, lab.LiveConfig, "dataset", "Data set")
            ui.control(lp, lab.LiveConfig, "activation", "Activation", format_func=ACTIVATION_LABELS.get)
        with cols[1]:
            ui.control(lp, lab.LiveConfig, "num_hidden_layers", "Hidden layers")
            ui.control(lp, lab.LiveConfig, "units", "Units per layer")
        with cols[2]:
            ui.control(lp, lab.LiveConfig, "epochs", "Epochs")
            ui.control(lp, lab.LiveConfig, "snapshot_every", "Draw every … epochs")
        with cols[3]:
            ui.control(lp, lab.LiveConfig, "learning_rate", "Learning rate (Adam)")
            ui.control(lp, lab.LiveConfig, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train and watch", type="primary")
    st.button("🔁 Watch it train again", on_click=bump, args=(f"{lp}.trial",))
    config = settings(lp, lab.LiveConfig())
    with slot:
        result = ui.run_experiment(lab.live_boundary, config, live_figure=plots.live_boundary)
        if result is None:
            return
        if result.final.divergence:
            st.warning(f"💥 {result.final.divergence} Lower the learning rate.")
        left, right = st.columns([3, 2])
        with left:
            ui.chart(plots.boundary_animation(result))
        with right:
            ui.chart(plots.loss_comparison({ACTIVATION_LABELS[config.activation]: result.final}, metric="accuracy"))
            st.metric("Final validation accuracy", f"{result.final.val_accuracy:.1%}", help=f"{len(result.snapshot_epochs)} snapshots of {np.size(result.xs) ** 2:,} grid points each")
        ui.notice(
            "press ▶ Play or drag the slider: ReLU carves the plane into straight-edged pieces, tanh and sigmoid draw smooth "
            "curves, and the linear (identity) network never gets past a single straight line."
        )


# Tabs run lazily: only the open tab's experiment trains, so the gallery appears at once.
PARTS = (gallery_part, nonlinear_part, relu_part, maxout_part, live_part)
for tab, part in zip(ui.lab_tabs(TAB_NAMES, f"{PREFIX}.tab"), PARTS):
    with tab:
        if tab.open:
            part()
