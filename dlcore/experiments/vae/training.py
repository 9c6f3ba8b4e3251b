"""Train one network pair as a VAE or as a plain autoencoder, with the latent space snapshotted as it forms.

:func:`train_vae` and :func:`train_autoencoder` build the same encoder and
decoder (:mod:`.networks`) from the same seed and train them through
:class:`dlcore.generative.VAEStep` on the same batches, once with the KL term
and the noise, once without. The step's snapshot hook encodes a fixed sample
of validation images every few epochs; the engine hands the newest frame to
the page (a live scatter) and keeps them all (the replay).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.experiments.vae.networks import Decoder, Encoder, ModelConfig, build_networks, image_data, kl_per_example, knn_accuracy
from dlcore.generative import VAEStep
from dlcore.optimizers import make_optimizer

MAX_FRAMES = 20  # snapshots of the latent space per training, besides the one before it
FRAME_SAMPLES = 600  # validation images drawn in every snapshot


@dataclass(frozen=True)
class LatentFrame:
    """The codes (first two latent dimensions of μ) of a fixed validation sample after `epoch` epochs."""

    model: str  # "VAE" or "autoencoder"
    epoch: int
    epochs: int
    codes: np.ndarray  # (n, 2)
    labels: np.ndarray  # (n,)
    class_names: tuple[str, ...]


@dataclass(frozen=True)
class TrainedModel:
    """One trained encoder/decoder pair and what the page shows of it, as plain data."""

    config: ModelConfig
    variational: bool
    dataset: str  # the set delivered
    dataset_note: str | None
    class_names: tuple[str, ...]
    image_shape: tuple[int, int]
    history: engine.History
    encoder: Encoder
    decoder: Decoder
    val_images: np.ndarray  # (n, pixels)
    val_labels: np.ndarray
    val_means: np.ndarray  # (n, latent_dim): μ (the code itself for the autoencoder)
    val_log_variances: np.ndarray  # (n, latent_dim): log σ² (meaningless for the autoencoder)
    train_means: np.ndarray
    train_labels: np.ndarray
    knn_accuracy: float  # of the validation codes, by their nearest training codes
    frames: tuple[LatentFrame, ...]

    @property
    def label(self) -> str:
        return "VAE" if self.variational else "autoencoder"

    @property
    def divergence(self) -> str | None:
        return self.history.divergence.message() if self.history.divergence is not None else None

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation of the validation codes along each latent dimension."""
        return self.val_means.std(axis=0)

    @property
    def centre(self) -> np.ndarray:
        return self.val_means.mean(axis=0)

    @property
    def kl_per_dimension(self) -> np.ndarray:
        """Mean KL to the prior of each latent dimension over the validation images (nats); zeros for the autoencoder."""
        if not self.variational:
            return np.zeros(self.config.latent_dim)
        return kl_per_example(self.val_means, self.val_log_variances).mean(axis=0)

    @property
    def final(self) -> dict:
        """The last epoch's validation reconstruction loss and KL (nats per image)."""
        row = self.history.epochs.iloc[-1]
        return {"recon": float(row["val_recon"]), "kl": float(row["val_kl"])}

    def share_within(self, radius: float) -> float:
        """Share of validation codes within `radius` of the origin (first two dimensions)."""
        return float(np.mean(np.linalg.norm(self.val_means[:, :2], axis=1) <= radius))

    def reconstructions(self, count: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """(the first `count` validation images, what the network makes of each through its mean code)."""
        originals = self.val_images[:count]
        return originals, self.decoder(self.val_means[:count])


def snapshot_epochs(epochs: int) -> tuple[int, ...]:
    """Before training, then about every epochs/MAX_FRAMES epochs, and the last one."""
    every = max(1, math.ceil(epochs / MAX_FRAMES))
    return tuple(sorted({0, *range(every, epochs + 1, every), epochs}))


def train(config: ModelConfig, variational: bool, progress=None) -> TrainedModel:
    """Train the page's encoder and decoder as a VAE (``variational``) or as an autoencoder."""
    config.validate()
    data = image_data(config.dataset)
    encoder, decoder = build_networks(config, data.x_train.shape[1])
    label = "VAE" if variational else "autoencoder"
    sample = np.random.default_rng(1).permutation(len(data.x_val))[:FRAME_SAMPLES]
    x_sample, y_sample = data.x_val[sample], data.y_val[sample]

    def frame(step) -> LatentFrame:
        means = step.encoder(x_sample, training=False)[0].numpy()
        return LatentFrame(label, -1, config.epochs, means[:, :2].astype(np.float32), y_sample, data.class_names)

    step = VAEStep(encoder, decoder, make_optimizer("adam", config.learning_rate), beta=config.beta, variational=variational, seed=config.seed, snapshot=frame)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, snapshot_epochs=snapshot_epochs(config.epochs))

    def report(info):  # each frame learns its epoch number here (the hook does not know it)
        if progress is None:
            return None
        if info.snapshot is not None:
            info = dataclasses.replace(info, label=f"Training the {label}", snapshot=(info.snapshot[0], dataclasses.replace(info.snapshot[1], epoch=info.snapshot[0])))
        return progress(dataclasses.replace(info, label=f"Training the {label}"))

    history = engine.fit(step, (data.x_train,), (data.x_val,), spec, report)
    numpy_encoder, numpy_decoder = Encoder.from_keras(encoder), Decoder.from_keras(decoder)
    val_means, val_log_variances = numpy_encoder(data.x_val)
    train_means = numpy_encoder(data.x_train)[0]
    if not variational:
        val_log_variances = np.full_like(val_means, -np.inf)  # no noise: σ = 0
    frames = tuple(dataclasses.replace(history.snapshots[epoch], epoch=epoch) for epoch in sorted(history.snapshots))
    return TrainedModel(
        config=config,
        variational=variational,
        dataset=data.name,
        dataset_note=data.note,
        class_names=data.class_names,
        image_shape=data.image_shape,
        history=history,
        encoder=numpy_encoder,
        decoder=numpy_decoder,
        val_images=data.x_val,
        val_labels=data.y_val,
        val_means=val_means,
        val_log_variances=val_log_variances,
        train_means=train_means,
        train_labels=data.y_train,
        knn_accuracy=knn_accuracy(train_means, data.y_train, val_means, data.y_val),
        frames=frames,
    )


