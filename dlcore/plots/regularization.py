"""Figures for the regularization page: curves with and without, weight histogram and norm, lambda and dropout sweeps, dropout mask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import RUN_DASHES, SERIES_COLORS, TRAIN_COLOR, VALIDATION_COLOR, apply_layout, decimate

BASELINE_COLOR = "#7f7f7f"  # the unregularized network, grey everywhere on this page
REGULARIZED_COLOR = SERIES_COLORS[2]  # green
PENALTY_DASHES = {"L1": RUN_DASHES[0], "L2": RUN_DASHES[2]}
MASK_COLORSCALE = [[0.0, "#d62728"], [0.5, "#d62728"], [0.5, "#e8e8e8"], [1.0, "#e8e8e8"]]


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def curves_with_and_without(runs: list[tuple[str, pd.DataFrame]], max_points: int = 400) -> go.Figure:
    """Training (blue) and validation (orange) loss per epoch; the regularized run solid, the baseline dotted.

    ``runs`` holds (label, epochs table), the regularized run first.
    """
    figure = go.Figure()
    for index, (label, epochs) in enumerate(runs):
        table = epochs.iloc[decimate(len(epochs), max_points)]
        dash = RUN_DASHES[index % len(RUN_DASHES)]
        for column, color, part in (("train_loss", TRAIN_COLOR, "training"), ("val_loss", VALIDATION_COLOR, "validation")):
            figure.add_trace(go.Scatter(x=table["epoch"], y=_finite(table[column]), mode="lines", name=f"{part}, {label}", line=dict(color=color, dash=dash, width=3)))
    apply_layout(figure, "Training and validation error, with and without", "epoch", "cross-entropy (log scale)")
    figure.update_yaxes(type="log", exponentformat="power")
    return figure


def weight_histogram(runs: list[tuple[str, np.ndarray, float]], near_zero: float, bins: int = 80) -> go.Figure:
    """Histograms of every final weight, one per run, with the share of |w| < near_zero written in the legend and on the plot.

    ``runs`` holds (label, flattened weights, near-zero share), the regularized run first.
    """
    finite = [np.asarray(w, dtype=float)[np.isfinite(w)] for _, w, _ in runs]
    span = max([float(np.percentile(np.abs(w), 99.5)) for w in finite if w.size] + [near_zero * 4])
    size = 2 * span / bins
    figure = go.Figure()
    colors = (REGULARIZED_COLOR, BASELINE_COLOR)
    for index, ((label, _, share), weights) in enumerate(zip(runs, finite)):
        figure.add_trace(
            go.Histogram(
                x=np.clip(weights, -span, span), xbins=dict(start=-span - size / 2, end=span + size / 2, size=size), name=f"{label}: {share:.0%} near zero",
                marker=dict(color=colors[index % 2]), opacity=0.6, hovertemplate="w ≈ %{x:.3f}: %{y} weights<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(barmode="overlay")
    figure.add_vrect(x0=-near_zero, x1=near_zero, fillcolor="black", opacity=0.12, line_width=0)
    shares = " vs ".join(f"{share:.0%}" for _, _, share in runs)
    figure.add_annotation(x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom", showarrow=False, text=f"|w| < {near_zero:g} (shaded): <b>{shares}</b>")
    apply_layout(figure, "Final weights of every layer", "weight value (unitless, extremes clipped to the edges)", "number of weights (log scale)")
    figure.update_yaxes(type="log")
    return figure


def weight_norm(runs: list[tuple[str, pd.DataFrame]]) -> go.Figure:
    """The L2 norm of all weight matrices after each epoch; the regularized run solid, the baseline dotted."""
    figure = go.Figure()
    colors = (REGULARIZED_COLOR, BASELINE_COLOR)
    for index, (label, epochs) in enumerate(runs):
        figure.add_trace(go.Scatter(x=epochs["epoch"], y=_finite(epochs["weight_norm"]), mode="lines", name=label, line=dict(color=colors[index % 2], dash=RUN_DASHES[index % len(RUN_DASHES)], width=3)))
    apply_layout(figure, "Size of the weights during training", "epoch", "‖W‖ = √(Σ w²) over all layers")
    return figure


def lambda_sweep(table: pd.DataFrame) -> go.Figure:
    """Final training and validation loss against lambda (log x) for L1 (solid) and L2 (dashed); no penalty as a grey line."""
    figure = go.Figure()
    none = table[table["penalty"] == "none"]
    for penalty in ("L1", "L2"):
        rows = table[table["penalty"] == penalty].sort_values("strength")
        for column, color, part in (("train_loss", TRAIN_COLOR, "training"), ("val_loss", VALIDATION_COLOR, "validation")):
            figure.add_trace(
                go.Scatter(
                    x=rows["strength"], y=_finite(rows[column]), mode="lines+markers", name=f"{penalty}, {part}",
                    line=dict(color=color, dash=PENALTY_DASHES[penalty], width=3), marker=dict(size=9, symbol="circle" if penalty == "L1" else "square"),
                )
            )
    for _, row in table[table["penalty"].isin(["L1", "L2"])].nsmallest(1, "val_loss").iterrows():
        figure.add_trace(
            go.Scatter(
                x=[row["strength"]], y=[row["val_loss"]], mode="markers", name=f"lowest validation error ({row['penalty']}, λ = {row['strength']:g})",
                marker=dict(color=VALIDATION_COLOR, size=18, symbol="star", line=dict(color="black", width=1)),
            )
        )
    strengths = sorted(table.loc[table["penalty"].isin(["L1", "L2"]), "strength"].unique())
    if len(none) and strengths:
        level = float(none["val_loss"].iloc[0])
        figure.add_trace(go.Scatter(x=[strengths[0], strengths[-1]], y=[level, level], mode="lines", name="validation, no penalty", line=dict(color=BASELINE_COLOR, dash="dot", width=2)))
    apply_layout(figure, "Final error against the penalty strength λ", "λ (log scale)", "cross-entropy (log scale)")
    figure.update_xaxes(type="log", tickvals=strengths, ticktext=[f"{v:g}" for v in strengths])
    figure.update_yaxes(type="log", dtick=1, exponentformat="power")
    return figure


def dropout_sweep(table: pd.DataFrame) -> go.Figure:
    """Final training and validation loss and the gap between them against the dropout rate."""
    rows = table.sort_values("strength")
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["strength"], y=_finite(rows["train_loss"]), mode="lines+markers", name="final training error", line=dict(color=TRAIN_COLOR, width=3), marker=dict(size=9)))
    figure.add_trace(go.Scatter(x=rows["strength"], y=_finite(rows["val_loss"]), mode="lines+markers", name="final validation error", line=dict(color=VALIDATION_COLOR, width=3), marker=dict(size=9)))
    figure.add_trace(
        go.Bar(x=rows["strength"], y=_finite(rows["gap"]), name="gap = validation − training", marker=dict(color=VALIDATION_COLOR), opacity=0.25, width=0.06)
    )
    apply_layout(figure, "The train/validation gap as the dropout rate grows", "dropout rate (share of hidden units silenced)", "cross-entropy")
    figure.update_xaxes(tickvals=list(rows["strength"]))
    return figure


def dropout_mask(activations: np.ndarray, kept: np.ndarray, rate: float) -> go.Figure:
    """One training-mode pass through the first hidden layer: the mask (red = dropped) and what the next layer receives."""
    activations = np.asarray(activations, dtype=float)
    kept = np.asarray(kept, dtype=bool)
    passed = np.where(kept, activations / max(1.0 - rate, 1e-6), 0.0)
    units = np.arange(1, activations.shape[1] + 1)
    samples = np.arange(1, activations.shape[0] + 1)
    figure = make_subplots(rows=1, cols=2, subplot_titles=(f"Mask: {1 - kept.mean():.0%} of units dropped (red)", "Activations passed on (kept ones scaled by 1/(1−p))"), horizontal_spacing=0.1)
    figure.add_trace(
        go.Heatmap(x=units, y=samples, z=kept.astype(float), zmin=0, zmax=1, colorscale=MASK_COLORSCALE, showscale=False, xgap=1, ygap=1, hovertemplate="unit %{x}, example %{y}: %{z:.0f} (1 = kept)<extra></extra>"),
        row=1, col=1,
    )
    figure.add_trace(
        go.Heatmap(
            x=units, y=samples, z=passed, colorscale="Viridis", zmin=0, colorbar=dict(title="activation", thickness=12), xgap=1, ygap=1,
            hovertemplate="unit %{x}, example %{y}: %{z:.2f}<extra></extra>",
        ),
        row=1, col=2,
    )
    apply_layout(figure, f"One dropped-out forward pass (rate {rate:g}), first hidden layer", "hidden unit", "example in the batch")
    figure.update_yaxes(autorange="reversed")
    return figure
