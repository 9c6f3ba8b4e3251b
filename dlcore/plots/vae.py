"""Figures of the variational-autoencoder page: latent scatters, decoded maps and images, the loss, the trick.

Colours: in a latent scatter a colour names a class (the same class, the same
colour, in every scatter); where both networks appear in one figure the VAE
is ``run_color(0)`` and the autoencoder ``run_color(1)``; training vs
validation is a line style (``SPLIT_DASHES``). Images are ink on paper: 0 white, 1 black.
"""

from __future__ import annotations

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from dlcore.plots.style import LEGEND_BELOW, SPLIT_DASHES, SPLIT_LABELS, apply_layout, run_color

CLASS_COLORS = plotly.colors.qualitative.D3
INK = [[0.0, "#ffffff"], [1.0, "#111111"]]
PRIOR_COLOR = "#555555"
GRADIENT_COLOR = "#d62728"
MODEL_COLORS = {"VAE": run_color(0), "autoencoder": run_color(1)}


def class_color(index: int) -> str:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def _equal_axes(figure: go.Figure, x_title: str = "latent z₁", y_title: str = "latent z₂") -> go.Figure:
    figure.update_layout(title_xref="container")
    figure.update_xaxes(title_text=x_title, zeroline=False)
    figure.update_yaxes(title_text=y_title, zeroline=False, scaleanchor="x", scaleratio=1)
    return figure


def _circle(radius: float, centre=(0.0, 0.0), scale=(1.0, 1.0), points: int = 73) -> tuple[np.ndarray, np.ndarray]:
    angle = np.linspace(0, 2 * np.pi, points)
    return centre[0] + radius * scale[0] * np.cos(angle), centre[1] + radius * scale[1] * np.sin(angle)


def _prior_trace() -> go.Scatter:
    x1, y1 = _circle(1.0)
    x2, y2 = _circle(2.0)
    return go.Scatter(x=[*x1, None, *x2], y=[*y1, None, *y2], mode="lines", line=dict(color=PRIOR_COLOR, dash="dot", width=1.5), name="prior N(0, I): 1σ and 2σ circles", hoverinfo="skip")


def _class_traces(codes: np.ndarray, labels: np.ndarray, class_names, size: float = 5, opacity: float = 0.75, showlegend: bool = True) -> list[go.Scatter]:
    traces = []
    for index, name in enumerate(class_names):
        chosen = labels == index
        traces.append(
            go.Scatter(
                x=codes[chosen, 0], y=codes[chosen, 1], mode="markers", name=str(name), legendgroup=str(name), showlegend=showlegend,
                marker=dict(size=size, color=class_color(index), opacity=opacity),
                hovertemplate=f"class {name}<br>z₁ %{{x:.2f}}, z₂ %{{y:.2f}}<extra></extra>",
            )
        )
    return traces


def latent_scatter(codes: np.ndarray, labels: np.ndarray, class_names, title: str, height: int = 430) -> go.Figure:
    """Validation codes coloured by class, with the prior's 1σ and 2σ circles for scale."""
    figure = go.Figure([*_class_traces(codes, labels, class_names), _prior_trace()])
    apply_layout(figure, title, "latent z₁", "latent z₂", height=height)
    return _equal_axes(figure)


def trained_scatter(trained, title: str | None = None, height: int = 370) -> go.Figure:  # 410 with its legend: whole on a 1280×720 projector
    name = "VAE: each image's μ" if trained.variational else "Autoencoder: each code"
    return latent_scatter(trained.val_means[:, :2], trained.val_labels, trained.class_names, title or name, height)


def live_latent(info) -> go.Figure | None:
    """The newest snapshot of the latent space while a network trains (a page's live figure)."""
    if info.snapshot is None:
        return None
    epoch, frame = info.snapshot
    return latent_scatter(frame.codes, frame.labels, frame.class_names, f"{frame.model} codes, epoch {epoch}/{frame.epochs}", height=400)


