"""The shared visual vocabulary: one set of colours, dashes, fonts and axes for every page."""

from __future__ import annotations

import numpy as np
import plotly.colors
import plotly.graph_objects as go

TRAIN_COLOR = "#1f77b4"  # blue: anything measured on the training set
VALIDATION_COLOR = "#ff7f0e"  # orange: anything measured on held-out data
CLASS_COLORS = ("#d62728", "#1f77b4")  # class 0 red, class 1 blue (decision boundaries)
BOUNDARY_COLORSCALE = [[0.0, "#f4a3a3"], [0.5, "#f7f7f7"], [1.0, "#9ec5e8"]]
GRADIENT_COLORSCALE = "Viridis"  # log10 gradient norms
DIVERGENCE_COLOR = "#d62728"

ACTIVATION_COLORS = {
    "sigmoid": "#1f77b4",
    "tanh": "#ff7f0e",
    "relu": "#2ca02c",
    "leaky_relu": "#17becf",
    "elu": "#9467bd",
    "linear": "#7f7f7f",
    "maxout": "#8c564b",
    "gelu": "#e377c2",
    "selu": "#bcbd22",
    "swish": "#d62728",
    "silu": "#d62728",
    "softplus": "#393b79",
}

# The current run is drawn solid; a pinned run for comparison is dotted.
RUN_DASHES = ("solid", "dot", "dash", "dashdot")
SERIES_COLORS = plotly.colors.qualitative.D3

# The colour language for new figures: a colour names one run, model or function on a screen;
# which data a curve was measured on (training or validation) is its line style, never its colour.
SPLIT_DASHES = {"train": "solid", "val": "dash"}
SPLIT_LABELS = {"train": "training", "val": "validation"}


def run_color(index: int) -> str:
    """The colour of the index-th run, model or function of a figure (the same index gets the same colour everywhere)."""
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def split_line(split: str, index: int = 0, width: float = 3) -> dict:
    """A line for one run (`index` picks its colour) measured on one split ("train" solid, "val" dashed)."""
    return dict(color=run_color(index), dash=SPLIT_DASHES[split], width=width)


def log_axis(figure: go.Figure, axis: str = "y", **updates) -> go.Figure:
    """A log axis with one tick per power of ten written as 10^k: no minor labels, no SI prefixes (µ, n, p)."""
    options = {**dict(type="log", dtick=1, exponentformat="power", showexponent="all", minor=dict(ticks="", showgrid=False)), **updates}  # e.g. dtick=3: every 3rd power
    (figure.update_yaxes if axis == "y" else figure.update_xaxes)(**options)
    return figure


# Legends under a chart sit on the figure's bottom edge (not on the plot area, whose height Plotly
# adjusts), below the tick labels and the axis title; Plotly grows the bottom margin to fit them.
LEGEND_BELOW = dict(yref="container", orientation="h", yanchor="bottom", y=0.0, xanchor="left", x=0.0)


def layer_colors(count: int) -> list[str]:
    """Colours for layer depth: light near the input, dark near the output."""
    if count <= 1:
        return [plotly.colors.sample_colorscale("Viridis", [0.5])[0]]
    return plotly.colors.sample_colorscale("Viridis", list(np.linspace(0.9, 0.0, count)))


def apply_layout(figure: go.Figure, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    """Common layout: readable fonts on a projector, titled axes, legend above the plot."""
    figure.update_layout(
        # the title sits just above the plot area, below the top strip where Plotly's toolbar appears
        title=dict(text=title, x=0.0, xanchor="left", xref="paper", y=1.0, yref="paper", yanchor="bottom", pad=dict(b=8), font=dict(size=17)),
        font=dict(size=14),
        height=height,
        margin=dict(l=70, r=20, t=78, b=60),
        legend=LEGEND_BELOW,
        template="plotly_white",
        hovermode="closest",
    )
    figure.update_xaxes(title_text=x_title)
    figure.update_yaxes(title_text=y_title)
    if len(figure.data) > 1 and any(getattr(trace, "showlegend", None) is not False and getattr(trace, "name", None) for trace in figure.data):
        figure.update_layout(height=height + 40, margin=dict(b=110), legend=LEGEND_BELOW)  # room for the legend under the x axis
    return figure


def decimate(length: int, max_points: int) -> np.ndarray:
    """Indices of at most `max_points` evenly spaced samples of a series (always keeps the last)."""
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, max_points).round().astype(int))


def log_bins(values: np.ndarray, max_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Average a (steps, ...) array in log space over at most `max_columns` step bins.

    Returns (bin_end_steps, binned) where steps are 1-based.
    """
    steps = len(values)
    if steps <= max_columns:
        return np.arange(1, steps + 1), values
    edges = np.linspace(0, steps, max_columns + 1).round().astype(int)
    safe = np.log10(np.maximum(values, 1e-30))
    binned = np.stack([safe[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:]) if b > a])
    return edges[1:][edges[1:] > edges[:-1]], 10.0**binned
