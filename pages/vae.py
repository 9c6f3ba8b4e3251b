"""Lab sheet: variational autoencoders: the latent space, walking it, sampling it, the loss and the trick."""

import dataclasses

import numpy as np
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import images
from dlcore.experiments import vae as lab
from dlcore.plots import vae as plots
from pages import components as ui

PREFIX = "vae"
DEFAULTS = lab.TrainingSettings()
ui.lab_header(
    "🌀 Variational autoencoders",
    "An **autoencoder** squeezes each image through a tiny code z (here just two numbers, so we can draw it) and "
    "learns to rebuild the image from the code. Nothing tells it *where* to put the codes, so they land wherever "
    "training leaves them, at any scale, with empty gaps in between. A **variational** autoencoder (VAE) encodes "
    "each image as a small cloud, a mean μ and a spread σ, decodes a random point z = μ + σ·ε of that cloud, and "
    "pays a **KL** penalty for every cloud that strays from the standard normal N(0, I). The codes end up packed "
    "around the origin, so any z drawn from N(0, I) decodes to something that looks like the data: a generator.",
)
ui.init_state(PREFIX, DEFAULTS)
TAB_NAMES = ["① Autoencoder vs VAE", "② Walk the latent space", "③ Sampling", "④ The loss and β", "⑤ The reparameterisation trick"]
FORMAT = dict(dataset=lab.DATASETS.get, learning_rate=lambda v: f"{v:g}", beta=lambda v: f"{v:g}")


def group(part: str, defaults) -> str:
    prefix = f"{PREFIX}.{part}" if part else PREFIX
    ui.init_state(prefix, defaults, part)
    return prefix


def read(prefix: str, defaults):
    return ui.shared_config(prefix, defaults, prefix.removeprefix(PREFIX).lstrip("."))


def picture_row(label: str, pictures, shape, captions=None, size: int = 56) -> None:
    """A labelled row of images that wraps to the screen's width (crisp pixels, ink on paper)."""
    st.markdown(f"**{label}**")
    st.image(plots.pictures(pictures, shape, size), caption=captions)