def latent_replay(trained, height: int = 470) -> go.Figure:
    """Every snapshot of the validation codes, with a slider and a play button (axes fixed to the widest frame)."""
    frames = trained.frames
    last = frames[-1]
    everything = np.concatenate([frame.codes for frame in frames])
    low, high = np.nanmin(everything, axis=0), np.nanmax(everything, axis=0)
    pad = 0.05 * (high - low) + 1e-3
    figure = go.Figure(_class_traces(last.codes, last.labels, last.class_names))
    figure.frames = [go.Frame(data=_class_traces(frame.codes, frame.labels, frame.class_names), name=str(frame.epoch)) for frame in frames]
    steps = [dict(method="animate", label=str(frame.epoch), args=[[str(frame.epoch)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))]) for frame in frames]
    play = dict(label="▶ Play", method="animate", args=[None, dict(frame=dict(duration=350, redraw=True), fromcurrent=True, transition=dict(duration=0))])
    apply_layout(figure, f"{trained.label.capitalize() if not trained.variational else trained.label} codes, replayed", "latent z₁", "latent z₂", height=height)
    figure.update_layout(
        updatemenus=[dict(type="buttons", buttons=[play], x=0.0, y=-0.32, xanchor="left", yanchor="top", showactive=False)],
        sliders=[dict(active=len(steps) - 1, steps=steps, currentvalue=dict(prefix="after epoch "), x=0.18, len=0.82, y=-0.22, yanchor="top", pad=dict(t=0))],
        margin=dict(b=200), legend=dict(LEGEND_BELOW),
    )
    figure.update_xaxes(range=[low[0] - pad[0], high[0] + pad[0]])
    figure.update_yaxes(range=[low[1] - pad[1], high[1] + pad[1]])
    return _equal_axes(figure)


# ---------------------------------------------------------------- images


def pictures(images, image_shape, size: int = 56) -> list[np.ndarray]:
    """Images as crisp ink-on-paper pictures for st.image: uint8, enlarged by whole pixels to about `size` pixels a side."""
    h, w = image_shape
    scale = max(1, int(round(size / max(h, w))))
    ink = np.clip(np.asarray(images, np.float64).reshape(-1, h, w), 0.0, 1.0)
    paper = (255 * (1.0 - ink)).round().astype(np.uint8)
    return [np.kron(picture, np.ones((scale, scale), np.uint8)) for picture in paper]


def verdict_captions(verdicts, class_names) -> list[str]:
    """'7 · 98%' for an image the judge recognises (probability above 0.5), '7? · 41%' for one it does not."""
    return [f"{class_names[label]}{'' if confident else '?'} · {confidence:.0%}" for label, confidence, confident in zip(verdicts.labels, verdicts.confidences, verdicts.confident)]


