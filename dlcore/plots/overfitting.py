"""Figures for the overfitting page: fitted curves, decision boundary, error curves with the noise floor, sweep curves.

Colour language (dlcore.plots.style): a colour names one model or function;
training vs validation is a line style (solid vs dashed) or a marker fill
(filled vs hollow), never a colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import BOUNDARY_COLORSCALE, CLASS_COLORS, DIVERGENCE_COLOR, apply_layout, decimate, log_axis, run_color, split_line

POINT_COLOR = "#444444"  # data points are neither a model nor a function: neutral grey
TRUE_COLOR = run_color(2)  # green: the true function
FLOOR_COLOR = "#7f7f7f"
FIT_CLIP = 4.0  # a wild polynomial is clipped here (and says so) so it cannot flatten the view
MIN_LOG_SPAN = 1.0  # decades: a log error axis never zooms in so far that a flat curve looks violent
SWEEP_TITLES = {"capacity": "Final error vs degree", "training_size": "Final error vs training points", "noise": "Final error vs noise"}  # short: fit a phone
SWEEP_AXES = {
    "capacity": "polynomial degree (capacity)",
    "training_size": "training points (count)",
    "noise": "noise standard deviation (y units)",
}


def polynomial_fit(x_train, y_train, x_val, y_val, curve_x, curve_true, curve_fit, title: str = "Fitted curve", fit_name: str = "model's curve", others=()) -> go.Figure:
    """The true function, the model's curve (and `others`: (name, curve) pairs), the training (filled) and validation (hollow) points."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x_val, y=y_val, mode="markers", name="validation points", marker=dict(color=POINT_COLOR, size=5, symbol="circle-open", opacity=0.45)))
    figure.add_trace(go.Scatter(x=curve_x, y=curve_true, mode="lines", name="true function", line=dict(color=TRUE_COLOR, width=3, dash="dot")))
    low = min(float(np.min(y_train)), float(np.min(curve_true))) - 0.5
    high = max(float(np.max(y_train)), float(np.max(curve_true))) + 0.5
    for index, (name, curve) in enumerate(((fit_name, curve_fit), *others)):
        values = np.asarray(curve, dtype=float)
        leaves = bool(np.any(values < low) or np.any(values > high))  # said in the legend, not on top of the curves
        name = f"{name}, leaves the view" if leaves else name
        figure.add_trace(go.Scatter(x=curve_x, y=np.clip(values, -FIT_CLIP, FIT_CLIP), mode="lines", name=name, line=dict(color=run_color(index), width=3)))
    figure.add_trace(go.Scatter(x=x_train, y=y_train, mode="markers", name="training points", marker=dict(color=POINT_COLOR, size=10, line=dict(color="white", width=1))))
    apply_layout(figure, title, "input x (unitless)", "output y (unitless)")
    figure.update_yaxes(range=[low, high])
    return figure


def decision_boundary(grid_x, grid_y, grid_probability, x_train, y_train, x_val, y_val, title: str = "Decision boundary") -> go.Figure:
    """P(class 1) over the plane, the 0.5 boundary, training points (large, filled) and validation points (small, hollow)."""
    figure = go.Figure()
    figure.add_trace(
        go.Contour(
            x=grid_x, y=grid_y, z=grid_probability, colorscale=BOUNDARY_COLORSCALE, zmin=0.0, zmax=1.0, showscale=False,
            contours=dict(start=0.0, end=1.0, size=0.1), line=dict(width=0), hovertemplate="P(class 1) %{z:.2f}<extra></extra>", showlegend=False,
        )
    )
    figure.add_trace(
        go.Contour(
            x=grid_x, y=grid_y, z=grid_probability, showscale=False, contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
            line=dict(color="black", width=2.5), hoverinfo="skip", name="decision boundary (P = 0.5)", showlegend=True,
        )
    )
    y_train, y_val = np.asarray(y_train).ravel(), np.asarray(y_val).ravel()
    for label in (0, 1):
        val = y_val == label
        figure.add_trace(go.Scatter(x=x_val[val, 0], y=x_val[val, 1], mode="markers", name=f"validation, class {label}", marker=dict(color=CLASS_COLORS[label], size=6, symbol="circle-open", opacity=0.6)))
    for label in (0, 1):
        train = y_train == label
        figure.add_trace(go.Scatter(x=x_train[train, 0], y=x_train[train, 1], mode="markers", name=f"training, class {label}", marker=dict(color=CLASS_COLORS[label], size=10, line=dict(color="white", width=1.5))))
    apply_layout(figure, title, "feature x₁ (unitless)", "feature x₂ (unitless)")
    figure.update_xaxes(range=[float(grid_x[0]), float(grid_x[-1])])
    figure.update_yaxes(range=[float(grid_y[0]), float(grid_y[-1])])
    return figure


