"""Variational autoencoders: a latent space you can see and walk, the reparameterisation trick, and β.

One module per part of the page:

- :mod:`.networks`: the settings, the images, the encoder and decoder (Keras to train, numpy to use)
- :mod:`.training`: :func:`train_vae` and :func:`train_autoencoder`, the same networks trained both ways
  through ``VAEStep``, with the latent space snapshotted as it forms (parts 1-3 and 5 use them)
- :mod:`.walk`: the decoded map of the latent plane, a movable point and an interpolation path (part 2)
- :mod:`.sampling`: z ~ N(0, I) decoded by both networks and judged by an independent classifier (part 3)
- :mod:`.beta`: reconstruction against KL, a β-VAE, posterior collapse and a β sweep (part 4)
- :mod:`.reparameterisation`: the gradients that reach μ and σ through z = μ + σ·ε, computed (part 5)
"""

from dlcore.experiments.vae.beta import (
    ACTIVE_KL,
    PRESETS,
    SAMPLES_SHOWN,
    SWEPT_BETAS,
    LossSettings,
    SweepResult,
    active_dimensions,
    beta_sweep,
    ellipse,
    loss_note,
    sample_spread,
    sweep_note,
)
from dlcore.experiments.vae.networks import (
    BETAS,
    DATASETS,
    KNN_NEIGHBOURS,
    LATENT_SIZES,
    Decoder,
    Encoder,
    ImageData,
    ModelConfig,
    TrainingSettings,
    build_networks,
    image_data,
    kl_per_example,
    knn_accuracy,
)
from dlcore.experiments.vae.reparameterisation import GradientCheck, ReparamSettings, gradient_check, reparam_note, reparameterised_sample
from dlcore.experiments.vae.sampling import (
    CONFIDENT,
    STATISTIC_DRAWS,
    JudgeConfig,
    PriorSamples,
    SamplingSettings,
    Verdicts,
    judge_for,
    judged,
    prior_draws,
    prior_samples,
    real_verdicts,
    sampling_note,
)
from dlcore.experiments.vae.training import LatentFrame, TrainedModel, comparison_notes, snapshot_epochs, train, train_autoencoder, train_vae
from dlcore.experiments.vae.walk import (
    GAP_RATIO,
    MODELS,
    SPAN,
    Manifold,
    Path,
    PathSurvey,
    WalkSettings,
    decode_point,
    example_index,
    interpolation,
    manifold,
    survey,
    to_units,
    walk_notes,
)

PAGE = "pages/vae.py"
Config = ModelConfig  # the config of the page's first figure (the benchmark times it)


def first_figure(config: ModelConfig = Config()):
    """The page's first figure: the default VAE trained on the bundled digits, its validation codes in the latent plane."""
    from dlcore.plots import vae as plots

    return plots.trained_scatter(train_vae(config))


__all__ = [
    "walk_notes",
    "survey",
    "PathSurvey",
    "comparison_notes",
    "sampling_note",
    "sweep_note",
    "loss_note",
    "reparam_note",
    "ACTIVE_KL",
    "BETAS",
    "CONFIDENT",
    "DATASETS",
    "GAP_RATIO",
    "KNN_NEIGHBOURS",
    "LATENT_SIZES",
    "MODELS",
    "PAGE",
    "PRESETS",
    "SAMPLES_SHOWN",
    "SPAN",
    "STATISTIC_DRAWS",
    "SWEPT_BETAS",
    "Config",
    "Decoder",
    "Encoder",
    "GradientCheck",
    "ImageData",
    "JudgeConfig",
    "LatentFrame",
    "LossSettings",
    "Manifold",
    "ModelConfig",
    "Path",
    "PriorSamples",
    "ReparamSettings",
    "SamplingSettings",
    "SweepResult",
    "TrainedModel",
    "TrainingSettings",
    "Verdicts",
    "WalkSettings",
    "active_dimensions",
    "beta_sweep",
    "build_networks",
    "decode_point",
    "ellipse",
    "example_index",
    "first_figure",
    "gradient_check",
    "image_data",
    "interpolation",
    "judge_for",
    "judged",
    "kl_per_example",
    "knn_accuracy",
    "manifold",
    "prior_draws",
    "prior_samples",
    "real_verdicts",
    "reparameterised_sample",
    "sample_spread",
    "snapshot_epochs",
    "to_units",
    "train",
    "train_autoencoder",
    "train_vae",
]
