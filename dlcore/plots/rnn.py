"""Figures of the RNN page: hidden states through time, the long-lag race, gates over text, bits per character.

Pure builders: plain data in, a Plotly figure out. Characters on an axis are
drawn as tick labels at numeric positions (two equal characters must stay two
columns), with space, newline and tab made visible. Text that came from a
model or a user is escaped before Plotly sees it, so it is shown, never
interpreted as markup.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import LEGEND_BELOW, SPLIT_DASHES, SPLIT_LABELS, apply_layout, decimate, run_color
from dlcore.texts import shown_character

CELL_LABELS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
CELL_ORDER = ("simple_rnn", "gru", "lstm")  # a cell keeps its colour on every figure of the page
STATE_COLORSCALE = "RdBu_r"  # negative blue, positive red, 0 white
GATE_COLORSCALE = "Viridis"  # 0 (closed) dark, 1 (open) yellow
CHANCE_COLOR = "#7f7f7f"


def cell_color(cell: str) -> str:
    return run_color(CELL_ORDER.index(cell))


def _character_axis(figure: go.Figure, characters: str, row: int | None = None, col: int | None = None, every: int = 1) -> None:
    positions = list(range(0, len(characters), every))
    labels = [shown_character(characters[i]) for i in positions]
    figure.update_xaxes(tickmode="array", tickvals=positions, ticktext=labels, tickangle=0, row=row, col=col)


def _tick_step(count: int, most: int = 60) -> int:
    return max(1, math.ceil(count / most))


def escaped(text: str) -> str:
    """Model or user text for a Plotly label: markup characters escaped, newlines kept as line breaks."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


# ---------------------------------------------------------------- tab 1: unrolled


def hidden_state_heatmap(unrolled, height: int = 420) -> go.Figure:
    """h_t of every unit (rows) after each character (columns), with the model's guess for the next character on top."""
    steps, units = unrolled.hidden.shape if unrolled.hidden.size else (0, 0)
    figure = go.Figure(
        go.Heatmap(
            z=unrolled.hidden.T,
            x=list(range(steps)),
            y=[f"unit {u + 1}" for u in range(units)],
            zmin=-1,
            zmax=1,
            colorscale=STATE_COLORSCALE,
            colorbar=dict(title=dict(text="h (tanh)", side="right"), thickness=14),
            customdata=np.array([[shown_character(c) for c in unrolled.sequence]] * max(units, 1)),
            hovertemplate="step %{x}: read '%{customdata}'<br>%{y}: h = %{z:.3f}<extra></extra>",
        )
    )
    figure.add_trace(go.Scatter(x=list(range(steps)), y=[None] * steps, xaxis="x2", showlegend=False, hoverinfo="skip"))  # anchors the top axis
    apply_layout(figure, "Hidden state after each character", "character read at step t", "hidden unit", height=height)
    figure.update_layout(
        margin=dict(t=146),
        title=dict(yref="container", y=1.0, yanchor="top", pad=dict(t=36, b=0)),  # above the top axis of guesses, below the toolbar strip
        xaxis2=dict(overlaying="x", side="top", matches="x", tickmode="array", tickvals=list(range(steps)), tickangle=0,
                    ticktext=[html.escape(shown_character(g)) for g in unrolled.predicted], title=dict(text="its guess for the next character", standoff=4),
                    showgrid=False),
    )  # fmt: skip
    _character_axis(figure, unrolled.sequence)
    figure.update_yaxes(autorange="reversed")
    return figure


def memory_share(unrolled, height: int = 340) -> go.Figure:
    """How much of each step's pre-activation comes from the character read now and how much from the previous state."""
    steps = np.arange(len(unrolled.sequence))
    parts = (("from the character x_t · W_x + b", unrolled.input_part, 0), ("from the past h_{t−1} · W_h", unrolled.recurrent_part, 1))
    figure = go.Figure()
    for label, values, index in parts:
        figure.add_trace(go.Bar(x=steps, y=np.linalg.norm(values, axis=-1) if values.size else [], name=label, marker_color=run_color(index + 3)))
    apply_layout(figure, "New character vs carried memory", "character read at step t", "size of the contribution (L2 norm)", height=height)
    figure.update_layout(barmode="group")
    _character_axis(figure, unrolled.sequence)
    return figure


