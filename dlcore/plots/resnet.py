"""Figures of the residual-networks page: data in, figure out.

One colour per network on the whole page: the shallow plain network blue,
the deep plain one orange, the shallow residual one purple and the deep
residual one green (tabs 2 to 5 compare one plain and one residual network
of the same depth: orange and green). Training and validation differ by
line style (solid, dashed); at the start vs after training is dotted vs solid.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import GRADIENT_COLORSCALE, LEGEND_BELOW, SPLIT_DASHES, SPLIT_LABELS, apply_layout, log_bins, run_color

CHANCE_COLOR = "#7f7f7f"
INK = "#262730"  # text inside the diagram's boxes
LANDSCAPE_COLORSCALE = "Viridis"


def network_color(residual: bool, deep: bool = True) -> str:
    return run_color({(False, False): 0, (False, True): 1, (True, False): 4, (True, True): 2}[(bool(residual), bool(deep))])


def _log_range(values) -> list[float]:
    """A log axis range of whole decades around the finite positive values (so that major ticks always show)."""
    values = np.asarray([v for v in np.ravel(values) if np.isfinite(v) and v > 0], dtype=float)
    if not len(values):
        return [-1.0, 1.0]
    low, high = math.floor(np.log10(values.min())), math.ceil(np.log10(values.max()))
    return [low, high if high > low else low + 1]


def _log_axis(figure: go.Figure, values, **where) -> None:
    figure.update_yaxes(type="log", exponentformat="power", dtick=1, range=_log_range(values), **where)


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


# ---------------------------------------------------------------- 1 · degradation


def _chance_line(figure: go.Figure, loss: float, text: str) -> None:
    """A dotted line at the guessing loss on a log y axis, labelled at its right end.

    The label is placed by hand: Plotly positions a shape's own annotation on a
    log axis at 10^y instead of y, off the chart.
    """
    figure.add_hline(y=loss, line=dict(color=CHANCE_COLOR, dash="dot", width=1.5))
    figure.add_annotation(x=1, xref="x domain", y=math.log10(loss), yref="y", text=text, showarrow=False, xanchor="right", yanchor="bottom",
                          font=dict(size=12, color=CHANCE_COLOR))  # fmt: skip


def training_curves(networks: list[tuple[str, bool, bool, pd.DataFrame]], chance_loss: float | None = None, show_validation: bool = False, title: str = "Training loss of the four networks") -> go.Figure:
    """Loss per epoch of each (label, residual, deep, epochs table); training solid, validation dashed; log y."""
    figure = go.Figure()
    shown = []
    for label, residual, deep, table in networks:
        for split in ("train", "val") if show_validation else ("train",):
            column = f"{split}_loss"
            if column not in table:
                continue
            values = _finite(table[column])
            shown.append(values)
            figure.add_trace(go.Scatter(
                x=table["epoch"], y=values, mode="lines+markers" if len(table) <= 2 else "lines", name=f"{label} · {SPLIT_LABELS[split]}",
                line=dict(color=network_color(residual, deep), dash=SPLIT_DASHES[split], width=3.5 if split == "train" else 2),
                hovertemplate=f"{label}<br>epoch %{{x}}<br>{SPLIT_LABELS[split]} loss %{{y:.4g}}<extra></extra>",
            ))  # fmt: skip
    if chance_loss is not None:
        _chance_line(figure, chance_loss, f"guessing: {chance_loss:.3g}")
        shown.append([chance_loss])
    apply_layout(figure, title, "epoch", "cross-entropy loss (log scale)", height=370)  # 410 with its legend: whole on a 1280×720 projector
    _log_axis(figure, np.concatenate([np.ravel(v) for v in shown]) if shown else [])
    return figure


def final_loss_bars(labels: list[str], residual: list[bool], deep: list[bool], losses: np.ndarray, chance_loss: float) -> go.Figure:
    """The final training loss of each network (bar colours as in the curves); log y."""
    figure = go.Figure(go.Bar(
        x=labels, y=losses, marker_color=[network_color(r, d) for r, d in zip(residual, deep)], text=[f"{loss:.3g}" for loss in losses],
        textposition="outside", textfont=dict(size=14), cliponaxis=False, showlegend=False, hovertemplate="%{x}<br>final training loss %{y:.4g}<extra></extra>",
    ))  # fmt: skip
    # the guessing line is named in a legend, not beside the line: a bar near 0.693 would put its own label on top of that one
    figure.add_hline(y=chance_loss, line=dict(color=CHANCE_COLOR, dash="dot", width=1.5))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"guessing: {chance_loss:.3g}", line=dict(color=CHANCE_COLOR, dash="dot", width=1.5)))
    apply_layout(figure, "Final training loss", "network", "final training loss (log scale)", height=370)  # 410 with its legend, as tall as the curves beside it
    _log_axis(figure, [*(np.asarray(losses) * 0.5), chance_loss * 3])  # room below the lowest bar
    return figure


# ---------------------------------------------------------------- 2 · gradients through depth


def depth_profile(runs: list[tuple[str, bool, tuple[str, ...], np.ndarray, np.ndarray]], what: str, start_label: str, end_label: str, title: str) -> go.Figure:
    """A norm per position from input (left) to output (right), at the start (dotted) and after training (solid), per network; log y."""
    figure = go.Figure()
    shown = []
    for label, residual, positions, start, end in runs:
        color = network_color(residual)
        names = [p.replace("block_", "block ").replace("/", " · ") for p in positions]
        for values, moment, dash in ((start, start_label, "dot"), (end, end_label, "solid")):
            values = _finite(values)
            shown.append(values)
            figure.add_trace(go.Scatter(
                x=list(range(len(values))), y=values, customdata=names, mode="lines+markers", name=f"{label} · {moment}",
                line=dict(color=color, dash=dash, width=3 if dash == "solid" else 2), marker=dict(size=6 if len(values) <= 40 else 3),
                hovertemplate=f"{label}, {moment}<br>%{{customdata}}<br>{what} %{{y:.3g}}<extra></extra>",
            ))  # fmt: skip
    apply_layout(figure, title, "position (0 = input side)", f"{what} (log scale)", height=430)
    _log_axis(figure, np.concatenate(shown) if shown else [])
    return figure


def heatmap_range(norm_tables: list[np.ndarray]) -> tuple[float, float]:
    """(low, high) of log₁₀ ‖∂L/∂a‖ over every network (1st and 99.5th percentiles): one colour scale for all."""
    logs = np.concatenate([np.log10(np.maximum(np.nan_to_num(t, nan=1e-30), 1e-30)).ravel() for t in norm_tables])
    logs = logs[logs > -29]
    if not len(logs):
        return (-1.0, 0.0)
    low, high = float(np.percentile(logs, 1)), float(np.percentile(logs, 99.5))
    return low, max(high, low + 1e-3)


def gradient_heatmap(label: str, positions: tuple[str, ...], norms: np.ndarray, colour_range: tuple[float, float], max_columns: int = 200) -> go.Figure:
    """‖∂L/∂a‖ by position (rows, input at the bottom) over updates (columns), log₁₀ colour on the given range."""
    steps, binned = log_bins(np.maximum(np.nan_to_num(norms, nan=1e-30), 1e-30), max_columns)
    names = [p.replace("block_", "block ") for p in positions]
    figure = go.Figure(go.Heatmap(
        x=steps, y=names, z=np.log10(binned.T), zmin=colour_range[0], zmax=colour_range[1], colorscale=GRADIENT_COLORSCALE,
        colorbar=dict(title=dict(text="log₁₀ ‖∂L/∂a‖", side="right")), hovertemplate=f"{label}<br>update %{{x}}<br>%{{y}}<br>log₁₀ ‖∂L/∂a‖ %{{z:.2f}}<extra></extra>",
    ))  # fmt: skip
    apply_layout(figure, f"{label}: ‖∂L/∂a‖ over training", "update (training step)", "position (input at the bottom)", height=460)
    return figure


# ---------------------------------------------------------------- 3 · the residual unit

_BOX_COLORS = {"first": "#dbe9f6", "second": "#dbe9f6", "norm_1": "#fdebd3", "norm_2": "#fdebd3", "relu": "#e3f1df", "add": "#ffffff"}


def unit_diagram(view, order: str) -> go.Figure:
    """The block's computation from top to bottom, with each tensor's shape and each layer's parameter count; the shortcut on the right."""
    figure = go.Figure()
    rows = [("input", f"input x: {_shape(view.input_shape)}", "", "#f2f2f2"), *((s.name, s.text, _shape(s.shape) + (f" · {s.parameters:,} params" if s.parameters else ""), _BOX_COLORS.get(s.name, "#dbe9f6")) for s in view.main)]
    add_row = next(index for index, row in enumerate(rows) if row[0] == "add")
    width, gap = 1.0, 1.0
    for index, (name, text, detail, color) in enumerate(rows):
        y = -index * gap
        if name == "add":
            figure.add_shape(type="circle", x0=-0.17, x1=0.17, y0=y - 0.3, y1=y + 0.3, fillcolor="white", line=dict(color="#333", width=2))
            figure.add_annotation(x=0, y=y, text="<b>+</b>", showarrow=False, font=dict(size=20, color=INK))
            figure.add_annotation(x=-0.25, y=y, text="add x", showarrow=False, xanchor="right", font=dict(size=13, color=INK))
        else:
            figure.add_shape(type="rect", x0=-width, x1=width, y0=y - 0.36, y1=y + 0.36, fillcolor=color, line=dict(color="#555", width=1))
            figure.add_annotation(x=0, y=y, text=f"<b>{text}</b>" + (f"<br>{detail}" if detail else ""), showarrow=False, font=dict(size=12, color=INK))
        if index:
            top = -(index - 1) * gap - (0.3 if rows[index - 1][0] == "add" else 0.36)
            bottom = y + (0.3 if name == "add" else 0.36)
            figure.add_annotation(x=0, y=bottom, ax=0, ay=top, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=1.5, text="")
    # the shortcut: from the input's right edge, down the right side, into the addition
    side, add_y = 1.95, -add_row * gap
    middle = add_y / 2
    short = view.shortcut
    figure.add_shape(type="path", path=f"M {width},0 L {side},0 L {side},{middle + 0.9}", line=dict(color="#d62728", width=2.5))
    figure.add_shape(type="path", path=f"M {side},{middle - 0.9} L {side},{add_y}", line=dict(color="#d62728", width=2.5))
    figure.add_annotation(x=0.17, y=add_y, ax=side, ay=add_y, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2.5, arrowcolor="#d62728", text="")
    figure.add_shape(type="rect", x0=side - 0.7, x1=side + 0.7, y0=middle - 0.9, y1=middle + 0.9, fillcolor="#fde0e0", line=dict(color="#d62728", width=1.5))
    detail = _shape(short.shape) + (f"<br>{short.parameters:,} parameters" if short.parameters else "<br>no parameters")
    what = short.text.replace("identity: ", "identity:<br>").replace(", ", ",<br>")
    figure.add_annotation(x=side, y=middle, text=f"<b>shortcut</b><br>{what}<br>{detail}", showarrow=False, font=dict(size=11, color=INK))
    figure.update_xaxes(visible=False, range=[-1.05, 2.7], fixedrange=True)
    figure.update_yaxes(visible=False, range=[-(len(rows) - 1) * gap - 0.6, 0.6], fixedrange=True)
    figure.update_layout(
        title=dict(text=f"Block {view.number} · {order}-activation", x=0.0, xanchor="left", font=dict(size=16)),
        height=110 + 62 * len(rows), margin=dict(l=10, r=10, t=50, b=10), template="plotly_white", showlegend=False, font=dict(size=13),
    )  # fmt: skip
    return figure


