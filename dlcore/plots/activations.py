"""Figures for the activation-functions page: gallery, decision boundaries, ReLU's three reasons, Maxout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots import style, training
from dlcore.plots.style import (
    ACTIVATION_COLORS,
    BOUNDARY_COLORSCALE,
    CLASS_COLORS,
    SERIES_COLORS,
    apply_layout,
)

PEAK_LABEL_POSITIONS = ("bottom right", "top left", "top right", "bottom left", "middle right", "middle left")
# Maps and slices carry several legend entries: below the plot they never cover the title.
LEGEND_BELOW = dict(legend=dict(style.LEGEND_BELOW, font=dict(size=12)), margin=dict(l=60, r=20, t=60, b=120))
BEFORE_COLOR, AFTER_COLOR = "#9ecae1", "#08519c"  # one quantity (ReLU zeros / dead units) before and after training: light and dark blue
ACCURACY_COLOR = "#555555"
RELU_VS_SIGMOID = {"sigmoid": ACTIVATION_COLORS["sigmoid"], "relu": ACTIVATION_COLORS["relu"]}


def _rgba(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def gallery_figure(result) -> go.Figure:
    """Each function (solid) and its derivative (dotted) on one axis; saturated stretches shaded; steepest slope starred."""
    figure = go.Figure()
    x = result.x
    single = len(result.curves) == 1
    for index, curve in enumerate(result.curves):
        color = ACTIVATION_COLORS.get(curve.name, SERIES_COLORS[0])
        for low, high in curve.saturated:  # one function: shade the plot; several: one strip each along the bottom
            band = dict(y0=0.0, y1=1.0) if single else dict(y0=0.01 + 0.035 * index, y1=0.035 * (index + 1))
            figure.add_shape(type="rect", xref="x", yref="paper", x0=low, x1=high, **band, fillcolor=_rgba(color, 0.1 if single else 0.55), line_width=0, layer="below")
        figure.add_trace(go.Scatter(x=x, y=curve.values, mode="lines", name=f"{curve.label}", legendgroup=curve.name, line=dict(color=color, width=3)))
        figure.add_trace(
            go.Scatter(x=x, y=curve.slopes, mode="lines", name=f"{curve.label}: slope", legendgroup=curve.name, line=dict(color=color, width=2, dash="dot"))
        )
        figure.add_trace(
            go.Scatter(
                x=[curve.peak_x], y=[curve.peak_slope], mode="markers+text", name=f"{curve.label}: steepest slope",
                legendgroup=curve.name, showlegend=False, marker=dict(color=color, size=13, symbol="star", line=dict(color="white", width=1)),
                text=[f"max slope {curve.peak_slope:.3g}"], textposition=PEAK_LABEL_POSITIONS[index % len(PEAK_LABEL_POSITIONS)], textfont=dict(color=color, size=13),
                hovertemplate=f"{curve.label}<br>steepest at x = %{{x:.2f}}<br>slope = %{{y:.4f}}<extra></extra>",
            )
        )
    if any(curve.saturated for curve in result.curves):
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=12, color="#bbbbbb"), name="saturated: slope < 10% of its max" + ("" if single else " (strips)")))
    apply_layout(figure, "f(x) solid, slope f′(x) dotted", "pre-activation input x", "output f(x) · slope f′(x)", height=410)  # with its legend, 450 px: under the tab bar of a 1280x720 window
    limit = result.config.x_limit
    figure.update_xaxes(range=[-limit, limit], zeroline=True, zerolinecolor="#bbbbbb")
    values = np.concatenate([np.concatenate([c.values, c.slopes]) for c in result.curves]) if result.curves else np.zeros(1)
    low, high = float(np.percentile(values, 1)), float(np.percentile(values, 99))
    figure.update_yaxes(range=[min(-1.2, low - 0.2), max(1.5, min(high, limit) + 0.4)], zeroline=True, zerolinecolor="#bbbbbb")
    figure.update_layout(**LEGEND_BELOW)  # up to 15 entries: under the plot, never over the title
    return figure


def decision_boundary(boundary, x_train: np.ndarray, y_train: np.ndarray, title: str, line: tuple[np.ndarray, float] | None = None, height: int = 500) -> go.Figure:
    """Probability of class 1 over the plane, the 0.5 contour, and the training points.

    ``line`` = (weight (2,), bias) draws ``w·x + b = 0`` dashed: the single affine map of a linear network.
    """
    return probability_map(boundary.xs, boundary.ys, boundary.probabilities, x_train, y_train, title, line, height)


def probability_map(xs, ys, probabilities, x_train, y_train, title: str, line=None, height: int = 500) -> go.Figure:
    """:func:`decision_boundary` from the bare grid: xs, ys and probabilities shaped (len(ys), len(xs))."""
    figure = go.Figure(
        go.Contour(
            x=xs, y=ys, z=probabilities, zmin=0, zmax=1, colorscale=BOUNDARY_COLORSCALE, opacity=0.85,
            contours=dict(start=0, end=1, size=0.1), line=dict(width=0), colorbar=dict(title=dict(text="P(class 1)", side="right"), len=0.8),
            hovertemplate="x₁ %{x:.2f}<br>x₂ %{y:.2f}<br>P(class 1) %{z:.2f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Contour(x=xs, y=ys, z=probabilities, contours=dict(start=0.5, end=0.5, coloring="none"), line=dict(color="black", width=2), showscale=False, name="decision boundary (P = 0.5)", showlegend=True, hoverinfo="skip")
    )
    for label in (0, 1):
        points = x_train[y_train == label]
        figure.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=f"class {label}", marker=dict(color=CLASS_COLORS[label], size=5, line=dict(color="white", width=0.5))))
    if line is not None:
        weight, bias = line
        ends = np.array([xs[0], xs[-1]])
        if abs(weight[1]) > 1e-12:
            figure.add_trace(go.Scatter(x=ends, y=-(bias + weight[0] * ends) / weight[1], mode="lines", name="w·x + b = 0 from the weight product", line=dict(color="#ffd700", width=3, dash="dash")))
    apply_layout(figure, title, "input x₁", "input x₂", height=height)
    figure.update_xaxes(range=[xs[0], xs[-1]], constrain="domain")
    figure.update_yaxes(range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1)
    figure.update_layout(**LEGEND_BELOW)
    return figure


def cost_figure(passes: pd.DataFrame) -> go.Figure:
    """Median time per forward + backward pass against layer width, one line per activation."""
    figure = go.Figure()
    for activation, color in RELU_VS_SIGMOID.items():
        rows = passes[passes["activation"] == activation]
        figure.add_trace(
            go.Scatter(
                x=rows["width"], y=rows["ms"], mode="lines+markers", name=activation, line=dict(color=color, width=3), marker=dict(size=9),
                customdata=rows["repeats"], hovertemplate="width %{x}<br>%{y:.2f} ms per pass<br>median of %{customdata} passes<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Time per forward + backward pass", "units per hidden layer (log scale)", "milliseconds per pass (median)", height=380)
    figure.update_xaxes(type="log", tickvals=sorted(passes["width"].unique()))
    figure.update_yaxes(rangemode="tozero")
    return figure


def gradient_through_layers(histories: dict) -> go.Figure:
    """Per-layer gradient norm at the first update of a deep sigmoid and a deep ReLU network (log y)."""
    figure = go.Figure()
    for activation, history in histories.items():
        norms = np.asarray(history.initial_gradient_norms, dtype=float)
        figure.add_trace(
            go.Scatter(
                x=np.arange(1, len(norms) + 1), y=norms, mode="lines+markers", name=activation, customdata=list(history.group_names),
                line=dict(color=RELU_VS_SIGMOID.get(activation, SERIES_COLORS[0]), width=3), marker=dict(size=8),
                hovertemplate="layer %{customdata}<br>‖∂L/∂W‖ = %{y:.3g}<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Gradient per layer, first update", "layer (1 = next to the input → right = output layer)", "‖∂loss/∂W‖ (log scale)", height=380)
    style.log_axis(figure)  # one tick per power of ten, 10^k labels
    return figure


def loss_comparison(histories: dict, metric: str = "loss") -> go.Figure:
    """The shared train/validation curves (one colour per activation, validation dashed), legend below the plot."""
    colors = [ACTIVATION_COLORS.get(name, style.run_color(index)) for index, name in enumerate(histories)]  # a function keeps its colour
    figure = training.loss_curves([(name, history.epochs) for name, history in histories.items()], metric=metric, colors=colors)
    return figure.update_layout(**LEGEND_BELOW)


def zero_fraction_by_layer(layers: pd.DataFrame, learning_rate: float) -> go.Figure:
    """Share of exactly-zero ReLU outputs per hidden layer, before and after training, with dead units marked."""
    figure = go.Figure()
    for index, (moment, color) in enumerate((("before training", BEFORE_COLOR), ("after training", AFTER_COLOR))):
        rows = layers[layers["moment"] == moment]
        figure.add_trace(go.Bar(x=rows["layer"], y=rows["zero_fraction"], name=f"exactly zero · {moment}", marker_color=color, offsetgroup=index))
        figure.add_trace(
            go.Scatter(x=rows["layer"], y=rows["dead_fraction"], mode="markers", name=f"dead units · {moment}", marker=dict(symbol="x", size=12, color=color, line=dict(width=2, color="#d62728")))
        )
    apply_layout(figure, f"Exact zeros per layer (lr {learning_rate:g})", "hidden layer (input side on the left)", "share of the layer", height=380)
    figure.update_yaxes(range=[0, 1], tickformat=".0%")
    figure.update_layout(**LEGEND_BELOW)
    return figure


def dead_units_vs_learning_rate(sweep: pd.DataFrame) -> go.Figure:
    """Dead-unit share after training (and at the start, for reference) against the learning rate; diverged runs marked."""
    figure = go.Figure()
    # the same quantity at two moments keeps the two blues of the per-layer chart beside it (light before, dark after);
    # validation accuracy is another quantity (grey), dashed because it is measured on held-out data
    figure.add_trace(go.Scatter(x=sweep["learning_rate"], y=sweep["dead_fraction_at_start"], mode="lines+markers", name="dead units · before training", line=dict(color=BEFORE_COLOR, dash="dot", width=2), marker=dict(size=8)))
    figure.add_trace(go.Scatter(x=sweep["learning_rate"], y=sweep["dead_fraction"], mode="lines+markers", name="dead units · after training", line=dict(color=AFTER_COLOR, width=3), marker=dict(size=9)))
    figure.add_trace(go.Scatter(x=sweep["learning_rate"], y=sweep["val_accuracy"], mode="lines+markers", name="validation accuracy", line=dict(color=ACCURACY_COLOR, width=2, dash=style.SPLIT_DASHES["val"]), marker=dict(size=7, symbol="diamond")))
    diverged = sweep[sweep["diverged"]]
    if len(diverged):
        figure.add_trace(go.Scatter(x=diverged["learning_rate"], y=diverged["dead_fraction"], mode="markers", name="diverged (NaN)", marker=dict(symbol="x", size=14, color="black")))
    apply_layout(figure, "Dead units vs learning rate", "learning rate (log scale)", "share of hidden units · accuracy", height=380)
    figure.update_xaxes(type="log", tickvals=list(sweep["learning_rate"]), ticktext=[f"{v:g}" for v in sweep["learning_rate"]])
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    figure.update_layout(**LEGEND_BELOW)
    return figure


def maxout_unit_map(result, unit: int, values: np.ndarray, height: int = 500) -> go.Figure:
    """Which piece wins where in the input plane for one Maxout unit, with the unit's value as contour lines.

    ``values`` holds every piece over the result's boundary grid, shaped (len(ys) * len(xs), pieces).
    """
    boundary = result.boundary
    grid_x, _ = np.meshgrid(boundary.xs, boundary.ys)
    winner = np.argmax(values, axis=1).reshape(grid_x.shape)
    pieces = values.shape[1]
    colors = SERIES_COLORS[:pieces]
    scale = [[i / max(pieces - 1, 1), _rgba(c, 0.45)] for i, c in enumerate(colors)] if pieces > 1 else [[0, colors[0]], [1, colors[0]]]
    figure = go.Figure(
        go.Heatmap(x=boundary.xs, y=boundary.ys, z=winner, zmin=0, zmax=pieces - 1, colorscale=scale, showscale=False, name="winning piece", hovertemplate="x₁ %{x:.2f}<br>x₂ %{y:.2f}<br>piece %{z}<extra></extra>")
    )
    figure.add_trace(go.Contour(x=boundary.xs, y=boundary.ys, z=values.max(axis=1).reshape(grid_x.shape), contours=dict(coloring="lines", showlabels=True), line=dict(width=1), colorscale=[[0, "#444"], [1, "#444"]], showscale=False, name="unit output", hoverinfo="skip"))
    for label in (0, 1):
        points_of = result.x_train[result.y_train == label]
        figure.add_trace(go.Scatter(x=points_of[:, 0], y=points_of[:, 1], mode="markers", name=f"class {label}", marker=dict(color=CLASS_COLORS[label], size=4, opacity=0.6)))
    for index, color in enumerate(colors):
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(color=color, size=12, symbol="square"), name=f"piece {index} wins"))
    apply_layout(figure, f"Unit {unit} of the first Maxout layer: regions and output", "input x₁", "input x₂", height=height)
    figure.update_xaxes(range=[boundary.xs[0], boundary.xs[-1]], constrain="domain")
    figure.update_yaxes(range=[boundary.ys[0], boundary.ys[-1]], scaleanchor="x", scaleratio=1)
    figure.update_layout(**LEGEND_BELOW)
    return figure


def maxout_unit_slice(positions: np.ndarray, pieces: np.ndarray, x2: float, unit: int, height: int = 500) -> go.Figure:
    """One Maxout unit along the line x₂ = const: every linear piece (thin) and their maximum (thick)."""
    figure = go.Figure()
    for index in range(pieces.shape[1]):
        figure.add_trace(go.Scatter(x=positions, y=pieces[:, index], mode="lines", name=f"piece {index}: wᵢ·x + bᵢ", line=dict(color=SERIES_COLORS[index % len(SERIES_COLORS)], width=1.5, dash="dash")))
    figure.add_trace(go.Scatter(x=positions, y=pieces.max(axis=1), mode="lines", name="unit output = max of the pieces", line=dict(color="black", width=4)))
    apply_layout(figure, f"Unit {unit} along the line x₂ = {x2:.2f}", "input x₁ (with x₂ held fixed)", "unit output", height=height)
    figure.update_layout(**LEGEND_BELOW)
    return figure


def boundary_animation(result) -> go.Figure:
    """The decision boundary at each snapshot epoch, with a play button and a slider (bounded frames)."""

    def contour(probabilities):
        return go.Contour(x=result.xs, y=result.ys, z=probabilities, zmin=0, zmax=1, colorscale=BOUNDARY_COLORSCALE, contours=dict(start=0, end=1, size=0.1), line=dict(width=0), colorbar=dict(title=dict(text="P(class 1)", side="right"), len=0.8))

    figure = go.Figure(contour(result.snapshots[-1]))
    for label in (0, 1):
        points = result.x_train[result.y_train == label]
        figure.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=f"class {label}", marker=dict(color=CLASS_COLORS[label], size=5, line=dict(color="white", width=0.5))))
    figure.frames = [go.Frame(data=[contour(p)], traces=[0], name=str(epoch)) for epoch, p in zip(result.snapshot_epochs, result.snapshots)]
    steps = [dict(method="animate", label=str(epoch), args=[[str(epoch)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))]) for epoch in result.snapshot_epochs]
    apply_layout(figure, "Boundary replay, epoch by epoch", "input x₁", "input x₂", height=520)
    figure.update_layout(
        # the class legend sits just above the plot and the title one line higher, so neither covers the other
        title=dict(pad=dict(b=34)),
        legend=dict(yref="paper", orientation="h", x=0.0, xanchor="left", y=1.0, yanchor="bottom"),
        margin=dict(l=60, r=20, t=108, b=150),
        sliders=[dict(active=len(steps) - 1, steps=steps, currentvalue=dict(prefix="after epoch "), pad=dict(t=50), x=0.15, len=0.85)],
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=-0.14, xanchor="left", yanchor="top", pad=dict(t=50), buttons=[dict(label="▶ Play", method="animate", args=[None, dict(frame=dict(duration=300, redraw=True), fromcurrent=False, transition=dict(duration=0))])])],
    )
    figure.update_xaxes(range=[result.xs[0], result.xs[-1]], constrain="domain")
    figure.update_yaxes(range=[result.ys[0], result.ys[-1]], scaleanchor="x", scaleratio=1)
    return figure


def live_boundary(info) -> go.Figure:
    """The page's live chart while training: the latest boundary frame the training step's snapshot hook took.

    ``info`` is the engine's ProgressInfo; its ``snapshot`` is (epoch, frame) with the frame's
    ``xs``, ``ys``, ``probabilities``, ``x_train`` and ``y_train``.
    """
    if info.snapshot is None:
        return apply_layout(go.Figure(), "Waiting for the first snapshot…", "input x₁", "input x₂")
    epoch, frame = info.snapshot
    table = info.epochs_table
    accuracy = f" · validation accuracy {table['val_accuracy'].iloc[-1]:.1%}" if table is not None and len(table) else ""
    title = f"Live: boundary after epoch {epoch}{accuracy}"
    return probability_map(frame.xs, frame.ys, frame.probabilities, frame.x_train, frame.y_train, title, height=520)
