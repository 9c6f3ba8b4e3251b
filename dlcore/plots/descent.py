"""Figures of gradient descent: paths on a loss contour, an animated optimizer race, loss three ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import DIVERGENCE_COLOR, LEGEND_BELOW, apply_layout, decimate

MODE_COLORS = {"batch": "#2ca02c", "minibatch": "#9467bd", "stochastic": "#e377c2"}
OPTIMIZER_COLORS = {"sgd": "#7f7f7f", "momentum": "#1f77b4", "nesterov": "#17becf", "rmsprop": "#bcbd22", "adam": "#d62728", "adagrad": "#9467bd"}
SURFACE_COLORSCALE = [[0.0, "#ffffff"], [0.5, "#e8f0f8"], [1.0, "#b4cde6"]]
MAX_PATH_POINTS = 600
MAX_FRAMES = 60
LOG_TICKS = [m * 10.0**k for k in range(-6, 7) for m in (1, 2, 5)]
LEGEND_RIGHT = dict(yref="paper", orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02)


def _log_axis(figure: go.Figure, **where) -> None:
    """Log y axis labelled 0.1, 0.2, 0.5, 1, 2, 5 ... (no ambiguous bare minor digits)."""
    figure.update_yaxes(type="log", tickvals=LOG_TICKS, ticktext=[f"{v:g}" for v in LOG_TICKS], **where)


def _shown_loss(values: np.ndarray, floor: float) -> np.ndarray:
    """log10 of the loss above the lowest value, so that valleys keep their detail."""
    return np.log10(np.maximum(values - floor, 0.0) + 1e-3)


def _contour(surface, log_scale: bool) -> go.Contour:
    z = _shown_loss(surface.values, float(np.nanmin(surface.values))) if log_scale else surface.values
    return go.Contour(
        x=surface.xs,
        y=surface.ys,
        z=z,
        colorscale=SURFACE_COLORSCALE,
        ncontours=25,
        line=dict(color="rgba(60,60,90,0.35)", width=1),
        showscale=False,
        customdata=surface.values,
        hovertemplate="(%{x:.2f}, %{y:.2f})<br>loss %{customdata:.4g}<extra>surface</extra>",
        name="loss surface",
        showlegend=False,
    )


def _markers(start, minima) -> list[go.Scatter]:
    minima = np.asarray(minima, dtype=float).reshape(-1, 2)
    return [
        go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start", marker=dict(symbol="circle-open", size=14, color="black", line=dict(width=3))),
        go.Scatter(x=minima[:, 0], y=minima[:, 1], mode="markers", name="minimum", marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1))),
    ]


def paths_on_contour(surface, paths: list[tuple[str, np.ndarray, str]], start, minima, title: str, x_title: str, y_title: str, log_scale: bool = True, height: int = 480) -> go.Figure:
    """The loss surface as a contour with each (label, path, colour) drawn on it (long paths decimated)."""
    figure = go.Figure([_contour(surface, log_scale)])
    for label, path, color in paths:
        keep = decimate(len(path), MAX_PATH_POINTS)
        figure.add_trace(
            go.Scatter(
                x=path[keep, 0],
                y=path[keep, 1],
                mode="lines+markers",
                name=label,
                line=dict(color=color, width=2),
                marker=dict(size=4 if len(keep) > 60 else 7, color=color),
                hovertemplate="(%{x:.3f}, %{y:.3f})<extra>%{fullData.name}</extra>",
            )
        )
    figure.add_traces(_markers(start, minima))
    apply_layout(figure, title, x_title, y_title, height=height)
    figure.update_xaxes(range=[float(surface.xs[0]), float(surface.xs[-1])])
    figure.update_yaxes(range=[float(surface.ys[0]), float(surface.ys[-1])])
    figure.update_layout(legend=LEGEND_RIGHT, margin=dict(l=70, r=20, t=60, b=60))
    return figure


def loss_three_ways(runs: list[tuple[str, object, str]]) -> go.Figure:
    """Whole-training-set loss per epoch, per parameter update (log x) and per example processed.

    ``runs`` holds (label, ModeRun, colour). Each update is one point, so a
    run with many cheap updates draws a dense line and full batch a sparse one.
    """
    figure = make_subplots(rows=3, cols=1, vertical_spacing=0.2, subplot_titles=("per epoch", "per parameter update", "per example processed"))
    for label, run, color in runs:
        epochs = np.concatenate([[0], run.epochs["epoch"].to_numpy()])
        per_epoch = np.concatenate([[run.path_loss[0]], run.epochs["train_loss"].to_numpy(dtype=float)])
        keep = decimate(len(run.path_loss), MAX_PATH_POINTS)
        loss = np.where(np.isfinite(run.path_loss), run.path_loss, np.nan)
        style = dict(color=color, width=2)
        figure.add_trace(go.Scatter(x=epochs, y=np.where(np.isfinite(per_epoch), per_epoch, np.nan), mode="lines+markers", name=label, line=style, legendgroup=label), row=1, col=1)
        updates = keep[keep > 0]  # update 0 (the start) has no place on a log axis
        figure.add_trace(go.Scatter(x=updates, y=loss[updates], mode="lines", name=label, line=style, legendgroup=label, showlegend=False), row=2, col=1)
        figure.add_trace(go.Scatter(x=run.examples[keep], y=loss[keep], mode="lines", name=label, line=style, legendgroup=label, showlegend=False), row=3, col=1)
    apply_layout(figure, "Training loss three ways", "", "", height=640)
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    figure.update_xaxes(title_text="parameter updates (log scale)", type="log", row=2, col=1)
    figure.update_xaxes(title_text="examples processed", row=3, col=1)
    for row in (1, 2, 3):
        figure.update_yaxes(title_text="loss (log)", row=row, col=1)
    _log_axis(figure)
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=60, b=90))
    figure.update_annotations(font=dict(size=13))
    return figure


def loss_per_update(path_loss: np.ndarray, color: str, label: str, divergence_step: int | None = None) -> go.Figure:
    """Whole-training-set loss after every update, log y; a red line where the run blew up."""
    loss = np.where(np.isfinite(path_loss), path_loss, np.nan)
    keep = decimate(len(loss), MAX_PATH_POINTS)
    figure = go.Figure(go.Scatter(x=keep, y=loss[keep], mode="lines+markers", name=label, line=dict(color=color, width=2), marker=dict(size=5)))
    if divergence_step is not None:
        figure.add_vline(x=divergence_step, line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2))
        figure.add_annotation(x=divergence_step, y=1.0, yref="paper", text="NaN/inf: stopped", showarrow=False, font=dict(color=DIVERGENCE_COLOR), yanchor="bottom")
    apply_layout(figure, "Training loss after each update", "parameter updates", "loss (log scale)", height=480)
    _log_axis(figure)
    return figure


def _race_frame_data(paths: dict, names, colors, upto: int) -> list[go.Scatter]:
    traces = []
    for name in names:
        path = paths[name][: upto + 1]
        finite = path[np.all(np.isfinite(path), axis=1)]
        keep = decimate(len(finite), MAX_PATH_POINTS)
        head = finite[-1:] if len(finite) else np.zeros((0, 2))
        traces.append(go.Scatter(x=finite[keep, 0], y=finite[keep, 1], mode="lines", line=dict(color=colors[name], width=2.5)))
        traces.append(go.Scatter(x=head[:, 0], y=head[:, 1], mode="markers", marker=dict(color=colors[name], size=11, line=dict(color="white", width=1.5))))
    return traces


def optimizer_race(result, names, labels: dict, max_frames: int = MAX_FRAMES) -> go.Figure:
    """Paths of the chosen optimizers on the landscape, with a play button and a step slider.

    At most ``max_frames`` frames; each frame redraws only the path traces,
    never the contour. The figure opens on the final step.
    """
    landscape, steps = result.landscape, len(next(iter(result.paths.values()))) - 1
    colors = OPTIMIZER_COLORS
    figure = go.Figure([_contour(result.surface, True)])
    final = _race_frame_data(result.paths, names, colors, steps)
    for index, trace in enumerate(final):
        name = names[index // 2]
        trace.update(name=labels[name], legendgroup=name, showlegend=index % 2 == 0, hovertemplate="(%{x:.3f}, %{y:.3f})<extra>%{fullData.name}</extra>")
        figure.add_trace(trace)
    figure.add_traces(_markers(landscape.start, landscape.minima))
    moving = list(range(1, 1 + 2 * len(names)))
    marks = np.unique(np.linspace(0, steps, min(max_frames, steps + 1)).round().astype(int))
    figure.frames = [go.Frame(data=_race_frame_data(result.paths, names, colors, int(k)), traces=moving, name=str(k)) for k in marks]
    slider_steps = [dict(method="animate", label=str(k), args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))]) for k in marks]
    play = dict(label="▶ Play", method="animate", args=[None, dict(frame=dict(duration=80, redraw=False), transition=dict(duration=0), fromcurrent=False, mode="immediate")])
    pause = dict(label="⏸", method="animate", args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])
    apply_layout(figure, landscape.label, landscape.x_title, landscape.y_title, height=560)
    figure.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.16, xanchor="left", yanchor="top", buttons=[play, pause], showactive=False)],
        sliders=[dict(active=len(marks) - 1, steps=slider_steps, x=0.16, len=0.84, y=-0.12, yanchor="top", currentvalue=dict(prefix="step "), pad=dict(t=10))],
        legend=LEGEND_RIGHT,
        margin=dict(l=70, r=20, t=60, b=130),
    )
    figure.update_xaxes(range=[landscape.x_range[0], landscape.x_range[1]])
    figure.update_yaxes(range=[landscape.y_range[0], landscape.y_range[1]])
    return figure


def race_losses(result, names, labels: dict) -> go.Figure:
    """Loss above the lowest value seen, per step, log y (so a saddle's negative loss still shows)."""
    floor = min(float(np.nanmin(result.surface.values)), *(float(np.nanmin(result.losses[n])) if np.isfinite(result.losses[n]).any() else np.inf for n in names))
    figure = go.Figure()
    for name in names:
        loss = result.losses[name]
        keep = decimate(len(loss), MAX_PATH_POINTS)
        figure.add_trace(go.Scatter(x=keep, y=loss[keep] - floor + 1e-6, mode="lines", name=labels[name], line=dict(color=OPTIMIZER_COLORS[name], width=2.5)))
        if result.diverged_at[name] is not None:
            figure.add_vline(x=result.diverged_at[name], line=dict(color=OPTIMIZER_COLORS[name], dash="dash", width=2))
    apply_layout(figure, "Loss per step", "step (parameter update)", "loss − lowest value seen (log scale)", height=560)
    figure.update_yaxes(type="log", exponentformat="power")
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=60, b=130))
    return figure


def optimizer_curves(epochs: dict, labels: dict, metric: str) -> go.Figure:
    """One line per optimizer: training loss or validation accuracy per epoch."""
    column, y_title, title = {
        "loss": ("train_loss", "cross-entropy loss (log scale)", "Training loss per epoch"),
        "accuracy": ("val_accuracy", "accuracy (fraction correct)", "Validation accuracy per epoch"),
    }[metric]
    figure = go.Figure()
    for name, table in epochs.items():
        values = pd.to_numeric(table[column]).to_numpy(dtype=float)
        figure.add_trace(go.Scatter(x=table["epoch"], y=np.where(np.isfinite(values), values, np.nan), mode="lines", name=labels[name], line=dict(color=OPTIMIZER_COLORS[name], width=2.5)))
    apply_layout(figure, title, "epoch", y_title, height=420)
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=60, b=110))
    if metric == "loss":
        _log_axis(figure)
    else:
        figure.update_yaxes(range=[0, 1.02])
    return figure
