"""The VAE page's lessons, each asserted through the page's own experiment functions.

- the 2-D VAE latent of the default run keeps the classes apart (kNN accuracy ≥ 0.8) while sitting on the prior;
  the autoencoder's codes spread far wider, off-centre;
- every β preset does what its name promises (posterior collapse at β = 4: mean KL per dimension < 0.05);
- the independent judge recognises the VAE's prior samples more often than the autoencoder's, on 3 seeds;
- the captions quote the run's own numbers.
"""

import dataclasses

import numpy as np
import pytest

from dlcore.experiments import vae as lab

DEFAULT = lab.ModelConfig.of(lab.TrainingSettings())  # what tab ① trains on a first visit


@pytest.fixture(scope="module")
def default_pair():
    return lab.train_vae(DEFAULT), lab.train_autoencoder(DEFAULT)


def test_the_default_vae_latent_keeps_the_digits_apart_and_sits_on_the_prior(default_pair):
    vae, autoencoder = default_pair
    assert vae.dataset == "digits" and vae.config.latent_dim == 2
    print(f"kNN accuracy of the 2-D codes: VAE {vae.knn_accuracy:.3f}, autoencoder {autoencoder.knn_accuracy:.3f}")
    assert vae.knn_accuracy >= 0.8
    assert np.linalg.norm(vae.centre) < 0.3 and np.all(np.abs(vae.spread - 1) < 0.25)  # packed and centred, like N(0, I)
    assert vae.share_within(2.0) > 0.8
    # the same networks without the KL term: a wider space of their own, off-centre
    assert np.mean(autoencoder.spread) > 2.5 * np.mean(vae.spread)
    assert autoencoder.share_within(2.0) < vae.share_within(2.0) - 0.3
    spaces, rebuilt = lab.comparison_notes(vae, autoencoder)
    assert f"{vae.knn_accuracy:.0%}" in spaces and f"{vae.share_within(2.0):.0%}" in spaces
    assert autoencoder.final["recon"] < vae.final["recon"] and rebuilt.startswith("the autoencoder rebuilds more faithfully")


def test_the_default_walk_quotes_its_own_measures(default_pair):
    vae, autoencoder = default_pair
    walk = lab.WalkSettings()
    start, end = (lab.example_index(vae, c, walk.example) for c in (walk.start_class, walk.end_class))
    paths = {"vae": lab.interpolation(vae, start, end, walk.steps), "autoencoder": lab.interpolation(autoencoder, start, end, walk.steps)}
    overall = lab.survey(vae, autoencoder, walk.steps)
    this_path, everywhere = lab.walk_notes(paths, overall, walk.steps)
    print(this_path, everywhere, sep="\n")
    assert f"{paths['autoencoder'].share_in_gaps:.0%} of the autoencoder's path" in this_path
    assert f"for {overall.vae_more_even} of {overall.pairs} pairs" in everywhere
    # the default path is chosen to show the textbook picture; the survey caption reports whatever all pairs show
    assert paths["autoencoder"].share_in_gaps > paths["vae"].share_in_gaps
    assert paths["vae"].largest_jump_share < paths["autoencoder"].largest_jump_share and "the VAE's images change more evenly" in this_path


@pytest.mark.parametrize("name", list(lab.PRESETS))
def test_each_beta_preset_keeps_its_promise(name, default_pair):
    promise, values = lab.PRESETS[name]
    loss = dataclasses.replace(lab.LossSettings(), **values)
    trained = default_pair[0] if loss.beta == 1.0 else lab.train_vae(lab.ModelConfig.of(lab.TrainingSettings(), latent_dim=loss.latent_dim, beta=loss.beta))
    note = lab.loss_note(trained)
    print(name, trained.kl_per_dimension, trained.spread, note)
    if loss.beta == 4.0:  # posterior collapse
        assert np.all(trained.kl_per_dimension < lab.ACTIVE_KL) and trained.kl_per_dimension.mean() < 0.05
        assert lab.active_dimensions(trained) == 0 and "posterior collapse" in note
        assert lab.sample_spread(trained) < 0.01  # every sample is nearly the same image
    elif loss.beta == 0.1:  # autoencoder-like
        standard = default_pair[0]
        assert np.all(trained.spread > 1.0) and trained.final["kl"] > standard.final["kl"]
        assert trained.final["recon"] < standard.final["recon"]
    else:  # the VAE: the loss it trains is the negative ELBO
        steps = trained.history.steps
        np.testing.assert_allclose(steps["loss"], steps["recon"] + steps["kl"], rtol=1e-5)
        assert lab.active_dimensions(trained) == 2 and "2 of 2 latent dimensions" in note


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_judge_recognises_vae_samples_more_often_than_autoencoder_samples(seed):
    """The sampling tab's default latent size (8), with fewer epochs than the page (25 instead of 100; bench/vae.py checks 100)."""
    config = lab.ModelConfig.of(dataclasses.replace(lab.TrainingSettings(), epochs=25, seed=seed), latent_dim=lab.SamplingSettings().latent_dim)
    vae, autoencoder = lab.train_vae(config), lab.train_autoencoder(config)
    judge = lab.judge_for(lab.JudgeConfig())
    samples = {model.label: lab.prior_samples(model, judge, draw=seed) for model in (vae, autoencoder)}
    vae_share, ae_share = samples["VAE"].verdicts.confident_share, samples["autoencoder"].verdicts.confident_share
    print(f"seed {seed}: recognised VAE {vae_share:.3f}, autoencoder {ae_share:.3f}")
    assert vae_share > ae_share  # the lesson; the margin grows with training (bench/vae.py, 100 epochs)
    assert vae_share > 0.85 and samples["VAE"].verdicts.classes_covered == 10
    note = lab.sampling_note(samples, {"VAE": vae, "autoencoder": autoencoder})
    assert f"{vae_share:.0%} of the VAE's samples and {ae_share:.0%} of the autoencoder's (more for the VAE)" in note
