"""Lab sheet: convolutional networks, from one window of numbers to LeNet, AlexNet and Inception."""

import numpy as np
import pandas as pd
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import images
from dlcore.experiments import cnn as lab
from dlcore.plots import cnn as plots
from pages import components as ui

PREFIX = "cnn"
ui.lab_header(
    "🧩 Convolutional networks",
    "A convolutional layer slides one small grid of weights, the **kernel**, over the image and writes one number "
    "per position: the sum of the pixels under the window times the kernel's weights. The same few weights are "
    "used everywhere (**shared weights**), so the layer finds a pattern wherever it appears, and a network stacks "
    "such layers with **subsampling** (pooling or strides) in between, so that later layers see ever larger "
    "regions. Work through it below, from the arithmetic of one window to networks trained on real images now.",
)
TAB_NAMES = ["① The conv2d formula", "② One convolution, step by step", "③ Filters on a photo", "④ Shared weights & pooling", "⑤ Receptive field", "⑥ Train a CNN", "⑦ Draw a digit", "⑧ Architectures"]


def settings(part: str, defaults, fields: list[tuple[str, str]], columns: int = 4, **labels):
    """Remember a group (its settings travel in links as part.field), draw its controls in columns, return its config."""
    prefix = f"{PREFIX}.{part}"
    ui.init_state(prefix, defaults, part)
    for first in range(0, len(fields), columns):  # row by row, so a phone stacks them in reading order
        for column, (field, label) in zip(st.columns(columns), fields[first : first + columns]):
            with column:
                ui.control(prefix, type(defaults), field, label, **labels.get(field, {}))
    return ui.shared_config(prefix, defaults, part)


def panels(figures, widths=None) -> None:
    """Small figures side by side on a wide screen, one under another on a phone."""
    for column, figure in zip(st.columns(widths or len(figures)), figures):
        with column:
            ui.chart(figure)


def formula_part():
    slot = st.container()  # the figure first, the formula and the controls under it
    config = settings("formula", lab.FormulaConfig(), [("input_size", "Input size n"), ("kernel_size", "Kernel size k"), ("padding", "Padding"), ("explicit_padding", "Explicit padding p"), ("stride", "Stride s"), ("dilation", "Dilation d")], columns=3, padding=dict(format_func=lab.PADDINGS.get))
    with slot:
        result = ui.run_experiment(lab.conv_formula, config, trains=False)
        if result is None:
            return
        if result.problem:
            latex_formula(result)
            st.warning(result.problem)
            return
        out = result.output_size
        figure = st.container()
        left, right = st.columns(2)  # under the figure, like a player's controls
        row = left.slider("Output row to highlight", 0, out - 1, 0, key=f"{PREFIX}.formula.row") if out > 1 else 0
        column = right.slider("Output column to highlight", 0, out - 1, 0, key=f"{PREFIX}.formula.column") if out > 1 else 0
        with figure:
            ui.chart(plots.formula_figure(result, (row, column)))
        ui.notice(f"the window moves {config.stride} pixel{'s' if config.stride > 1 else ''} at a time and its {config.kernel_size} taps sit {config.dilation} apart, covering {result.geometry.span} pixels; it fits {out} times across. 'same' padding adds just enough zeros that the output is ⌈n / s⌉ wide.")
        latex_formula(result)
        if result.keras_output_size is not None:
            st.success(f"A real `keras.layers.Conv2D` on a {config.input_size}×{config.input_size} input returns {result.keras_output_size}×{result.keras_output_size}: the formula agrees.")
        else:
            st.info(result.keras_note)


def latex_formula(result) -> None:
    first, *rest = result.latex.split(" = ")  # one step of the arithmetic per line: the whole chain fits a phone
    st.latex(rf"\begin{{aligned}}{first} &= " + r" \\ &= ".join(rest) + r"\end{aligned}")


