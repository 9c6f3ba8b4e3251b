"""Figures of the GAN page: the 2-D game (GAN Lab's views), training curves, and image grids. Data in, figure out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import LEGEND_BELOW, apply_layout, decimate, run_color

DISCRIMINATOR_COLOR = run_color(0)  # a colour names a model: the discriminator blue, the generator orange
GENERATOR_COLOR = run_color(1)
REAL_COLOR = run_color(2)  # real data green
ARROW_COLOR = "#8c2d04"  # the generator's pull on its points: a dark shade of the generator's colour
MANIFOLD_COLOR = "rgba(255, 127, 14, 0.35)"
RUN_COLORS = (run_color(3), run_color(4))  # the runs compared in part 2: failing red, remedied purple
MINIMAX_COLOR, NON_SATURATING_COLOR = run_color(6), run_color(9)  # the two generator losses as functions
# P(real) from "fake" (a light tint of the generator's orange) through white to "real" (a light tint of the data's green)
PROBABILITY_SCALE = [[0.0, "#fdd0a2"], [0.5, "#ffffff"], [1.0, "#b7e4b0"]]
CRITIC_SCALE = [[0.0, "#fdd0a2"], [0.5, "#ffffff"], [1.0, "#b7e4b0"]]
LIVE_ARROW_SCALE = 0.05
MAX_CURVE_POINTS = 500
GAP = -0.1  # the value of the gaps between tiles: drawn light grey, below white paper
INK_SCALE = [[0.0, "#c9c9c9"], [1 / 11, "#ffffff"], [1.0, "#111111"]]  # gaps grey; digits dark ink on white paper


# ---------------------------------------------------------------- the 2-D game


def arrow_scale(runs, length: float = 0.35) -> float:
    """One arrow scale for every frame of these runs: the 90th percentile of the pull's size is drawn `length` long."""
    sizes = np.concatenate([np.linalg.norm(frame.arrows, axis=1) for run in runs for frame in run.frames])
    sizes = sizes[np.isfinite(sizes)]
    top = float(np.quantile(sizes, 0.9)) if len(sizes) else 0.0
    return length / top if top > 0 else 1.0


def _map_trace(frame, show_scale: bool = True) -> go.Heatmap:
    if frame.map_kind == "critic":
        scores = frame.d_map
        spread = float(np.nanstd(scores)) or 1.0
        z, low, high = (scores - np.nanmean(scores)) / spread, -2.5, 2.5
        title, scale = "critic score<br>(std. devs.)", CRITIC_SCALE
        hover = "x %{x:.2f}, y %{y:.2f}<br>critic score, standardised: %{z:.2f}<extra></extra>"
    else:
        z, low, high, title, scale = frame.d_map, 0.0, 1.0, "D(x) =<br>P(real)", PROBABILITY_SCALE
        hover = "x %{x:.2f}, y %{y:.2f}<br>D(x) = %{z:.2f}<extra></extra>"
    return go.Heatmap(x=frame.axis, y=frame.axis, z=np.round(z, 3), zmin=low, zmax=high, colorscale=scale, showscale=show_scale, name="discriminator",
                      colorbar=dict(title=dict(text=title, side="top"), len=0.75, thickness=14, x=1.01), hovertemplate=hover)


def _manifold_trace(frame) -> go.Scatter:
    grid = np.round(frame.manifold, 3)
    rows, columns = grid.shape[:2]
    pieces = [grid[r] for r in range(rows)] + ([grid[:, c] for c in range(columns)] if rows > 1 else [])
    line = np.concatenate([np.vstack([piece, [[np.nan, np.nan]]]) for piece in pieces])
    return go.Scatter(x=line[:, 0], y=line[:, 1], mode="lines", line=dict(color=MANIFOLD_COLOR, width=1), name="manifold: G(noise grid)", hoverinfo="skip")


def _generated_trace(frame) -> go.Scatter:
    points = np.round(frame.generated, 3)
    return go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name="generated G(z)", marker=dict(color=GENERATOR_COLOR, size=5, line=dict(color="white", width=0.4)), hoverinfo="skip")


