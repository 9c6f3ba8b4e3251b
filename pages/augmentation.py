"""Lab sheet: data augmentation."""

import pandas as pd
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import images
from dlcore.experiments import augmentation
from dlcore.plots import augmentation as plots
from dlcore.plots import training as training_plots
from pages import components as ui

PREFIX = "augmentation"
GRID = "augmentation_grid"
DEFAULTS = augmentation.Config()
GRID_DEFAULTS = augmentation.GridImage()

ui.lab_header(
    "🔄 Data augmentation",
    "A network shown the same hundred pictures over and over learns *those pictures*, smudges and all: its "
    "training accuracy reaches 100% while its accuracy on new pictures stalls. Augmentation changes every "
    "training image a little, at random, each time it is used: turned a few degrees, shifted, zoomed, dimmed, "
    "partly covered, sprinkled with noise. The label stays the same, so the network is told again and again "
    "that these changes do not matter. Nothing is added to the loss, unlike an L1 or L2 penalty: the "
    "regularising comes only from **more varied data**, which makes memorising single pixels useless and "
    "rewards the shapes that survive the changes. The changes here are real Keras preprocessing layers placed "
    "in front of a small CNN; they act only while training and leave validation images untouched.",
)
ui.init_state(PREFIX, DEFAULTS)
ui.init_state(GRID, GRID_DEFAULTS, part="grid")

# ---- 1. what the network sees: the grid first, its controls and the form (shared with part 2) under it ----
st.header("1 · What the network sees")
slot = st.container()
source_column, index_column, seed_column = st.columns(3)
with source_column:
    source = ui.control(GRID, augmentation.GridImage, "image_source", "Image", format_func=images.IMAGE_SOURCES.get)
with index_column:
    if source in images.PHOTOS:
        st.caption("A photo is a single image: there is no other to pick.")
    else:
        ui.control(GRID, augmentation.GridImage, "image_index", "Which image of the set")
with seed_column:
    ui.control(GRID, augmentation.GridImage, "grid_seed", "Grid seed (same seed, same grid)", widget="number")

st.markdown("**Try a preset** (each sets the augmentation controls at once):")
preset_columns = st.columns(len(augmentation.PRESETS))
for column, (name, values) in zip(preset_columns, augmentation.PRESETS.items()):
    column.button(name, on_click=ui.apply_preset, args=(PREFIX, values, augmentation.Config), width="stretch")

with st.form(f"{PREFIX}.form"):
    geometric, pixels, training = st.columns(3)
    with geometric:
        st.markdown("**Geometry** (`RandomFlip`, `RandomRotation`, `RandomZoom`, `RandomTranslation`)")
        ui.control(PREFIX, augmentation.Config, "flip", "Flip", format_func=augmentation.FLIPS.get)
        ui.control(PREFIX, augmentation.Config, "rotation_degrees", "Rotation, up to ± degrees")
        ui.control(PREFIX, augmentation.Config, "zoom", "Zoom, up to ± fraction")
        ui.control(PREFIX, augmentation.Config, "translation", "Shift, up to ± fraction of the width")
    with pixels:
        st.markdown("**Pixel values** (`RandomContrast`, `RandomErasing`, `GaussianNoise`)")
        ui.control(PREFIX, augmentation.Config, "contrast", "Contrast change, up to ±")
        ui.control(PREFIX, augmentation.Config, "cutout", "Cutout: chance of erasing a patch")
        ui.control(PREFIX, augmentation.Config, "noise_std", "Gaussian noise, standard deviation")
    with training:
        st.markdown("**Data and training** (same seed for both runs)")
        ui.control(PREFIX, augmentation.Config, "dataset", "Data set", format_func=images.IMAGE_DATASETS.get)
        ui.control(PREFIX, augmentation.Config, "train_size", "Training images (a deliberately small subset)")
        ui.control(PREFIX, augmentation.Config, "epochs", "Epochs")
        ui.control(PREFIX, augmentation.Config, "filters", "Filters in the first convolution", format_func=str)
        ui.control(PREFIX, augmentation.Config, "learning_rate", "Learning rate (Adam)")
        ui.control(PREFIX, augmentation.Config, "batch_size", "Batch size", format_func=lambda v: "all" if v == 0 else str(v))
        ui.control(PREFIX, augmentation.Config, "seed", "Seed", widget="number")
    st.form_submit_button("▶ Train with and without these augmentations", type="primary")

config = ui.shared_config(PREFIX, DEFAULTS)
image = ui.shared_config(GRID, GRID_DEFAULTS, part="grid")
with slot:
    grid = ui.run_experiment(augmentation.variant_grid, augmentation.grid_for(config, image), trains=False)
    if grid is None:
        st.stop()
    if grid.note:
        st.info(grid.note)
    ui.chart(plots.augmentation_grid(grid.original, grid.variants, grid.caption))
    layers_used = ", ".join(f"`{name}`" for name in grid.layer_names) or "none (every copy equals the original)"
    ui.notice(
        f"every copy is the same image with a fresh random draw of each layer ({layers_used}); the label never changes. "
        "The grid uses the settings of the form below (press the button to apply new ones); the same seed redraws the same grid."
    )

# ---- 2. the effect on a small training set ----
st.header("2 · The same CNN with and without augmentation")
ui.fetch_data(config.dataset)
result = ui.run_experiment(augmentation.run, config, live_figure=plots.live_accuracy)
if result is None:
    st.stop()
if result.dataset_note:
    st.info(result.dataset_note)
if not config.augments:
    st.info("Every augmentation is switched off, so only the plain network trained. Pick a preset or move a slider.")