def shared_weights(weights, height: int = 340) -> go.Figure:
    """The two matrices every step uses: W_x (input → units) and W_h (units → units)."""
    layer = weights.layers[0]
    figure = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.14,
                           subplot_titles=("W_x: input → h", "W_h: h → h"))  # fmt: skip
    scale = float(max(np.abs(layer.kernel).max(), np.abs(layer.recurrent).max(), 1e-6))
    for col, matrix in ((1, layer.kernel.T), (2, layer.recurrent.T)):
        figure.add_trace(go.Heatmap(z=matrix, x=np.arange(1, matrix.shape[1] + 1), y=np.arange(1, matrix.shape[0] + 1), zmin=-scale, zmax=scale, colorscale=STATE_COLORSCALE, coloraxis="coloraxis",
                                    hovertemplate="to unit %{y}<br>from %{x}<br>weight %{z:.3f}<extra></extra>"), row=1, col=col)  # fmt: skip
    apply_layout(figure, "", "", "", height=height)
    figure.update_layout(margin=dict(t=40))
    figure.update_layout(coloraxis=dict(colorscale=STATE_COLORSCALE, cmin=-scale, cmax=scale, colorbar=dict(title=dict(text="weight", side="right"), thickness=14)))
    figure.update_xaxes(title_text="input (embedding)", row=1, col=1)
    figure.update_xaxes(title_text="unit of h_{t−1}", row=1, col=2)
    figure.update_yaxes(title_text="unit of h_t", autorange="reversed", row=1, col=1)
    figure.update_yaxes(autorange="reversed", row=1, col=2)
    return figure


# ---------------------------------------------------------------- tab 2: long-range dependency


def _chance_line(figure: go.Figure, chance: float) -> None:
    figure.add_hline(y=chance, line=dict(color=CHANCE_COLOR, dash="dot", width=2), annotation_text=f"chance 1/{round(1 / chance)}", annotation_position="bottom right")


def lag_learning_curves(result, height: int = 380) -> go.Figure:
    figure = go.Figure()
    for cell, run in result.runs.items():
        table = run.epochs
        figure.add_trace(go.Scatter(x=table["epoch"], y=table["val_accuracy"], mode="lines+markers", name=f"{CELL_LABELS[cell]} (validation)",
                                    line=dict(color=cell_color(cell), dash=SPLIT_DASHES["val"], width=3)))  # fmt: skip
    _chance_line(figure, result.chance)
    apply_layout(figure, f"Recall after {result.config.lag} steps", "epoch", "accuracy at the last step", height=height)
    figure.update_yaxes(range=[0, 1.05], tickformat=".0%")
    figure.update_xaxes(dtick=1 if result.config.epochs <= 12 else None)
    return figure


def gradient_through_time(result, height: int = 420) -> go.Figure:
    """‖∂L/∂h_t‖ against t for each cell: before training dotted, after training solid; log y."""
    figure = go.Figure()
    for cell, run in result.runs.items():
        for moment, profile, dash in (("before training", run.gradient_at_start, "dot"), ("after training", run.gradient_at_end, "solid")):
            t = np.arange(len(profile))
            keep = np.isfinite(profile) & (profile > 0)
            figure.add_trace(go.Scatter(x=t[keep], y=profile[keep], mode="lines", name=f"{CELL_LABELS[cell]}, {moment}", line=dict(color=cell_color(cell), dash=dash, width=3 if dash == "solid" else 2),
                                        hovertemplate="t = %{x}<br>‖∂L/∂h_t‖ = %{y:.3g}<extra>%{fullData.name}</extra>"))  # fmt: skip
    apply_layout(figure, "Gradient back through time", "time step t (0 = the symbol to remember)", "‖∂L/∂h_t‖ (log scale)", height=height)
    figure.update_yaxes(type="log", exponentformat="power", dtick=2 if _decades(figure) > 12 else 1)
    return figure


def _decades(figure: go.Figure) -> float:
    values = np.concatenate([np.asarray(trace.y, float) for trace in figure.data if trace.y is not None and len(trace.y)] or [np.ones(1)])
    values = values[values > 0]
    return float(np.log10(values.max() / values.min())) if len(values) else 0.0


def lag_sweep(sweep, height: int = 400) -> go.Figure:
    figure = go.Figure()
    for cell in [c for c in CELL_ORDER if c in set(sweep.table["cell"])]:
        rows = sweep.table[sweep.table["cell"] == cell].sort_values("lag")
        figure.add_trace(go.Scatter(x=rows["lag"], y=rows["accuracy"], mode="lines+markers", name=CELL_LABELS[cell], line=dict(color=cell_color(cell), width=3), marker=dict(size=9)))
    _chance_line(figure, sweep.chance)
    apply_layout(figure, "Validation accuracy at the last step against the lag", "lag T (distractors between the symbol and the question)", "accuracy", height=height)
    figure.update_yaxes(range=[0, 1.05], tickformat=".0%")
    return figure


