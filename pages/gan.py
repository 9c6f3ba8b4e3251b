"""Lab sheet: generative adversarial networks: the game on 2-D points, why it is hard, DCGAN and a conditional GAN."""

import dataclasses

import numpy as np
import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import images
from dlcore.experiments.gan import conditional, dcgan, game, hard, targets
from dlcore.plots import gan as plots
from pages import components as ui

PREFIX = "gan"

ui.lab_header(
    "🎭 Generative adversarial networks",
    "Two networks play a game. The **generator** turns random noise into fake examples; the **discriminator** "
    "looks at real and fake examples and says how likely each is to be real. The discriminator is trained to tell "
    "them apart, the generator to fool it, and the only signal the generator ever gets is the gradient of the "
    "discriminator's verdict. When the game goes well the fakes end up spread like the real data. Below, watch the "
    "game on points of the plane, break it in the classic ways, then let it draw digits.",
)
TAB_NAMES = ["① The game on 2-D points", "② Why GANs are hard to train", "③ DCGAN on digits", "④ Conditional GAN"]


def remember(part: str, defaults) -> str:
    """Give one experiment's widgets their session, link or default values; in the URL the game's settings travel under
    plain names (steps=1000), every other tab's as part.field (dcgan.epochs=5)."""
    ui.init_state(f"{PREFIX}.{part}", defaults, "" if part == "game" else part)
    return f"{PREFIX}.{part}"


def fields(prefix, config_class, specs, columns: int = 4) -> None:
    for column, chunk in zip(st.columns(columns), [specs[i::columns] for i in range(columns)]):
        with column:
            for name, label, *options in chunk:
                ui.control(prefix, config_class, name, label, **(options[0] if options else {}))


def rate(value: float) -> str:
    return f"{value:g}"


GAME_MAIN = [("target", "Target distribution", dict(format_func=targets.TARGETS.get)), ("generator_loss", "Generator loss", dict(format_func=game.LOSS_LABELS.get)),
             ("g_learning_rate", "Generator learning rate", dict(format_func=rate)), ("d_learning_rate", "Discriminator learning rate", dict(format_func=rate))]
GAME_MORE = [("steps", "Updates"), ("snapshot_every", "Snapshot every … updates"), ("batch_size", "Batch size"), ("beta_1", "Adam β1"),
             ("label_smoothing", "Label smoothing"), ("hidden_layers", "Hidden layers (both networks)"), ("units", "Units per layer"), ("latent_dim", "Noise dimensions"),
             ("seed", "Seed", dict(widget="number"))]


def add_stroke(key: str, store: str) -> None:
    """on_select callback of the drawing board: paint points around every selected grid position."""
    selected = st.session_state[key].selection.points
    cells = [(p["x"], p["y"]) for p in selected if p.get("curve_number", 0) == 0]
    drawn = st.session_state.setdefault(store, [])
    if cells:
        drawn.extend(targets.paint(cells, stroke=len(drawn)).tolist())
        del drawn[targets.MAX_POINTS :]


def custom_points(prefix: str):
    """The student's own points, drawn or uploaded and checked; None (with a message) until there are usable ones."""
    store = f"{prefix}.drawn"
    upload_column, draw_column = st.columns([2, 3])
    with upload_column:
        source = st.radio("Points from", ["drawing", "a CSV file"], horizontal=True, key=f"{prefix}.source")
        upload = st.file_uploader("CSV with two columns (x, y), a header row is optional", type=["csv", "txt"], key=f"{prefix}.upload")
        st.caption(f"{targets.MIN_POINTS} to {targets.MAX_POINTS:,} rows, at most {targets.MAX_UPLOAD_BYTES / 1e6:.0f} MB. The points are centred and scaled to fill the square [−2, 2].")
        if st.button("🧽 Clear the drawing", key=f"{prefix}.clear"):
            st.session_state[store] = []
    with draw_column:
        drawn = np.array(st.session_state.get(store, []), dtype=float).reshape(-1, 2)
        st.plotly_chart(plots.brush_canvas(targets.brush_grid(), drawn, targets.PLANE), key=f"{prefix}.canvas", on_select=lambda: add_stroke(f"{prefix}.canvas", store),
                        selection_mode=("box", "lasso"), width="stretch", config={"displaylogo": False})
    try:
        if source == "a CSV file":
            if upload is None:
                st.info("Upload a CSV file of points, or switch to drawing.")
                return None
            return targets.as_config_points(targets.parse_points_csv(upload.getvalue()))
        if not len(drawn):
            st.info("Drag a box over the dots to draw points (each box adds a few points per dot), or upload a CSV file.")
            return None
        return targets.as_config_points(targets.fit_to_plane(targets.check_points(drawn)))
    except targets.PointsError as error:
        st.error(f"These points can't be a target: {error}.")
        return None