def step_part():
    slot = st.container()  # the panels and their step slider first, the controls under them
    config = settings("step", lab.StepConfig(), [("source", "Image"), ("image_index", "Digit number"), ("patch_size", "Patch size"), ("kernel", "Kernel"), ("stride", "Stride"), ("padding", "Padding"), ("bias", "Bias b"), ("activation", "Activation")], source=dict(format_func=lab.SOURCES.get), kernel=dict(format_func=lab.PRESET_LABELS.get), activation=dict(format_func=lab.STEP_ACTIVATIONS.get))
    with slot:
        result = ui.run_experiment(lab.step_through, config, trains=False)
        if result is None:
            return
        figures = st.container()
        step = st.slider("Step (one output value per step, row by row)", 1, result.num_steps, 1, key=f"{PREFIX}.step.position") - 1  # under the panels, like a player's controls
        with figures:
            panels(plots.step_panels(result, step), [3, 2, 2, 3])
        row, column = result.position(step)
        products = result.products(step)
        total = float(products.sum())
        terms = [f"{'+' if i and v >= 0 else ''}{0.0 if abs(v) < 5e-3 else v:.2f}" for i, v in enumerate(products.reshape(-1))]
        activation = lab.STEP_ACTIVATIONS[config.activation].split(" ")[0]
        st.latex(rf"\begin{{aligned}}\textstyle\sum \text{{window}} \times \text{{kernel}} &= {' '.join(terms[:5])} \\ &\quad {' '.join(terms[5:])} = {total:.3f}\end{{aligned}}")
        st.latex(rf"{total:.3f} + b\,({config.bias:g}) = {result.pre_activation[row, column]:.3f} \;\xrightarrow{{\text{{{activation}}}}}\; {result.output[row, column]:.3f}")
        st.caption(f"Input: {result.caption}. The kernel is **not flipped**: like every deep-learning library, this computes cross-correlation, which machine learning calls convolution (a flipped kernel would learn the same thing).")
        ui.notice(f"each output value is one dot product of a 3×3 window with the same 9 weights. The whole {result.output_size}×{result.output_size} map equals `tf.nn.conv2d` (plus bias, activation) to {result.max_difference_from_tensorflow:.1e}.")


def kernel_editor(config) -> tuple | None:
    """The kernel table (starts at the preset; edit any cell); None with a message naming bad cells."""
    start = pd.DataFrame(lab.preset_kernel(config.preset, config.kernel_size), columns=[f"col {c + 1}" for c in range(config.kernel_size)])
    edited = st.data_editor(start, key=f"{PREFIX}.filters.kernel.{config.preset}.{config.kernel_size}", width="content", hide_index=True)
    cells = [[None if pd.isna(v) else v for v in row] for row in np.asarray(edited, dtype=object)]
    problems = lab.kernel_problems(cells)
    if problems:
        st.warning("Fix the kernel: " + "; ".join(problems) + ". Showing the preset meanwhile.")
        return None
    return lab.as_kernel(cells)


def filters_part():
    slot = st.container()  # the kernel and its photo first, the controls under them
    fields = [("photo", "Photo"), ("preset", "Preset kernel"), ("kernel_size", "Kernel size"), ("colour", "Colour"), ("stride", "Stride"), ("padding", "Padding"), ("pooling", "Pooling"), ("pool_size", "Pool size")]
    config = settings("filters", lab.FilterConfig(), fields, photo=dict(format_func=images.PHOTOS.get), preset=dict(format_func=lab.PRESET_LABELS.get), colour=dict(format_func=lab.COLOUR_MODES.get))
    with slot:
        left, right = st.columns([1, 3])
        with left:
            st.markdown("**The kernel** (edit any cell)")
            kernel = kernel_editor(config)
        run = lab.FilterRun(config, kernel) if kernel is not None else lab.default_run(config)
        result = ui.run_experiment(lab.filter_photo, run, trains=False)
        if result is None:
            return
        with right:
            ui.chart(plots.filter_figure(result))
        ui.notice(f"a kernel whose weights sum to {np.sum(run.kernel):.2g} {'keeps the brightness (blur, sharpen)' if abs(np.sum(run.kernel) - 1) < 1e-6 else 'responds to change, not to brightness (edges)' if abs(np.sum(run.kernel)) < 1e-6 else 'scales the brightness'}. ReLU kept {result.positive_share:.0%} of the map; pooling then keeps the strongest (max) or the mean (average) of each {config.pool_size}×{config.pool_size} block.")


