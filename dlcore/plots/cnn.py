"""Figures for the convolutional-networks page: pure builders, plain data in, Plotly figures out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import LEGEND_BELOW, SPLIT_DASHES, SPLIT_LABELS, apply_layout, decimate, run_color

INK = "Greys"  # digits and maps drawn as dark ink on white
DIVERGING = "RdBu"
WINDOW_COLOR = run_color(1)  # the sliding window, everywhere on the page
PAD_COLOR = "#e8e8e8"


def _pixel_axes(figure: go.Figure, rows: int = 1, columns: int = 1, titles: bool = True) -> None:
    """Square pixels, row 0 at the top, axes titled in pixels."""
    for index in range(1, rows * columns + 1):
        suffix = "" if index == 1 else str(index)
        figure.update_layout(
            {f"xaxis{suffix}": dict(scaleanchor=f"y{suffix}", constrain="domain", showgrid=False, zeroline=False, title_text="column (pixel)" if titles else None, title_standoff=4),
             f"yaxis{suffix}": dict(autorange="reversed", constrain="domain", showgrid=False, zeroline=False, title_text="row (pixel)" if titles and (index - 1) % columns == 0 else None)}
        )


def _heatmap(z, colorscale=INK, zmin=None, zmax=None, text: bool = False, show_scale: bool = False, name: str = "", x0: float = 0, y0: float = 0, colorbar_x: float | None = None):
    z = np.asarray(z, dtype=float)
    options = dict(texttemplate="%{z:.2f}", textfont=dict(size=11)) if text else {}
    colorbar = dict(thickness=10, len=0.8, x=colorbar_x) if colorbar_x is not None else dict(thickness=10, len=0.8)
    return go.Heatmap(z=z, x0=x0, y0=y0, colorscale=colorscale, zmin=zmin, zmax=zmax, showscale=show_scale, colorbar=colorbar, name=name, hovertemplate="row %{y}, column %{x}<br>value %{z:.3f}<extra>" + name + "</extra>", **options)


def _title_above_subplots(figure: go.Figure, top: int = 130) -> None:
    """Pin the figure's title near the top edge, above the subplot titles, with room for both (and below the strip
    where Plotly's toolbar appears, so the toolbar never covers the title on a narrow screen)."""
    figure.update_layout(title=dict(yref="container", y=1.0, yanchor="top", pad=dict(t=36)), margin=dict(t=top))


def _symmetric(z) -> float:
    peak = float(np.nanmax(np.abs(z))) if np.size(z) and np.isfinite(np.nanmax(np.abs(z))) else 1.0
    return peak or 1.0


def _rect(figure, top, left, size_rows, size_columns, row=1, col=1, color=WINDOW_COLOR, width=3, dash="solid"):
    where = dict(row=row, col=col) if row is not None else {}
    figure.add_shape(type="rect", x0=left - 0.5, x1=left + size_columns - 0.5, y0=top - 0.5, y1=top + size_rows - 0.5, line=dict(color=color, width=width, dash=dash), **where)


# ---------------------------------------------------------------- 1 · the formula