def _arrow_trace(frame, scale: float) -> go.Scatter:
    start = frame.generated[: len(frame.arrows)]
    tip = start + scale * frame.arrows
    segments = np.stack([start, tip, np.full_like(start, np.nan)], axis=1).reshape(-1, 2)
    sizes = np.tile([0, 7, 0], len(start))
    return go.Scatter(x=np.round(segments[:, 0], 3), y=np.round(segments[:, 1], 3), mode="lines+markers", name=f"pull on a point: {scale:.2g} × −∂loss/∂x",
                      line=dict(color=ARROW_COLOR, width=1.3), marker=dict(symbol="arrow", angleref="previous", size=sizes, color=ARROW_COLOR), hoverinfo="skip")


def _real_trace(real) -> go.Scatter:
    shown = real[decimate(len(real), 800)]
    return go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="markers", name="real", marker=dict(color=REAL_COLOR, size=4, opacity=0.55), hoverinfo="skip")


def _frame_title(frame, heading: str = "") -> str:
    numbers = f"after {frame.step:,} updates · {frame.modes_covered} of {frame.num_modes} modes · {frame.high_quality_share:.0%} high quality"
    return f"{heading}<br><sup>{numbers}</sup>" if heading else numbers


def _plane_layout(figure: go.Figure, title: str, axis, height: int) -> go.Figure:
    apply_layout(figure, title, "x₁", "x₂", height=height)
    span = [float(axis[0]), float(axis[-1])]
    figure.update_xaxes(range=span, constrain="domain", showgrid=False, zeroline=False)
    figure.update_yaxes(range=span, scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False, zeroline=False)
    return figure


def game_frame(frame, scale: float = LIVE_ARROW_SCALE, title: str | None = None, height: int = 560) -> go.Figure:
    """One snapshot: the discriminator's map, the manifold, real and generated points, and the arrows."""
    figure = go.Figure([_map_trace(frame), _manifold_trace(frame), _real_trace(frame.real), _generated_trace(frame), _arrow_trace(frame, scale)])
    return _plane_layout(figure, title or _frame_title(frame), frame.axis, height)


def live_game(info) -> go.Figure:
    """The live chart while training: the latest snapshot the training step took (ProgressInfo.snapshot)."""
    if info.snapshot is None:
        return None
    _, frame = info.snapshot
    return game_frame(frame, title=_frame_title(frame, "Live: the game so far"))


# The replay's sizes: (whole figure height, top margin, gap from the plane to the timeline). "wide" spans the page under the
# tab bar of a 1280×720 projector window (1920×1080 at 150 %), its two-line title beside Plotly's toolbar; "phone" stacks the
# key in four rows, so it is taller, keeps the title under the toolbar and the timeline's label clear of the x axis' title;
# "half" is one of two replays side by side (a phone stacks them).
REPLAY_LAYOUTS = {"wide": (437, 60, 44), "phone": (500, 80, 54), "half": (540, 80, 54)}


def game_replay(run, scale: float | None = None, title: str = "Replay", layout: str = "wide") -> go.Figure:
    """Every snapshot of the run as an animation: ▶ plays the training, the slider (the timeline) steps through it.

    The plane gets what the title, the timeline (with ▶ ❚❚ on its left, not on a row of their own) and the key under it
    leave of the layout's height (REPLAY_LAYOUTS)."""
    height, top, gap = REPLAY_LAYOUTS[layout]
    scale = scale if scale is not None else arrow_scale([run])
    last = run.frames[-1]
    figure = game_frame(last, scale, title=_frame_title(last, title), height=height)
    figure.frames = [
        go.Frame(data=[_map_trace(f, show_scale=True), _manifold_trace(f), _generated_trace(f), _arrow_trace(f, scale)], traces=[0, 1, 3, 4], name=str(f.step),
                 layout=dict(title=dict(text=_frame_title(f, title))))
        for f in run.frames
    ]
    play = dict(frame=dict(duration=250, redraw=True), fromcurrent=True, transition=dict(duration=0), mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    steps = [dict(method="animate", label=f"{f.step:,}", args=[[str(f.step)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))]) for f in run.frames]
    figure.update_layout(
        legend=dict(LEGEND_BELOW, font=dict(size=12)),
        margin=dict(l=60, r=20, t=top, b=60),  # Plotly grows the bottom margin to hold the timeline and the key
        height=height,
        sliders=[dict(active=len(steps) - 1, steps=steps, currentvalue=dict(prefix="timeline: after update ", xanchor="right", offset=4, font=dict(size=13)), pad=dict(t=gap, b=0, l=84), x=0.0, len=1.0, y=0, yanchor="top", name="timeline")],
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=0, xanchor="left", yanchor="top", pad=dict(t=gap + 14),
                          buttons=[dict(label="▶", method="animate", args=[None, play]), dict(label="❚❚", method="animate", args=[[None], pause])])],
    )
    return figure