def sharing_part():
    slot = st.container()  # the parameter counts first, the controls under them
    fields = [("input_size", "Input size n"), ("channels", "Input channels C"), ("filters", "Filters F"), ("kernel_size", "Kernel size k"), ("photo", "Photo"), ("shift", "Shift (pixels)"), ("crop_size", "Crop size")]
    config = settings("sharing", lab.SharingConfig(), fields, photo=dict(format_func=images.PHOTOS.get))
    with slot:
        result = ui.run_experiment(lab.shared_weights, config, trains=False)
        if result is None:
            return
        counts = result.parameters
        ui.chart(plots.parameters_figure(counts))
        ui.notice(f"the convolution needs {counts.dense_formula / counts.conv_formula:,.0f}× fewer parameters, and its count does not grow with the image: the same {config.kernel_size}×{config.kernel_size} kernel is reused at all {config.input_size**2:,} positions.")
        st.latex(r"\text{convolution: } " + counts.conv_formula_text)
        st.latex(r"\begin{aligned}\text{dense: } & " + counts.dense_formula_text + r"\end{aligned}")
        dense_check = f"{counts.dense_keras:,}" if counts.dense_keras is not None else "not built (its weights would not fit comfortably in memory)"
        st.caption(f"Keras' `count_params()` on real layers: convolution {counts.conv_keras:,}; dense {dense_check}.")
    st.markdown(f"**Shift the input, and the feature map shifts with it** (Sobel x kernel, ReLU; the input moved {config.shift} pixels right and down)")
    panels(plots.equivariance_panels(result))
    ui.notice(f"away from the borders the two maps match to {result.equivariance_error:.1e} (the map's values reach {result.map_scale:.2f}): convolution is **equivariant** to shifts.")
    st.markdown("**Three ways to halve a feature map**")
    panels(plots.pooling_panels(result))
    ui.chart(plots.shift_figure(result.shift_table, lab.SUBSAMPLINGS))
    one = result.shift_table[result.shift_table["shift"] == 1].set_index("subsampling")["relative_change"]
    steadier = [lab.SUBSAMPLINGS[k] for k in ("max", "average", "strided") if one[k] < one["none"]]
    shakier = [lab.SUBSAMPLINGS[k] for k in ("max", "average", "strided") if one[k] >= one["none"]]
    verdict = (f"{' and '.join(steadier)} changed less than the map itself: pooling buys some, not full, **invariance** to small shifts" if steadier else "no subsampling made the output steadier here") + (f"; {' and '.join(shakier)} changed as much or more: keeping every other value of a map aliases it" if shakier else "")
    ui.notice(f"on this crop a 1-pixel shift changes the map by {one['none']:.0%} without subsampling, {one['max']:.0%} after max pooling, {one['average']:.0%} after average pooling and {one['strided']:.0%} after a stride-2 convolution: {verdict}.")


def stack_editor(preset: str) -> tuple | None:
    layers = lab.STACKS[preset][1]
    start = pd.DataFrame([dict(kind=layer.kind, kernel=layer.kernel, stride=layer.stride, dilation=layer.dilation) for layer in layers])
    columns = {"kind": st.column_config.SelectboxColumn("kind", options=list(lab.LAYER_KINDS), required=True), **{name: st.column_config.NumberColumn(name, min_value=1, max_value=high, step=1) for name, high in (("kernel", 11), ("stride", 4), ("dilation", 4))}}
    edited = st.data_editor(start, key=f"{PREFIX}.receptive.stack.{preset}", num_rows="dynamic", column_config=columns, hide_index=False)
    whole = lambda v: int(v) if isinstance(v, (int, float)) and np.isfinite(v) and v == int(v) else v  # noqa: E731
    stack = tuple(lab.LayerSpec(str(row["kind"]), whole(row["kernel"]), whole(row["stride"]), whole(row["dilation"])) for _, row in edited.iterrows())
    problems = lab.layer_problems(stack)
    if problems:
        st.warning("Fix the stack: " + "; ".join(problems) + ". Showing the preset meanwhile.")
        return None
    return stack