def manifold_map(manifold, trained, point, path=None, show_codes: bool = True, clickable: int = 25, height: int = 560) -> go.Figure:
    """The decoder's images tiled over the latent plane (tile centres at their z), the codes on top, the point and the path."""
    size, (h, w) = len(manifold.z1), trained.image_shape
    step1, step2 = manifold.z1[1] - manifold.z1[0], manifold.z2[1] - manifold.z2[0]
    padded = np.pad(manifold.images[:, :, ::-1, :], ((0, 0), (0, 0), (1, 0), (0, 1)), constant_values=np.nan)  # a white line under and right of every tile
    sheet = padded.transpose(0, 2, 1, 3).reshape(size * (h + 1), size * (w + 1))  # rows run upwards in z₂
    xs = (manifold.z1[:, None] - step1 / 2 + (np.arange(w + 1)[None, :] + 0.5) * step1 / (w + 1)).ravel()
    ys = (manifold.z2[:, None] - step2 / 2 + (np.arange(h + 1)[None, :] + 0.5) * step2 / (h + 1)).ravel()
    figure = go.Figure(go.Heatmap(x=xs, y=ys, z=sheet, colorscale=INK, zmin=0, zmax=1, showscale=False, hoverinfo="skip", name="decoded images"))
    if show_codes:
        for trace in _class_traces(trained.val_means[:, :2], trained.val_labels, trained.class_names, size=4, opacity=0.55):
            figure.add_trace(trace)
    grid1, grid2 = np.meshgrid(np.linspace(manifold.z1[0], manifold.z1[-1], clickable), np.linspace(manifold.z2[0], manifold.z2[-1], clickable))
    figure.add_trace(go.Scatter(x=grid1.ravel(), y=grid2.ravel(), mode="markers", marker=dict(size=14, opacity=0.0, color="#000000"), showlegend=False, name="click to decode",
                                hovertemplate="z₁ %{x:.2f}, z₂ %{y:.2f}<br>click to decode this point<extra></extra>"))
    if path is not None:
        figure.add_trace(go.Scatter(x=path.codes[:, 0], y=path.codes[:, 1], mode="lines+markers", line=dict(color=GRADIENT_COLOR, width=2), marker=dict(size=6), name="interpolation path", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", marker=dict(size=16, symbol="circle-open", color="#ff00aa", line=dict(width=3)), name="your point", hoverinfo="skip"))
    apply_layout(figure, f"{'VAE' if trained.variational else 'Autoencoder'} decoder's map", "latent z₁", "latent z₂", height=height)
    figure.update_layout(clickmode="event+select", dragmode=False)
    figure.update_xaxes(range=[manifold.z1[0] - step1 / 2, manifold.z1[-1] + step1 / 2], showgrid=False, constrain="domain")
    figure.update_yaxes(range=[manifold.z2[0] - step2 / 2, manifold.z2[-1] + step2 / 2], showgrid=False, constrain="domain")
    return _equal_axes(figure)


def class_shares(shares_by_model: dict, real_shares: np.ndarray, class_names, title: str) -> go.Figure:
    """Share of prior samples the judge recognises as each class, per network, beside the real images' shares."""
    figure = go.Figure()
    for name, shares in shares_by_model.items():
        figure.add_trace(go.Bar(x=list(class_names), y=100 * shares, name=f"{name} samples", marker_color=MODEL_COLORS.get(name, run_color(2)), hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    figure.add_trace(go.Scatter(x=list(class_names), y=100 * np.asarray(real_shares), mode="markers", marker=dict(symbol="line-ew-open", size=26, line=dict(width=3, color="#333333")), name="real validation images"))
    apply_layout(figure, title, "class the judge recognises (probability above 0.5)", "share of images (%)", height=380)
    figure.update_layout(barmode="group")
    return figure


# ---------------------------------------------------------------- the loss


def loss_curves(epochs, beta: float, title: str = "Reconstruction and KL") -> go.Figure:
    """Reconstruction, KL and their sum (the negative ELBO) per epoch; training solid, validation dashed."""
    figure = go.Figure()
    quantities = [("reconstruction", lambda p: epochs[f"{p}_recon"]), ("KL to the prior", lambda p: epochs[f"{p}_kl"]), ("negative ELBO = reconstruction + KL", lambda p: epochs[f"{p}_recon"] + epochs[f"{p}_kl"])]
    if beta != 1.0:
        quantities.append((f"loss trained = reconstruction + {beta:g}·KL", lambda p: epochs[f"{p}_loss"]))
    for index, (name, values) in enumerate(quantities):
        for split in ("train", "val"):
            figure.add_trace(go.Scatter(x=epochs["epoch"], y=values(split), mode="lines", name=f"{name} · {SPLIT_LABELS[split]}", legendgroup=name,
                                        line=dict(color=run_color(index + 2), dash=SPLIT_DASHES[split], width=2.5 if index == 2 else 2)))
    return apply_layout(figure, title, "epoch", "nats per image", height=420)


def kl_per_dimension(kl: np.ndarray, threshold: float) -> go.Figure:
    dimensions = [f"z{index + 1}" for index in range(len(kl))]
    shown = np.maximum(kl, 1e-4)
    colors = [run_color(3) if value >= threshold else "#bbbbbb" for value in kl]
    figure = go.Figure(go.Bar(x=dimensions, y=shown, marker_color=colors, customdata=kl, hovertemplate="%{x}: %{customdata:.4f} nats<extra></extra>", name="KL of the dimension"))
    figure.add_hline(y=threshold, line=dict(color=PRIOR_COLOR, dash="dash"))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=PRIOR_COLOR, dash="dash"), name=f"{threshold:g} nats: below it a dimension is unused"))
    apply_layout(figure, "KL per latent dimension", "latent dimension", "KL (nats, log scale)", height=380)
    figure.update_yaxes(type="log", dtick=1, exponentformat="power", range=[-4.2, max(1.0, float(np.log10(shown.max())) + 0.4)])
    return figure


def encoding_ellipse(trained, mean, sigma, title: str, height: int = 440) -> go.Figure:
    """All validation codes in grey, and one image's encoding N(μ, σ²) as its 1σ and 2σ ellipses."""
    figure = go.Figure(go.Scatter(x=trained.val_means[:, 0], y=trained.val_means[:, 1], mode="markers", marker=dict(size=4, color="#bbbbbb"), name="μ of every validation image", hoverinfo="skip"))
    figure.add_trace(_prior_trace())
    for radius, dash in ((1.0, "solid"), (2.0, "dash")):
        x, y = _circle(radius, mean, sigma)
        figure.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=GRADIENT_COLOR, dash=dash, width=2.5), name=f"this image: μ ± {radius:g}σ", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=[mean[0]], y=[mean[1]], mode="markers", marker=dict(color=GRADIENT_COLOR, size=10, symbol="x"), name="this image's μ",
                                hovertemplate=f"μ = ({mean[0]:.2f}, {mean[1]:.2f}), σ = ({sigma[0]:.2f}, {sigma[1]:.2f})<extra></extra>"))
    apply_layout(figure, title, "latent z₁", "latent z₂", height=height)
    return _equal_axes(figure)