def formula_figure(result, position: tuple[int, int] = (0, 0)) -> go.Figure:
    """Left: the padded input (padding grey) with the kernel's taps for one output position; right: the output grid."""
    g = result.geometry
    out = max(result.output_size, 0)
    figure = make_subplots(1, 2, column_widths=[0.62, 0.38], horizontal_spacing=0.1, subplot_titles=(f"Padded input<br>{g.input_size} + {g.pad_before} + {g.pad_after} = {g.padded_size} pixels", f"Output<br>{out} × {out}"))
    n = g.padded_size
    cells = np.zeros((n, n))
    inside = slice(g.pad_before, g.pad_before + g.input_size)
    cells[inside, inside] = 1.0
    figure.add_trace(go.Heatmap(z=cells, colorscale=[[0, PAD_COLOR], [1, "white"]], showscale=False, xgap=1, ygap=1, hovertemplate="padded row %{y}, column %{x}<extra></extra>"), 1, 1)
    if out >= 1:
        row, column = (min(max(p, 0), out - 1) for p in position)
        taps_r, taps_c = g.taps(row), g.taps(column)
        taps = np.zeros((n, n))
        taps[np.ix_(taps_r, taps_c)] = 1.0
        figure.add_trace(go.Heatmap(z=np.where(taps > 0, 1.0, np.nan), colorscale=[[0, WINDOW_COLOR], [1, WINDOW_COLOR]], opacity=0.55, showscale=False, xgap=1, ygap=1, hovertemplate="kernel tap at row %{y}, column %{x}<extra></extra>"), 1, 1)
        _rect(figure, taps_r[0], taps_c[0], g.span, g.span)
        output = np.zeros((out, out))
        output[row, column] = 1.0
        figure.add_trace(go.Heatmap(z=output, colorscale=[[0, PAD_COLOR], [1, WINDOW_COLOR]], zmin=0, zmax=1, showscale=False, xgap=2, ygap=2, hovertemplate="output row %{y}, column %{x}<extra></extra>"), 1, 2)
    _rect(figure, g.pad_before, g.pad_before, g.input_size, g.input_size, color="#333333", width=2, dash="dot")
    _pixel_axes(figure, 1, 2)
    # the key to the colour sits in the legend below, so the title stays one short line on a phone
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=13, color=WINDOW_COLOR), name="orange: the pixels the kernel reads"), 1, 1)
    apply_layout(figure, "Where the window lands", "", "", height=353)  # 393 with the key: the page's first figure, whole under the tab bar of a 1280×720 projector
    _pixel_axes(figure, 1, 2)
    figure.update_layout(showlegend=True, legend=LEGEND_BELOW, margin=dict(b=70))  # the key's one line, under the axis titles
    _title_above_subplots(figure, top=112)
    return figure


# ---------------------------------------------------------------- 2 · one convolution, step by step


def map_figure(values: np.ndarray, title: str, colorscale=INK, zmin=None, zmax=None, text: bool = False, window: tuple | None = None, background: bool = False, height: int = 300) -> go.Figure:
    """One map (an image, a kernel, a feature map) with square pixels; `window` = (top, left, rows, columns) is outlined."""
    figure = go.Figure()
    if background:  # cells not computed yet (NaN) show as grey squares
        figure.add_trace(go.Heatmap(z=np.zeros(np.shape(values)), colorscale=[[0, PAD_COLOR], [1, PAD_COLOR]], showscale=False, xgap=2, ygap=2, hoverinfo="skip"))
    figure.add_trace(_heatmap(values, colorscale, zmin, zmax, text=text, name=title))
    if window is not None:
        _rect(figure, *window, row=None, col=None)
    apply_layout(figure, title, "", "", height=height)
    _pixel_axes(figure, titles=False)
    figure.update_layout(showlegend=False, margin=dict(l=30, r=10, t=50, b=25), title=dict(font=dict(size=15)))
    return figure


def step_panels(result, step: int) -> list[go.Figure]:
    """Four small figures: the padded input with the window, the kernel, window × kernel, and the output map so far."""
    row, column = result.position(step)
    s, k = result.config.stride, len(result.kernel)
    done = np.full(result.output.shape, np.nan)
    filled = row * result.output_size + column + 1
    done.reshape(-1)[:filled] = result.output.reshape(-1)[:filled]
    products = result.products(step)
    limit = _symmetric(result.output)
    return [
        map_figure(result.padded, "Input (padded)", INK, 0, 1, text=len(result.padded) <= 12, window=(row * s, column * s, k, k)),
        map_figure(result.kernel, "Kernel", DIVERGING, -_symmetric(result.kernel), _symmetric(result.kernel), text=True),
        map_figure(products, "Window × kernel", DIVERGING, -_symmetric(products), _symmetric(products), text=True),
        map_figure(done, f"Output so far ({filled} of {result.num_steps})", DIVERGING, -limit, limit, text=result.output_size <= 10, window=(row, column, 1, 1), background=True),
    ]


# ---------------------------------------------------------------- 3 · filters on a photo


