"""Figures for the regularization page: curves with and without, weight histogram and norm, lambda and dropout sweeps, dropout mask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import SPLIT_LABELS, apply_layout, decimate, log_axis, run_color, split_line

# A colour names one network on a screen; training (solid) vs validation (dashed) is the line style.
REGULARIZED_INDEX, BASELINE_INDEX = 0, 7  # blue: the regularized run; grey: the same network without regularization
REGULARIZED_COLOR, BASELINE_COLOR = run_color(REGULARIZED_INDEX), run_color(BASELINE_INDEX)
PENALTY_INDEX = {"L1": 2, "L2": 4, "dropout": 0}  # green, purple; the plain network stays grey
MASK_COLORSCALE = [[0.0, "#d62728"], [0.5, "#d62728"], [0.5, "#e8e8e8"], [1.0, "#e8e8e8"]]


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _log_range(figure: go.Figure, values, axis: str = "y", min_decades: float = 1.0) -> None:
    """A log axis (10^k ticks) spanning at least `min_decades` around the data, so a nearly flat loss stays flat."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        log_axis(figure, axis)
        return
    low, high = np.log10(values.min()), np.log10(values.max())
    pad = max(0.0, min_decades - (high - low)) / 2 + 0.05
    log_axis(figure, axis, range=[low - pad, high + pad])


