"""Figures of gradient descent: paths on a loss contour, an animated optimizer race, loss curves.

Colours follow plots.style: a colour names one batch mode or one optimizer
(style.run_color(index)); a training curve is solid and a validation curve
dashed. Every loss axis is a log axis (style.log_axis) with a fixed range: a
run that diverges leaves the chart through its top edge and is marked there,
so it never squashes the other curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import DIVERGENCE_COLOR, LEGEND_BELOW, apply_layout, decimate, log_axis, run_color, split_line

SURFACE_COLORSCALE = [[0.0, "#ffffff"], [0.5, "#e8f0f8"], [1.0, "#b4cde6"]]
MAX_PATH_POINTS = 600
MAX_FRAMES = 60
HEADROOM_DECADES = 1.0  # a loss axis reaches one power of ten above the highest starting loss
MIN_SPAN_DECADES = 1.0  # and always spans at least one power of ten, so a flat curve looks flat


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
        go.Scatter(
            x=minima[:, 0], y=minima[:, 1], mode="markers", name="minimum", marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1))
        ),
    ]


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def loss_range(starts, lowest: float) -> tuple[float, float]:
    """(low, high) of a log loss axis in powers of ten: from just below the lowest value to a decade above the highest
    start, at least MIN_SPAN_DECADES wide. A run that climbs higher leaves the chart through the top."""
    top = np.log10(max(float(np.nanmax(starts)), 1e-300)) + HEADROOM_DECADES
    bottom = np.log10(max(lowest, 1e-300)) - 0.15
    return min(bottom, top - MIN_SPAN_DECADES), top


def _mark_exit(figure, x, y_top_log: float, text: str, color: str, stack: int = 0, where_along: float = 0.5, **where) -> None:
    """An arrow at the top edge where a curve left the chart (or a run stopped). `stack` lowers the label of the
    stack-th mark of a chart so that marks at nearby steps do not write over each other; `where_along` (0 = left edge,
    1 = right edge) keeps the label inside the plot near its edges."""
    anchor = "left" if where_along < 0.2 else "right" if where_along > 0.8 else "center"
    figure.add_annotation(
        x=x,
        y=y_top_log,
        text=text,
        showarrow=True,
        arrowhead=2,
        ax=0,
        ay=24 + 20 * stack,
        xanchor=anchor,
        font=dict(color=color, size=12),
        bgcolor="rgba(255,255,255,0.85)",
        **where,
    )


def _exit_point(x: np.ndarray, y: np.ndarray, top_log: float, stopped_at: int | None):
    """(x, description) where a curve first goes above the chart's top or stops being finite; None if it never does."""
    above = np.flatnonzero(~(np.asarray(y) <= 10.0**top_log))  # NaN counts: the run stopped there
    if stopped_at is not None:
        return stopped_at, "NaN/inf: stopped"
    if len(above):
        return x[above[0]], f"above 10^{top_log:.0f}"
    return None


def paths_on_contour(
    surface, paths: list[tuple[str, np.ndarray, int]], start, minima, title: str, x_title: str, y_title: str, log_scale: bool = True, height: int = 480
) -> go.Figure:
    """The loss surface as a contour with each (label, path, colour index) drawn on it (long paths decimated)."""
    figure = go.Figure([_contour(surface, log_scale)])
    for label, path, index in paths:
        keep = decimate(len(path), MAX_PATH_POINTS)
        color = run_color(index)
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
    return figure