def _as_picture(map_: np.ndarray, signed: bool) -> np.ndarray:
    """(h, w, 3) map -> RGB uint8: signed maps centred on grey, others scaled to their maximum."""
    scale = _symmetric(map_)
    picture = 0.5 + 0.5 * map_ / scale if signed else map_ / scale
    return (np.clip(picture, 0, 1) * 255).astype(np.uint8)


def filter_figure(result) -> go.Figure:
    """Photo, raw feature map, after ReLU, after pooling: four panels with their sizes in the titles."""
    photo, raw, relu, pooled = result.photo, result.feature_map, result.rectified, result.pooled
    size = lambda a: f"{a.shape[0]}×{a.shape[1]}"  # noqa: E731
    titles = (f"Input {size(photo)}", f"Feature map {size(raw)} (blue +, red −)", f"After ReLU: {result.positive_share:.0%} kept", f"After {result.run.settings.pooling} pooling {size(pooled)}")
    figure = make_subplots(2, 2, subplot_titles=titles, vertical_spacing=0.1, horizontal_spacing=0.06)
    if photo.shape[-1] == 3:
        figure.add_trace(go.Image(z=(photo * 255).astype(np.uint8), hoverinfo="skip"), 1, 1)
        for panel, (values, signed) in zip(((1, 2), (2, 1), (2, 2)), ((raw, True), (relu, False), (pooled, False))):
            figure.add_trace(go.Image(z=_as_picture(values, signed), hoverinfo="skip"), *panel)
    else:
        figure.add_trace(_heatmap(photo[..., 0], "gray", 0, 1, name="input"), 1, 1)
        limit = _symmetric(raw)
        figure.add_trace(_heatmap(raw[..., 0], DIVERGING, -limit, limit, show_scale=True, name="feature map", colorbar_x=1.0), 1, 2)
        figure.add_trace(_heatmap(relu[..., 0], "gray", 0, _symmetric(relu), name="after ReLU"), 2, 1)
        figure.add_trace(_heatmap(pooled[..., 0], "gray", 0, _symmetric(pooled), name="after pooling"), 2, 2)
    apply_layout(figure, "A kernel slid over a photo, then ReLU, then pooling", "", "", height=720)
    _pixel_axes(figure, 2, 2)
    figure.update_layout(showlegend=False, margin=dict(b=40))
    _title_above_subplots(figure)
    return figure


def kernel_figure(kernel: np.ndarray, title: str = "The kernel") -> go.Figure:
    limit = _symmetric(kernel)
    figure = go.Figure(_heatmap(kernel, DIVERGING, -limit, limit, text=True, name="kernel"))
    apply_layout(figure, title, "", "", height=260)
    _pixel_axes(figure, titles=False)
    figure.update_layout(showlegend=False, margin=dict(l=20, r=20, t=50, b=20))
    return figure


# ---------------------------------------------------------------- 4 · shared weights and subsampling


def parameters_figure(counts) -> go.Figure:
    labels = ["convolution", "dense (fully connected)"]
    values = [counts.conv_formula, counts.dense_formula]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=[run_color(0), run_color(1)], text=[f"{v:,}" for v in values], textposition="outside", hovertemplate="%{x}: %{y:,} parameters<extra></extra>"))
    apply_layout(figure, "Parameters for the same input and output", "layer", "parameters (log scale)", height=360)
    figure.update_yaxes(type="log", dtick=1, exponentformat="power", range=[0, np.log10(max(values)) + 0.8])
    figure.update_layout(showlegend=False)
    return figure


