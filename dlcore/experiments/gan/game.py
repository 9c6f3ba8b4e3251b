"""Part 1, the game on 2-D points: GAN Lab's views, trained by two real Keras networks.

A generator turns noise into points of the plane; a discriminator gives every
point of the plane a logit for "real". The training step (:class:`GANStep`)
alternates one discriminator update and one generator update per batch. Every
few updates the step's snapshot hook records what the page replays:

- the generated points of a fixed noise sample, and the modes they cover;
- the discriminator's probability of "real" over the whole plane;
- on each generated point, the direction in which the generator's loss pulls
  it (minus the gradient of that point's loss with respect to the point:
  the arrow the generator follows, through its weights);
- the generator's image of a grid of latent points: its manifold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.experiments.gan import metrics, networks, targets
from dlcore.generative import GENERATOR_LOSSES, GANStep
from dlcore.limits import Settings, choice, integer, number
from dlcore.optimizers import make_optimizer

REAL_POINTS = 2048  # samples of a built-in target (a custom set keeps its own size)
GENERATED_POINTS = 500  # the fixed noise sample every snapshot pushes through the generator
ARROW_POINTS = 120  # generated points that carry an arrow
MAP_RESOLUTION = 41  # the discriminator's map: MAP_RESOLUTION² points of the plane
MANIFOLD_LINES = 15  # the latent grid: MANIFOLD_LINES² points in [-2, 2]² of the first two noise dimensions
MAX_FRAMES = 41  # snapshots kept for the replay (before training, then at most 40)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.1)
LOSS_LABELS = {
    "non_saturating": "Non-saturating: −log D(G(z))",
    "minimax": "Minimax (saturating): log(1 − D(G(z)))",
    "wasserstein": "Wasserstein with gradient penalty",
}


@dataclass(frozen=True)
class GameConfig(Settings):
    target: str = choice("ring", targets.TARGETS)
    generator_loss: str = choice("non_saturating", GENERATOR_LOSSES)
    g_learning_rate: float = number(1e-3, options=LEARNING_RATES)
    d_learning_rate: float = number(1e-3, options=LEARNING_RATES)
    beta_1: float = number(0.5, options=(0.0, 0.5, 0.9))
    label_smoothing: float = number(0.0, options=(0.0, 0.1, 0.2, 0.3))
    hidden_layers: int = integer(2, 1, 4, cap="depth")
    units: int = integer(64, 8, 128, cap="width", options=(8, 16, 32, 64, 128))
    latent_dim: int = integer(2, 1, 8, options=(1, 2, 4, 8))
    batch_size: int = integer(128, 16, 512, options=(16, 32, 64, 128, 256, 512))
    steps: int = integer(3000, 100, 10_000, options=(100, 250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 10_000))
    snapshot_every: int = integer(50, 10, 1000, options=(10, 25, 50, 100, 200, 500, 1000))
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class GameWithPoints(GameConfig):
    """A game on the student's own points (target "custom"): the points travel in the config, not in the link."""

    LINKABLE = False  # built by the page from a linkable config plus the student's data; never parsed from a link

    points: tuple = ()


@dataclass(frozen=True)
class GameFrame:
    """One snapshot of the game (the arrays of the plane and the real points are shared by every frame of a run)."""

    epoch: int
    step: int  # updates done when the snapshot was taken
    generated: np.ndarray  # (GENERATED_POINTS, 2)
    arrows: np.ndarray  # (ARROW_POINTS, 2): −∂(that point's generator loss)/∂(point), for generated[:ARROW_POINTS]
    d_map: np.ndarray  # (MAP_RESOLUTION, MAP_RESOLUTION): P(real) over the plane, rows along y (Wasserstein: the critic's score)
    manifold: np.ndarray  # (lines, lines, 2): the generator's image of the latent grid
    modes_covered: int
    num_modes: int
    high_quality_share: float
    mode_counts: np.ndarray  # (modes,) high-quality generated points on each mode
    axis: np.ndarray  # (MAP_RESOLUTION,) the plane's coordinates along x and y
    real: np.ndarray  # (n, 2) the real points
    map_kind: str  # "probability" or "critic"


@dataclass(frozen=True)
class GameRun:
    config: GameConfig
    target_label: str
    reference: metrics.ModeReference
    real: np.ndarray
    frames: tuple[GameFrame, ...]
    history: engine.History  # snapshots moved into frames
    generator_gradient_norm: np.ndarray  # (steps,) ‖∂g_loss/∂(generator weights)‖, all generator layers together
    steps_per_epoch: int
    batch_size: int

    @property
    def final(self) -> GameFrame:
        return self.frames[-1]

    @property
    def frame_steps(self) -> np.ndarray:
        return np.array([frame.step for frame in self.frames])

    @property
    def modes_over_time(self) -> np.ndarray:
        return np.array([frame.modes_covered for frame in self.frames])

    @property
    def quality_over_time(self) -> np.ndarray:
        return np.array([frame.high_quality_share for frame in self.frames])