def _shape(shape) -> str:
    return " × ".join(str(int(d)) for d in shape)


def skip_off_bars(blocks: int, intact: float, per_block: np.ndarray, all_off: float, selected: str, chance: float = 0.1) -> go.Figure:
    """Validation accuracy of the trained network as it is, with one block's shortcut off, and with every shortcut off."""
    labels = ["all shortcuts on", *(f"block {k} off" for k in range(1, blocks + 1)), "all off"]
    values = [intact, *per_block, all_off]
    colors = [network_color(True) if label == "all shortcuts on" else ("#d62728" if label == selected else "#f4a3a3") for label in labels]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=colors, text=[f"{v:.1%}" for v in values], textposition="outside",
                              hovertemplate="%{x}<br>validation accuracy %{y:.1%}<extra></extra>", showlegend=False))  # fmt: skip
    figure.add_trace(go.Scatter(x=[labels[0], labels[-1]], y=[chance, chance], mode="lines", name=f"guessing ({chance:.0%})", line=dict(color=CHANCE_COLOR, dash="dot", width=1.5), hoverinfo="skip"))
    apply_layout(figure, "Accuracy with shortcuts off", "shortcuts off (no retraining)", "validation accuracy", height=420)
    figure.update_yaxes(range=[0, 1.12], tickformat=".0%")
    return figure