def loss_three_ways(runs: list[tuple[str, object, int]], minimum_loss: float) -> go.Figure:
    """Whole-training-set loss per epoch, per parameter update (log x) and per example processed.

    ``runs`` holds (label, ModeRun, colour index). A dotted line marks the lowest possible loss.
    """
    figure = make_subplots(rows=3, cols=1, vertical_spacing=0.2, subplot_titles=("per epoch", "per parameter update", "per example processed"))
    low, top = loss_range([run.path_loss[0] for _, run, _ in runs], min(minimum_loss, *(np.nanmin(_finite(run.path_loss)) for _, run, _ in runs)))
    for label, run, index in runs:
        epochs = np.concatenate([[0], run.epochs["epoch"].to_numpy()])
        per_epoch = _finite(np.concatenate([[run.path_loss[0]], run.epochs["train_loss"].to_numpy(dtype=float)]))
        keep = decimate(len(run.path_loss), MAX_PATH_POINTS)
        loss = _finite(run.path_loss)
        style = split_line("train", index, width=2)
        figure.add_trace(go.Scatter(x=epochs, y=per_epoch, mode="lines+markers", name=label, line=style, legendgroup=label), row=1, col=1)
        updates = keep[keep > 0]  # update 0 (the start) has no place on a log axis
        figure.add_trace(go.Scatter(x=updates, y=loss[updates], mode="lines", name=label, line=style, legendgroup=label, showlegend=False), row=2, col=1)
        figure.add_trace(
            go.Scatter(x=run.examples[keep], y=loss[keep], mode="lines", name=label, line=style, legendgroup=label, showlegend=False), row=3, col=1
        )
        exit_point = _exit_point(np.arange(len(loss)), loss, top, run.divergence.step if run.divergence else None)
        if exit_point is not None:  # on the per-update panel, whose x axis is log: annotations take log10(x) there
            _mark_exit(
                figure,
                np.log10(max(exit_point[0], 1)),
                top,
                f"{label.split(' (')[0]}: {exit_point[1]}",
                run_color(index),
                stack=index,
                where_along=np.log10(max(exit_point[0], 1)) / max(np.log10(len(loss)), 1e-9),
                row=2,
                col=1,
            )
    for row in (1, 2, 3):
        figure.add_hline(y=minimum_loss, line=dict(color="#444", dash="dot", width=1.5), row=row, col=1)
    apply_layout(figure, "Training loss three ways", "", "", height=700)
    figure.update_layout(title=dict(pad=dict(b=34)))
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    figure.update_xaxes(title_text="parameter updates (log scale)", type="log", dtick=1, exponentformat="power", row=2, col=1)
    figure.update_xaxes(title_text="examples processed", row=3, col=1)
    for row in (1, 2, 3):
        figure.update_yaxes(title_text="loss (log)", row=row, col=1)
    log_axis(figure, range=[low, top])
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=96, b=90))
    figure.update_annotations(font=dict(size=13))
    return figure


def loss_per_update(path_loss: np.ndarray, index: int, label: str, minimum_loss: float, divergence_step: int | None = None) -> go.Figure:
    """Whole-training-set loss after every update on a fixed log axis; a run that blows up is marked where it leaves."""
    loss = _finite(path_loss)
    keep = decimate(len(loss), MAX_PATH_POINTS)
    low, top = loss_range([loss[0]], min(minimum_loss, float(np.nanmin(loss))))
    mode = "lines+markers" if len(keep) <= 120 else "lines"  # dots only where they can be told apart
    figure = go.Figure(
        go.Scatter(x=keep, y=loss[keep], mode=mode, name=label, line=split_line("train", index, width=2 if len(keep) <= 120 else 1.2), marker=dict(size=5))
    )
    figure.add_trace(
        go.Scatter(
            x=[0, max(len(loss) - 1, 1)],
            y=[minimum_loss] * 2,
            mode="lines",
            name=f"lowest possible loss ({minimum_loss:.3g})",
            line=dict(color="#444", dash="dot", width=1.5),
        )
    )
    exit_point = _exit_point(np.arange(len(loss)), loss, top, divergence_step)
    if exit_point is not None:
        x, what = exit_point
        last = float(np.nanmax(loss)) if np.isfinite(loss).any() else float("nan")
        text = f"💥 update {x}: NaN/inf, stopped" if divergence_step is not None else f"📈 left the chart at update {x} (reached {last:.1e})"
        _mark_exit(figure, x, top, text, DIVERGENCE_COLOR, where_along=x / max(len(loss) - 1, 1))
        if divergence_step is not None:
            figure.add_vline(x=divergence_step, line=dict(color=DIVERGENCE_COLOR, dash="dot", width=2))
    apply_layout(figure, "Training loss after each update", "parameter updates", "training loss (log scale)", height=480)
    return log_axis(figure, range=[low, top])