def train_vae(config: ModelConfig, progress=None) -> TrainedModel:
    """The encoder and decoder trained as a VAE: z = μ + σ·ε, loss = reconstruction + β·KL."""
    return train(config, True, progress)


def train_autoencoder(config: ModelConfig, progress=None) -> TrainedModel:
    """The same encoder and decoder trained as a plain autoencoder: z = μ, loss = reconstruction (β plays no part)."""
    return train(dataclasses.replace(config, beta=1.0), False, progress)


def comparison_notes(vae: TrainedModel, autoencoder: TrainedModel) -> tuple[str, str]:
    """(what the two latent spaces show, what the reconstructions show), from the numbers of this run."""
    ratio = float(np.mean(autoencoder.spread[:2]) / max(1e-12, float(np.mean(vae.spread[:2]))))
    spaces = (
        f"the autoencoder's codes spread {ratio:.1f}× as wide as the VAE's, around a centre {np.linalg.norm(autoencoder.centre[:2]):.1f} units from the origin "
        f"(the VAE's: {np.linalg.norm(vae.centre[:2]):.2f}); {vae.share_within(2.0):.0%} of the VAE's codes lie inside the prior's 2σ circle and {autoencoder.share_within(2.0):.0%} "
        f"of the autoencoder's. A nearest-neighbour vote on the codes names the class of {autoencoder.knn_accuracy:.0%} (autoencoder) and {vae.knn_accuracy:.0%} (VAE) of validation images."
    )
    ae_recon, vae_recon = autoencoder.final["recon"], vae.final["recon"]
    if ae_recon < vae_recon:
        rebuilt = f"the autoencoder rebuilds more faithfully (validation reconstruction loss {ae_recon:.1f} vs {vae_recon:.1f} nats per image): the VAE pays for its tidy code space with blurrier copies."
    else:
        rebuilt = f"here the VAE rebuilds as faithfully as the autoencoder or better (validation reconstruction loss {vae_recon:.1f} vs {ae_recon:.1f} nats per image)."
    return spaces, rebuilt
