"""Figures of the backpropagation page: the network step by step, and the checks of its gradients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import LEGEND_BELOW, SERIES_COLORS, apply_layout

FORWARD_COLOR = SERIES_COLORS[0]  # blue: values flowing forward
BACKWARD_COLOR = SERIES_COLORS[3]  # red: gradients flowing backward
CURRENT_COLOR = SERIES_COLORS[1]  # orange ring: the node of the current step
EDGE_COLOR = "#b0b0b0"
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


def network_figure(parameters: dict, hidden_units: int, target: float, known: dict, step=None, title: str = "The network") -> go.Figure:
    """The network as a graph: weights (and, once found, their gradients) on edges, values on nodes.

    ``known`` holds every quantity computed so far (values and gradients, by key);
    ``step`` (phase, nodes, edges) is highlighted.
    """
    positions = _layout(hidden_units)
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
        share = 0.7 if source.startswith("x") else 0.5  # input edges: labels grouped by the hidden unit they feed
        label = _edge_label(source, parameter, parameters, known)
        if label:
            figure.add_annotation(
                x=x0 + share * (x1 - x0), y=y0 + share * (y1 - y0), text=label, showarrow=False, font=dict(size=13),
                bgcolor="rgba(255,255,255,0.88)", bordercolor=flow_color if is_current else "rgba(0,0,0,0)", borderwidth=1,
            )
    _add_nodes(figure, positions, parameters, known, target, set(step.nodes) if step is not None else set())
    _add_legend_entries(figure)
    apply_layout(figure, title, "", "", height=270 + 150 * hidden_units)
    figure.update_layout(legend=dict(LEGEND_BELOW, xanchor="center", x=0.5), margin=dict(l=20, r=20, t=60, b=40))
    figure.update_xaxes(tickvals=list(LAYER_X), ticktext=["inputs", "hidden layer (sigmoid)", "output (sigmoid)", "loss ½(ŷ − t)²"], range=[-0.3, 3.75], showgrid=False, zeroline=False)
    figure.update_yaxes(visible=False, range=[-0.55, hidden_units - 0.65])
    return figure


def _add_nodes(figure, positions, parameters, known, target, current_nodes) -> None:
    names = list(positions)
    kinds = ["input" if n.startswith("x") else "hidden" if n.startswith("h") else n for n in names]
    symbols = [f"{n[0]}{n[1:].translate(SUBSCRIPT)}" if n[0] in "xh" else ("ŷ" if n == "out" else "L") for n in names]
    figure.add_trace(
        go.Scatter(
            x=[positions[n][0] for n in names], y=[positions[n][1] for n in names], mode="markers+text", text=symbols,
            textfont=dict(size=18), showlegend=False, hoverinfo="skip",
            marker=dict(
                size=52, color=[NODE_FILL[k] for k in kinds],
                line=dict(color=[CURRENT_COLOR if n in current_nodes else "#555555" for n in names], width=[6 if n in current_nodes else 1.5 for n in names]),
            ),
        )
    )
    for name in names:
        above, below = _node_texts(name, parameters, known, target)
        x, y = positions[name]
        if above:
            figure.add_annotation(x=x, y=y, yshift=40, text=above, showarrow=False, font=dict(size=13, color=FORWARD_COLOR), bgcolor="rgba(255,255,255,0.88)")
        if below:
            # hidden units: start the text at the node's left edge so it clears the input-edge labels on its left
            anchor = dict(xanchor="left", xshift=-22, align="left") if name.startswith("h") else {}
            figure.add_annotation(x=x, y=y, yshift=-34, yanchor="top", text=below, showarrow=False, font=dict(size=13), bgcolor="rgba(255,255,255,0.88)", **anchor)


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
        ("relative_error_tape", "tf.GradientTape vs by hand", FORWARD_COLOR),
        ("relative_error_finite_difference", "finite differences vs by hand", CURRENT_COLOR),
    ):
        figure.add_trace(
            go.Bar(
                x=gradients["parameter"], y=_shown(gradients[column]), customdata=gradients[column], name=label, marker_color=color,
                hovertemplate="%{x}: relative error %{customdata:.2e}<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Gradient error vs the hand computation", "parameter", "relative error (log scale)", height=360)
    figure.update_yaxes(type="log", exponentformat="power", range=[-17.5, 0])
    figure.update_layout(barmode="group")
    return figure


def finite_difference_sweep(sweep: pd.DataFrame, chosen_step: float) -> go.Figure:
    """Worst and median relative error of central differences against the exact gradient, for each step h (log-log)."""
    figure = go.Figure()
    for column, label, dash in (("max_relative_error", "worst parameter", "solid"), ("median_relative_error", "median parameter", "dot")):
        figure.add_trace(go.Scatter(x=sweep["step"], y=_shown(sweep[column]), mode="lines+markers", name=label, line=dict(color=CURRENT_COLOR, dash=dash, width=3)))
    figure.add_vline(x=chosen_step, line=dict(color="#555555", dash="dash"), annotation_text="your h", annotation_position="top")
    apply_layout(figure, "Finite differences: choosing h", "step size h (log scale)", "relative error (log scale)", height=360)
    figure.update_xaxes(type="log", exponentformat="power", autorange="reversed")
    figure.update_yaxes(type="log", exponentformat="power")
    return figure


def layer_check(layers: pd.DataFrame) -> go.Figure:
    """Worst relative error per layer on the sampled weights: engine vs tape, finite differences vs tape."""
    figure = go.Figure()
    for column, label, color in (
        ("max_relative_error_engine", "engine.gradients vs tf.GradientTape", FORWARD_COLOR),
        ("max_relative_error_finite_difference", "finite differences vs tf.GradientTape", CURRENT_COLOR),
    ):
        figure.add_trace(
            go.Scatter(
                x=layers["layer"], y=_shown(layers[column]), customdata=layers[column], mode="lines+markers", name=label,
                line=dict(color=color, width=3), marker=dict(size=9),
                hovertemplate="%{x}: worst relative error %{customdata:.2e}<extra>%{fullData.name}</extra>",
            )
        )
    apply_layout(figure, "Worst relative error per layer", "layer (input side on the left)", "relative error (log scale)", height=360)
    figure.update_yaxes(type="log", exponentformat="power", range=[-17.5, 0])
    return figure


def method_times(timings: pd.DataFrame) -> go.Figure:
    """Seconds each way of getting gradients took (log y); blue is backprop, orange finite differences."""
    colors = [FORWARD_COLOR if method.startswith("Backprop") else CURRENT_COLOR for method in timings["method"]]
    figure = go.Figure(
        go.Bar(
            x=timings["label"], y=timings["seconds"], marker_color=colors, customdata=np.stack([timings["method"], timings["computes"]], axis=1),
            text=[f"{s * 1000:.3g} ms" for s in timings["seconds"]], textposition="outside", showlegend=False,
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}: %{y:.3g} s<extra></extra>",
        )
    )
    apply_layout(figure, "Time to get the gradients", "method (blue: backprop, orange: finite differences)", "seconds (log scale)", height=360)
    figure.update_yaxes(type="log", exponentformat="power")
    return figure
