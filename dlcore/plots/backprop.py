"""Figures of the backpropagation page: the network step by step, and the checks of its gradients."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import LEGEND_BELOW, SERIES_COLORS, apply_layout, log_axis, run_color

FORWARD_COLOR = SERIES_COLORS[0]  # blue: values flowing forward
BACKWARD_COLOR = SERIES_COLORS[3]  # red: gradients flowing backward
CURRENT_COLOR = SERIES_COLORS[1]  # orange ring: the node of the current step
EDGE_COLOR = "#b0b0b0"
TAPE_COLOR = run_color(0)  # in the checks below the diagram: blue is backprop (tape or engine), green finite differences
FINITE_DIFFERENCE_COLOR = run_color(2)
NODE_FILL = {"input": "#e8e8e8", "hidden": "#dbe9f6", "out": "#dbe9f6", "loss": "#fde0c5"}
SMALLEST_SHOWN_ERROR = 1e-17  # a relative error of exactly 0 is drawn here on the log axis
LAYER_X = (0.0, 1.4, 2.5, 3.4)  # inputs, hidden, output, loss: the widest gap holds the most edge labels
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _number(value: float) -> str:
    return f"{value:.4g}".replace("-", "−")


def _layout(hidden_units: int) -> dict[str, tuple[float, float]]:
    middle = (hidden_units - 1) / 2
    positions = {"x1": (0.0, middle + 0.5), "x2": (0.0, middle - 0.5), "out": (LAYER_X[2], middle), "loss": (LAYER_X[3], middle)}
    positions.update({f"h{j}": (LAYER_X[1], float(hidden_units - j)) for j in range(1, hidden_units + 1)})
    return positions


TALL_ROWS = (0.0, -2.8, -5.0, -6.6)  # tall diagram: inputs, hidden, output, loss from top to bottom
TALL_SPACING = 1.5  # between neighbouring nodes of a row


def _tall_layout(hidden_units: int) -> dict[str, tuple[float, float]]:
    """Layers from top to bottom: a diagram that fits a phone's width."""
    half = TALL_SPACING / 2
    positions = {"x1": (-half, TALL_ROWS[0]), "x2": (half, TALL_ROWS[0]), "out": (0.0, TALL_ROWS[2]), "loss": (0.0, TALL_ROWS[3])}
    positions.update({f"h{j}": ((j - (hidden_units + 1) / 2) * TALL_SPACING, TALL_ROWS[1]) for j in range(1, hidden_units + 1)})
    return positions


def _tall_share(source: str, target: str, hidden_units: int) -> float:
    """Where along its edge a label sits in the tall diagram: every edge of a gap at its own height, so labels never share a line."""
    if source.startswith("x"):  # between the inputs' texts and the texts above the hidden units
        index = (int(target[1:]) - 1) * 2 + int(source[1:]) - 1
        return 0.14 + 0.52 * index / (2 * hidden_units - 1)
    if source.startswith("h"):  # between the texts below the hidden units and the text above the output
        return 0.4 + 0.25 * (int(source[1:]) - 1) / (hidden_units - 1)
    return 0.55


def _edges(hidden_units: int) -> list[tuple[str, str, str]]:
    """(source, target, parameter name) of every weighted edge, plus the output-to-loss edge."""
    edges = [(f"x{i}", f"h{j}", f"w{i}{j}") for j in range(1, hidden_units + 1) for i in (1, 2)]
    edges += [(f"h{j}", "out", f"v{j}") for j in range(1, hidden_units + 1)]
    return edges + [("out", "loss", "")]