def replay_layout() -> str:
    """The game's replay spans the page, as tall as a 1280×720 projector leaves under the tab bar; a phone (its browser
    says "Mobile") stacks the replay's key in four rows, so it gets a taller figure and the plane keeps the screen's width."""
    return "phone" if "Mobi" in (st.context.headers.get("User-Agent") or "") else "wide"


def game_part():
    gp = remember("game", game.GameConfig())
    slot = st.container()  # the replay first, the controls under it
    with st.form(f"{gp}.form"):
        fields(gp, game.GameConfig, GAME_MAIN)
        with st.expander("More settings: training length, networks, optimizer"):
            fields(gp, game.GameConfig, GAME_MORE, columns=3)
        st.form_submit_button("▶ Train the two networks", type="primary")
    config = ui.shared_config(gp, game.GameConfig(), "")
    if config.target == "custom":
        points = custom_points(gp)
        if points is None:
            return
        config = game.GameWithPoints(**dataclasses.asdict(config), points=points)
    with slot:
        figure = st.container()  # above the run's own lines (a "shown from the cache" note): the first screen keeps the whole replay
        run = ui.run_experiment(game.play, config, live_figure=plots.live_game)
        if run is None:
            return
    with figure:
        if run.history.divergence is not None:
            st.warning(f"💥 {run.history.divergence.message()} The game blew up: lower the learning rates. The replay stops where the numbers were still finite.")
        final, diagnosis = run.final, hard.diagnose(run)
        ui.chart(plots.game_replay(run, title=run.target_label, layout=replay_layout()))
        peak_step = int(run.frame_steps[np.argmax(run.modes_over_time)])
        ui.notice(
            f"press ▶ or drag the timeline. The background is the discriminator's verdict on every point of the plane (green: "
            f"'real', orange: 'fake'); each arrow shows where the generator's loss pulls one generated point, and the generator can "
            f"only follow by changing its weights, which moves the whole orange grid (its manifold) at once. This run covered "
            f"{final.modes_covered} of {final.num_modes} modes at the end and {diagnosis.modes_peak} at best (first at update {peak_step:,}). "
            "Click a legend entry to hide a layer."
        )
        cols = st.columns(5)
        cols[0].metric("Modes covered", f"{final.modes_covered} of {final.num_modes}", help=run.reference.describe())
        cols[1].metric("High-quality samples", f"{final.high_quality_share:.0%}", help="Share of 500 generated points that lie on the data (see the definition under the charts).")
        verdict = "D(G(z)), mean" if diagnosis.probability else "critic score of fakes"
        cols[2].metric(verdict, f"{diagnosis.d_fake_final:.2f}", help="Over the last tenth of the updates. At the ideal end of the game D says 0.5 everywhere.")
        cols[3].metric("Updates", f"{run.history.num_steps:,}", help=f"{run.steps_per_epoch} per pass over the {len(run.real):,} real points (batch {run.batch_size})")
        cols[4].metric("Training time", f"{run.history.seconds:.1f} s")
    left, right = st.columns(2)
    with left:
        ui.chart(plots.game_losses(run.history.steps))
    with right:
        ui.chart(plots.coverage_over_time([(run.target_label, run)]))
    st.caption(f"How the numbers are measured: {run.reference.describe()}; a mode counts as covered when it holds at least a fifth of its fair share of 500 generated points.")


