"""Part 4, the loss: reconstruction against KL, weighted by β (a β-VAE), and what each β does to the codes.

The VAE minimises reconstruction + β·KL. At β = 1 that is the negative ELBO,
a bound on −log p(x). A small β lets the encoder spread its codes and shrink
its noise (an autoencoder in all but name); a large β makes every code cost
more than it saves in reconstruction, so the encoder gives every image the
prior itself (KL → 0 in every dimension: posterior collapse) and the decoder
draws one average image whatever z is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.experiments.vae.networks import BETAS, LATENT_SIZES, ModelConfig
from dlcore.experiments.vae.training import TrainedModel, train_vae
from dlcore.limits import Settings, flag, integer, number

ACTIVE_KL = 0.05  # nats: a latent dimension carrying less than this KL on average says nothing about its image
SWEPT_BETAS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
SAMPLES_SHOWN = 16


@dataclass(frozen=True)
class LossSettings(Settings):
    beta: float = number(1.0, options=BETAS)
    latent_dim: int = integer(2, options=LATENT_SIZES)
    image: int = integer(0, 0, 99)  # which validation image's encoding is drawn as an ellipse
    sweep: bool = flag(False)  # also train one VAE per β in SWEPT_BETAS


# label -> (what its name promises, the settings it applies); tests/test_vae_lessons.py checks each promise
PRESETS = {
    "Autoencoder-like (β = 0.1)": ("codes spread wider than the prior and carry more KL than at β = 1", dict(beta=0.1)),
    "The VAE (β = 1)": ("the negative ELBO: reconstruction + KL", dict(beta=1.0)),
    "Posterior collapse (β = 4)": ("every latent dimension's KL falls below 0.05 nats: the codes say nothing", dict(beta=4.0)),
}


def active_dimensions(trained: TrainedModel) -> int:
    return int(np.sum(trained.kl_per_dimension >= ACTIVE_KL))


def ellipse(trained: TrainedModel, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(μ, σ) of one validation image's encoding along z₁ and z₂."""
    index = int(index) % len(trained.val_means)
    return trained.val_means[index, :2], np.exp(0.5 * trained.val_log_variances[index, :2])


def sample_spread(trained: TrainedModel, count: int = 200, draw: int = 0) -> float:
    """Mean over pixels of the standard deviation across decoded prior samples: near 0 when every sample is the same image."""
    codes = np.random.default_rng([draw, trained.config.latent_dim]).normal(size=(count, trained.config.latent_dim))
    return float(trained.decoder(codes).std(axis=0).mean())


def loss_note(trained: TrainedModel) -> str:
    active, beta = active_dimensions(trained), trained.config.beta
    text = (
        f"at β = {beta:g} the VAE ends at reconstruction {trained.final['recon']:.1f} + KL {trained.final['kl']:.2f} nats per image (validation); "
        f"{active} of {trained.config.latent_dim} latent dimensions carry at least {ACTIVE_KL:g} nats. "
    )
    if active == 0:
        return text + f"None is used: the encoder hands every image the prior itself (posterior collapse), and the decoder draws nearly one image whatever z is (pixel spread across samples {sample_spread(trained):.3f})."
    if active < trained.config.latent_dim:
        return text + "The unused ones sit at the prior and the decoder ignores them: the VAE keeps only the dimensions worth their KL. Raise β and more switch off."
    return text + "Raise β and watch the KL fall and the dimensions switch off one by one; lower it and the codes spread out like an autoencoder's."


def sweep_note(table: pd.DataFrame) -> str:
    """What the β sweep shows (rows in increasing β), from its numbers."""
    best = table.loc[table["recon"].idxmin()]
    rising = bool(np.all(np.diff(table["recon"].to_numpy()) >= 0)) and bool(np.all(np.diff(table["kl"].to_numpy()) <= 0))
    text = f"the lowest reconstruction loss is at β = {best['beta']:g} ({best['recon']:.1f} nats)"
    text += "; each larger β buys a smaller KL with a larger reconstruction loss" if rising else "; the trade is not monotone in this run (one seed, finite training)"
    collapsed = table["beta"][table["active_dimensions"] == 0]
    return text + (f"; from β = {collapsed.min():g} no dimension is used (posterior collapse)." if len(collapsed) else ".")


@dataclass(frozen=True)
class SweepResult:
    config: ModelConfig  # β is not used: every β of SWEPT_BETAS is trained
    table: pd.DataFrame  # beta, recon, kl, active_dimensions, knn_accuracy, sample_spread
    divergences: tuple[str, ...]


def beta_sweep(config: ModelConfig, progress=None) -> SweepResult:
    """One VAE per β in SWEPT_BETAS, same seed and data: where each lands between reconstruction and KL."""
    config = dataclasses.replace(config, beta=1.0).validate()
    rows, divergences = [], []
    for index, beta in enumerate(SWEPT_BETAS):
        report = engine.sweep_progress(progress, index, len(SWEPT_BETAS), f"Training the VAE with β = {beta:g} ({index + 1} of {len(SWEPT_BETAS)})")
        trained = train_vae(dataclasses.replace(config, beta=beta), report)
        rows.append(dict(beta=beta, **trained.final, active_dimensions=active_dimensions(trained), knn_accuracy=trained.knn_accuracy, sample_spread=sample_spread(trained)))
        if trained.divergence:
            divergences.append(f"β = {beta:g}: {trained.divergence}")
    return SweepResult(config, pd.DataFrame(rows), tuple(divergences))


__all__ = ["ACTIVE_KL", "LATENT_SIZES", "PRESETS", "SAMPLES_SHOWN", "SWEPT_BETAS", "LossSettings", "SweepResult", "active_dimensions", "beta_sweep", "ellipse", "sample_spread"]