# ---------------------------------------------------------------- curves over training


def smoothed(values: np.ndarray, window: int) -> np.ndarray:
    """Running mean over the last `window` values (fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.maximum(np.arange(1, len(values) + 1) - window, 0)]) / counts


def smoothing_window(steps: int) -> int:
    return max(1, steps // 60)


def game_losses(steps_table, title: str = "The two losses") -> go.Figure:
    window = smoothing_window(len(steps_table))
    keep = decimate(len(steps_table), MAX_CURVE_POINTS)
    figure = go.Figure()
    for column, label, color in (("d_loss", "discriminator loss", DISCRIMINATOR_COLOR), ("g_loss", "generator loss", GENERATOR_COLOR)):
        figure.add_trace(go.Scatter(x=steps_table["step"].to_numpy()[keep], y=smoothed(steps_table[column].to_numpy(), window)[keep], mode="lines", name=label, line=dict(color=color, width=2)))
    return apply_layout(figure, title, "update (step)", f"loss (mean of {window} updates)" if window > 1 else "loss", height=330)


def coverage_over_time(runs, title: str = "Modes covered, sample quality") -> go.Figure:
    """`runs`: (label, GameRun) pairs; one colour per run in both panels."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    for index, (label, run) in enumerate(runs):
        color = RUN_COLORS[index] if len(runs) > 1 else GENERATOR_COLOR
        figure.add_trace(go.Scatter(x=run.frame_steps, y=run.modes_over_time, mode="lines+markers", line=dict(color=color, shape="hv", width=2), marker=dict(size=4), name=label, legendgroup=label), row=1, col=1)
        figure.add_trace(go.Scatter(x=run.frame_steps, y=100 * run.quality_over_time, mode="lines+markers", line=dict(color=color, width=2), marker=dict(size=4), name=label, legendgroup=label, showlegend=False), row=2, col=1)
    modes = runs[0][1].reference.num_modes
    apply_layout(figure, title, "", "", height=400)
    figure.update_yaxes(title_text="modes covered", range=[-0.3, modes + 0.5], row=1, col=1)
    figure.update_yaxes(title_text="high quality (%)", range=[0, 100], row=2, col=1)
    figure.update_xaxes(title_text="update (step)", row=2, col=1)
    if len(runs) == 1:
        figure.update_layout(showlegend=False, height=400, margin=dict(b=60))
    return figure


def generator_gradient(runs, title: str = "The push on the generator: ‖∇G‖") -> go.Figure:
    """`runs`: (label, GameRun) pairs; the generator's weight-gradient norm per update (log axis, running mean)."""
    figure = go.Figure()
    for index, (label, run) in enumerate(runs):
        norm = run.generator_gradient_norm
        window = smoothing_window(len(norm))
        keep = decimate(len(norm), MAX_CURVE_POINTS)
        figure.add_trace(go.Scatter(x=keep + 1, y=np.maximum(smoothed(norm, window)[keep], 1e-12), mode="lines", name=label, line=dict(color=RUN_COLORS[index % 2], width=2)))
    apply_layout(figure, title, "update (step)", "‖∂generator loss/∂weights‖", height=330)
    figure.update_yaxes(type="log", exponentformat="power", dtick=1, minor=dict(showgrid=False))
    return figure