def _log_range(*series, floor: float | None = None) -> list[float]:
    """A log10 axis range covering the finite positive values, at least MIN_LOG_SPAN decades tall."""
    values = np.concatenate([np.ravel(np.asarray(s, dtype=float)) for s in series] + ([np.array([floor])] if floor else []))
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return [-2.0, 0.0]
    low, high = np.log10(values.min()), np.log10(values.max())
    pad = max(0.0, MIN_LOG_SPAN - (high - low)) / 2
    return [float(low - pad - 0.05), float(high + pad + 0.05)]


def _floor_line(figure: go.Figure, floor: float | None) -> None:
    if floor is not None and floor > 0:
        figure.add_hline(y=floor, line=dict(color=FLOOR_COLOR, dash="dot", width=2))
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"noise floor ({floor:.3g}): best possible", line=dict(color=FLOOR_COLOR, dash="dot", width=2)))


def error_curves(
    epochs: pd.DataFrame, y_title: str, best_epoch: int | None = None, stopped_epoch: int | None = None, title: str = "Training and validation error",
    max_points: int = 400, best_label: str = "lowest validation error", noise_floor: float | None = None,
) -> go.Figure:
    """Training (solid) and validation (dashed) error of one model per epoch, the gap shaded, the noise floor, the best epoch and an early stop."""
    keep = decimate(len(epochs), max_points)
    table = epochs.iloc[keep]
    x = table["epoch"].to_numpy()
    train = np.where(np.isfinite(table["train_loss"].to_numpy(dtype=float)), table["train_loss"].to_numpy(dtype=float), np.nan)
    val = np.where(np.isfinite(table["val_loss"].to_numpy(dtype=float)), table["val_loss"].to_numpy(dtype=float), np.nan)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=train, mode="lines", name="training error", line=split_line("train")))
    figure.add_trace(go.Scatter(x=x, y=val, mode="lines", name="validation error (shaded: the gap)", line=split_line("val"), fill="tonexty", fillcolor="rgba(31,119,180,0.12)"))
    _floor_line(figure, noise_floor)
    if best_epoch is not None:
        best_row = epochs[epochs["epoch"] == best_epoch]
        if len(best_row):
            figure.add_trace(
                go.Scatter(x=[best_epoch], y=[float(best_row["val_loss"].iloc[0])], mode="markers", name=f"{best_label} (epoch {best_epoch})", marker=dict(color="#ffd700", size=16, symbol="star", line=dict(color="black", width=1)))
            )
    if stopped_epoch is not None:  # named in the legend, not in an annotation that would sit on the curves
        figure.add_vline(x=stopped_epoch, line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2))
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"early stop (epoch {stopped_epoch})", line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2)))
    apply_layout(figure, title, "epoch", y_title)
    log_axis(figure, range=_log_range(train, val, floor=noise_floor))
    return figure


def sweep_curve(kind: str, values, train_error, val_error, noise_floor=None, best_index: int | None = None) -> go.Figure:
    """Final training (solid) and validation (dashed) error against the swept quantity, the noise floor dotted, the best value starred."""
    values = np.asarray(values, dtype=float)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=values, y=train_error, mode="lines+markers", name="final training error", line=split_line("train"), marker=dict(size=8)))
    figure.add_trace(go.Scatter(x=values, y=val_error, mode="lines+markers", name="final validation error", line=split_line("val"), marker=dict(size=8, symbol="circle-open")))
    shown = [train_error, val_error]
    if noise_floor is not None:
        floor = np.asarray(noise_floor, dtype=float)
        visible = floor > 0  # a noise-free setting has no floor to draw on a log axis
        figure.add_trace(go.Scatter(x=values[visible], y=floor[visible], mode="lines", name="noise floor (best possible)", line=dict(color=FLOOR_COLOR, dash="dot", width=2)))
        shown.append(floor[visible])
    if best_index is not None:
        figure.add_trace(
            go.Scatter(x=[values[best_index]], y=[val_error[best_index]], mode="markers", name=f"lowest validation error ({values[best_index]:g})", marker=dict(color="#ffd700", size=18, symbol="star", line=dict(color="black", width=1)))
        )
    apply_layout(figure, SWEEP_TITLES.get(kind, "Final error"), SWEEP_AXES.get(kind, kind), "MSE (log scale)")
    log_axis(figure, range=_log_range(*shown))
    return figure