def path_norms(blocks: list[int], skip: list[float], branch: list[float]) -> go.Figure:
    """Mean norm of what each block's shortcut and branch add, per validation image."""
    figure = go.Figure()
    names = [f"block {b}" for b in blocks]
    figure.add_trace(go.Bar(x=names, y=skip, name="shortcut: x (or its projection)", marker_color="#d62728", hovertemplate="%{x}<br>‖shortcut‖ %{y:.3g}<extra></extra>"))
    figure.add_trace(go.Bar(x=names, y=branch, name="branch: F(x)", marker_color="#1f77b4", hovertemplate="%{x}<br>‖F(x)‖ %{y:.3g}<extra></extra>"))
    apply_layout(figure, "Shortcut vs branch, per block", "block", "mean L2 norm per image", height=400)
    figure.update_layout(barmode="group")
    return figure


# ---------------------------------------------------------------- 4 · lesion test


def lesion_curves(curves, chance_accuracy: float) -> go.Figure:
    """Validation accuracy with block k deleted, for each k; the intact accuracy of each network dashed."""
    figure = go.Figure()
    for curve in curves:
        color = network_color(curve.residual)
        positions = np.arange(1, len(curve.accuracy) + 1)
        figure.add_trace(go.Scatter(x=positions, y=curve.accuracy, mode="lines+markers", name=f"{curve.label} with block k deleted", line=dict(color=color, width=3), marker=dict(size=8),
                                    hovertemplate=f"{curve.label}<br>block %{{x}} deleted<br>validation accuracy %{{y:.1%}}<extra></extra>"))  # fmt: skip
        figure.add_trace(go.Scatter(x=[positions[0], positions[-1]], y=[curve.intact_accuracy] * 2, mode="lines", name=f"{curve.label} intact", line=dict(color=color, dash="dash", width=1.5), hoverinfo="skip"))
    ends = [1, len(curves[0].accuracy)]
    figure.add_trace(go.Scatter(x=ends, y=[chance_accuracy] * 2, mode="lines", name=f"guessing the most common class ({chance_accuracy:.0%})",
                                line=dict(color=CHANCE_COLOR, dash="dot", width=1.5), hoverinfo="skip"))  # fmt: skip
    apply_layout(figure, "Accuracy after deleting a block", "deleted block (1 = input side)", "validation accuracy", height=440)
    figure.update_yaxes(range=[0, 1.05], tickformat=".0%")
    figure.update_xaxes(dtick=1 if len(curves[0].accuracy) <= 20 else 5)
    return figure