def discriminator_verdicts(runs, title: str = "D's verdict on the fakes") -> go.Figure:
    figure = go.Figure()
    for index, (label, run) in enumerate(runs):
        steps = run.history.steps
        keep = decimate(len(steps), MAX_CURVE_POINTS)
        window = max(1, smoothing_window(len(steps)) // 3)
        figure.add_trace(go.Scatter(x=steps["step"].to_numpy()[keep], y=smoothed(steps["d_fake"].to_numpy(), window)[keep], mode="lines", name=label, line=dict(color=RUN_COLORS[index % 2], width=2)))
    wasserstein = any(run.config.generator_loss == "wasserstein" for _, run in runs)
    y_title = "mean D(G(z))" + (" (critic score for Wasserstein)" if wasserstein else "")
    apply_layout(figure, title, "update (step)", y_title, height=330)
    return figure


def saturation_figure(curves, marks=()) -> go.Figure:
    """The two generator losses (left) and the size of their gradient with respect to D's logit (right), against D(G(z)).

    ``marks``: (label, D(G(z)) value) pairs, one per run, drawn as dotted vertical lines in the run's colour.
    """
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.16)  # the axis titles name each panel (subplot titles collide with the figure title)
    lines = (("minimax", "minimax log(1 − D(G(z)))", MINIMAX_COLOR), ("non_saturating", "non-saturating −log D(G(z))", NON_SATURATING_COLOR))
    for name, label, color in lines:
        figure.add_trace(go.Scatter(x=curves["d_fake"], y=curves[f"{name}_loss"], mode="lines", name=label, legendgroup=name, line=dict(color=color, width=2.5)), row=1, col=1)
        figure.add_trace(go.Scatter(x=curves["d_fake"], y=curves[f"{name}_gradient"], mode="lines", name=label, legendgroup=name, showlegend=False, line=dict(color=color, width=2.5)), row=1, col=2)
    for index, (label, value) in enumerate(marks):
        figure.add_trace(go.Scatter(x=[value, value], y=[0, 1.05], mode="lines", name=label, line=dict(color=RUN_COLORS[index % 2], width=2, dash="dot")), row=1, col=2)
    apply_layout(figure, "The generator's two losses, and the push each gives", "", "", height=360)
    figure.update_xaxes(title_text="D(G(z))", range=[0, 1])
    figure.update_yaxes(title_text="loss (nats)", row=1, col=1)
    figure.update_yaxes(title_text="push: |∂loss/∂logit|", range=[0, 1.05], row=1, col=2)
    return figure


# ---------------------------------------------------------------- image grids


def mosaic(pictures: np.ndarray, gap: int = 1, row_gap: int | None = None) -> np.ndarray:
    """(rows, columns, h, w) images as one (rows·(h+row_gap) − row_gap, columns·(w+gap) − gap) array; GAP in the gaps (and for missing images)."""
    rows, columns, height, width = pictures.shape
    row_gap = gap if row_gap is None else row_gap
    canvas = np.full((rows * (height + row_gap) - row_gap, columns * (width + gap) - gap), GAP)
    for r in range(rows):
        for c in range(columns):
            canvas[r * (height + row_gap) : r * (height + row_gap) + height, c * (width + gap) : c * (width + gap) + width] = pictures[r, c]
    return np.where(np.isnan(canvas), GAP, canvas)