runs = [(run.label, run.history.epochs) for run in result.runs]
summary = result.summary
baseline, augmented = summary.iloc[0], summary.iloc[-1]
st.markdown(
    f"Both networks start from the same weights and see the same **{result.train_size}** training images "
    f"({result.dataset_used}) in the same order; **{result.val_size}** other images measure validation accuracy."
)
metrics = st.columns(4)
metrics[0].metric("Validation accuracy, plain", f"{baseline['final validation accuracy']:.1%}")
metrics[1].metric("Validation accuracy, augmented", f"{augmented['final validation accuracy']:.1%}", delta=f"{augmented['final validation accuracy'] - baseline['final validation accuracy']:+.1%}" if len(summary) > 1 else None)
metrics[2].metric("Gap, plain", f"{baseline['gap (train − validation)']:.1%}", help="training accuracy minus validation accuracy at the last epoch")
metrics[3].metric("Gap, augmented", f"{augmented['gap (train − validation)']:.1%}", delta=f"{augmented['gap (train − validation)'] - baseline['gap (train − validation)']:+.1%}" if len(summary) > 1 else None, delta_color="inverse")

left, right = st.columns(2)
with left:
    ui.chart(plots.validation_accuracy_curves(runs))
    plain_train, plain_val = baseline["final train accuracy"], baseline["final validation accuracy"]
    ui.notice(
        f"blue is the plain network, orange the augmented one; solid lines are training accuracy, dashed validation. "
        f"The plain network ends at {plain_train:.0%} on its own training images and {plain_val:.0%} on new ones"
        + (f"; the augmented one at {augmented['final train accuracy']:.0%} and {augmented['final validation accuracy']:.0%}"
           + (": varied images keep the training task harder." if augmented["final train accuracy"] < plain_train else ": here the changes did not make the training images harder to fit.")
           if len(summary) > 1 else ".")
    )
with right:
    ui.chart(plots.gap_curves(runs))
    ui.notice("the gap is how much the network knows about its own training images that does not carry over to new ones; sensible augmentation keeps it smaller.")


RUN_COLUMN = {"run": st.column_config.TextColumn("run", width="large")}  # the run's name in full, not cut to "with rotate ±1…"


def summary_table(frame: pd.DataFrame):
    percent = [column for column in frame.columns if "accuracy" in column or column.startswith("gap")]
    frame = frame.drop(columns=["seconds"])
    return frame.style.format({**{column: "{:.1%}" for column in percent}, "final validation loss": "{:.3f}"})


st.dataframe(summary_table(summary), hide_index=True, width="stretch", column_config=RUN_COLUMN)
ui.notice("accuracy is measured on the images without any augmentation, in inference mode: the random layers only act while training.")

left, right = st.columns(2)
with left:
    ui.chart(training_plots.loss_curves(runs))
    ui.notice("same colours (blue plain, orange augmented), solid training, dashed validation. A validation loss that turns upward while the training loss keeps falling is memorising; see whether augmentation delays that turn.")
with right:
    ui.chart(plots.per_class_accuracy([(run.label, run.per_class_val_accuracy) for run in result.runs], result.class_names))
    ui.notice("which classes gain (or lose) from the augmentation you chose.")

# ---- 3. when augmentation hurts ----
st.header("3 · A wrong augmentation: mirroring digits")
st.markdown(
    "An augmentation must not change what the label means. A 2 or a 5 mirrored left to right is no longer a "
    "digit anyone writes, yet it keeps its label, so the network spends effort on shapes it will never meet and "
    "learns that the direction of a stroke does not matter, which is exactly what tells a 2 from a 5 apart. "
    "For photos of clothes a mirror is harmless (a shoe pointing left is still a shoe); for writing it is not."
)
originals, mirrored, labels = augmentation.mirrored_examples()
ui.chart(plots.mirror_figure(originals, mirrored, labels))
ui.notice("the bottom row is what a horizontal flip feeds the network half of the time, still with the labels of the top row.")

wrong_config = augmentation.wrong_augmentation(config)
measure_key = f"{PREFIX}.measure_wrong"
st.button(
    "▶ Measure the harm: train the same network with only a left-right mirror",
    key=f"{PREFIX}.measure_button",
    on_click=ui.apply_preset,
    args=(PREFIX, {"measure_wrong": True}),  # a callback, so the request survives any rerun
)
if st.session_state.get(measure_key):
    wrong = ui.run_experiment(augmentation.run, wrong_config, live_figure=plots.live_accuracy)
    if wrong is not None:
        wrong_runs = [(run.label, run.history.epochs) for run in wrong.runs]
        st.dataframe(summary_table(wrong.summary), hide_index=True, width="stretch", column_config=RUN_COLUMN)
        left, right = st.columns(2)
        with left:
            ui.chart(plots.validation_accuracy_curves(wrong_runs), key="wrong_curves")
            plain_accuracy, mirror_accuracy = wrong.summary["final validation accuracy"].iloc[[0, -1]]
            ui.notice(
                f"here the mirrored run ends at {mirror_accuracy:.1%} against {plain_accuracy:.1%} without it ({mirror_accuracy - plain_accuracy:+.1%}). "
                "On digits a mirror is variety of the wrong kind; try Fashion-MNIST (online) to see it do no harm."
            )
        with right:
            ui.chart(plots.per_class_accuracy([(run.label, run.per_class_val_accuracy) for run in wrong.runs], wrong.class_names), key="wrong_classes")
            ui.notice("look for the digits whose mirror image resembles another digit or none at all (2, 3, 5, 7 for a start).")