def _node_texts(node: str, parameters: dict, known: dict, target: float) -> tuple[str, str]:
    """(text above the node: forward values; text below: bias and gradient) for what is known so far."""
    red = f"<span style='color:{BACKWARD_COLOR}'>"
    if node.startswith("x"):
        return (f"{node[0]}{node[1:].translate(SUBSCRIPT)} = {_number(known[node])}" if node in known else "", "")
    if node.startswith("h"):
        j = node[1:]
        above = f"z{j.translate(SUBSCRIPT)} = {_number(known[f'z{j}'])}, h{j.translate(SUBSCRIPT)} = {_number(known[node])}" if node in known else ""
        below = f"b{j.translate(SUBSCRIPT)} = {_number(parameters[f'b{j}'])}"
        if f"dL/dz{j}" in known:
            below += f"<br>{red}∂L/∂z{j.translate(SUBSCRIPT)} = ∂L/∂b{j.translate(SUBSCRIPT)} = {_number(known[f'dL/dz{j}'])}</span>"
        return above, below
    if node == "out":
        above = f"z<sub>o</sub> = {_number(known['z_out'])}, ŷ = {_number(known['y_hat'])}" if "y_hat" in known else ""
        below = f"c = {_number(parameters['c'])}"
        if "dL/dz_out" in known:
            below += f"<br>{red}∂L/∂z<sub>o</sub> = ∂L/∂c = {_number(known['dL/dz_out'])}</span>"
        return above, below
    above = f"L = {_number(known['loss'])}" if "loss" in known else ""
    return above, f"target t = {_number(target)}"


def _edge_label(source: str, parameter: str, parameters: dict, known: dict) -> str:
    if not parameter:
        return f"<span style='color:{BACKWARD_COLOR}'>∂L/∂ŷ = {_number(known['dL/dy_hat'])}</span>" if "dL/dy_hat" in known else ""
    symbol = f"{parameter[0]}<sub>{parameter[1:]}</sub>"
    text = f"{symbol} = {_number(parameters[parameter])}"
    if f"dL/d{parameter}" in known:
        text += f"<br><span style='color:{BACKWARD_COLOR}'>∂L/∂{symbol} = {_number(known[f'dL/d{parameter}'])}</span>"
    return text


def network_figure(parameters: dict, hidden_units: int, target: float, known: dict, step=None, title: str = "The network", tall: bool = False) -> go.Figure:
    """The network as a graph: weights (and, once found, their gradients) on edges, values on nodes.

    ``known`` holds every quantity computed so far (values and gradients, by key);
    ``step`` (phase, nodes, edges) is highlighted. ``tall`` draws the layers
    from top to bottom, in a width a phone has.
    """
    positions = _tall_layout(hidden_units) if tall else _layout(hidden_units)
    font = 11 if tall else 12
    current_edges = set(step.edges) if step is not None else set()
    flow_color = BACKWARD_COLOR if step is not None and step.phase == "backward" else FORWARD_COLOR
    figure = go.Figure()
    for source, target_node, parameter in _edges(hidden_units):
        (x0, y0), (x1, y1) = positions[source], positions[target_node]
        is_current = (source, target_node) in current_edges
        weight = abs(parameters[parameter]) if parameter else 1.0
        figure.add_trace(
            go.Scatter(
                x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False, hoverinfo="skip",
                line=dict(color=flow_color if is_current else EDGE_COLOR, width=(5 if is_current else 1.5) + min(weight, 4.0)),
            )
        )
        share = _tall_share(source, target_node, hidden_units) if tall else (0.62 if source.startswith("x") else 0.55 if source.startswith("h") else 0.5)  # wide: labels grouped by the unit they feed
        label = _edge_label(source, parameter, parameters, known)
        if label:
            figure.add_annotation(
                x=x0 + share * (x1 - x0), y=y0 + share * (y1 - y0), text=label, showarrow=False, font=dict(size=font),
                bgcolor="rgba(255,255,255,0.88)", bordercolor=flow_color if is_current else "rgba(0,0,0,0)", borderwidth=1,
            )
    _add_nodes(figure, positions, parameters, known, target, set(step.nodes) if step is not None else set(), tall)
    _add_legend_entries(figure)
    if tall:
        apply_layout(figure, title, "", "", height=1000)
        figure.update_layout(legend=dict(LEGEND_BELOW, xanchor="center", x=0.5), margin=dict(l=8, r=8, t=60, b=40))
        reach = (hidden_units - 1) / 2 * TALL_SPACING + 0.8
        figure.update_xaxes(visible=False, range=[-reach, reach])
        figure.update_yaxes(visible=False, range=[TALL_ROWS[3] - 0.6, TALL_ROWS[0] + 0.55])
        return figure
    apply_layout(figure, title, "", "", height=85 + 150 * hidden_units)  # two hidden units: 425 px with the legend, whole under the heading on a 1280x720 screen
    figure.update_layout(legend=dict(LEGEND_BELOW, xanchor="center", x=0.5), margin=dict(l=20, r=20, t=50, b=8))
    figure.update_xaxes(tickvals=list(LAYER_X), ticktext=["inputs", "hidden layer (sigmoid)", "output (sigmoid)", "loss ½(ŷ − t)²"], tickangle=0, range=[-0.42, 3.75], showgrid=False, zeroline=False)
    figure.update_yaxes(visible=False, range=[-0.5, hidden_units - 0.68])
    return figure


