"""Figures of a training run: loss curves, gradient norms by layer, activation distributions.

Each builder takes ``runs``: a list of ``(label, data)`` pairs, the current
run first, so that a pinned run can be overlaid for comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import (
    DIVERGENCE_COLOR,
    GRADIENT_COLORSCALE,
    SPLIT_DASHES,
    SPLIT_LABELS,
    apply_layout,
    layer_colors,
    log_axis,
    log_bins,
    run_color,
)


def _short_layer_label(name: str) -> str:
    return "out" if name == "output" else name.replace("hidden_", "h")


def gradient_norm_by_layer(runs: list[tuple[str, tuple[str, ...], np.ndarray]], title: str | None = None, signals: list[np.ndarray] | None = None) -> go.Figure:
    """Per-layer gradient norm at one moment, input side on the left; log y.

    ``runs`` holds (label, layer_names, ‖∂L/∂W‖ per layer); ``signals`` optionally
    holds, per run, ‖∂L/∂a‖ at each hidden layer's output and at the output
    (same positions). A colour is a run; the line style is the quantity.
    Norms that are exactly 0 (float32 underflow) sit on the bottom edge as ✕,
    never dropped; non-finite ones are left out.
    """
    figure = go.Figure()
    series = []
    for index, (label, names, norms) in enumerate(runs):
        series.append((label, names, np.asarray(norms, dtype=float), index, "‖∂L/∂W‖ weight gradient", "solid"))
        if signals is not None and index < len(signals) and signals[index] is not None:
            series.append((label, names, np.asarray(signals[index], dtype=float), index, "‖∂L/∂a‖ back-propagated signal", "dot"))
    values = np.concatenate([norms[np.isfinite(norms) & (norms > 0)] for _, _, norms, *_ in series]) if series else np.zeros(0)
    floor = float(values.min()) / 30 if len(values) else 1e-12
    any_zero = False
    for label, names, norms, index, quantity, dash in series:
        positions = np.arange(1, len(norms) + 1)
        finite = np.isfinite(norms) & (norms > 0)
        zero = norms == 0
        any_zero |= bool(zero.any())
        color = run_color(index)
        name = f"{quantity}<br>{label}" if signals is not None else label  # two short lines: the legend fits a phone
        figure.add_trace(
            go.Scatter(
                x=positions[finite],
                y=norms[finite],
                customdata=np.array(names)[finite],
                mode="lines+markers",
                name=name,
                line=dict(color=color, dash=dash, width=3),
                marker=dict(size=8),
                hovertemplate="layer %{customdata}<br>norm %{y:.3g}<extra>%{fullData.name}</extra>",
            )
        )
        if zero.any():
            figure.add_trace(
                go.Scatter(
                    x=positions[zero],
                    y=np.full(int(zero.sum()), floor),
                    customdata=np.array(names)[zero],
                    mode="markers",
                    name=f"exactly 0 · {name}",
                    showlegend=False,
                    marker=dict(symbol="x-thin", size=12, line=dict(width=3, color=color)),
                    hovertemplate="layer %{customdata}<br>exactly 0: below float32's smallest number<extra></extra>",
                )
            )
    apply_layout(
        figure,
        title or "Gradient per layer, first update",
        "layer (1 = next to the input → right = output layer)",
        "gradient norm (log scale)",
    )
    if any_zero:
        figure.add_annotation(
            xref="paper", x=0.0, y=np.log10(floor), text="✕ = exactly 0 (underflow)", showarrow=False, xanchor="left", yanchor="bottom", font=dict(size=13)
        )
    figure.update_yaxes(type="log", exponentformat="power", dtick=None if len(values) == 0 or values.max() / max(floor, 1e-300) < 1e12 else 5)
    figure.update_xaxes(dtick=1 if len(runs) and len(runs[0][2]) <= 20 else 5)
    return figure


def gradient_heatmap(layer_names: tuple[str, ...], gradient_norms: np.ndarray, max_columns: int = 300, divergence_step: int | None = None) -> go.Figure:
    """Gradient norm by layer (rows, input at the bottom) over training steps (columns), log10 colour."""
    norms = np.asarray(gradient_norms, dtype=float)
    finite = np.where(np.isfinite(norms), norms, np.nan)
    steps, binned = log_bins(np.nan_to_num(finite, nan=1e-30), max_columns)
    z = np.log10(np.maximum(binned.T, 1e-30))
    z[z < -29] = np.nan  # non-finite (after a divergence) or exactly 0: handled below
    zero_rows = np.all(norms == 0, axis=0) if len(norms) else np.zeros(len(layer_names), dtype=bool)
    if zero_rows.any() and np.isfinite(z).any():
        z[zero_rows] = np.nanmin(z) - 1  # exactly 0 throughout: the darkest colour, one decade below the smallest norm
    labels = [_short_layer_label(name) + (" = 0" if zero else "") for name, zero in zip(layer_names, zero_rows)]
    figure = go.Figure(
        go.Heatmap(
            x=steps,
            y=labels,
            z=z,
            colorscale=GRADIENT_COLORSCALE,
            colorbar=dict(title=dict(text="log₁₀ ‖∂L/∂W‖", side="right")),
            hovertemplate="step %{x}<br>layer %{y}<br>log₁₀ norm %{z:.2f}<extra></extra>",
        )
    )
    if divergence_step is not None:
        figure.add_vline(x=divergence_step, line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2))
        figure.add_annotation(x=divergence_step, y=1.0, yref="paper", text="NaN/inf", showarrow=False, font=dict(color=DIVERGENCE_COLOR), yanchor="bottom")
    apply_layout(figure, "Gradient norm by layer over training", "training step (parameter update)", "layer (input at the bottom)", height=420)
    return figure


def loss_curves(runs: list[tuple[str, pd.DataFrame]], metric: str = "loss", divergence_epochs: list[int | None] | None = None,
                colors: list[str] | None = None) -> go.Figure:
    """Training (solid) and validation (dashed) curves per epoch; one colour per run (`colors`, else run_color)."""
    figure = go.Figure()
    finite_values = []
    for index, (label, epochs) in enumerate(runs):
        color = colors[index] if colors else run_color(index)
        for split in ("train", "val"):
            values = epochs[f"{split}_{metric}"].to_numpy(dtype=float)
            values = np.where(np.isfinite(values), values, np.nan)
            finite_values.append(values[np.isfinite(values)])
            figure.add_trace(
                go.Scatter(
                    x=epochs["epoch"],
                    y=values,
                    mode="lines",
                    name=f"{SPLIT_LABELS[split]} · {label}",
                    line=dict(color=color, dash=SPLIT_DASHES[split], width=4 if split == "train" else 2.5),  # both stay visible where they coincide
                    hovertemplate=f"epoch %{{x}}<br>{metric} %{{y:.4f}}<extra>%{{fullData.name}}</extra>",
                )
            )
        if divergence_epochs and divergence_epochs[index] is not None:
            figure.add_vline(x=divergence_epochs[index], line=dict(color=DIVERGENCE_COLOR, dash="dot", width=2))
    y_title = "cross-entropy loss" if metric == "loss" else "accuracy (fraction correct)"
    apply_layout(figure, f"Training and validation {metric}", "epoch", y_title)
    if metric == "accuracy":
        figure.update_yaxes(range=[0, 1.02])
    else:
        values = np.concatenate(finite_values) if finite_values else np.zeros(0)
        if len(values) and values.max() - values.min() < 0.25 * values.max():
            figure.update_yaxes(range=[0, 1.1 * values.max()])  # a nearly flat loss is drawn from 0, so it looks as flat as it is
    return figure


def loss_per_update(steps: pd.DataFrame, divergence_step: int | None, label: str = "training loss per update") -> go.Figure:
    """The loss of every update up to a divergence (for runs that blew up before an epoch's curve could be drawn); log y."""
    loss = steps["loss"].to_numpy(dtype=float)
    step_numbers = np.arange(1, len(loss) + 1)
    finite = np.isfinite(loss) & (loss > 0)
    figure = go.Figure(
        go.Scatter(
            x=step_numbers[finite], y=loss[finite], mode="lines+markers", name=label, line=dict(color=run_color(0), width=3), marker=dict(size=9),
            hovertemplate="update %{x}<br>loss %{y:.3g}<extra></extra>",
        )
    )
    if divergence_step is not None:
        figure.add_vline(x=divergence_step, line=dict(color=DIVERGENCE_COLOR, dash="dash", width=2))
        figure.add_annotation(x=divergence_step, y=0.5, yref="paper", text=f"NaN/inf at<br>update {divergence_step}", showarrow=False,
                              font=dict(color=DIVERGENCE_COLOR), xanchor="right", xshift=-6)
    apply_layout(figure, "Loss per update, until it overflowed", "update (parameter step)", "cross-entropy loss (log scale)")
    decades = float(np.log10(loss[finite].max() / loss[finite].min())) if finite.any() else 1.0
    log_axis(figure, dtick=max(1, int(np.ceil(decades / 8))))  # at most about 8 labelled powers of ten
    figure.update_xaxes(dtick=1 if len(loss) <= 20 else None, range=[0.5, max(len(loss), divergence_step or 0) + 0.5])
    return figure


def activation_distributions(layer_names: tuple[str, ...], at_start: tuple[np.ndarray, ...], at_end: tuple[np.ndarray, ...], value_range: tuple[float, float] | None = None) -> go.Figure:
    """Violins of each hidden layer's activation values before and after training."""
    figure = go.Figure()
    labels = [name.replace("activation_", "h") for name in layer_names]
    for side, samples, color, title in (("negative", at_start, "#9ecae1", "before training"), ("positive", at_end, "#08519c", "after training")):
        if not samples:
            continue
        values = np.concatenate(samples)
        groups = np.concatenate([[label] * len(sample) for label, sample in zip(labels, samples)])
        figure.add_trace(
            go.Violin(
                x=groups,
                y=values,
                side=side,
                name=title,
                line=dict(color=color),
                fillcolor=color,
                opacity=0.75,
                points=False,
                spanmode="hard",
                scalemode="width",
                width=0.9,
                meanline=dict(visible=True),
            )
        )
    apply_layout(figure, "Activation values in each hidden layer", "hidden layer (input side on the left)", "activation value", height=400)
    figure.update_layout(violinmode="overlay", violingap=0.05)
    if value_range is not None:
        figure.update_yaxes(range=list(value_range))
    return figure


def flat_fraction_by_layer(layer_names: tuple[str, ...], at_start: np.ndarray, at_end: np.ndarray) -> go.Figure:
    """Share of activations whose local slope is under 10% of the function's maximum, per layer."""
    labels = [name.replace("activation_", "h") for name in layer_names]
    colors = layer_colors(2)

    def labels_of(values):  # numbers over the bars only where they have room; zero bars stay unlabelled (hover gives every value)
        return [f"{v:.0%}" if len(labels) <= 8 and v >= 0.005 else "" for v in values]

    figure = go.Figure(
        [
            go.Bar(x=labels, y=at_start, name="before training", marker_color=colors[0], text=labels_of(at_start), textposition="outside",
                   hovertemplate="%{x}: %{y:.1%} flat<extra>before training</extra>"),
            go.Bar(x=labels, y=at_end, name="after training", marker_color=colors[1], text=labels_of(at_end), textposition="outside",
                   hovertemplate="%{x}: %{y:.1%} flat<extra>after training</extra>"),
        ]
    )
    apply_layout(figure, "Saturated (flat) units per layer", "hidden layer", "share with slope < 10% of max", height=320)
    figure.update_yaxes(range=[0, 1.1], tickformat=".0%")
    figure.update_layout(uniformtext=dict(minsize=9, mode="hide"))
    return figure