def sweep_figure(table) -> go.Figure:
    """Where each β lands: validation KL against validation reconstruction (the rate–distortion trade)."""
    figure = go.Figure(go.Scatter(x=table["kl"], y=table["recon"], mode="lines+markers+text", text=[f"β = {b:g}" for b in table["beta"]], textposition="top right",
                                  marker=dict(size=10, color=run_color(4)), line=dict(color=run_color(4)), name="one VAE per β", customdata=table["active_dimensions"],
                                  hovertemplate="KL %{x:.2f} nats, reconstruction %{y:.2f} nats<br>%{customdata} active dimensions<extra>%{text}</extra>"))
    apply_layout(figure, "One VAE per β", "KL to the prior (nats per image, validation)", "reconstruction (nats per image, validation)", height=420)
    figure.update_xaxes(rangemode="tozero")
    return figure


# ---------------------------------------------------------------- the reparameterisation trick


def _vector(values) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values[:2]) + (", …" if len(values) > 2 else "") + ")"


def reparam_graph(check) -> str:
    """Graphviz DOT of the two computation graphs: forward in grey, the gradient backward in red, with the tape's numbers.

    A DOT string (drawn by st.graphviz_chart) scales as one picture, so it stays legible on a phone.
    """
    dz, sigma = _vector(check.reparam_mu), _vector(check.reparam_sigma)
    red = f'color="{GRADIENT_COLOR}", fontcolor="{GRADIENT_COLOR}", style=dashed, constraint=false'
    return f"""digraph {{
  rankdir=LR; nodesep=0.35; ranksep=0.45; fontname="Helvetica"; fontsize=15;
  node [shape=box, style="rounded,filled", fillcolor="#f2f2f2", color="#666666", fontname="Helvetica", fontsize=14];
  edge [color="#555555", fontname="Helvetica", fontsize=12];
  subgraph cluster_direct {{
    label="Sampled directly"; color="#bbbbbb";
    x1 [label="image x"]; e1 [label="encoder\nμ, σ"]; s1 [label="z ~ N(μ, σ²)\na random draw", fillcolor="#fde0dd"]; d1 [label="decoder"]; l1 [label="loss L"];
    x1 -> e1 -> s1 -> d1 -> l1;
    l1 -> d1 [{red}]; d1 -> s1 [{red}, label="∂L/∂z"]; s1 -> e1 [{red}, style=dotted, label="✕ no path:\nthe tape returns None"];
  }}
  subgraph cluster_trick {{
    label="Reparameterised: z = μ + σ·ε"; color="#bbbbbb";
    x2 [label="image x"]; e2 [label="encoder\nμ, σ"]; s2 [label="z = μ + σ·ε", fillcolor="#e5f5e0"]; n2 [label="ε ~ N(0, I)\ndrawn first", fillcolor="#e5f5e0"]; d2 [label="decoder"]; l2 [label="loss L"];
    x2 -> e2 -> s2 -> d2 -> l2; n2 -> s2;
    l2 -> d2 [{red}]; d2 -> s2 [{red}, label="∂L/∂z"]; s2 -> e2 [{red}, label="∂L/∂μ = ∂L/∂z = {dz}\n∂L/∂σ = ∂L/∂z·ε = {sigma}"];
  }}
}}"""