def schedule(config: GameConfig, num_points: int) -> tuple[int, int, int, tuple[int, ...]]:
    """(batch size, updates per epoch, epochs, snapshot epochs) for about `config.steps` updates with a snapshot every `snapshot_every`."""
    batch_size = min(config.batch_size, num_points)
    per_epoch = engine.steps_per_epoch(num_points, batch_size)
    epochs = max(1, round(config.steps / per_epoch))
    every = max(1, round(config.snapshot_every / per_epoch), -(-epochs // (MAX_FRAMES - 1)))
    return batch_size, per_epoch, epochs, (0, *range(every, epochs + 1, every), epochs)


def per_point_generator_loss(logits, generator_loss: str):
    """Each generated point's own share of the generator's loss, from the discriminator's logit on it."""
    from dlcore.device import tf

    if generator_loss == "wasserstein":
        return -logits
    if generator_loss == "minimax":
        return -tf.nn.softplus(logits)  # log(1 − D)
    return tf.nn.softplus(-logits)  # −log D


def latent_grid(latent_dim: int, lines: int = MANIFOLD_LINES) -> np.ndarray:
    """(rows, lines, latent_dim) noise vectors on a grid of the first two dimensions (a line when there is one), the rest 0."""
    ticks = np.linspace(-2.0, 2.0, lines)
    rows = 1 if latent_dim == 1 else lines
    grid = np.zeros((rows, lines, latent_dim), np.float32)
    grid[..., 0] = ticks[None, :]
    if latent_dim > 1:
        grid[..., 1] = ticks[:, None]
    return grid


def snapshotter(config: GameConfig, real: np.ndarray, reference: metrics.ModeReference, steps_per_epoch: int):
    """The step's snapshot hook: the function that turns the current networks into a GameFrame."""
    from dlcore.device import tf

    noise = tf.constant(np.random.default_rng([config.seed, 3]).normal(size=(GENERATED_POINTS, config.latent_dim)).astype(np.float32))
    axis = np.linspace(-targets.PLANE, targets.PLANE, MAP_RESOLUTION).astype(np.float32)
    plane = tf.constant(np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2))
    grid = latent_grid(config.latent_dim)
    latent = tf.constant(grid.reshape(-1, config.latent_dim))
    wasserstein = config.generator_loss == "wasserstein"

    def views(generator, discriminator):
        """Graph code: the generated points, the pull on the first ARROW_POINTS of them, the map and the manifold."""
        generated = generator(noise, training=False)
        points = generated[:ARROW_POINTS]
        with tf.GradientTape() as tape:
            tape.watch(points)
            loss = tf.reduce_sum(per_point_generator_loss(discriminator(points, training=False), config.generator_loss))
        logits = discriminator(plane, training=False)[:, 0]
        return generated, -tape.gradient(loss, points), logits if wasserstein else tf.sigmoid(logits), generator(latent, training=False)

    compiled = []  # traced on the first snapshot, for this run's two networks

    def frame(step) -> GameFrame:
        if not compiled:
            compiled.append(tf.function(lambda: views(step.generator, step.discriminator), autograph=False))
        generated, pull, d_map, manifold = (t.numpy() for t in compiled[0]())
        updates = int(step.generator_optimizer.iterations.numpy())
        cover = metrics.coverage(generated, reference)
        return GameFrame(updates // steps_per_epoch, updates, generated, pull, d_map.reshape(MAP_RESOLUTION, MAP_RESOLUTION),
                         manifold.reshape(*grid.shape[:2], 2), cover.modes_covered, cover.num_modes, cover.high_quality_share,
                         cover.counts, axis, real, "critic" if wasserstein else "probability")

    return frame


def _points_of(config: GameConfig) -> tuple:
    return getattr(config, "points", ())


def play(config: GameConfig, progress=None) -> GameRun:
    """Train the generator and the discriminator on the target; every frame of the replay is a snapshot of this run."""
    config.validate()
    if config.target == "custom" and not _points_of(config):
        raise targets.PointsError("the target is your own points, but none were drawn or uploaded")
    sample = targets.sample_target(config.target, REAL_POINTS, config.seed, _points_of(config))
    reference = metrics.reference_for(sample)
    batch_size, per_epoch, epochs, snapshot_epochs = schedule(config, len(sample.points))
    generator, discriminator = networks.point_networks(config.latent_dim, config.hidden_layers, config.units, config.seed)
    step = GANStep(
        generator, discriminator,
        make_optimizer("adam", config.g_learning_rate, beta_1=config.beta_1),
        make_optimizer("adam", config.d_learning_rate, beta_1=config.beta_1),
        latent_dim=config.latent_dim, generator_loss=config.generator_loss, label_smoothing=config.label_smoothing,
        seed=config.seed, snapshot=snapshotter(config, sample.points, reference, per_epoch),
    )
    spec = engine.TrainSpec(epochs=epochs, batch_size=batch_size, seed=config.seed, snapshot_epochs=snapshot_epochs, evaluation_samples=512)
    history = engine.fit(step, (sample.points,), None, spec, progress)
    frames = tuple(frame for _, frame in sorted(history.snapshots.items()))
    generator_groups = [i for i, name in enumerate(history.group_names) if name.startswith("generator/")]
    norm = np.sqrt(np.sum(history.gradient_norms[:, generator_groups] ** 2, axis=1))
    return GameRun(config, targets.TARGETS[config.target], reference, sample.points, frames, dataclasses.replace(history, snapshots={}), norm, per_epoch, batch_size)