def receptive_part():
    slot = st.container()  # the fields first, the controls and the stack under them
    config = settings("receptive", lab.ReceptiveConfig(), [("preset", "Start from"), ("num_images", "Images averaged"), ("filters", "Filters per conv"), ("photo", "Photo"), ("seed", "Seed")], columns=5, preset=dict(format_func=lambda k: lab.STACKS[k][0]), photo=dict(format_func=images.PHOTOS.get), seed=dict(widget="number"))
    st.markdown("**The stack** (one row per layer, input side first; add, delete or edit rows; valid padding)")
    stack = stack_editor(config.preset)
    run = lab.ReceptiveRun(config, stack) if stack is not None else lab.preset_run(config)
    with slot:
        if run.problems():
            st.warning("This stack can't be measured: " + "; ".join(run.problems()))
            return
        result = ui.run_experiment(lab.receptive_field, run, trains=False)
        if result is None:
            return
        ui.chart(plots.receptive_figure(result))
        ui.chart(plots.profile_figure(result))
        measured = f"theory says the centre unit sees {result.theoretical_size}×{result.theoretical_size} pixels; 95 % of its measured gradient comes from the middle {result.effective_size}×{result.effective_size}, {result.effective_share:.0%} of that area."
        if result.effective_size < result.theoretical_size:
            ui.notice(f"{measured} Pixels near the edge reach it along few paths, so the **effective** field is a bell, smaller than the theoretical square (Luo et al., 2016).")
        else:
            ui.notice(f"{measured} Here the gradient is spread over the whole field: with strides or dilation each input pixel reaches the centre along few, non-overlapping paths, so no bell forms.")
    st.dataframe(result.table.rename(columns={"receptive_field": "receptive field (px)", "jump": "jump (px)"}), hide_index=True, width="stretch")


