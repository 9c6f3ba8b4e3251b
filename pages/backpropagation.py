"""Lab sheet: backpropagation by hand, with the machine checking every number."""

import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.choices import ACTIVATION_LABELS, INITIALIZER_LABELS
from dlcore.experiments import backpropagation as bp
from dlcore.plots import backprop as plots
from pages import components as ui

PREFIX = "backprop"
CHECK = "backprop_check"
DEFAULTS = bp.Config()
CHECK_DEFAULTS = bp.GradientCheckConfig()
COST = "backprop_cost"
COST_DEFAULTS = bp.CostConfig()
STEP = f"{PREFIX}._step"  # 1-based step of the step-through
EDITOR_VERSION = f"{PREFIX}._editor_version"
TALL = f"{PREFIX}._tall"  # the diagram's layers from top to bottom: a view setting, not part of the experiment  # bumped when a preset replaces the weights, so the table starts afresh
ROLE_LABELS = {
    "given": "Given",
    "value": "Value",
    "local derivative": "Local derivative (this node only)",
    "chain rule": "Chain rule: gradient from the loss × local derivative",
    "gradient": "Gradient of a weight: gradient at the node × value on its edge",
}

ui.lab_header(
    "🔁 Backpropagation",
    "A network learns by nudging each weight against its gradient: how much the loss would grow if that weight "
    "grew a little. Backpropagation finds every gradient in one sweep from the loss back to the inputs. Each node "
    "only needs its own **local derivative**; the **chain rule** multiplies it by the gradient that has already "
    "arrived from the loss. Below is a network small enough to do by hand. Step through the forward pass (values "
    "appear on the nodes) and the backward pass (gradients appear on the edges), then see the machine check every "
    "number three independent ways.",
)
ui.init_state(PREFIX, DEFAULTS)
ui.init_state(CHECK, CHECK_DEFAULTS, "check")
ui.init_state(COST, COST_DEFAULTS, "cost")
st.session_state.setdefault(STEP, 1)
st.session_state.setdefault(EDITOR_VERSION, 0)


def use_preset(name: str) -> None:
    """A preset starts from the default network (every setting, hidden units included), then changes a few numbers."""
    ui.apply_preset(PREFIX, bp.preset_values(name), bp.Config)
    st.session_state[EDITOR_VERSION] += 1
    st.session_state[STEP] = 1


def move_step(delta: int, last: int) -> None:
    st.session_state[STEP] = min(max(1, st.session_state[STEP] + delta), last)


# The diagram first (the step-through), then the network's numbers that feed it: the slot is filled after the controls.
st.subheader("1. Step through it")
step_through = st.container()

st.subheader("2. A network small enough to read")
st.markdown("**Try a preset:**")
for column, name in zip(st.columns(len(bp.PRESETS)), bp.PRESETS):
    column.button(name, on_click=use_preset, args=(name,), help=bp.PRESET_LESSONS[name], width="stretch")

inputs_column, weights_column, settings_column = st.columns([1, 2.2, 1])
with inputs_column:
    st.markdown("**Input and target**")
    ui.control(PREFIX, bp.Config, "x1", "Input x₁", widget="number")
    ui.control(PREFIX, bp.Config, "x2", "Input x₂", widget="number")
    ui.control(PREFIX, bp.Config, "target", "Target t (the output is a sigmoid, so 0 to 1)", widget="number")
with settings_column:
    st.markdown("**Network and checks**")
    ui.control(PREFIX, bp.Config, "hidden_units", "Hidden units")
    ui.control(PREFIX, bp.Config, "c", "Output bias c", widget="number")
    ui.control(PREFIX, bp.Config, "learning_rate", "Learning rate η for one update")
    ui.control(PREFIX, bp.Config, "finite_difference_step", "Finite-difference step h", format_func=lambda h: f"{h:.0e}")

with weights_column:
    st.markdown(f"**Weights** (edit any cell; each must be a number in [−{bp.WEIGHT_LIMIT:g}, {bp.WEIGHT_LIMIT:g}])")
    current = ui.config_from_state(PREFIX, bp.Config)
    number = st.column_config.NumberColumn(min_value=-bp.WEIGHT_LIMIT, max_value=bp.WEIGHT_LIMIT, step=0.01, format="%.4g")
    edited = st.data_editor(
        bp.weights_table(current),
        key=f"{PREFIX}.weights.{st.session_state[EDITOR_VERSION]}.{current.hidden_units}",
        column_config={column: number for column in bp.WEIGHT_COLUMNS},
        width="stretch",
    )
    st.caption("Row hⱼ holds w₁ⱼ (from x₁), w₂ⱼ (from x₂), the bias bⱼ, and vⱼ (from hⱼ to the output).")
    try:
        for name, value in bp.parameters_from_table(edited).items():
            st.session_state[f"{PREFIX}.{name}"] = value
    except ValueError as error:
        st.error(f"The weights table has a problem: {error}. Fix the cell; until then the network keeps its last valid weights.")