def live_lag(info) -> go.Figure | None:
    table = info.epochs_table
    if table is None or not len(table):
        return None
    cell = next((c for c, label in CELL_LABELS.items() if info.label.startswith(label)), "lstm")
    figure = go.Figure(go.Scatter(x=table["epoch"], y=table["val_accuracy"], mode="lines+markers", name=f"{CELL_LABELS[cell]} (validation)", line=dict(color=cell_color(cell), dash="dash", width=3)))
    apply_layout(figure, f"Training {info.label}: accuracy at the last step", "epoch", "accuracy", height=320)
    figure.update_yaxes(range=[0, 1.05], tickformat=".0%")
    figure.update_xaxes(range=[0.5, info.epochs + 0.5])
    return figure


# ---------------------------------------------------------------- tab 3: inside the LSTM

GATE_TITLES = {"forget": "forget gate f (1 = keep the cell)", "input": "input gate i (1 = write)", "output": "output gate o (1 = show)", "cell": "cell state c"}


def gate_heatmaps(trace, units: list[int] | None = None, height_per_row: int = 190) -> go.Figure:
    """Forget, input and output gates (0..1) and the cell state, one row per unit, one column per character."""
    names = ("forget", "input", "output", "cell")
    chosen = units if units is not None else list(range(trace.gates["cell"].shape[1]))
    figure = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.045, subplot_titles=[GATE_TITLES[n] for n in names])
    limit = float(np.abs(trace.gates["cell"][:, chosen]).max()) if trace.passage else 1.0
    customdata = np.array([[shown_character(c) for c in trace.passage]] * max(len(chosen), 1))
    for row, name in enumerate(names, start=1):
        figure.add_trace(go.Heatmap(z=trace.gates[name][:, chosen].T, x=list(range(len(trace.passage))), y=[f"u{u + 1}" for u in chosen],
                                    coloraxis="coloraxis2" if name == "cell" else "coloraxis", customdata=customdata,
                                    hovertemplate=f"%{{y}} after '%{{customdata}}'<br>{name} = %{{z:.3f}}<extra></extra>"), row=row, col=1)  # fmt: skip
        figure.update_yaxes(title_text="unit", autorange="reversed", showticklabels=len(chosen) <= 24, row=row, col=1)
    total = height_per_row * 4 + 120
    figure.update_layout(
        height=total,
        font=dict(size=14),
        template="plotly_white",
        margin=dict(l=70, r=20, t=60, b=50),
        title=dict(text="Inside the LSTM, character by character", x=0.0, xanchor="left", font=dict(size=17)),
        coloraxis=dict(colorscale=GATE_COLORSCALE, cmin=0, cmax=1, colorbar=dict(title=dict(text="gate", side="right"), y=0.63, len=0.72, thickness=14)),
        coloraxis2=dict(colorscale=STATE_COLORSCALE, cmin=-limit, cmax=limit, colorbar=dict(title=dict(text="cell", side="right"), y=0.12, len=0.24, thickness=14)),
    )
    _character_axis(figure, trace.passage, row=4, col=1, every=_tick_step(len(trace.passage), 90))
    figure.update_xaxes(tickfont=dict(size=11), row=4, col=1)
    figure.update_xaxes(title_text="character read", row=4, col=1)
    return figure


def tracking_bars(result, height: int = 360) -> go.Figure:
    """For each visible property: the best unit's |r| after training, next to the best |r| of the untrained network."""
    from dlcore.experiments.rnn.inside import FEATURES

    present = [t for t in result.tracks if t.present]
    labels = [FEATURES[t.feature] for t in present]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=labels, y=[abs(t.correlation) for t in present], name="best unit, trained", marker_color=run_color(2),
                            text=[f"u{t.unit + 1}" for t in present], textposition="outside",
                            hovertemplate="%{x}<br>unit %{text}: |r| = %{y:.2f}<extra>after training</extra>"))  # fmt: skip
    figure.add_trace(go.Bar(x=labels, y=[abs(t.untrained_correlation) for t in present], name="best unit, untrained (chance)", marker_color=CHANCE_COLOR,
                            hovertemplate="%{x}<br>|r| = %{y:.2f}<extra>before training</extra>"))  # fmt: skip
    apply_layout(figure, "Units that track the text", "property of the text read so far", "|r| with the cell state", height=height)
    figure.update_layout(barmode="group")
    figure.update_yaxes(range=[0, 1.15])
    return figure