def hard_part():
    hp = remember("hard", hard.HardConfig())
    slot = st.container()  # the replays first, the presets and the controls under them
    st.markdown("**Reproduce a failure** (each preset picks a failing setting of the 2-D game and the remedies that usually fix it):")
    for column, (name, scenario) in zip(st.columns(len(hard.SCENARIOS)), hard.SCENARIOS.items()):
        column.button(scenario.label, key=f"{hp}.preset.{name}", on_click=ui.apply_preset, args=(hp, hard.preset(name), hard.HardConfig), width="stretch", help=f"Watch: {scenario.symptom}")
    with st.form(f"{hp}.form"):
        left, right = st.columns([1, 2])
        with left:
            ui.control(hp, hard.HardConfig, "scenario", "Failing setting", format_func=lambda name: hard.SCENARIOS[name].label)
            ui.control(hp, hard.HardConfig, "seed", "Seed", widget="number")
        with right:
            st.markdown("**Remedies** (trained beside the failing setting, same seed):")
            for column, chunk in zip(st.columns(2), [list(hard.REMEDIES)[0::2], list(hard.REMEDIES)[1::2]]):
                with column:
                    for name in chunk:
                        ui.control(hp, hard.HardConfig, name, hard.REMEDIES[name], help=hard.REMEDY_HELP[name])
        st.form_submit_button("▶ Train the failing setting and the remedy", type="primary")
    config = ui.shared_config(hp, hard.HardConfig(), "hard")
    st.caption(f"Failing setting: {hard.describe_settings(hard.problem_settings(config))}. "
               + (f"With the remedies: {hard.describe_settings(hard.remedied_settings(config))}." if hard.remedied_settings(config) else "No remedy changes this setting, so only the failing run trains."))
    with slot:
        result = ui.run_experiment(hard.hard_lessons, config, live_figure=plots.live_game)
        if result is None:
            return
        runs = [("failing setting", result.problem)] + ([("with the remedies", result.remedied)] if result.remedied else [])
        scale = plots.arrow_scale([run for _, run in runs])
        for column, (label, run) in zip(st.columns(len(runs)), runs):
            with column:
                ui.chart(plots.game_replay(run, scale, title=label.capitalize(), layout="half"))
                if run.history.divergence is not None:
                    st.warning(f"💥 {run.history.divergence.message()}")
        for line in hard.verdicts(result):
            st.markdown(f"- {line}")
    st.dataframe(hard.diagnosis_table(result), width="stretch", hide_index=True)
    left, right = st.columns(2)
    with left:
        ui.chart(plots.coverage_over_time(runs))
    with right:
        ui.chart(plots.generator_gradient(runs))
    left, right = st.columns(2)
    with left:
        ui.chart(plots.discriminator_verdicts(runs))
    with right:
        if config.scenario in ("discriminator_wins", "saturating_loss"):
            marks = [(f"{label} run, first {hard.EARLY_UPDATES} updates: {d:.2f}", d) for label, d in hard.early_d_fake(result)]
            ui.chart(plots.saturation_figure(hard.saturation_curves(), marks))
        else:
            ui.chart(plots.game_losses(result.problem.history.steps, "The two losses of the failing setting"))
    ui.notice(hard.SCENARIOS[config.scenario].notice)


def download_first(dataset: str) -> bool:
    """MNIST and Fashion-MNIST are downloaded once (with a timeout) before training starts; offline, the digits stand in. True if a line was shown."""
    if dataset == "digits":
        return False
    bar = st.progress(0.0, text=f"Fetching {images.label_of(dataset)} (first time only, at most {images.DOWNLOAD_TIMEOUT_S:.0f} s)…")
    message = images.fetch(dataset, progress=lambda fraction: bar.progress(fraction, text=f"Fetching {images.label_of(dataset)}: {fraction:.0%}"))
    bar.empty()
    if message:
        st.info(message)
    return message is not None


def train_on_images(run_function, config):
    """Fetch the image set if it must be downloaded, train with live samples, and say what the run needs said (the
    bundled fallback, a divergence); None when there is nothing to draw."""
    told = download_first(config.dataset)
    result = ui.run_experiment(run_function, config, live_figure=plots.live_samples)
    if result is None:
        return None
    if result.note and not told:
        st.info(result.note)
    if result.history.divergence is not None:
        st.warning(f"💥 {result.history.divergence.message()} Lower the learning rate.")
    return result


def dcgan_part():
    dp = remember("dcgan", dcgan.DCGANConfig())
    slot = st.container()  # the samples first, the controls under them
    with st.form(f"{dp}.form"):
        fields(dp, dcgan.DCGANConfig, [("dataset", "Images", dict(format_func=images.IMAGE_DATASETS.get)), ("epochs", "Epochs"), ("batch_size", "Batch size"),
                                       ("latent_dim", "Noise dimensions"), ("learning_rate", "Learning rate (both)", dict(format_func=rate)), ("beta_1", "Adam β1"),
                                       ("generator_loss", "Generator loss", dict(format_func=game.LOSS_LABELS.get)), ("batch_norm", "Batch normalisation"), ("seed", "Seed", dict(widget="number"))])
        st.form_submit_button("▶ Train the DCGAN", type="primary")
    config = ui.shared_config(dp, dcgan.DCGANConfig(), "dcgan")
    with slot:
        result = train_on_images(dcgan.dcgan, config)
        if result is None:
            return
        left, right = st.columns([3, 2])
        with left:
            ui.chart(plots.samples_replay(result.frames, "Fixed noise"))
        with right:
            ui.chart(plots.image_grid(result.real_examples, "Real images, for comparison", height=360))
            ui.chart(plots.game_losses(result.history.steps))
        left, right = st.columns(2)
        with left:
            ui.chart(plots.judge_over_training(result.frames, result.real_classes_seen, result.real_judge_confidence))
        with right:
            ui.chart(plots.interpolation_strips(result.interpolations))
        dropped = result.real_classes_seen - result.final.classes_seen
        ui.notice(
            "every frame of the replay pushes the **same** 36 noise vectors through the generator, so a square that changes is the "
            f"generator changing. After {config.epochs} epochs an independent classifier names {result.final.classes_seen} different "
            f"classes among 100 samples, against {result.real_classes_seen} among 100 real images"
            + (f": {dropped} class(es) were dropped, mode collapse on images. " if dropped > 0 else ": no class was dropped. ")
            + "Each walk on the right shows the generator's images at nine evenly spaced points between two noise vectors."
        )
        cols = st.columns(4)
        cols[0].metric("Classes the judge names", f"{result.final.classes_seen} of {len(result.class_names)}", help=f"Among 100 generated samples; on 100 real images: {result.real_classes_seen}")
        cols[1].metric("Judge's mean confidence", f"{result.final.judge_confidence:.0%}", help=f"On real images: {result.real_judge_confidence:.0%}")
        cols[2].metric("Seconds per epoch", f"{result.seconds_per_epoch:.2f}")
        cols[3].metric("Updates", f"{result.history.num_steps:,}")