def _add_nodes(figure, positions, parameters, known, target, current_nodes, tall: bool = False) -> None:
    names = list(positions)
    kinds = ["input" if n.startswith("x") else "hidden" if n.startswith("h") else n for n in names]
    symbols = [f"{n[0]}{n[1:].translate(SUBSCRIPT)}" if n[0] in "xh" else ("ŷ" if n == "out" else "L") for n in names]
    figure.add_trace(
        go.Scatter(
            x=[positions[n][0] for n in names], y=[positions[n][1] for n in names], mode="markers+text", text=symbols,
            textfont=dict(size=15 if tall else 17), showlegend=False, hoverinfo="skip",
            marker=dict(
                size=40 if tall else 46, color=[NODE_FILL[k] for k in kinds],
                line=dict(color=[CURRENT_COLOR if n in current_nodes else "#555555" for n in names], width=[6 if n in current_nodes else 1.5 for n in names]),
            ),
        )
    )
    for name in names:
        above, below = _node_texts(name, parameters, known, target)
        x, y = positions[name]
        if tall:  # short lines, centred: neighbours are close side by side but far apart vertically
            above, below = above.replace(", ", "<br>"), re.sub(r" = ([^ <]+)</span>$", r"<br>= \1</span>", below)
        elif name.startswith("h") or name == "out":  # wide: the gradient's value on its own line, so the text stays clear of the edge labels
            below = re.sub(r" = ([^ <]+)</span>$", r"<br>= \1</span>", below)
        font = 11 if tall else 12
        if above:
            side = {} if tall else _value_side(name, positions)
            figure.add_annotation(
                x=x, y=y, yshift=26 if tall else 34, yanchor="bottom" if tall else "middle", text=above, showarrow=False,
                font=dict(size=font, color=FORWARD_COLOR), bgcolor="rgba(255,255,255,0.88)", **side,
            )
        if below:
            # wide: hidden units and the output start the text at the node's left edge, clear of the edge labels on their left
            anchor = dict(xanchor="left", xshift=-20, align="left") if (name.startswith("h") or name == "out") and not tall else {}
            figure.add_annotation(
                x=x, y=y, yshift=-24 if tall else -30, yanchor="top", text=below, showarrow=False, font=dict(size=font), bgcolor="rgba(255,255,255,0.88)", **anchor
            )


def _value_side(name: str, positions: dict) -> dict:
    """Wide diagram: where a node's forward values sit above it, clear of the edge labels around it.

    A hidden unit's values end at its right edge, away from the edge to the output, unless an input sits less than a row
    above it: the label of that edge then lies just above the unit, so the values start at its left edge instead. The
    output's values start at its left edge, away from the edges coming in.
    """
    y = positions[name][1]
    if name.startswith("h") and not any(0 < positions[i][1] - y < 1 for i in ("x1", "x2")):
        return dict(xanchor="right", xshift=20, align="right")
    if name.startswith("h") or name == "out":
        return dict(xanchor="left", xshift=-20, align="left")
    return {}