def equivariance_panels(result) -> list[go.Figure]:
    """Input, moved input, their feature maps, and the difference once the first map is moved the same way."""
    s = result.config.shift
    n = len(result.feature_map)
    difference = np.full((n, n), np.nan)  # compared where both maps see real pixels: away from the border by the shift and the kernel
    border = s + 2
    aligned = np.abs(result.map_of_shifted[s:, s:] - result.feature_map[: n - s, : n - s])  # row i is row i + s of the moved map
    difference[s + border : n - border, s + border : n - border] = aligned[border : n - s - border, border : n - s - border]
    limit = max(_symmetric(result.feature_map), 1e-6)
    panels = ((result.crop, "Input", "gray", 0, 1, False), (result.shifted_crop, f"Moved by {s} px", "gray", 0, 1, False), (result.feature_map, "Map of the input", INK, 0, limit, False), (result.map_of_shifted, "Map of the moved input", INK, 0, limit, False), (difference, "|Difference|, aligned", INK, 0, limit, True))
    return [map_figure(values, title, scale, low, high, background=grey, height=260) for values, title, scale, low, high, grey in panels]


def pooling_panels(result) -> list[go.Figure]:
    names = {"max": "Max pool 2×2", "average": "Average pool 2×2", "strided": "Stride-2 conv"}
    limit = max(_symmetric(result.feature_map), 1e-6)
    size = lambda a: f"{a.shape[0]}×{a.shape[1]}"  # noqa: E731
    return [map_figure(result.feature_map, f"Feature map {size(result.feature_map)}", INK, 0, limit, height=260)] + [map_figure(result.pooled[key], f"{label} → {size(result.pooled[key])}", INK, 0, limit, height=260) for key, label in names.items()]


def shift_figure(table: pd.DataFrame, labels: dict) -> go.Figure:
    figure = go.Figure()
    for index, (key, label) in enumerate(labels.items()):
        rows = table[table["subsampling"] == key]
        figure.add_trace(go.Scatter(x=rows["shift"], y=100 * rows["relative_change"], mode="lines+markers", name=label, line=dict(color=run_color(index), width=3), hovertemplate=f"{label}<br>shift %{{x}} px: %{{y:.1f}} %<extra></extra>"))
    apply_layout(figure, "How much a shift changes the output", "shift of the input (pixels)", "change of the output (% of its norm)", height=380)
    figure.update_xaxes(dtick=1)
    return figure


# ---------------------------------------------------------------- 5 · receptive fields


def receptive_figure(result) -> go.Figure:
    """Left: the theoretical field of each layer as growing squares on an input; right: the measured gradient with both squares."""
    n = result.input_size
    centre = (n - 1) / 2
    figure = make_subplots(1, 2, horizontal_spacing=0.08, subplot_titles=(f"Theoretical field after each layer (input {n}×{n})", f"Effective field: mean |∂ centre output / ∂ input| over {result.run.settings.num_images} crops"))
    figure.add_trace(_heatmap(result.example, "gray", 0, 1, name="input"), 1, 1)
    fields = result.table["receptive_field"].to_numpy()
    colors = [run_color(i + 2) for i in range(len(fields))]
    for index, (field, color) in enumerate(zip(fields, colors)):
        half = field / 2
        figure.add_shape(type="rect", x0=centre - half, x1=centre + half, y0=centre - half, y1=centre + half, line=dict(color=color, width=2.5), row=1, col=1)
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=color, width=3), name=f"layer {index + 1}: {field} px"), 1, 1)
    gradient = result.gradient / max(result.gradient.max(), 1e-30)
    figure.add_trace(go.Heatmap(z=gradient, colorscale="Viridis", zmin=0, zmax=1, colorbar=dict(title=dict(text="share of peak", side="right"), thickness=10, len=0.8), hovertemplate="row %{y}, column %{x}<br>%{z:.3f} of the peak<extra></extra>", showscale=True), 1, 2)
    for size, label, dash in ((result.theoretical_size, f"theoretical {result.theoretical_size} px", "solid"), (result.effective_size, f"effective (95 % of the gradient) {result.effective_size} px", "dot")):
        half = size / 2
        figure.add_shape(type="rect", x0=centre - half, x1=centre + half, y0=centre - half, y1=centre + half, line=dict(color="white" if dash == "dot" else run_color(1), width=3, dash=dash), row=1, col=2)
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=run_color(1) if dash == "solid" else "#555555", width=3, dash=dash), name=label), 1, 2)
    apply_layout(figure, "Receptive field: theory vs gradient", "", "", height=560)
    _pixel_axes(figure, 1, 2)
    figure.update_layout(legend=LEGEND_BELOW, margin=dict(b=130))
    _title_above_subplots(figure)
    return figure