def cgan_part():
    cp = remember("cgan", conditional.ConditionalConfig())
    slot = st.container()  # the samples first, the controls under them
    with st.form(f"{cp}.form"):
        fields(cp, conditional.ConditionalConfig, [("dataset", "Images", dict(format_func=images.IMAGE_DATASETS.get)), ("epochs", "Epochs"), ("batch_size", "Batch size"),
                                                   ("latent_dim", "Noise dimensions"), ("learning_rate", "Learning rate (both)", dict(format_func=rate)), ("seed", "Seed", dict(widget="number"))], columns=3)
        st.form_submit_button("▶ Train the conditional GAN", type="primary")
    config = ui.shared_config(cp, conditional.ConditionalConfig(), "cgan")
    with slot:
        result = train_on_images(conditional.conditional_gan, config)
        if result is None:
            return
        left, right = st.columns([2, 3])
        with left:
            asked = st.pills("Ask for", list(range(len(result.class_names))), format_func=lambda c: result.class_names[c], key=f"{cp}.asked", default=3)
            asked = 0 if asked is None else asked
            page = st.session_state.get(f"{cp}.page", 0) % (conditional.SAMPLES_PER_CLASS // 12)
            shown = slice(12 * page, 12 * page + 12)
            ui.chart(plots.chosen_class_samples(result.samples[asked, shown], result.verdicts[asked, shown], result.confidence[asked, shown], result.class_names, asked))
            st.button("🎲 Show other samples", key=f"{cp}.more", on_click=lambda: st.session_state.update({f"{cp}.page": page + 1}))
        with right:
            ui.chart(plots.conditional_grid(result.samples, result.verdicts, result.confidence, result.class_names))
        ui.chart(plots.agreement_figure(result.frames, result.agreement_by_class, result.class_names))
        worst = int(np.argmin(result.agreement_by_class))
        ui.notice(
            f"the same generator draws every row: only the label it is given changes. The judge, which never saw a generated image, names the "
            f"requested class for {result.agreement:.0%} of the samples; the hardest class in this run is “{result.class_names[worst]}” "
            f"({result.agreement_by_class[worst]:.0%}). Being recognisable is not being varied: two samples of one class differ by "
            f"{result.variety:.3f} per pixel on average, real images of one class by {result.real_variety:.3f}"
            + (" — the generator ignores much of its noise and draws near copies (mode collapse within each class)." if result.variety < 0.5 * result.real_variety else ".")
        )
        cols = st.columns(4)
        cols[0].metric("Judge agrees with the request", f"{result.agreement:.0%}", help=f"Over {result.samples.shape[0] * result.samples.shape[1]:,} samples drawn after training")
        cols[1].metric("Judge's accuracy on real images", f"{result.judge_accuracy:.0%}", help="A separate classifier trained only on real images, tested on real images it never saw")
        cols[2].metric("Variety within a class", f"{result.variety:.3f}", help=f"Mean pixel difference between two samples of the same class (0 = identical copies). Real images: {result.real_variety:.3f}")
        cols[3].metric("Training time", f"{result.history.seconds:.1f} s")


PARTS = (game_part, hard_part, dcgan_part, cgan_part)
for tab, part in zip(ui.lab_tabs(TAB_NAMES, f"{PREFIX}.tab"), PARTS):
    with tab:
        if tab.open:
            part()