# ---------------------------------------------------------------- 5 · loss landscape


def landscape_line(alphas: np.ndarray, slices) -> go.Figure:
    """The training loss along the first direction (β = 0) for each network; log y."""
    figure = go.Figure()
    for s in slices:
        figure.add_trace(go.Scatter(x=alphas, y=_finite(s.line), mode="lines+markers", name=s.label, line=dict(color=network_color(s.residual), width=3), marker=dict(size=5),
                                    hovertemplate=f"{s.label}<br>α %{{x:.2f}}<br>training loss %{{y:.4g}}<extra></extra>"))  # fmt: skip
    figure.add_vline(x=0, line=dict(color=CHANCE_COLOR, dash="dot", width=1), annotation_text="trained weights", annotation_position="bottom right")
    apply_layout(figure, "Loss along direction 1 (β = 0)", "α (in filter norms)", "training loss (log scale)", height=420)
    _log_axis(figure, np.concatenate([s.line for s in slices]))
    return figure


def landscape_colour_range(slices) -> tuple[float, float]:
    """(low, high) log₁₀ training loss over every network's grid: one colour scale for all of them."""
    logs = np.log10(np.maximum(np.concatenate([s.surface.ravel() for s in slices]), 1e-12))
    logs = logs[np.isfinite(logs)]
    return (float(logs.min()), float(max(logs.max(), logs.min() + 1e-3))) if len(logs) else (-1.0, 1.0)