def _as_grid(pictures: np.ndarray, columns: int) -> np.ndarray:
    count, height, width = pictures.shape
    rows = -(-count // columns)
    padded = np.full((rows * columns, height, width), np.nan)
    padded[:count] = pictures
    return padded.reshape(rows, columns, height, width)


def _image_trace(canvas, hover=None) -> go.Heatmap:
    return go.Heatmap(z=np.round(canvas, 3), zmin=GAP, zmax=1, colorscale=INK_SCALE, showscale=False, text=hover,
                      hovertemplate="%{text}<extra></extra>" if hover is not None else "ink %{z:.2f}<extra></extra>")


def _image_layout(figure: go.Figure, title: str, height: int, bottom: int = 20) -> go.Figure:
    figure.update_layout(title=dict(text=title, x=0.0, xanchor="left", font=dict(size=16)), font=dict(size=13), height=height,
                         margin=dict(l=10, r=10, t=50, b=bottom), template="plotly_white")
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain")
    return figure


def image_grid(pictures: np.ndarray, title: str, columns: int = 6, height: int = 420) -> go.Figure:
    """A still grid of images (n, h, w) in [0, 1], dark ink on white."""
    return _image_layout(go.Figure(_image_trace(mosaic(_as_grid(pictures, columns)))), title, height)


def samples_replay(frames, title: str, columns: int = 6, height: int = 520) -> go.Figure:
    """The same fixed noise through the generator at every snapshot: ▶ plays it, the slider picks an epoch."""
    def describe(frame):
        return f"{title} · epoch {frame.epoch} · the judge sees {frame.classes_seen} classes"

    last = frames[-1]
    figure = go.Figure(_image_trace(mosaic(_as_grid(last.grid, columns))))
    figure.frames = [go.Frame(data=[_image_trace(mosaic(_as_grid(f.grid, columns)))], name=str(f.epoch), layout=dict(title=dict(text=describe(f)))) for f in frames]
    steps = [dict(method="animate", label=str(f.epoch), args=[[str(f.epoch)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))]) for f in frames]
    _image_layout(figure, describe(last), height, bottom=110)
    play = dict(frame=dict(duration=300, redraw=True), fromcurrent=True, transition=dict(duration=0), mode="immediate")
    figure.update_layout(
        sliders=[dict(active=len(steps) - 1, steps=steps, currentvalue=dict(prefix="after epoch ", xanchor="right", font=dict(size=13)), pad=dict(t=30), x=0.18, len=0.82, y=0, yanchor="top", name="timeline")],
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=0, xanchor="left", yanchor="top", pad=dict(t=40),
                          buttons=[dict(label="▶", method="animate", args=[None, play]), dict(label="❚❚", method="animate", args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
    )
    return figure


def live_samples(info) -> go.Figure | None:
    """The live chart of the image GANs: the latest fixed-noise grid (DCGAN frames, or a conditional GAN's rows)."""
    if info.snapshot is None:
        return None
    epoch, frame = info.snapshot
    grid = frame.grid if frame.grid.ndim == 4 else _as_grid(frame.grid, 6)
    return _image_layout(go.Figure(_image_trace(mosaic(grid))), f"Live: the generator's samples after epoch {epoch}", 420)


def interpolation_strips(walks: np.ndarray) -> go.Figure:
    """(pairs, steps, h, w): each row walks in a straight line from one noise vector (left) to another (right)."""
    figure = go.Figure(_image_trace(mosaic(walks)))
    return _image_layout(figure, "Walking between two noise vectors: one row per pair", 70 + 48 * len(walks))


def judge_over_training(frames, real_classes: int, real_confidence: float) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.16)
    epochs = [f.epoch for f in frames]
    figure.add_trace(go.Scatter(x=epochs, y=[f.classes_seen for f in frames], mode="lines+markers", name="generated samples", line=dict(color=GENERATOR_COLOR, width=2)), row=1, col=1)
    figure.add_trace(go.Scatter(x=epochs, y=[100 * f.judge_confidence for f in frames], mode="lines+markers", name="generated samples", showlegend=False, line=dict(color=GENERATOR_COLOR, width=2)), row=1, col=2)
    for column, value in ((1, real_classes), (2, 100 * real_confidence)):
        figure.add_trace(go.Scatter(x=[epochs[0], epochs[-1]], y=[value, value], mode="lines", name="real images", showlegend=column == 1, line=dict(color=REAL_COLOR, width=2)), row=1, col=column)
    apply_layout(figure, "A judge's view of 100 samples", "", "", height=330)
    figure.update_xaxes(title_text="epoch")
    figure.update_yaxes(title_text="classes named", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="mean confidence (%)", range=[0, 100], row=1, col=2)
    return figure


def conditional_grid(samples: np.ndarray, verdicts: np.ndarray, confidence: np.ndarray, class_names, columns: int = 8) -> go.Figure:
    """One row per requested class; a green frame where the judge agrees, a red one where it names another class."""
    shown = samples[:, :columns]
    classes, _, height, width = shown.shape
    canvas = mosaic(shown)
    hover = np.full(canvas.shape, "", dtype=object)
    figure = go.Figure()
    for row in range(classes):
        for column in range(columns):
            top, left = row * (height + 1), column * (width + 1)
            judged = int(verdicts[row, column])
            hover[top : top + height, left : left + width] = f"asked for {class_names[row]} · the judge says {class_names[judged]} ({confidence[row, column]:.0%})"
            agrees = judged == row
            figure.add_shape(type="rect", x0=left - 0.5, x1=left + width - 0.5, y0=top - 0.5, y1=top + height - 0.5, line=dict(color="#2ca02c" if agrees else "#d62728", width=2 if agrees else 3))
    figure.add_trace(_image_trace(canvas, hover))
    ticks = [r * (height + 1) + (height - 1) / 2 for r in range(classes)]
    _image_layout(figure, "One row per requested class<br><sup>frame: green = the judge names the requested class, red = another class</sup>", 100 + 46 * classes)
    figure.update_yaxes(visible=True, tickmode="array", tickvals=ticks, ticktext=[str(n) for n in class_names], title_text="asked for", showgrid=False, zeroline=False)
    figure.update_layout(margin=dict(l=70))
    return figure


def chosen_class_samples(samples: np.ndarray, verdicts: np.ndarray, confidence: np.ndarray, class_names, asked: int, columns: int = 4) -> go.Figure:
    """A few samples of one requested class, each headed by the judge's verdict (✓ the requested class, ✗ another)."""
    count, height, width = samples.shape
    grid = _as_grid(samples, columns)
    row_gap = 4  # room for the verdict above each row
    canvas = np.vstack([np.full((row_gap, grid.shape[1] * (width + 1) - 1), GAP), mosaic(grid, gap=1, row_gap=row_gap)])
    figure = go.Figure(_image_trace(canvas))
    for index in range(count):
        row, column = divmod(index, columns)
        agrees = int(verdicts[index]) == asked
        figure.add_annotation(x=column * (width + 1) + (width - 1) / 2, y=row * (height + row_gap) + row_gap - 0.7, text=f"{'✓' if agrees else '✗'} {class_names[int(verdicts[index])]} {confidence[index]:.0%}",
                              showarrow=False, yanchor="bottom", font=dict(size=12, color="#2ca02c" if agrees else "#d62728"))
    return _image_layout(figure, f"Asked for “{class_names[asked]}”<br><sup>above each sample: the judge's verdict and confidence</sup>", 80 + 150 * grid.shape[0])


def agreement_figure(frames, by_class, class_names) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, column_widths=[0.45, 0.55])
    figure.add_trace(go.Scatter(x=[f.epoch for f in frames], y=[100 * f.agreement for f in frames], mode="lines+markers", name="all classes", line=dict(color=GENERATOR_COLOR, width=2), showlegend=False), row=1, col=1)
    figure.add_trace(go.Bar(x=[str(n) for n in class_names], y=100 * np.asarray(by_class), marker_color=GENERATOR_COLOR, name="after training", showlegend=False,
                            hovertemplate="%{x}: %{y:.0f}%<extra></extra>"), row=1, col=2)
    apply_layout(figure, "The judge agrees with the requested class", "", "", height=330)
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    figure.update_xaxes(title_text="requested class (after training)", type="category", row=1, col=2)
    figure.update_yaxes(title_text="agreement (%)", range=[0, 105])
    figure.add_hline(y=80, line=dict(color="#555555", dash="dot", width=1), annotation_text="80%", annotation_position="top left", row=1, col=1)
    figure.add_hline(y=80, line=dict(color="#555555", dash="dot", width=1), row=1, col=2)
    return figure


def brush_canvas(grid: np.ndarray, drawn: np.ndarray, plane: float) -> go.Figure:
    """The drawing board: select grid positions with the box or lasso tool to add points there (trace 0 is selectable)."""
    figure = go.Figure(go.Scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", name="positions you can select", marker=dict(color="#c7c7c7", size=4),
                                  selected=dict(marker=dict(color=REAL_COLOR)), hoverinfo="skip"))
    if len(drawn):
        figure.add_trace(go.Scatter(x=drawn[:, 0], y=drawn[:, 1], mode="markers", name=f"your points ({len(drawn):,})", marker=dict(color=REAL_COLOR, size=4), hoverinfo="skip"))
    apply_layout(figure, "Draw: drag a box (or pick the lasso above) over the dots", "x₁", "x₂", height=460)
    figure.update_layout(dragmode="select", clickmode="none")
    figure.update_xaxes(range=[-plane, plane], constrain="domain", showgrid=False, zeroline=False)
    figure.update_yaxes(range=[-plane, plane], scaleanchor="x", scaleratio=1, showgrid=False, zeroline=False)
    return figure