def training_part():
    defaults = lab.TrainConfig()
    slot = st.container()  # the learning curves first, the controls under them
    with st.form(f"{PREFIX}.train.form"):
        fields = [("dataset", "Data set"), ("conv_layers", "Conv blocks"), ("filters", "Filters (first block; doubles per block)"), ("kernel_size", "Kernel size"), ("pooling", "Pooling"), ("dropout", "Dropout before the output"), ("batch_norm", "Batch normalisation"), ("compare_mlp", "Also train a matched MLP"), ("epochs", "Epochs"), ("batch_size", "Batch size"), ("learning_rate", "Learning rate (Adam)"), ("train_size", "Training images (at most)"), ("seed", "Seed")]
        config = settings("train", defaults, fields, dataset=dict(format_func=lab.CNN_DATASETS.get), pooling=dict(format_func=lambda k: k), seed=dict(widget="number"))
        st.form_submit_button("▶ Train", type="primary")
    with slot:
        if config.problems():
            st.warning("These settings can't be trained: " + "; ".join(config.problems()))
            return
        ui.fetch_data(config.dataset)
        result = ui.run_experiment(lab.train_cnn, config, live_figure=plots.live_curves)
        if result is None:
            return
        if result.dataset_note:
            st.info(result.dataset_note)
        cnn, mlp = result.cnn, result.mlp
        runs = [(net.label, net.history.epochs) for net in (cnn, mlp) if net is not None]
        left, right = st.columns(2)
        with left:
            ui.chart(plots.curves_figure(runs))
        with right:
            ui.chart(plots.curves_figure(runs, "loss"))
        if mlp is not None:
            margin = (cnn.val_accuracy - mlp.val_accuracy) * 100
            verdict = (f"the CNN wins by {margin:.1f} points with {'fewer' if cnn.parameters <= mlp.parameters else 'about as many'} parameters. Its edge is built in: nearby pixels are read together, and one kernel finds a stroke wherever it is"
                       if margin > 0 else "the MLP is as good or better on this run: with these settings the convolutions' built-in assumptions did not pay off")
            ui.notice(f"same images, same {config.epochs} epochs, same optimizer: CNN {cnn.val_accuracy:.1%} with {cnn.parameters:,} parameters vs MLP {mlp.val_accuracy:.1%} with {mlp.parameters:,}: {verdict}.")
        for divergence in (net.history.divergence for net in (cnn, mlp) if net is not None and net.history.divergence):
            st.warning(f"💥 {divergence.message()} Lower the learning rate.")
        cols = st.columns(4)
        cols[0].metric("CNN validation accuracy", f"{cnn.val_accuracy:.1%}", help=f"{result.val_size} held-out images ({result.dataset_used})")
        cols[1].metric("CNN parameters", f"{cnn.parameters:,}")
        if mlp is not None:
            cols[2].metric("MLP validation accuracy", f"{mlp.val_accuracy:.1%}", delta=f"{(mlp.val_accuracy - cnn.val_accuracy) * 100:+.1f} points vs CNN")
            cols[3].metric("MLP parameters", f"{mlp.parameters:,}", help=f"one hidden layer of {mlp.spec.hidden_units} ReLU units, sized to match the CNN")
    ui.chart(plots.filters_figure(result.first_filters))
    choice = st.select_slider("Validation image to follow through the network", list(range(len(result.examples))), key=f"{PREFIX}.train.example", format_func=lambda i: f"#{i} ({result.class_names[result.example_labels[i]]})")
    ui.chart(plots.feature_maps_figure(result.examples[choice], tuple((name, maps[choice]) for name, maps in result.feature_maps), "Feature maps through every layer (first 8 channels; bright = strong)"))
    left, right = st.columns([2, 3])
    with left:
        ui.chart(plots.confusion_figure(result.confusion, result.class_names))
    with right:
        if len(result.mistakes):
            ui.chart(plots.mistakes_figure(result.mistakes, result.mistake_table, result.class_names))
        else:
            st.success("No validation image was misclassified.")
    ui.notice("the first-layer filters are kernels the network learned from the data: compare them with the hand-made ones in ③. Each pooling halves the maps, so a pixel of a deeper map stands for a larger part of the image.")


def drawing_part():
    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:
        st.warning("The drawing canvas needs the package streamlit-drawable-canvas (pip install streamlit-drawable-canvas).")
        return
    config = settings("draw", lab.DrawConfig(), [("dataset", "Train the reader on"), ("epochs", "Epochs"), ("seed", "Seed")], columns=3, dataset=dict(format_func=images.ALL_DATASETS.get), seed=dict(widget="number"))
    left, right = st.columns([1, 2])  # the canvas comes before anything that appears only while training, so it keeps its drawing
    with left:
        st.markdown("**Draw one digit**, big and bold, with the mouse or a finger:")
        canvas = st_canvas(stroke_width=30, stroke_color="#000000", background_color="#ffffff", height=280, width=280, drawing_mode="freedraw", return_image_data=True, key=f"{PREFIX}.draw.canvas")
        st.caption("Before the network sees it, the drawing is prepared as the training images were: **inverted** (bright ink on black), **cropped** to the ink, **scaled** so its longer side fills the frame, **centred**, then shrunk to the network's input size.")
    with right:
        ui.fetch_data(config.dataset)
        result = ui.run_experiment(lab.train_cnn, lab.reader_config(config), live_figure=plots.live_curves)
        if result is None:
            return
        st.caption(f"The reader: the training tab's default CNN, trained for {config.epochs} epochs on {result.train_size:,} {result.dataset_used} images; {result.cnn.val_accuracy:.1%} right on {result.val_size} held-out ones.")
        if result.dataset_note:
            st.info(result.dataset_note)
        rgba = canvas.image_data if canvas is not None else None
        if not lab.has_drawing(rgba):
            st.info("Draw a digit on the canvas; the prediction appears here.")
            ui.chart(plots.curves_figure([("reader CNN", result.cnn.history.epochs)], title="How the reader learned"))
            return
        reading = lab.read_drawing(result, rgba)
        ui.chart(plots.reading_figure(reading))
    ui.chart(plots.feature_maps_figure(reading.network_input, reading.feature_maps, "Feature maps of your drawing"))
    ui.notice(f"the network says **{reading.prediction}** with {reading.confidence:.0%} confidence. It only knows the {len(result.class_names)} digits it was trained on, so anything you draw gets one of them: a probability is the network's confidence, not a guarantee.")