config = ui.shared_config(PREFIX, DEFAULTS)
with step_through:
    result = ui.run_experiment(bp.run, config, trains=False)  # a hand computation: no training slot
    if result is None:
        st.stop()
    last = result.num_steps
    st.session_state[STEP] = min(max(1, st.session_state[STEP]), last)
    index = st.session_state[STEP] - 1
    step = result.steps[index]
    known = result.known_at(index)
    if TALL not in st.session_state:  # a phone's browser says "Mobile" in its user agent: start it with the diagram that fits its width
        st.session_state[TALL] = "Mobi" in (st.context.headers.get("User-Agent") or "")
    tall = st.session_state[TALL]  # its toggle is drawn under the step's equations
    ui.chart(plots.network_figure(config.parameters, config.hidden_units, config.target, known, step, title=f"Step {index + 1} of {last} · {step.title}", tall=tall))
    previous_button, slider_column, next_button = st.columns([1, 6, 1])  # right under the diagram, like a player's controls
    previous_button.button("◀ Previous", on_click=move_step, args=(-1, last), disabled=st.session_state[STEP] <= 1, width="stretch")
    next_button.button("Next ▶", on_click=move_step, args=(1, last), disabled=st.session_state[STEP] >= last, width="stretch")
    slider_column.slider("Step", 1, last, key=STEP, label_visibility="collapsed")
    ui.notice(
        "the forward pass only needs the values to its left; the backward pass only needs the gradient to its right "
        "and one local derivative. A weight's gradient is always the gradient at the node it feeds times the value on its edge."
    )
    st.markdown(f"#### {step.title}")
    st.markdown(step.explanation)
    equation_columns = st.columns(2)
    for number, equation in enumerate(step.equations):
        with equation_columns[number % 2]:
            st.caption(ROLE_LABELS[equation.role])
            st.latex(equation.latex_lines)
    st.caption("Numbers are shown to 4 significant digits; the machine carries full precision.")
    st.toggle("Tall diagram (for a phone or a narrow window)", key=TALL)

st.subheader("3. Proof it's right")
st.markdown(
    "The same network built in Keras (float64): **tf.GradientTape** records the forward pass and runs backpropagation "
    "for us, and **central finite differences** nudge each weight by ±h and measure the change in loss, "
    "(L(w + h) − L(w − h)) / 2h, with no chain rule at all. Relative error = |a − b| / max(|a|, |b|, 10⁻⁸)."
)
gradients = result.gradients
error = st.column_config.NumberColumn(format="%.1e")
gradient = st.column_config.NumberColumn(format="%.8f")
st.dataframe(
    gradients,
    hide_index=True,
    width="stretch",
    column_config={
        "parameter": "parameter",
        "by_hand": st.column_config.NumberColumn("by hand", format="%.8f"),
        "gradient_tape": st.column_config.NumberColumn("GradientTape", format="%.8f"),
        "finite_difference": st.column_config.NumberColumn(f"finite diff. (h = {config.finite_difference_step:.0e})", format="%.8f"),
        "relative_error_tape": st.column_config.NumberColumn("rel. error tape", format="%.1e"),
        "relative_error_finite_difference": st.column_config.NumberColumn("rel. error finite diff.", format="%.1e"),
    },
)
left, right = st.columns(2)
with left:
    ui.chart(plots.relative_errors(gradients))
    ui.notice(result.agreement_caption())
with right:
    ui.chart(plots.finite_difference_sweep(result.sweep, config.finite_difference_step))
    ui.notice("a large h measures the slope of a chord, not of the curve; a tiny h subtracts two almost equal losses and rounding takes over. Backprop has no h to choose.")

st.markdown(f"**One gradient-descent step**, w ← w − η · ∂L/∂w with η = {config.learning_rate:g}, applied by Keras' SGD and by hand:")
st.latex(  # two lines: one wide line does not fit a phone
    rf"\begin{{aligned}} L&: {bp.latex_number(result.loss_before)} \;\to\; {bp.latex_number(result.loss_after)} \\ "
    rf"\hat{{y}}&: {bp.latex_number(result.output_before)} \;\to\; {bp.latex_number(result.output_after)} \quad (t = {bp.latex_number(config.target)}) \end{{aligned}}"
)
st.dataframe(
    result.update,
    hide_index=True,
    width="stretch",
    column_config={
        "before": st.column_config.NumberColumn("w before", format="%.6f"),
        "gradient": st.column_config.NumberColumn("∂L/∂w", format="%.6f"),
        "change": st.column_config.NumberColumn("−η·∂L/∂w", format="%.6f"),
        "after_by_hand": st.column_config.NumberColumn("after, by hand", format="%.6f"),
        "after_keras_sgd": st.column_config.NumberColumn("after, Keras SGD", format="%.6f"),
    },
)
if result.loss_after > result.loss_before:
    ui.notice("the loss went **up**: the step was too long and jumped past the valley floor. Try a smaller η.")
else:
    ui.notice("every weight moved against its gradient and the loss fell; weights with tiny gradients hardly moved at all.")

