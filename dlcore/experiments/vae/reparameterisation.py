"""Part 5, the reparameterisation trick, computed on the trained VAE's own decoder.

For one validation image the encoder gives μ and σ. Its reconstruction loss
is averaged over draws of z ~ N(μ, σ²), and training needs the gradient of
that average with respect to μ and σ. Everything below is computed by
``tf.GradientTape`` (in float64, on the trained decoder's weights):

- reparameterised: z = μ + σ·ε with ε ~ N(0, I) drawn first; the tape finds
  ∂z/∂μ = 1 and ∂z/∂σ = ε, so ∂L/∂μ = ∂L/∂z and ∂L/∂σ = ∂L/∂z·ε;
- sampled directly: z comes out of a random-number generator handed μ and σ
  (a black box, as a sampler is); the tape finds no path back, so the gradient is None;
- checks: central finite differences of the same average (same ε) agree with
  the tape, and the score-function estimator L·∂log p(z)/∂μ (which needs no
  path through z) aims at the same value, with a far wider spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore.experiments.vae.training import TrainedModel
from dlcore.limits import Settings, integer

DRAW_COUNTS = (10, 100, 1000, 10000)
FINITE_DIFFERENCE_STEP = 1e-7  # small enough that hardly any ReLU flips between the two sides, in float64


@dataclass(frozen=True)
class ReparamSettings(Settings):
    image: int = integer(0, 0, 99)  # which validation image
    draws: int = integer(1000, options=DRAW_COUNTS)
    seed: int = integer(0, 0, 10_000)  # which draws of ε


@dataclass(frozen=True)
class GradientCheck:
    index: int  # which validation image
    image: np.ndarray  # (pixels,)
    label: str
    mean: np.ndarray  # μ (latent_dim,)
    sigma: np.ndarray  # σ
    epsilon: np.ndarray  # (draws, latent_dim)
    z: np.ndarray  # μ + σ·ε
    recon: np.ndarray  # (draws,) reconstruction loss of each draw (nats)
    dz: np.ndarray  # (draws, latent_dim) ∂recon/∂z of each draw
    reparam_mu: np.ndarray  # the tape's ∂(mean recon)/∂μ through z = μ + σ·ε
    reparam_sigma: np.ndarray
    kl_mu: np.ndarray  # the tape's ∂KL/∂μ and ∂KL/∂σ of the closed-form KL term
    kl_sigma: np.ndarray
    direct_mu: np.ndarray | None  # what the tape returns when z is sampled directly: None (no path)
    direct_sigma: np.ndarray | None
    library_sampler_has_gradient: bool  # tf.random.normal(mean=μ, stddev=σ) is μ + σ·ε inside, so it passes a gradient
    finite_mu: np.ndarray  # central differences of the mean recon over the same ε
    finite_sigma: np.ndarray
    score_mu: np.ndarray  # (draws, latent_dim) score-function estimates, one per draw
    score_sigma: np.ndarray

    @property
    def per_draw_mu(self) -> np.ndarray:
        """Reparameterised estimates, one per draw: ∂L/∂z."""
        return self.dz

    @property
    def per_draw_sigma(self) -> np.ndarray:
        return self.dz * self.epsilon

    @property
    def largest_finite_difference_gap(self) -> float:
        tape = np.concatenate([self.reparam_mu, self.reparam_sigma])
        finite = np.concatenate([self.finite_mu, self.finite_sigma])
        return float(np.max(np.abs(tape - finite)))

    @property
    def spread_ratio(self) -> float:
        """How many times wider the score-function estimates of ∂L/∂μ₁ spread than the reparameterised ones."""
        reparam = float(np.std(self.per_draw_mu[:, 0]))
        return float(np.std(self.score_mu[:, 0]) / reparam) if reparam > 0 else float("inf")


def _decoder_logits(tf, trained: TrainedModel, z):
    hidden = z
    for kernel, bias in trained.decoder.hidden:
        hidden = tf.nn.relu(hidden @ tf.constant(kernel, tf.float64) + tf.constant(bias, tf.float64))
    kernel, bias = trained.decoder.output
    return hidden @ tf.constant(kernel, tf.float64) + tf.constant(bias, tf.float64)


def _recon(tf, trained: TrainedModel, image, z):
    """Reconstruction loss (nats, summed over pixels) of `image` from each row of z, as VAEStep computes it."""
    logits = _decoder_logits(tf, trained, z)
    targets = tf.broadcast_to(tf.constant(image, tf.float64), tf.shape(logits))
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), axis=1)


def gradient_check(trained: TrainedModel, settings: ReparamSettings) -> GradientCheck:
    """Every gradient of the tab, computed for one validation image of a trained VAE."""
    from dlcore.device import tf

    settings.validate()
    if not trained.variational:
        raise ValueError("the reparameterisation trick needs the VAE (the autoencoder has no σ)")
    index = settings.image % len(trained.val_images)
    image = trained.val_images[index].astype(np.float64)
    mean = trained.val_means[index].astype(np.float64)
    sigma = np.exp(0.5 * trained.val_log_variances[index].astype(np.float64))
    rng = np.random.default_rng(settings.seed)
    epsilon = rng.normal(size=(settings.draws, len(mean)))
    mu_t, sigma_t, epsilon_t = tf.constant(mean), tf.constant(sigma), tf.constant(epsilon)

    with tf.GradientTape(persistent=True) as tape:
        tape.watch([mu_t, sigma_t])
        z = mu_t + sigma_t * epsilon_t
        recon = _recon(tf, trained, image, z)
        total, average = tf.reduce_sum(recon), tf.reduce_mean(recon)
        kl = -0.5 * tf.reduce_sum(1.0 + tf.math.log(tf.square(sigma_t)) - tf.square(mu_t) - tf.square(sigma_t))
        direct_z = tf.numpy_function(lambda m, s: rng.normal(m, s, size=(settings.draws, len(mean))), [mu_t, sigma_t], tf.float64, stateful=True)
        direct = tf.reduce_mean(_recon(tf, trained, image, direct_z))
        library_z = tf.random.normal([settings.draws, len(mean)], mean=mu_t, stddev=sigma_t, dtype=tf.float64, seed=settings.seed)
        library = tf.reduce_mean(_recon(tf, trained, image, library_z))
    dz = tape.gradient(total, z).numpy()
    reparam_mu, reparam_sigma = (g.numpy() for g in tape.gradient(average, [mu_t, sigma_t]))
    kl_mu, kl_sigma = (g.numpy() for g in tape.gradient(kl, [mu_t, sigma_t]))
    direct_mu, direct_sigma = tape.gradient(direct, [mu_t, sigma_t])
    library_mu = tape.gradient(library, mu_t)
    del tape

    def averaged(mu, sd) -> float:
        return float(tf.reduce_mean(_recon(tf, trained, image, tf.constant(mu + sd * epsilon))))

    h, unit = FINITE_DIFFERENCE_STEP, np.eye(len(mean))
    finite_mu = np.array([(averaged(mean + h * e, sigma) - averaged(mean - h * e, sigma)) / (2 * h) for e in unit])
    finite_sigma = np.array([(averaged(mean, sigma + h * e) - averaged(mean, sigma - h * e)) / (2 * h) for e in unit])
    losses = recon.numpy()[:, None]
    # ∂log N(z; μ, σ²)/∂μ = (z − μ)/σ² = ε/σ and ∂/∂σ = ((z − μ)² − σ²)/σ³ = (ε² − 1)/σ
    score_mu, score_sigma = losses * epsilon / sigma, losses * (epsilon**2 - 1.0) / sigma
    return GradientCheck(
        index=index,
        image=image,
        label=trained.class_names[trained.val_labels[index]],
        mean=mean,
        sigma=sigma,
        epsilon=epsilon,
        z=z.numpy(),
        recon=recon.numpy(),
        dz=dz,
        reparam_mu=reparam_mu,
        reparam_sigma=reparam_sigma,
        kl_mu=kl_mu,
        kl_sigma=kl_sigma,
        direct_mu=None if direct_mu is None else direct_mu.numpy(),
        direct_sigma=None if direct_sigma is None else direct_sigma.numpy(),
        library_sampler_has_gradient=library_mu is not None,
        finite_mu=finite_mu,
        finite_sigma=finite_sigma,
        score_mu=score_mu,
        score_sigma=score_sigma,
    )


def reparam_note(check: GradientCheck) -> str:
    library = "also passes a gradient: it computes μ + σ·ε inside" if check.library_sampler_has_gradient else "passes no gradient"
    direct = "None" if check.direct_mu is None else "a number (unexpected)"
    return (
        f"with the trick the tape's gradient matches finite differences to {check.largest_finite_difference_gap:.0e}; sampled directly the tape returns {direct}. "
        f"Without a path through z the way left is the score-function estimator, which aims at the same value but spreads {check.spread_ratio:.0f}× as wide per draw, "
        f"so it needs far more draws. TensorFlow's own tf.random.normal(mean=μ, stddev=σ) {library}. The KL term needs no trick: its gradient is exact, "
        f"∂KL/∂μ₁ = μ₁ = {check.kl_mu[0]:.3f} and ∂KL/∂σ₁ = σ₁ − 1/σ₁ = {check.kl_sigma[0]:.3f}."
    )


def reparameterised_sample(mean: np.ndarray, sigma: np.ndarray, count: int, seed: int) -> np.ndarray:
    """z = μ + σ·ε for `count` draws of ε ~ N(0, I): what VAEStep does, in numpy."""
    epsilon = np.random.default_rng(seed).normal(size=(count, len(mean)))
    return np.asarray(mean) + np.asarray(sigma) * epsilon