def optimizer_color(name: str, labels: dict) -> str:
    """An optimizer's colour: its place in the page's list of all optimizers, the same in every figure."""
    return run_color(list(labels).index(name))


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
    colors = {name: optimizer_color(name, labels) for name in names}
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
    slider_steps = [
        dict(method="animate", label=str(k), args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))])
        for k in marks
    ]
    play = dict(
        label="▶ Play",
        method="animate",
        args=[None, dict(frame=dict(duration=80, redraw=False), transition=dict(duration=0), fromcurrent=False, mode="immediate")],
    )
    pause = dict(label="⏸", method="animate", args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])
    apply_layout(figure, landscape.label, landscape.x_title, landscape.y_title, height=720)
    figure.update_layout(
        updatemenus=[
            dict(type="buttons", direction="left", x=0.0, y=-0.17, xanchor="left", yanchor="top", buttons=[play, pause], showactive=False, pad=dict(t=0))
        ],
        sliders=[
            dict(
                active=len(marks) - 1,
                steps=slider_steps,
                x=0.0,
                len=1.0,
                y=-0.26,
                yanchor="top",
                currentvalue=dict(prefix="step ", xanchor="right"),
                pad=dict(t=0),
            )
        ],
        legend=LEGEND_BELOW,
        margin=dict(l=70, r=20, t=60, b=300),
    )
    figure.update_xaxes(range=[landscape.x_range[0], landscape.x_range[1]])
    figure.update_yaxes(range=[landscape.y_range[0], landscape.y_range[1]])
    return figure


def race_losses(result, names, labels: dict, floor: float) -> go.Figure:
    """Loss above the landscape's true minimum per step, log y; gaps below `floor` (float32 resolution) drawn at it."""
    gaps = {name: np.maximum(_finite(result.losses[name]) - result.minimum_loss, floor) for name in names}
    shown = [gap[np.isfinite(gap)] for gap in gaps.values()]
    low, top = loss_range([gaps[name][0] for name in names], min((float(gap.min()) for gap in shown if len(gap)), default=floor))
    figure, marked = go.Figure(), 0
    for name in names:
        keep = decimate(len(gaps[name]), MAX_PATH_POINTS)
        figure.add_trace(go.Scatter(x=keep, y=gaps[name][keep], mode="lines", name=labels[name], line=dict(color=optimizer_color(name, labels), width=2.5)))
        stopped = result.diverged_at[name]
        exit_point = _exit_point(np.arange(len(gaps[name])), gaps[name], top, stopped)
        if exit_point is not None:
            figure.add_vline(x=exit_point[0], line=dict(color=optimizer_color(name, labels), dash="dot", width=2))
            _mark_exit(
                figure,
                exit_point[0],
                top,
                f"💥 {labels[name]}",
                optimizer_color(name, labels),
                stack=marked,
                where_along=exit_point[0] / max(len(gaps[name]) - 1, 1),
            )
            marked += 1
    figure.add_hline(y=floor, line=dict(color="#444", dash="dot", width=1.5))
    figure.add_annotation(
        x=1,
        xref="paper",
        xanchor="right",
        y=np.log10(floor),
        yanchor="bottom",
        text="= minimum (float32 limit)",
        showarrow=False,
        font=dict(size=12, color="#444"),
    )
    apply_layout(figure, f"Loss above the minimum ({result.minimum_loss:.4g})", "step (parameter update)", "loss − minimum loss (log scale)", height=720)
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=60, b=130))
    return log_axis(figure, range=[low, top], dtick=1 if top - low <= 8 else 2)


def optimizer_curves(epochs: dict, labels: dict, metric: str) -> go.Figure:
    """One line per optimizer: training loss per epoch (solid) or validation accuracy per epoch (dashed)."""
    column, split, y_title, title = {
        "loss": ("train_loss", "train", "training cross-entropy (log scale)", "Training loss per epoch"),
        "accuracy": ("val_accuracy", "val", "validation accuracy (fraction correct)", "Validation accuracy per epoch"),
    }[metric]
    figure = go.Figure()
    for name, table in epochs.items():
        values = _finite(pd.to_numeric(table[column]).to_numpy(dtype=float))
        figure.add_trace(go.Scatter(x=table["epoch"], y=values, mode="lines", name=labels[name], line=split_line(split, list(labels).index(name), width=2.5)))
    apply_layout(figure, title, "epoch", y_title, height=420)
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(l=70, r=20, t=60, b=110))
    if metric == "loss":
        starts = [float(t["train_loss"].iloc[0]) for t in epochs.values() if len(t) and np.isfinite(t["train_loss"].iloc[0])] or [1.0]
        lowest = min([float(np.nanmin(_finite(t["train_loss"]))) for t in epochs.values() if np.isfinite(_finite(t["train_loss"])).any()] or [0.1])
        low, top = loss_range(starts, lowest)
        log_axis(figure, range=[low, top])
    else:
        figure.update_yaxes(range=[0, 1.02])
    return figure