def _linear_range(figure: go.Figure, values, axis: str = "y", min_span: float = 1.0, floor: float | None = 0.0) -> None:
    """A linear axis at least `min_span` tall, so small wiggles are not blown up into violent swings."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return
    low, high = float(values.min()), float(values.max())
    pad = max(0.0, min_span - (high - low)) / 2 + 0.05 * max(high - low, min_span)
    low, high = low - pad, high + pad
    if floor is not None and low < floor:
        high, low = high + (floor - low), floor
    (figure.update_yaxes if axis == "y" else figure.update_xaxes)(range=[low, high])


def curves_with_and_without(runs: list[tuple[str, pd.DataFrame]], max_points: int = 400) -> go.Figure:
    """Training (solid) and validation (dashed) loss per epoch; the regularized run blue, the baseline grey.

    ``runs`` holds (label, epochs table), the regularized run first.
    """
    figure = go.Figure()
    values = []
    for index, (label, epochs) in enumerate(runs):
        table = epochs.iloc[decimate(len(epochs), max_points)]
        color_index = REGULARIZED_INDEX if index == 0 else BASELINE_INDEX
        for split in ("train", "val"):
            column = f"{split}_loss"
            values.extend(_finite(table[column]))
            figure.add_trace(go.Scatter(x=table["epoch"], y=_finite(table[column]), mode="lines", name=f"{label}, {SPLIT_LABELS[split]}", line=split_line(split, color_index)))
    apply_layout(figure, "Error, with and without", "epoch", "cross-entropy")
    # linear from 0: these losses span less than a decade, and a loss stuck near 0.69 must look flat, not violent
    _linear_range(figure, values, min_span=0.5)
    return figure


def weight_histogram(runs: list[tuple[str, np.ndarray]], near_zero: float, bins: int = 80) -> go.Figure:
    """Histograms of every final weight, one per run (the regularized run first), with the share exactly 0 and within ±near_zero in the legend."""
    finite = [np.asarray(w, dtype=float)[np.isfinite(w)] for _, w in runs]
    span = max([float(np.percentile(np.abs(w), 99.5)) for w in finite if w.size] + [near_zero * 4])
    size = 2 * span / bins
    figure = go.Figure()
    colors = (REGULARIZED_COLOR, BASELINE_COLOR)
    for index, ((label, _), weights) in enumerate(zip(runs, finite)):
        zeros = float(np.mean(weights == 0)) if weights.size else 0.0
        near = float(np.mean(np.abs(weights) < near_zero)) if weights.size else 0.0
        figure.add_trace(
            go.Histogram(
                x=np.clip(weights, -span, span), xbins=dict(start=-span - size / 2, end=span + size / 2, size=size), name=f"{label}: {zeros:.0%} exactly 0, {near:.0%} within ±{near_zero:g}",
                marker=dict(color=colors[index % 2]), opacity=0.6, hovertemplate="w ≈ %{x:.3f}: %{y} weights<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(barmode="overlay")
    figure.add_vrect(x0=-near_zero, x1=near_zero, fillcolor="black", opacity=0.12, line_width=0)
    apply_layout(figure, "Final weights of every layer", f"weight w (shaded: |w| < {near_zero:g})", "number of weights (log scale)")
    log_axis(figure)
    return figure


def weight_norm(runs: list[tuple[str, pd.DataFrame]]) -> go.Figure:
    """The L2 norm of all weight matrices after each epoch; the regularized run blue, the baseline grey."""
    figure = go.Figure()
    colors = (REGULARIZED_COLOR, BASELINE_COLOR)
    values = []
    for index, (label, epochs) in enumerate(runs):
        values.extend(_finite(epochs["weight_norm"]))
        figure.add_trace(go.Scatter(x=epochs["epoch"], y=_finite(epochs["weight_norm"]), mode="lines", name=label, line=dict(color=colors[index % 2], width=3)))
    apply_layout(figure, "Size of the weights during training", "epoch", "‖W‖ = √(Σ w²) over all layers")
    _linear_range(figure, values, min_span=2.0)
    return figure


def lambda_sweep(table: pd.DataFrame) -> go.Figure:
    """Final training (solid) and validation (dashed) loss against lambda (log x): L1 green, L2 purple, no penalty grey."""
    figure = go.Figure()
    none = table[table["penalty"] == "none"]
    values = []
    for penalty in ("L1", "L2"):
        rows = table[table["penalty"] == penalty].sort_values("strength")
        for split in ("train", "val"):
            column = f"{split}_loss"
            values.extend(_finite(rows[column]))
            figure.add_trace(
                go.Scatter(
                    x=rows["strength"], y=_finite(rows[column]), mode="lines+markers", name=f"{penalty}, {SPLIT_LABELS[split]}",
                    line=split_line(split, PENALTY_INDEX[penalty]), marker=dict(size=9, symbol="circle" if penalty == "L1" else "square"),
                )
            )
    for _, row in table[table["penalty"].isin(["L1", "L2"])].nsmallest(1, "val_loss").iterrows():
        figure.add_trace(
            go.Scatter(
                x=[row["strength"]], y=[row["val_loss"]], mode="markers", name=f"lowest validation error ({row['penalty']}, λ = {row['strength']:g})",
                marker=dict(color=run_color(PENALTY_INDEX[row["penalty"]]), size=18, symbol="star", line=dict(color="black", width=1)),
            )
        )
    strengths = sorted(table.loc[table["penalty"].isin(["L1", "L2"]), "strength"].unique())
    if len(none) and strengths:
        for split in ("train", "val"):
            level = float(none[f"{split}_loss"].iloc[0])
            values.append(level)
            figure.add_trace(go.Scatter(x=[strengths[0], strengths[-1]], y=[level, level], mode="lines", name=f"no penalty, {SPLIT_LABELS[split]}", line=split_line(split, BASELINE_INDEX, width=2)))
    apply_layout(figure, "Final error against λ", "penalty strength λ (log scale)", "cross-entropy (log scale)")
    log_axis(figure, "x")
    _log_range(figure, values)
    return figure


def dropout_sweep(table: pd.DataFrame) -> go.Figure:
    """Final training and validation loss and the gap between them against the dropout rate."""
    rows = table.sort_values("strength")
    figure = go.Figure()
    index = PENALTY_INDEX["dropout"]
    figure.add_trace(
        go.Bar(x=rows["strength"], y=_finite(rows["gap"]), name="gap = validation − training", marker=dict(color=run_color(index)), opacity=0.25, width=0.06)
    )
    for split in ("train", "val"):
        figure.add_trace(go.Scatter(x=rows["strength"], y=_finite(rows[f"{split}_loss"]), mode="lines+markers", name=f"final {SPLIT_LABELS[split]} error", line=split_line(split, index), marker=dict(size=9)))
    apply_layout(figure, "Errors vs dropout rate", "dropout rate (share of hidden units silenced)", "cross-entropy")
    figure.update_xaxes(tickvals=list(rows["strength"]))
    _linear_range(figure, [*_finite(rows["train_loss"]), *_finite(rows["val_loss"]), *_finite(rows["gap"]), 0.0], min_span=0.3, floor=None)
    return figure


def dropout_mask(activations: np.ndarray, kept: np.ndarray, rate: float) -> go.Figure:
    """One training-mode pass through the first hidden layer: the mask (red = dropped) and what the next layer receives."""
    activations = np.asarray(activations, dtype=float)
    kept = np.asarray(kept, dtype=bool)
    passed = np.where(kept, activations / max(1.0 - rate, 1e-6), 0.0)
    units = np.arange(1, activations.shape[1] + 1)
    samples = np.arange(1, activations.shape[0] + 1)
    # stacked, not side by side: each panel keeps the full width on a phone
    figure = make_subplots(rows=2, cols=1, subplot_titles=("", "Passed on: kept × 1/(1−p)"), vertical_spacing=0.2)
    figure.add_trace(
        go.Heatmap(x=units, y=samples, z=kept.astype(float), zmin=0, zmax=1, colorscale=MASK_COLORSCALE, showscale=False, xgap=1, ygap=1, hovertemplate="unit %{x}, example %{y}: %{z:.0f} (1 = kept)<extra></extra>"),
        row=1, col=1,
    )
    figure.add_trace(
        go.Heatmap(
            x=units, y=samples, z=passed, colorscale="Viridis", zmin=0, colorbar=dict(title="activation", thickness=12, len=0.4, y=0.2, yanchor="middle"), xgap=1, ygap=1,
            hovertemplate="unit %{x}, example %{y}: %{z:.2f}<extra></extra>",
        ),
        row=2, col=1,
    )
    apply_layout(figure, f"Mask: {1 - kept.mean():.0%} dropped (red)", "hidden unit of the first layer", "example", height=620)
    figure.update_annotations(font=dict(size=15), xanchor="left", x=0.0)  # the lower panel's title, left-aligned like the figure title
    figure.update_yaxes(autorange="reversed")
    return figure