def unit_over_text(text: str, states: np.ndarray, feature: np.ndarray, unit: int, feature_label: str, height: int = 360) -> go.Figure:
    """One unit's cell state over held-out text, with the property it tracks shaded behind it."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    x = np.arange(len(text))
    context = [html.escape(text[max(0, i - 12) : i + 1].replace("\n", "↵")) for i in x]
    figure.add_trace(go.Scatter(x=x, y=feature, name=feature_label, fill="tozeroy", mode="lines", line=dict(color="rgba(127,127,127,0.5)", width=1), fillcolor="rgba(127,127,127,0.22)", hoverinfo="skip"), secondary_y=True)
    figure.add_trace(go.Scatter(x=x, y=states, name=f"cell state of unit {unit + 1}", mode="lines", line=dict(color=run_color(2), width=2), customdata=context,
                                hovertemplate="…%{customdata}<br>c = %{y:.3f}<extra></extra>"), secondary_y=False)  # fmt: skip
    apply_layout(figure, f"Unit {unit + 1}: {feature_label}", "character position in the held-out text", "cell state c", height=height)
    figure.update_yaxes(title_text=feature_label, secondary_y=True, showgrid=False, tickformat=".0f" if feature.max() > 1 else ".1f", nticks=5)
    return figure


# ---------------------------------------------------------------- tab 4: write like…


def _bits_traces(figure: go.Figure, table, x_column: str) -> None:
    for split in ("train", "val"):
        column = f"{split}_bits"
        figure.add_trace(go.Scatter(x=table[x_column], y=table[column], mode="lines+markers", name=f"{SPLIT_LABELS[split]} bits per character",
                                    line=dict(color=run_color(0), dash=SPLIT_DASHES[split], width=3)))  # fmt: skip


def bits_per_character(epochs, unigram_bits: float, height: int = 400) -> go.Figure:
    figure = go.Figure()
    _bits_traces(figure, epochs, "updates")
    figure.add_hline(y=unigram_bits, line=dict(color=CHANCE_COLOR, dash="dot", width=2), annotation_text=f"unigram baseline {unigram_bits:.2f} bits", annotation_position="top right")
    final = float(epochs["val_bits"].iloc[-1]) if len(epochs) else float("nan")
    apply_layout(figure, f"Bits/char {final:.2f} ({final / unigram_bits:.0%} of unigram)", "parameter updates", "bits per character", height=height)
    figure.update_yaxes(rangemode="tozero")
    return figure


def wrapped(text: str, width: int = 80, lines: int = 6) -> str:
    """Text cut into at most `lines` lines of at most `width` characters (newlines kept)."""
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out[:lines])


def live_writer(info, unigram_bits: float | None = None) -> go.Figure | None:
    """While training: the bits-per-character curve so far and the latest sample under it."""
    table = info.epochs_table
    figure = make_subplots(rows=2, cols=1, row_heights=[0.6, 0.4], vertical_spacing=0.22, specs=[[{}], [{"type": "xy"}]])
    if table is not None and len(table):
        for split in ("train", "val"):
            figure.add_trace(go.Scatter(x=table["epoch"], y=table[f"{split}_loss"] / math.log(2), mode="lines+markers", name=f"{SPLIT_LABELS[split]} bits per character",
                                        line=dict(color=run_color(0), dash=SPLIT_DASHES[split], width=3)), row=1, col=1)  # fmt: skip
    if unigram_bits is not None:
        figure.add_hline(y=unigram_bits, line=dict(color=CHANCE_COLOR, dash="dot"), annotation_text="unigram baseline", row=1, col=1)
    sample = info.snapshot[1] if info.snapshot is not None else None
    heading = f"Sample after epoch {info.snapshot[0]}" if info.snapshot is not None else "The first sample comes after the first epoch"
    figure.add_annotation(x=0, y=1, xref="x2 domain", yref="y2 domain", xanchor="left", yanchor="top", align="left", showarrow=False,
                          text=f"<b>{heading}</b><br>" + escaped(wrapped(sample or "", 90, 5)), font=dict(family="monospace", size=13))  # fmt: skip
    figure.update_xaxes(visible=False, row=2, col=1)
    figure.update_yaxes(visible=False, row=2, col=1)
    figure.update_xaxes(title_text="epoch", range=[0.5, info.epochs + 0.5], row=1, col=1)
    figure.update_yaxes(title_text="bits per character", rangemode="tozero", row=1, col=1)
    figure.update_layout(height=470, template="plotly_white", font=dict(size=14), margin=dict(l=70, r=20, t=50, b=40), legend=dict(LEGEND_BELOW, y=0.33, yref="paper"),
                         title=dict(text=info.message, x=0.0, xanchor="left", font=dict(size=15)))  # fmt: skip
    return figure


def decimated(values: np.ndarray, most: int = 600) -> np.ndarray:
    return values[decimate(len(values), most)]