def gradient_estimates(check, dimension: int = 0) -> go.Figure:
    """One estimate of ∂L/∂μ per draw: reparameterised (∂L/∂z) vs score function (L·ε/σ), and the finite-difference value."""
    reparam, score = check.per_draw_mu[:, dimension], check.score_mu[:, dimension]
    low, high = np.percentile(np.concatenate([reparam, score]), [1, 99])
    bins = dict(start=low, end=high, size=(high - low) / 60 if high > low else 1.0)
    figure = go.Figure()
    for index, (name, values) in enumerate((("reparameterised: ∂L/∂z of each draw", reparam), ("score function: L·ε/σ of each draw", score))):
        figure.add_trace(go.Histogram(x=values, xbins=bins, histnorm="probability density", name=f"{name} (sd {np.std(values):.2g})", marker_color=run_color(index + 5), opacity=0.6))
    figure.add_vline(x=float(check.finite_mu[dimension]), line=dict(color="#111111", dash="dash", width=2))
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color="#111111", dash="dash"), name=f"finite differences of the average: {check.finite_mu[dimension]:.3g}"))
    apply_layout(figure, f"Estimates of ∂L/∂μ{dimension + 1}", f"estimate of ∂L/∂μ{dimension + 1} (nats per latent unit)", "density", height=400)
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(range=[low, high])
    return figure


def sample_histogram(check) -> go.Figure:
    """The draws z = μ + σ·ε of the first two dimensions against the normal densities they should follow."""
    figure = go.Figure()
    for dimension in range(min(2, len(check.mean))):
        values, mean, sigma = check.z[:, dimension], check.mean[dimension], check.sigma[dimension]
        color = run_color((9, 4)[dimension])
        figure.add_trace(go.Histogram(x=values, histnorm="probability density", nbinsx=50, name=f"z{dimension + 1} draws: mean {values.mean():.3f}, sd {values.std(ddof=1):.3f}", marker_color=color, opacity=0.55))
        grid = np.linspace(mean - 4 * sigma, mean + 4 * sigma, 200)
        density = np.exp(-0.5 * ((grid - mean) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
        figure.add_trace(go.Scatter(x=grid, y=density, mode="lines", line=dict(color=color, width=2.5), name=f"N(μ{dimension + 1} = {mean:.3f}, σ{dimension + 1} = {sigma:.3f})"))
    apply_layout(figure, "Draws of z = μ + σ·ε", "latent value z", "density", height=400)
    figure.update_layout(barmode="overlay")
    return figure