def architectures_part():
    slot = st.container()  # the network first, the choice of network under it
    config = settings("arch", lab.ArchitectureConfig(), [("architecture", "Architecture"), ("module", "Inception module to compare")], columns=2, architecture=dict(format_func=lab.ARCHITECTURES.get))
    with slot:
        result = ui.run_experiment(lab.architecture, config, trains=False)
        if result is None:
            return
        ui.chart(plots.architecture_figure(result.table, result.name))
        cols = st.columns(3)
        cols[0].metric("Parameters (Keras count_params)", f"{result.total_parameters:,}")
        cols[1].metric("Multiply-adds per image", f"{result.total_multiply_adds / 1e6:,.1f} M")
        cols[2].metric("Input", " × ".join(map(str, result.input_shape)))
    st.dataframe(result.table.rename(columns={"receptive_field": "receptive field (px)", "multiply_adds": "multiply-adds"}), hide_index=True, width="stretch")
    ui.chart(plots.inception_figure(result.module_table))
    naive, reduced = result.module_table.iloc[0], result.module_table.iloc[1]
    ui.notice(f"a 1×1 convolution first shrinks the channels the 3×3 and 5×5 convolutions must read: module {config.module} needs {naive['parameters'] / reduced['parameters']:.1f}× fewer parameters and {naive['multiply_adds'] / reduced['multiply_adds']:.1f}× fewer multiply-adds than the naive module, and its output stays narrower ({reduced['output_channels']} vs {naive['output_channels']} channels).")
    st.dataframe(lab.HISTORY, hide_index=True, width="stretch")
    st.caption("Published figures (ILSVRC top-5 error on the test set, each paper's best entry). Our AlexNet joins the paper's two GPU halves into one tower, so it has 62.4 M parameters where the paper counted 60 M.")
    st.subheader("LeNet-5, trained now on the digits at 32×32")
    lenet_slot = st.container()  # its learning curve first, its controls under it
    with st.form(f"{PREFIX}.lenet.form"):
        lenet = settings("lenet", lab.LeNetConfig(), [("activation", "Activation"), ("pooling", "Subsampling"), ("epochs", "Epochs"), ("learning_rate", "Learning rate (Adam)"), ("batch_size", "Batch size"), ("train_size", "Training images"), ("seed", "Seed")], seed=dict(widget="number"))
        st.form_submit_button("▶ Train LeNet-5", type="primary")
    with lenet_slot:
        trained = ui.run_experiment(lab.train_lenet, lenet, live_figure=plots.live_curves)
        if trained is not None:
            ui.chart(plots.curves_figure([("LeNet-5", trained.network.history.epochs)]))
            ui.notice(f"LeNet-5's {trained.network.parameters:,} parameters, trained for {lenet.epochs} epochs on {trained.train_size:,} enlarged digits, classify {trained.network.val_accuracy:.1%} of {trained.val_size} held-out ones; by its C5 layer every unit sees the whole 32×32 input.")
            cols = st.columns(3)
            cols[0].metric("Validation accuracy", f"{trained.network.val_accuracy:.1%}")
            cols[1].metric("Seconds per epoch", f"{trained.seconds_per_epoch:.2f}")
            cols[2].metric("Parameters", f"{trained.network.parameters:,}")


# Tabs run lazily: only the open tab computes or trains.
PARTS = (formula_part, step_part, filters_part, sharing_part, receptive_part, training_part, drawing_part, architectures_part)
for tab, part in zip(ui.lab_tabs(TAB_NAMES, f"{PREFIX}.tab"), PARTS):
    with tab:
        if tab.open:
            part()