def _add_legend_entries(figure) -> None:
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=FORWARD_COLOR, width=5), name="forward step: values flow →"))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=BACKWARD_COLOR, width=5), name="backward step: gradients flow ←"))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(size=14, color="white", line=dict(color=CURRENT_COLOR, width=4)), name="node of this step"))


def _shown(errors) -> np.ndarray:
    return np.maximum(np.asarray(errors, dtype=float), SMALLEST_SHOWN_ERROR)


def relative_errors(gradients: pd.DataFrame) -> go.Figure:
    """Relative error of each parameter's gradient against the hand computation, per method (log y)."""
    figure = go.Figure()
    for column, label, color in (
        ("relative_error_tape", "tf.GradientTape vs by hand", TAPE_COLOR),
        ("relative_error_finite_difference", "finite differences vs by hand", FINITE_DIFFERENCE_COLOR),
    ):
        figure.add_trace(
            go.Bar(
                x=gradients["parameter"], y=_shown(gradients[column]), customdata=gradients[column], name=label, marker_color=color,
                hovertemplate="%{x}: relative error %{customdata:.2e}<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Error vs the hand computation", "parameter", "relative error (log scale)", height=360)
    log_axis(figure, range=[-17.5, 0])
    figure.update_yaxes(dtick=3)  # one labelled tick per three powers of ten: 17 decades stay readable on a phone
    figure.update_layout(barmode="group")
    return figure


def finite_difference_sweep(sweep: pd.DataFrame, chosen_step: float) -> go.Figure:
    """Worst and median relative error of central differences against the exact gradient, for each step h (log-log)."""
    figure = go.Figure()
    for column, label, dash in (("max_relative_error", "worst parameter", "solid"), ("median_relative_error", "median parameter", "dot")):
        figure.add_trace(go.Scatter(x=sweep["step"], y=_shown(sweep[column]), mode="lines+markers", name=label, line=dict(color=FINITE_DIFFERENCE_COLOR, dash=dash, width=3)))
    figure.add_vline(x=chosen_step, line=dict(color="#555555", dash="dash"), annotation_text="your h", annotation_position="bottom right")
    apply_layout(figure, "Finite differences: choosing h", "step size h (log scale)", "relative error (log scale)", height=360)
    log_axis(figure, "x", autorange="reversed")
    figure.update_xaxes(dtick=2)
    log_axis(figure)
    figure.update_yaxes(dtick=2)
    return figure


LAYER_COMPARISONS = (
    ("relative_error_engine", "engine (compiled) vs eager tape, both float32", "solid", run_color(0)),
    ("relative_error_float32", "float32 tape vs float64 tape", "solid", run_color(1)),
    ("relative_error_finite_difference", "finite differences vs float64 tape", "solid", run_color(2)),
)


def layer_check(layers: pd.DataFrame, finite_difference_noise: float) -> go.Figure:
    """Per layer, ||a − b|| / ||b|| of each comparison (log y), and the error rounding alone gives finite differences."""
    figure = go.Figure()
    for column, label, dash, color in LAYER_COMPARISONS:
        figure.add_trace(
            go.Scatter(
                x=layers["layer"], y=_shown(layers[column]), customdata=layers[column], mode="lines+markers", name=label,
                line=dict(color=color, width=3, dash=dash), marker=dict(size=9),
                hovertemplate="%{x}: relative error %{customdata:.2e}<extra>%{fullData.name}</extra>",
            )
        )
    expected = np.minimum(finite_difference_noise / np.maximum(layers["sampled_gradient_rms"].to_numpy(), 1e-300), 1.0)
    figure.add_trace(
        go.Scatter(
            x=layers["layer"], y=_shown(expected), mode="lines", name="rounding noise of finite differences ÷ gradient size",
            line=dict(color=FINITE_DIFFERENCE_COLOR, width=2, dash="dot"), hovertemplate="%{x}: expected %{y:.1e}<extra></extra>",
        )
    )
    apply_layout(figure, "Relative error per layer, ‖a − b‖ / ‖b‖", "layer (input side on the left)", "relative error (log scale)", height=380)
    log_axis(figure, range=[-17.5, 0.3])
    figure.update_yaxes(dtick=3)  # one labelled tick per three powers of ten: 17 decades stay readable on a phone
    return figure


def method_times(timings: pd.DataFrame) -> go.Figure:
    """Seconds each way of getting gradients took (log y), tracing excluded; one colour per family of methods."""
    colors = [TAPE_COLOR if method.startswith("Backprop") else FINITE_DIFFERENCE_COLOR for method in timings["method"]]
    figure = go.Figure(
        go.Bar(
            x=timings["label"], y=timings["seconds"], marker_color=colors, customdata=np.stack([timings["method"], timings["computes"]], axis=1),
            text=[f"{s * 1000:.3g} ms" if s < 1 else f"{s:,.3g} s" for s in timings["seconds"]], textposition="outside", cliponaxis=False, showlegend=False,
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}: %{y:.3g} s<extra></extra>",
        )
    )
    apply_layout(figure, "Time to get the gradients", "method (blue: backprop, green: finite differences)", "seconds (log scale)", height=360)
    low, high = np.log10(timings["seconds"].clip(lower=1e-6).min()), np.log10(timings["seconds"].clip(lower=1e-6).max())
    log_axis(figure, range=[np.floor(low) - 0.2, high + 0.6])  # room above the tallest bar for its label
    return figure