st.subheader("4. Bigger nets: the same check, layer by layer")
st.markdown(
    "On an MLP on the two-moons data, backprop gives every gradient at once. We get the gradient over the whole training "
    "set four ways: the training engine's compiled step (`engine.gradients`) and an eager `tf.GradientTape`, both in the "
    "model's float32; the same tape on a float64 copy of the network (the reference); and central finite differences in "
    "float64 on a sample of weights in each layer (two forward passes per weight). Each layer's error is ‖a − b‖ / ‖b‖."
)
check_results = st.container()  # the charts first, the form under them
with st.form(f"{CHECK}.form"):  # a big check takes a minute (finite differences): settings apply on submit
    columns = st.columns(4)
    with columns[0]:
        ui.control(CHECK, bp.GradientCheckConfig, "num_hidden_layers", "Hidden layers")
        ui.control(CHECK, bp.GradientCheckConfig, "units", "Units per layer")
    with columns[1]:
        ui.control(CHECK, bp.GradientCheckConfig, "activation", "Activation", format_func=ACTIVATION_LABELS.get)
        ui.control(CHECK, bp.GradientCheckConfig, "initializer", "Weight initialisation", format_func=INITIALIZER_LABELS.get)
    with columns[2]:
        ui.control(CHECK, bp.GradientCheckConfig, "num_samples", "Training examples")
        ui.control(CHECK, bp.GradientCheckConfig, "weights_per_layer", "Weights checked per layer")
    with columns[3]:
        ui.control(CHECK, bp.GradientCheckConfig, "seed", "Seed", widget="number")
    st.form_submit_button("▶ Check this network", type="primary")

with check_results:
    check = ui.run_experiment(bp.check_bigger_network, ui.shared_config(CHECK, CHECK_DEFAULTS, "check"), trains=False)  # gradients, no training
    if check is None:
        st.stop()
    left, right = st.columns(2)
    with left:
        ui.chart(plots.layer_check(check.layers, check.finite_difference_noise))
        ui.notice(check.caption() + " An error of exactly 0 is drawn at the bottom of the axis.")
    with right:
        ui.chart(plots.method_times(check.timings))
        ui.notice(
            f"one backward pass gives all {check.num_parameters:,} gradients; finite differences need two forward passes for every weight. "
            f"Tracing the engine's graph took {check.tracing_seconds * 1e3:.0f} ms, paid once per network and left out of the bars (they time calls after the first)."
        )
    error = st.column_config.NumberColumn(format="%.1e")
    st.dataframe(
        check.layers,
        hide_index=True,
        width="stretch",
        column_config={
            "weights": "weights",
            "sampled": "checked",
            "gradient_norm": st.column_config.NumberColumn("‖∂L/∂W‖", format="%.2e"),
            "sampled_gradient_rms": st.column_config.NumberColumn("size of checked gradients (rms)", format="%.1e"),
            "relative_error_engine": st.column_config.NumberColumn("engine vs tape", format="%.1e"),
            "relative_error_float32": st.column_config.NumberColumn("float32 vs float64", format="%.1e"),
            "relative_error_finite_difference": st.column_config.NumberColumn("finite diff. vs float64", format="%.1e"),
        },
    )
    st.dataframe(check.timings.drop(columns="label"), hide_index=True, width="stretch", column_config={"seconds": st.column_config.NumberColumn(format="%.4f")})
    with st.expander("Every sampled weight"):
        gradient = st.column_config.NumberColumn(format="%.4e")
        st.dataframe(
            check.samples, hide_index=True, width="stretch",
            column_config={"float64": gradient, "gradient_tape": gradient, "engine": gradient, "finite_difference": gradient, **{c: error for c in check.samples.columns if c.startswith("relative_error")}},
        )

st.subheader("5. What backprop costs")
st.markdown(
    "Backprop is no free lunch: the backward pass does about as much arithmetic as the forward pass, twice over "
    "(each layer passes a gradient back and finds its weights' gradients), so its time grows with the network. What it saves is "
    "the factor of the number of weights that finite differences pay. Here networks of growing width are timed, each pass "
    f"on {bp.COST_BATCH} examples, the fastest of a few repeats, after one call that traces the graph."
)
cost_results = st.container()  # the chart first, the form under it
with st.form(f"{COST}.form"):  # timing four networks takes a few seconds: settings apply on submit
    columns = st.columns(3)
    with columns[0]:
        ui.control(COST, bp.CostConfig, "num_hidden_layers", "Hidden layers")
    with columns[1]:
        ui.control(COST, bp.CostConfig, "activation", "Activation", format_func=ACTIVATION_LABELS.get)
    with columns[2]:
        ui.control(COST, bp.CostConfig, "repeats", "Repeats (fastest kept)")
    st.form_submit_button("▶ Time these networks", type="primary")
with cost_results:
    cost = ui.run_experiment(bp.cost_scaling, ui.shared_config(COST, COST_DEFAULTS, "cost"), trains=False)  # timing, no training
    if cost is None:
        st.stop()
    ui.chart(plots.cost_scaling(cost.table))
    ui.notice(cost.caption())