def bump(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def training_settings() -> lab.TrainingSettings:
    """The shared settings (tab ①), with a downloadable set fetched first; offline, the bundled digits."""
    settings = read(PREFIX, DEFAULTS)
    ui.fetch_data(settings.dataset)
    return settings if settings.dataset == "digits" or images.is_cached(settings.dataset) else dataclasses.replace(settings, dataset="digits")


def trained_pair(config: lab.ModelConfig, columns=None):
    """(VAE, autoencoder) of one config, each trained (or fetched) with a live scatter; None if either failed."""
    columns = columns or (st.container(), st.container())
    with columns[1]:
        vae = ui.run_experiment(lab.train_vae, config, live_figure=plots.live_latent)
    with columns[0]:
        autoencoder = ui.run_experiment(lab.train_autoencoder, config, live_figure=plots.live_latent)
    for model in (vae, autoencoder):
        if model is not None and model.divergence:
            st.warning(f"💥 {model.label}: {model.divergence} Lower the learning rate.")
    if vae is not None and vae.dataset_note:
        st.info(vae.dataset_note)
    return (vae, autoencoder) if vae is not None and autoencoder is not None else (None, None)


def trained_with(settings) -> str:
    return f"Both networks as trained in tab ①: {lab.DATASETS[settings.dataset]}, {settings.hidden_units} units per hidden layer, {settings.epochs} epochs, seed {settings.seed}."


def compare_part():
    slot = st.container()  # the two latent spaces first, the explanation and the controls under them
    st.markdown("The **same** encoder and decoder (two hidden layers each, same seed, same batches), trained twice: as a plain autoencoder (z = μ, loss = reconstruction) and as a VAE (z = μ + σ·ε, loss = reconstruction + KL).")
    with st.form(f"{PREFIX}.form"):
        columns = st.columns(3)
        for index, (field, label) in enumerate((("dataset", "Data set"), ("hidden_units", "Units per hidden layer"), ("epochs", "Epochs"), ("batch_size", "Batch size"), ("learning_rate", "Learning rate (Adam)"), ("seed", "Seed"))):
            with columns[index % 3]:
                ui.control(PREFIX, lab.TrainingSettings, field, label, format_func=FORMAT.get(field), **({"widget": "number"} if field == "seed" else {}))
        st.form_submit_button("▶ Train both networks", type="primary")
    with slot:
        settings = training_settings()
        left, right = st.columns(2)
        scatters = (left.container(), right.container())  # above each run's own lines (a "shown from the cache" note): the first screen keeps the whole figures
        vae, autoencoder = trained_pair(lab.ModelConfig.of(settings), (left, right))
        if vae is None:
            return
        for column, model in zip(scatters, (autoencoder, vae)):
            with column:
                ui.chart(plots.trained_scatter(model))
                cells = st.columns(3)
                cells[0].metric("Spread (sd)", " · ".join(f"{v:.1f}" for v in model.spread[:2]), help="Standard deviation of the validation codes along z₁ and z₂")
                cells[1].metric("Centre to 0", f"{np.linalg.norm(model.centre[:2]):.2f}", help="Distance of the codes' mean from the origin")
                cells[2].metric("kNN accuracy", f"{model.knn_accuracy:.1%}", help=f"Each validation image's class guessed from the {lab.KNN_NEIGHBOURS} nearest training codes")
        spaces, rebuilt = lab.comparison_notes(vae, autoencoder)
        ui.notice(spaces)
    originals, ae_images = autoencoder.reconstructions()
    st.subheader("Validation images and what each network rebuilds from their code")
    for label, rows in (("Originals", originals), ("Autoencoder", ae_images), ("VAE", vae.reconstructions()[1])):
        picture_row(label, rows, vae.image_shape)
    ui.notice(rebuilt)
    with st.expander("🎞 Replay how each latent space formed"):
        for column, model in zip(st.columns(2), (autoencoder, vae)):
            with column:
                ui.chart(plots.latent_replay(model))


def apply_click(prefix: str, trained) -> None:
    """A click on the map (a selected point of its invisible grid) moves the point, once per click."""
    points = (st.session_state.get(f"{prefix}.map") or {}).get("selection", {}).get("points", [])
    if points and st.session_state.get(f"{prefix}.applied") != (points[0]["x"], points[0]["y"]):
        st.session_state[f"{prefix}.applied"] = (points[0]["x"], points[0]["y"])
        units = lab.to_units(trained, (points[0]["x"], points[0]["y"]))
        st.session_state[f"{prefix}.z1"], st.session_state[f"{prefix}.z2"] = (round(float(u), 1) for u in units)


def walk_part():
    slot = st.container()  # the map first, its controls under it
    with slot:
        settings = training_settings()
        vae, autoencoder = trained_pair(lab.ModelConfig.of(settings))
        if vae is None:
            return
    wp = group("walk", lab.WalkSettings())
    models = {"vae": vae, "autoencoder": autoencoder}
    apply_click(wp, models[st.session_state[f"{wp}.model"]])
    controls = st.columns([2, 2, 2, 1, 1, 1, 1])
    with controls[0]:
        ui.control(wp, lab.WalkSettings, "model", "Network", widget="radio", format_func=lab.MODELS.get)
        ui.control(wp, lab.WalkSettings, "show_codes", "Show codes", help="Draw the validation images' codes on the map, coloured by class")
    for column, field, label in ((controls[1], "z1", "Point: z₁ (map units)"), (controls[2], "z2", "Point: z₂ (map units)")):
        with column:
            ui.control(wp, lab.WalkSettings, field, label, help="Map units: standard deviations of the prior for the VAE, of the autoencoder's own codes for the autoencoder.")
    for column, field, label in zip(controls[3:], ("start_class", "end_class", "example", "steps"), ("Path from", "to", "Example", "Steps")):
        with column:
            ui.control(wp, lab.WalkSettings, field, label, widget="number")
    walk = read(wp, lab.WalkSettings())
    trained = models[walk.model]
    with slot:
        judge = ui.run_experiment(lab.judge_for, lab.JudgeConfig(trained.dataset))
        z, picture = lab.decode_point(trained, (walk.z1, walk.z2))
        start, end = (lab.example_index(trained, index, walk.example) for index in (walk.start_class % len(trained.class_names), walk.end_class % len(trained.class_names)))
        paths = {name: lab.interpolation(model, start, end, walk.steps) for name, model in models.items()}
        left, right = st.columns([3, 1])
        with left:
            st.plotly_chart(plots.manifold_map(lab.manifold(trained), trained, z, paths[walk.model], walk.show_codes), key=f"{wp}.map", on_select="rerun", selection_mode="points", width="stretch", config={"displaylogo": False})
        with right:
            verdict = lab.judged(judge, picture.reshape(1, -1), trained.image_shape) if judge is not None else None
            picture_row(f"Decoded at z = ({z[0]:.2f}, {z[1]:.2f})", picture, trained.image_shape, plots.verdict_captions(verdict, trained.class_names) if verdict else None, size=140)
            st.caption("Drag the sliders or click the map: the decoder draws the image of that point; below it, the independent judge's verdict (a ? when it is not sure).")
        st.caption(trained_with(settings))
    st.subheader(f"From validation image #{start} to #{end} in {walk.steps} even steps")
    for name, path in paths.items():
        verdicts = lab.judged(judge, path.images, trained.image_shape) if judge is not None else None
        picture_row(lab.MODELS[name], path.images, trained.image_shape, plots.verdict_captions(verdicts, trained.class_names) if verdicts else None)
    for note in lab.walk_notes(paths, lab.survey(vae, autoencoder, walk.steps, walk.example), walk.steps):
        ui.notice(note)


def sampling_part():
    sp = group("sampling", lab.SamplingSettings())
    slot = st.container()  # the samples first, their controls (and the dice) right under them, then the classes they fall in
    controls = st.columns([2, 2, 1])
    with controls[0]:
        ui.control(sp, lab.SamplingSettings, "latent_dim", "Latent dimensions (both networks)")
    with controls[1]:
        ui.control(sp, lab.SamplingSettings, "count", "Samples shown")
    controls[2].button("🎲 Draw again", on_click=bump, args=(f"{sp}.draw",), width="stretch")
    sampling = read(sp, lab.SamplingSettings())
    with slot:
        settings = training_settings()
        vae, autoencoder = trained_pair(lab.ModelConfig.of(settings, latent_dim=sampling.latent_dim))
        judge = ui.run_experiment(lab.judge_for, lab.JudgeConfig(vae.dataset)) if vae is not None else None
        if judge is None:
            return
        st.caption(f"{trained_with(settings)[:-1]}, here with {sampling.latent_dim} latent dimensions. The judge: a classifier trained on real images only ({judge.validation_accuracy:.0%} right on real images it never saw).")
        samples = {model.label: lab.prior_samples(model, judge, sampling.draw) for model in (vae, autoencoder)}
        real = lab.real_verdicts(vae, judge)
        cells = st.columns(3)
        for cell, (name, verdicts) in zip(cells, (("VAE samples", samples["VAE"].verdicts), ("Autoencoder samples", samples["autoencoder"].verdicts), ("Real validation images", real))):
            cell.metric(f"{name}: recognised", f"{verdicts.confident_share:.0%}", help=f"Share the judge gives a probability above {lab.CONFIDENT} (of {len(verdicts.labels)}); {verdicts.classes_covered} classes each hold at least 2%")
        for name, sample in samples.items():
            shown = slice(0, sampling.count)
            verdicts = lab.Verdicts(sample.verdicts.labels[shown], sample.verdicts.confidences[shown], sample.verdicts.num_classes)
            picture_row(f"The {name}'s decoder on z ~ N(0, I), with the judge's verdicts (? = not sure)", sample.images[shown], vae.image_shape, plots.verdict_captions(verdicts, vae.class_names))
    vae_v, ae_v = samples["VAE"].verdicts, samples["autoencoder"].verdicts
    ui.chart(plots.class_shares({"VAE": vae_v.class_shares, "autoencoder": ae_v.class_shares}, real.class_shares, vae.class_names, f"Classes of {lab.STATISTIC_DRAWS} samples each"))
    ui.notice(lab.sampling_note(samples, {"VAE": vae, "autoencoder": autoencoder}))


def loss_part():
    lp = group("loss", lab.LossSettings())
    slot = st.container()  # the loss curves first, the presets and the controls under them
    st.markdown("**Try a preset:**")
    for column, (name, (promise, values)) in zip(st.columns(len(lab.PRESETS)), lab.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(lp, values, lab.LossSettings), width="stretch", help=promise)
    controls = st.columns([3, 2, 2, 2])
    with controls[0]:
        ui.control(lp, lab.LossSettings, "beta", "β, the weight of the KL term", format_func=FORMAT["beta"])
    with controls[1]:
        ui.control(lp, lab.LossSettings, "latent_dim", "Latent dimensions")
    with controls[2]:
        ui.control(lp, lab.LossSettings, "image", "Image for the ellipse")
    with controls[3]:
        ui.control(lp, lab.LossSettings, "sweep", "Sweep β", help=f"Also train {len(lab.SWEPT_BETAS)} more VAEs, one per β in {', '.join(f'{b:g}' for b in lab.SWEPT_BETAS)}, and compare their losses")
    loss = read(lp, lab.LossSettings())
    with slot:
        settings = training_settings()
        trained = ui.run_experiment(lab.train_vae, lab.ModelConfig.of(settings, latent_dim=loss.latent_dim, beta=loss.beta), live_figure=plots.live_latent)
        if trained is None:
            return
        if trained.divergence:
            st.warning(f"💥 {trained.divergence} Lower the learning rate.")
        left, right = st.columns(2)
        with left:
            ui.chart(plots.loss_curves(trained.history.epochs, loss.beta))
        with right:
            ui.chart(plots.kl_per_dimension(trained.kl_per_dimension, lab.ACTIVE_KL))
        ui.notice(lab.loss_note(trained))
    mean, sigma = lab.ellipse(trained, loss.image)
    left, right = st.columns([3, 2])
    with left:
        ui.chart(plots.encoding_ellipse(trained, mean, sigma, f"Image #{loss.image % len(trained.val_images)} as N(μ, σ²)"))
    with right:
        index = loss.image % len(trained.val_images)
        picture_row("The image, and rebuilt from μ", np.stack([trained.val_images[index], trained.decoder(trained.val_means[index : index + 1])[0]]), trained.image_shape, ["original", "rebuilt"], size=84)
        picture_row("Samples: z ~ N(0, I) decoded", trained.decoder(lab.prior_draws(loss.latent_dim, 0, lab.SAMPLES_SHOWN)), trained.image_shape)
    ui.notice(f"this image's cloud has σ = ({sigma[0]:.2f}, {sigma[1]:.2f}) around μ = ({mean[0]:.2f}, {mean[1]:.2f}); the prior's is σ = 1 around 0. The smaller the cloud, the more the code says about the image, and the more KL it costs.")
    if loss.sweep:
        sweep = ui.run_experiment(lab.beta_sweep, lab.ModelConfig.of(settings, latent_dim=loss.latent_dim))
        if sweep is not None:
            ui.chart(plots.sweep_figure(sweep.table))
            ui.notice(lab.sweep_note(sweep.table))


def reparam_part():
    settings = training_settings()
    vae = ui.run_experiment(lab.train_vae, lab.ModelConfig.of(settings), live_figure=plots.live_latent)
    if vae is None:
        return
    st.markdown("Training needs ∂L/∂μ and ∂L/∂σ, but z is a *random draw* from N(μ, σ²). Drawn directly, z is just a number the sampler returned, with no path back to μ and σ. Written as z = μ + σ·ε, with the randomness ε drawn first, z is a function of μ and σ that autodiff can go through. Below, TensorFlow's `GradientTape` does both on this page's trained VAE.")
    rp = group("reparam", lab.ReparamSettings())
    slot = st.container()  # the graph and the numbers first, under the explanation; the controls under them
    controls = st.columns(3)
    with controls[0]:
        ui.control(rp, lab.ReparamSettings, "image", "Validation image")
    with controls[1]:
        ui.control(rp, lab.ReparamSettings, "draws", "Draws of ε", format_func=lambda v: f"{v:,}")
    with controls[2]:
        ui.control(rp, lab.ReparamSettings, "seed", "Seed of the draws", widget="number")
    check = lab.gradient_check(vae, read(rp, lab.ReparamSettings()))
    with slot:
        st.graphviz_chart(plots.reparam_graph(check), width="stretch")
        cells = st.columns(4)
        cells[0].metric("∂L/∂μ₁ through z = μ + σ·ε", f"{check.reparam_mu[0]:.4g}")
        cells[1].metric("∂L/∂σ₁ through z = μ + σ·ε", f"{check.reparam_sigma[0]:.4g}")
        cells[2].metric("∂L/∂μ, z sampled directly", "None" if check.direct_mu is None else f"{check.direct_mu[0]:.4g}", help="What tf.GradientTape returns: no path from the loss back to μ")
        cells[3].metric("Tape vs finite differences", f"{check.largest_finite_difference_gap:.1e}", help="Largest difference over every ∂L/∂μᵢ and ∂L/∂σᵢ, the average over the same draws of ε")
        left, right = st.columns(2)
        with left:
            ui.chart(plots.gradient_estimates(check))
        with right:
            ui.chart(plots.sample_histogram(check))
        ui.notice(lab.reparam_note(check))


# Tabs run lazily: only the open tab's experiment trains; tabs ①, ②, ⑤ share one pair of trained networks.
PARTS = (compare_part, walk_part, sampling_part, loss_part, reparam_part)
for tab, part in zip(ui.lab_tabs(TAB_NAMES, f"{PREFIX}.tab"), PARTS):
    with tab:
        if tab.open:
            part()