def cost_scaling(table: pd.DataFrame) -> go.Figure:
    """Top: forward, backprop and (estimated) finite-difference seconds against the number of weights (log-log).
    Bottom: backprop ÷ forward, the number that stays small while the seconds grow."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.08)
    series = (
        ("forward_seconds", "one forward pass", 1, "solid"),
        ("backprop_seconds", "backprop: forward + backward, all gradients", 0, "solid"),
        ("finite_difference_seconds", "finite differences, all gradients (est.)", 2, "dot"),
    )
    for column, label, color, dash in series:
        figure.add_trace(
            go.Scatter(
                x=table["weights"], y=table[column], mode="lines+markers", name=label, line=dict(color=run_color(color), width=3, dash=dash), marker=dict(size=9),
                hovertemplate="%{x:,} weights: %{y:.3g} s<extra>%{fullData.name}</extra>",
            ),
            row=1, col=1,
        )
    figure.add_trace(
        go.Scatter(
            x=table["weights"], y=table["ratio"], mode="lines+markers+text", text=[f"×{r:.1f}" for r in table["ratio"]], textposition="top center",
            name="backprop ÷ forward", showlegend=False, line=dict(color=run_color(0), width=3), marker=dict(size=9), cliponaxis=False,
            hovertemplate="%{x:,} weights: backprop took %{y:.2f}× a forward pass<extra></extra>",
        ),
        row=2, col=1,
    )
    apply_layout(figure, "Cost vs network size", "", "seconds (log scale)", height=520)
    figure.update_xaxes(title_text="weights in the network (log scale)", row=2, col=1)
    figure.update_yaxes(title_text="backprop ÷ forward", range=[0, max(4.0, float(table["ratio"].max()) * 1.3)], row=2, col=1)
    for row in (1, 2):
        log_axis(figure, "x", row=row, col=1)
    figure.update_xaxes(range=[np.log10(table["weights"].min()) - 0.3, np.log10(table["weights"].max()) + 0.3])
    figure.update_yaxes(type="log", dtick=1, exponentformat="power", showexponent="all", minor=dict(ticks="", showgrid=False), row=1, col=1)
    return figure
