"""Figures for the overfitting page: fitted curve, decision boundary, error curves with the gap, sweep U-curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import BOUNDARY_COLORSCALE, CLASS_COLORS, DIVERGENCE_COLOR, TRAIN_COLOR, VALIDATION_COLOR, apply_layout, decimate

TRUE_COLOR = "#2ca02c"
FIT_COLOR = "#222222"
SWEEP_AXES = {
    "capacity": "polynomial degree (capacity)",
    "training_size": "training points (count)",
    "noise": "noise standard deviation (y units)",
}


def polynomial_fit(x_train, y_train, x_val, y_val, curve_x, curve_true, curve_fit, title: str = "Fitted curve") -> go.Figure:
    """The true function, the model's curve, and the noisy training and validation points."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x_val, y=y_val, mode="markers", name="validation points", marker=dict(color=VALIDATION_COLOR, size=5, opacity=0.35)))
    figure.add_trace(go.Scatter(x=curve_x, y=curve_true, mode="lines", name="true function", line=dict(color=TRUE_COLOR, width=3, dash="dash")))
    fit = np.clip(np.asarray(curve_fit, dtype=float), -4.0, 4.0)  # a wild polynomial must not flatten the view
    figure.add_trace(go.Scatter(x=curve_x, y=fit, mode="lines", name="model's curve", line=dict(color=FIT_COLOR, width=3)))
    figure.add_trace(go.Scatter(x=x_train, y=y_train, mode="markers", name="training points", marker=dict(color=TRAIN_COLOR, size=10, line=dict(color="white", width=1))))
    apply_layout(figure, title, "input x (unitless)", "output y (unitless)")
    low = min(float(np.min(y_train)), float(np.min(curve_true))) - 0.5
    high = max(float(np.max(y_train)), float(np.max(curve_true))) + 0.5
    figure.update_yaxes(range=[low, high])
    return figure


def decision_boundary(grid_x, grid_y, grid_probability, x_train, y_train, x_val, y_val, title: str = "Decision boundary") -> go.Figure:
    """P(class 1) over the plane, the 0.5 boundary, training points (large) and validation points (small, hollow)."""
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
        color = CLASS_COLORS[label]
        val = y_val == label
        figure.add_trace(go.Scatter(x=x_val[val, 0], y=x_val[val, 1], mode="markers", name=f"validation, class {label}", marker=dict(color=color, size=6, symbol="circle-open", opacity=0.6)))
    for label in (0, 1):
        color = CLASS_COLORS[label]
        train = y_train == label
        figure.add_trace(go.Scatter(x=x_train[train, 0], y=x_train[train, 1], mode="markers", name=f"training, class {label}", marker=dict(color=color, size=10, line=dict(color="white", width=1.5))))
    apply_layout(figure, title, "feature x₁ (unitless)", "feature x₂ (unitless)")
    figure.update_xaxes(range=[float(grid_x[0]), float(grid_x[-1])])
    figure.update_yaxes(range=[float(grid_y[0]), float(grid_y[-1])])
    return figure


def error_curves(epochs: pd.DataFrame, y_title: str, best_epoch: int | None = None, stopped_epoch: int | None = None, title: str = "Training and validation error", max_points: int = 400, best_label: str = "lowest validation error") -> go.Figure:
    """Train and validation error per epoch, the gap between them shaded, the best epoch and an early stop marked."""
    keep = decimate(len(epochs), max_points)
    table = epochs.iloc[keep]
    x = table["epoch"].to_numpy()
    train = np.where(np.isfinite(table["train_loss"].to_numpy(dtype=float)), table["train_loss"].to_numpy(dtype=float), np.nan)
    val = np.where(np.isfinite(table["val_loss"].to_numpy(dtype=float)), table["val_loss"].to_numpy(dtype=float), np.nan)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=train, mode="lines", name="training error", line=dict(color=TRAIN_COLOR, width=3)))
    figure.add_trace(
        go.Scatter(x=x, y=val, mode="lines", name="validation error (shaded: the gap)", line=dict(color=VALIDATION_COLOR, width=3), fill="tonexty", fillcolor="rgba(255,127,14,0.18)")
    )
    if best_epoch is not None:
        best_row = epochs[epochs["epoch"] == best_epoch]
        if len(best_row):
            figure.add_trace(
                go.Scatter(x=[best_epoch], y=[float(best_row["val_loss"].iloc[0])], mode="markers", name=f"{best_label} (epoch {best_epoch})", marker=dict(color=VALIDATION_COLOR, size=16, symbol="star", line=dict(color="black", width=1)))
            )
    if stopped_epoch is not None:
        figure.add_vline(x=stopped_epoch, line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2), annotation_text=f"early stop at epoch {stopped_epoch}", annotation_position="top right")
    apply_layout(figure, title, "epoch", y_title)
    figure.update_yaxes(type="log", dtick="D2")  # minor labels at 2 and 5 only: readable on a projector
    return figure


def sweep_curve(kind: str, values, train_error, val_error, noise_floor=None, best_index: int | None = None) -> go.Figure:
    """Final training and validation error against the swept quantity, with the best value starred."""
    values = np.asarray(values, dtype=float)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=values, y=train_error, mode="lines+markers", name="final training error", line=dict(color=TRAIN_COLOR, width=3), marker=dict(size=8)))
    figure.add_trace(go.Scatter(x=values, y=val_error, mode="lines+markers", name="final validation error", line=dict(color=VALIDATION_COLOR, width=3), marker=dict(size=8)))
    if noise_floor is not None:
        figure.add_trace(go.Scatter(x=values, y=np.maximum(np.asarray(noise_floor, dtype=float), 1e-4), mode="lines", name="noise floor (best possible)", line=dict(color="grey", dash="dot", width=2)))
    if best_index is not None:
        figure.add_trace(
            go.Scatter(x=[values[best_index]], y=[val_error[best_index]], mode="markers", name=f"lowest validation error ({values[best_index]:g})", marker=dict(color=VALIDATION_COLOR, size=18, symbol="star", line=dict(color="black", width=1)))
        )
    apply_layout(figure, "Final error against " + SWEEP_AXES.get(kind, kind).split(" (")[0], SWEEP_AXES.get(kind, kind), "mean squared error (log scale)")
    figure.update_yaxes(type="log", dtick="D2")
    return figure