def profile_figure(result) -> go.Figure:
    """The gradient along the middle row, as a share of its peak, with the theoretical field's edges."""
    row = result.gradient[result.gradient.shape[0] // 2]
    values = row / max(row.max(), 1e-30)
    centre, half = (len(row) - 1) / 2, result.theoretical_size / 2
    figure = go.Figure(go.Scatter(x=np.arange(len(row)) - centre, y=values, mode="lines+markers", name="measured |∂y/∂x| (middle row)", line=dict(color=run_color(0), width=3)))
    for edge in (-half, half):
        figure.add_vline(x=edge, line=dict(color=run_color(1), width=2))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=run_color(1), width=2), name="edges of the theoretical field"))
    apply_layout(figure, "The gradient across the middle row", "offset from the centre (pixels)", "share of the peak gradient", height=360)
    return figure


# ---------------------------------------------------------------- 6 · training


def curves_figure(networks, metric: str = "accuracy", title: str | None = None) -> go.Figure:
    """One colour per network; training solid, validation dashed."""
    figure = go.Figure()
    for index, (label, epochs) in enumerate(networks):
        keep = decimate(len(epochs), 300)
        for split in ("train", "val"):
            column = f"{split}_{metric}"
            if column not in epochs:
                continue
            figure.add_trace(go.Scatter(x=epochs["epoch"].iloc[keep], y=epochs[column].iloc[keep], mode="lines", name=f"{label} · {SPLIT_LABELS[split]}", line=dict(color=run_color(index), dash=SPLIT_DASHES[split], width=3), hovertemplate=f"epoch %{{x}}<br>{metric} %{{y:.4f}}<extra>%{{fullData.name}}</extra>"))
    y_title = "accuracy (fraction correct)" if metric == "accuracy" else "cross-entropy loss"
    apply_layout(figure, title or f"{'Accuracy' if metric == 'accuracy' else 'Loss'} per epoch", "epoch", y_title, height=380)
    return figure


def live_curves(info):
    """The running network's curves while it trains (the engine's progress)."""
    if info.epochs_table is None or not len(info.epochs_table):
        return None
    return curves_figure([(info.label, info.epochs_table)], title=f"{info.label}: accuracy so far")


