"""Figures for data augmentation: image mosaics, accuracy-gap curves, per-class accuracy.

One colour language on the page: a colour names a run (run_color(0) the plain network, run_color(1) the
augmented one, in every chart); training vs validation is a line style (solid vs dashed, style.split_line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import SPLIT_LABELS, apply_layout, run_color, split_line

ORIGINAL_FRAME_COLOR = "#222222"  # the original image's frame: not a run, so no run colour

PAD = 2  # pixels of white between tiles (in the tiles' own pixels)


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    if image.shape[-1] == 1:
        image = 1.0 - np.repeat(image, 3, axis=-1)  # digits: dark ink on white paper
    return image


def mosaic(tiles: list[np.ndarray], columns: int) -> tuple[np.ndarray, int, int]:
    """Tiles (h, w, c) in [0, 1] laid out row by row with white gaps: (uint8 RGB, tile height, tile width)."""
    height, width = tiles[0].shape[:2]
    rows = int(np.ceil(len(tiles) / columns))
    canvas = np.ones((rows * (height + PAD) + PAD, columns * (width + PAD) + PAD, 3), dtype=np.float32)
    for index, tile in enumerate(tiles):
        top, left = PAD + (index // columns) * (height + PAD), PAD + (index % columns) * (width + PAD)
        canvas[top : top + height, left : left + width] = _rgb(tile)
    return (canvas * 255).round().astype(np.uint8), height, width


def _image_figure(canvas: np.ndarray, title: str, note: str = "", width_px: int = 900) -> go.Figure:
    """The mosaic as one image, the figure as tall as its aspect ratio needs at about `width_px` wide.

    The title stays one short line (it must fit a phone); the details go in `note`, written under the image."""
    lines = note.count("<br>") + 1 if note else 0
    height = int(np.clip(80 + width_px * canvas.shape[0] / canvas.shape[1], 200, 560)) + 20 * lines
    figure = apply_layout(go.Figure(), title, "", "", height=height)  # before adding the image: go.Image has no legend entry
    figure.add_trace(go.Image(z=canvas, hoverinfo="skip"))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x")
    figure.update_layout(margin=dict(l=10, r=10, t=60, b=10 + 22 * lines), showlegend=False)
    if note:
        figure.add_annotation(text=note, xref="paper", yref="paper", x=0.0, xanchor="left", y=0.0, yanchor="top", yshift=-6, showarrow=False, align="left", font=dict(size=13, color="#333333"))
    return figure


def augmentation_grid(original: np.ndarray, variants: np.ndarray, caption: str, columns: int = 6) -> go.Figure:
    """The original (top left, framed in black) and its augmented variants; the image's name under the grid."""
    canvas, height, width = mosaic([original, *variants], columns)
    figure = _image_figure(canvas, f"One image, {len(variants)} augmentations", note=caption, width_px=760)  # two rows of digits: 362 px, whole under the title on a 1280×720 projector
    figure.add_shape(type="rect", x0=PAD - 1.5, y0=PAD - 1.5, x1=PAD + width + 0.5, y1=PAD + height + 0.5, line=dict(color=ORIGINAL_FRAME_COLOR, width=3))
    figure.add_annotation(x=PAD + width / 2, y=PAD + height, yanchor="top", text="original", showarrow=False, font=dict(color=ORIGINAL_FRAME_COLOR, size=13), bgcolor="white")
    return figure


def mirror_figure(originals: np.ndarray, mirrored: np.ndarray, labels: tuple[str, ...]) -> go.Figure:
    """Top row: digits as written; bottom row: the same digits mirrored left to right, still labelled the same."""
    canvas, height, width = mosaic([*originals, *mirrored], len(originals))
    note = "top row: as written<br>bottom row: mirrored, still labelled " + ", ".join(labels)
    return _image_figure(canvas, "Digits and their mirror images", note=note, width_px=450)


def gap_curves(runs: list[tuple[str, pd.DataFrame]]) -> go.Figure:
    """Train accuracy minus validation accuracy per epoch, one line per run."""
    figure = go.Figure()
    for index, (label, epochs) in enumerate(runs):
        gap = (epochs["train_accuracy"] - epochs["val_accuracy"]).to_numpy(dtype=float)
        figure.add_trace(
            go.Scatter(
                x=epochs["epoch"],
                y=gap,
                mode="lines",
                name=label,
                line=dict(color=run_color(index), width=3),  # a gap is train minus validation: one solid line per run
                hovertemplate="epoch %{x}<br>gap %{y:.1%}<extra>%{fullData.name}</extra>",
            )
        )
    figure.add_hline(y=0, line=dict(color="#999999", width=1))
    apply_layout(figure, "Generalisation gap", "epoch", "train − validation accuracy")
    figure.update_yaxes(tickformat=".0%")
    return figure


def validation_accuracy_curves(runs: list[tuple[str, pd.DataFrame]]) -> go.Figure:
    """Accuracy per epoch: one colour per run, training solid and validation dashed (the same colours as every chart of the page)."""
    figure = go.Figure()
    for index, (label, epochs) in enumerate(runs):
        for split in ("train", "val"):
            figure.add_trace(
                go.Scatter(
                    x=epochs["epoch"], y=epochs[f"{split}_accuracy"], mode="lines", name=f"{SPLIT_LABELS[split]} · {label}",
                    line=split_line(split, index, width=3 if split == "train" else 2.5),
                    hovertemplate="epoch %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>",
                )
            )
    apply_layout(figure, "Accuracy per epoch", "epoch", "accuracy (fraction correct)", height=420)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return figure


def per_class_accuracy(runs: list[tuple[str, np.ndarray]], class_names: tuple[str, ...]) -> go.Figure:
    """Validation accuracy of each class, grouped bars per run."""
    figure = go.Figure(
        [
            go.Bar(x=list(class_names), y=values, name=label, marker_color=run_color(index), hovertemplate="class %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>")
            for index, (label, values) in enumerate(runs)
        ]
    )
    apply_layout(figure, "Validation accuracy per class", "class (true label)", "accuracy (fraction correct)", height=360)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return figure


def live_accuracy(info) -> go.Figure | None:
    """Train (solid) and validation (dashed) accuracy of the run in progress (from the engine's ProgressInfo), in that run's colour,
    with each epoch's duration on hover. The plain network trains first; the augmented one fills the second share of the bar."""
    epochs = info.epochs_table
    if epochs is None or not len(epochs):
        return None
    index = 0 if getattr(info, "fraction_offset", 0.0) < 1e-9 else 1
    label = str(getattr(info, "label", "") or "").removeprefix("Training ") or "this run"
    figure = go.Figure()
    for split in ("train", "val"):
        figure.add_trace(
            go.Scatter(
                x=epochs["epoch"],
                y=epochs[f"{split}_accuracy"],
                customdata=epochs["seconds"],
                mode="lines",
                name=f"{SPLIT_LABELS[split]} · {label}",
                line=split_line(split, index),
                hovertemplate="epoch %{x}<br>accuracy %{y:.1%}<br>epoch took %{customdata:.3f} s<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Training in progress: accuracy so far", "epoch", "accuracy (fraction correct)")
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return figure