def _colorbar(low: float, high: float) -> dict:
    ticks = np.arange(math.ceil(low), math.floor(high) + 1)
    if len(ticks) < 2:
        ticks = np.linspace(low, high, 4)
    return dict(title=dict(text="training loss", side="right"), tickvals=list(ticks), ticktext=[_power_text(t) for t in ticks])


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_text(exponent: float) -> str:
    """10^exponent as the log axes write it: 1, 10, 10², 10⁻³ (a value with 3 digits when it is not a whole decade)."""
    if float(exponent).is_integer():
        whole = int(exponent)
        return {0: "1", 1: "10"}.get(whole, f"10{str(whole).translate(_SUPERSCRIPTS)}")
    return f"{10.0 ** float(exponent):.3g}"


def landscape_contour(alphas: np.ndarray, betas: np.ndarray, piece, colour_range: tuple[float, float]) -> go.Figure:
    """One network's 2-D slice as filled contours of log₁₀ loss on the given colour range; the trained weights (×) at the centre."""
    low, high = colour_range
    figure = go.Figure(go.Contour(
        x=alphas, y=betas, z=np.log10(np.maximum(piece.surface, 1e-12)), zmin=low, zmax=high, colorscale=LANDSCAPE_COLORSCALE,
        contours=dict(start=low, end=high, size=(high - low) / 20), colorbar=_colorbar(low, high), customdata=piece.surface,
        hovertemplate=f"{piece.label}<br>α %{{x:.2f}}, β %{{y:.2f}}<br>training loss %{{customdata:.4g}}<extra></extra>",
    ))  # fmt: skip
    figure.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker=dict(symbol="x", size=12, color="white", line=dict(color="black", width=1)), showlegend=False, hoverinfo="skip"))
    apply_layout(figure, f"{piece.label}: 2-D slice", "α (direction 1)", "β (direction 2)", height=460)
    return figure


def landscape_surface(alphas: np.ndarray, betas: np.ndarray, piece, colour_range: tuple[float, float]) -> go.Figure:
    """One network's 2-D slice as a 3-D surface of log₁₀ loss, on the given colour and height range."""
    low, high = colour_range
    figure = go.Figure(go.Surface(x=alphas, y=betas, z=np.log10(np.maximum(piece.surface, 1e-12)), cmin=low, cmax=high, colorscale=LANDSCAPE_COLORSCALE,
                                  colorbar=_colorbar(low, high), customdata=piece.surface,
                                  hovertemplate=f"{piece.label}<br>α %{{x:.2f}}, β %{{y:.2f}}<br>training loss %{{customdata:.4g}}<extra></extra>"))  # fmt: skip
    scene = dict(xaxis_title="α", yaxis_title="β", zaxis=dict(title="log₁₀ loss", range=[low, high]), camera=dict(eye=dict(x=1.7, y=-1.7, z=1.15)), aspectmode="cube")
    figure.update_layout(title=dict(text=f"{piece.label}: surface", x=0.0, xanchor="left", font=dict(size=17)), scene=scene,
                         height=460, margin=dict(l=0, r=0, t=60, b=10), template="plotly_white", font=dict(size=13), legend=LEGEND_BELOW)  # fmt: skip
    return figure