def _grid_of_maps(maps: np.ndarray, columns: int, labels=None, title: str = "", signed: bool = False, height_per_row: int = 110) -> go.Figure:
    """(count, h, w) small maps in a grid, each scaled to its own range."""
    count = len(maps)
    rows = int(np.ceil(count / columns))
    figure = make_subplots(rows, columns, subplot_titles=labels, horizontal_spacing=0.015, vertical_spacing=0.06 if labels else 0.02)
    for index, values in enumerate(maps):
        limit = max(_symmetric(values), 1e-9)
        trace = _heatmap(values, DIVERGING if signed else INK, -limit if signed else 0, limit, name=labels[index] if labels else f"map {index + 1}")
        figure.add_trace(trace, index // columns + 1, index % columns + 1)
    apply_layout(figure, title, "", "", height=70 + rows * height_per_row)
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", constrain="domain")
    for index in range(1, rows * columns + 1):
        figure.update_layout({f"xaxis{'' if index == 1 else index}": dict(scaleanchor=f"y{'' if index == 1 else index}")})
    figure.update_annotations(font_size=11)
    figure.update_layout(showlegend=False, margin=dict(l=10, r=10, t=70, b=10))
    return figure


def filters_figure(kernels: np.ndarray) -> go.Figure:
    """The first layer's kernels (k, k, channels, filters), averaged over colour channels: blue positive, red negative."""
    maps = np.moveaxis(kernels.mean(axis=2), -1, 0)
    return _grid_of_maps(maps, min(8, len(maps)), [f"filter {i + 1}" for i in range(len(maps))], f"The {len(maps)} learned {kernels.shape[0]}×{kernels.shape[1]} filters of the first layer", signed=True)


def feature_maps_figure(image: np.ndarray, maps: tuple, title: str) -> go.Figure:
    """The input, then up to 8 maps of each probed layer, one row per layer."""
    columns = 9
    rows = 1 + len(maps)
    figure = make_subplots(rows, columns, horizontal_spacing=0.01, vertical_spacing=0.03, row_titles=["input", *[name.replace("_", " ") for name, _ in maps]])
    figure.add_trace(_heatmap(image.mean(axis=-1), INK, 0, 1, name="input"), 1, 1)
    for row, (name, values) in enumerate(maps, start=2):
        for column in range(min(columns, values.shape[-1])):
            channel = values[..., column]
            figure.add_trace(_heatmap(channel, INK, 0, max(_symmetric(channel), 1e-9), name=f"{name} map {column + 1}"), row, column + 1)
    apply_layout(figure, title, "", "", height=90 + 95 * rows)
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", constrain="domain")
    for index in range(1, rows * columns + 1):
        figure.update_layout({f"xaxis{'' if index == 1 else index}": dict(scaleanchor=f"y{'' if index == 1 else index}")})
    figure.update_annotations(font_size=12)
    figure.update_layout(showlegend=False, margin=dict(l=10, r=70, t=60, b=10))
    return figure


def confusion_figure(matrix: np.ndarray, class_names) -> go.Figure:
    names = [str(n) for n in class_names]
    figure = go.Figure(go.Heatmap(z=matrix, x=names, y=names, colorscale="Blues", texttemplate="%{z}", colorbar=dict(title=dict(text="images", side="right"), thickness=10), hovertemplate="true %{y}, predicted %{x}: %{z} images<extra></extra>"))
    apply_layout(figure, "Confusion matrix (validation)", "predicted class", "true class", height=460)
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category", tickangle=-35 if max(map(len, names)) > 2 else 0)
    figure.update_layout(showlegend=False)
    return figure


def mistakes_figure(images: np.ndarray, table: pd.DataFrame, class_names) -> go.Figure:
    labels = [f"{class_names[t]} → {class_names[p]} ({c:.0%})" for t, p, c in zip(table["true"], table["predicted"], table["confidence"])]
    columns = min(8, len(images))
    count = len(images)
    rows = int(np.ceil(count / columns))
    figure = make_subplots(rows, columns, subplot_titles=labels, horizontal_spacing=0.015, vertical_spacing=0.08)
    for index, image in enumerate(images):
        if image.shape[-1] == 3:
            figure.add_trace(go.Image(z=(np.clip(image, 0, 1) * 255).astype(np.uint8), hoverinfo="skip"), index // columns + 1, index % columns + 1)
        else:
            figure.add_trace(_heatmap(image[..., 0], INK, 0, 1, name=labels[index]), index // columns + 1, index % columns + 1)
    apply_layout(figure, "The most confident mistakes: true → predicted (confidence)", "", "", height=90 + 130 * rows)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed")
    for index in range(1, rows * columns + 1):
        figure.update_layout({f"xaxis{'' if index == 1 else index}": dict(scaleanchor=f"y{'' if index == 1 else index}")})
    figure.update_annotations(font_size=11)
    figure.update_layout(showlegend=False, margin=dict(l=10, r=10, t=80, b=10))
    return figure


# ---------------------------------------------------------------- 7 · a drawing


def reading_figure(reading) -> go.Figure:
    names = [str(n) for n in reading.class_names]
    best = int(np.argmax(reading.probabilities))
    figure = make_subplots(1, 3, column_widths=[0.25, 0.25, 0.5], horizontal_spacing=0.08, subplot_titles=(f"Framed {reading.framed.shape[0]}×{reading.framed.shape[1]}", f"Network input {reading.network_input.shape[0]}×{reading.network_input.shape[1]}", "Class probabilities"))
    figure.add_trace(_heatmap(reading.framed, INK, 0, 1, name="framed"), 1, 1)
    figure.add_trace(_heatmap(reading.network_input[..., 0], INK, 0, 1, name="network input"), 1, 2)
    colors = [run_color(1) if i == best else run_color(0) for i in range(len(names))]
    figure.add_trace(go.Bar(x=names, y=reading.probabilities, marker_color=colors, text=[f"{p:.0%}" for p in reading.probabilities], textposition="outside", hovertemplate="class %{x}: %{y:.3f}<extra></extra>"), 1, 3)
    apply_layout(figure, f"Prediction: {reading.prediction} ({reading.confidence:.0%} sure)", "", "", height=340)
    figure.update_layout(xaxis=dict(scaleanchor="y", visible=False), yaxis=dict(autorange="reversed", visible=False), xaxis2=dict(scaleanchor="y2", visible=False), yaxis2=dict(autorange="reversed", visible=False))
    figure.update_xaxes(title_text="class", type="category", row=1, col=3)
    figure.update_yaxes(title_text="probability", range=[0, 1.15], row=1, col=3)
    figure.update_layout(showlegend=False)
    _title_above_subplots(figure, 100)
    return figure


# ---------------------------------------------------------------- 8 · architectures


def architecture_figure(table: pd.DataFrame, name: str) -> go.Figure:
    """Each layer as a bar: height the map's side (log), width fixed, colour the kind; labels give the shape."""
    spatial = table[table["receptive_field"].notna()]
    dense = table[table["receptive_field"].isna() & (table["parameters"] > 0)]
    figure = go.Figure()
    kinds = list(dict.fromkeys(table["kind"]))
    for index, kind in enumerate(kinds):
        rows = spatial[spatial["kind"] == kind]
        if len(rows):
            side = rows["output_shape"].str.split(" × ").str[0].astype(int)
            figure.add_trace(go.Bar(x=rows["layer"], y=side, name=kind, marker_color=run_color(index), text=rows["output_shape"], textposition="outside", cliponaxis=False, hovertemplate="%{x}: %{text}<extra>" + kind + "</extra>"))
        rows = dense[dense["kind"] == kind]
        if len(rows):
            figure.add_trace(go.Bar(x=rows["layer"], y=[1] * len(rows), name=f"{kind} (a vector)", marker_color=run_color(index), marker_pattern_shape="/", text=rows["output_shape"], textposition="outside", cliponaxis=False, hovertemplate="%{x}: %{text} values<extra>" + kind + "</extra>"))
    apply_layout(figure, f"{name}, layer by layer", "layer, input side first (labels: height × width × channels)", "side of the output map (pixels)", height=440)
    figure.update_yaxes(type="log", dtick=1, exponentformat="power", range=[-0.2, np.log10(max(2, spatial["output_shape"].str.split(" × ").str[0].astype(int).max())) + 0.5])
    figure.update_xaxes(tickangle=-40, categoryorder="array", categoryarray=list(table["layer"]))
    return figure


def inception_figure(module_table: pd.DataFrame) -> go.Figure:
    """Parameters and multiply-adds of one Inception module, naive vs with 1×1 reductions."""
    figure = make_subplots(1, 2, subplot_titles=("Parameters", "Multiply-adds per image"), horizontal_spacing=0.15)
    for index, row in module_table.iterrows():
        label = "naive" if "naive" in row["module"] else "with 1×1 reductions"
        for column, key in enumerate(("parameters", "multiply_adds"), start=1):
            figure.add_trace(go.Bar(x=[label], y=[row[key]], name=label, marker_color=run_color(index), text=[f"{row[key]:,}" if key == "parameters" else f"{row[key] / 1e6:,.0f} M"], textposition="outside", cliponaxis=False, showlegend=column == 1, hovertemplate=f"{label}: %{{y:,}}<extra></extra>"), 1, column)
    apply_layout(figure, f"Module {module_table['module'].iloc[0].split()[0]}: 1×1 reductions save", "", "", height=380)
    figure.update_yaxes(title_text="count", exponentformat="power")
    _title_above_subplots(figure)
    for column, key in enumerate(("parameters", "multiply_adds"), start=1):
        figure.update_yaxes(range=[0, module_table[key].max() * 1.25], row=1, col=column)
    return figure
