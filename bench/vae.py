"""VAE figures: the default training on the bundled digits, and the page's lessons on three seeds at the page's own settings.

- vae_digits: seconds for the default VAE training (tab ①, 100 epochs of the 2-D VAE) and the kNN accuracy
  of its latent codes on validation digits; the same for the autoencoder trained beside it, and the pair
  together (what tab ① trains on a first visit). Target: at most 15 s for the VAE, kNN at least 0.8.
- vae_lessons: for seeds 0, 1, 2 at the page's default settings (the unit tests use smaller ones):
  kNN ≥ 0.8; posterior collapse at β = 4 (mean KL per dimension < 0.05); the judge recognising more
  of the VAE's prior samples than of the autoencoder's at the sampling tab's 8 latent dimensions.
(page_first_figure_s.vae is timed with every page's first figure by bench/pages.py.)
"""

from __future__ import annotations

import dataclasses
import time

from dlcore.experiments import vae as lab

TARGET_S, TARGET_KNN = 15.0, 0.8
SEEDS = (0, 1, 2)


def _timed(function, config):
    started = time.perf_counter()
    result = function(config)
    return result, time.perf_counter() - started


def vae_digits() -> dict:
    config = lab.ModelConfig()
    vae, vae_seconds = _timed(lab.train_vae, config)
    autoencoder, autoencoder_seconds = _timed(lab.train_autoencoder, config)
    return {
        "seconds": round(vae_seconds, 2),
        "knn_accuracy": round(vae.knn_accuracy, 3),
        "autoencoder_seconds": round(autoencoder_seconds, 2),
        "autoencoder_knn_accuracy": round(autoencoder.knn_accuracy, 3),
        "pair_seconds": round(vae_seconds + autoencoder_seconds, 2),
        "updates": vae.history.num_steps,
        "target_s": TARGET_S,
        "target_knn": TARGET_KNN,
        "ratio_to_target": round(vae_seconds / TARGET_S, 2),
    }


def vae_lessons() -> dict:
    judge = lab.judge_for(lab.JudgeConfig())
    held = {"knn_at_least_0.8": [], "collapse_at_beta_4": [], "judge_prefers_vae_samples": []}
    shares = []
    for seed in SEEDS:
        settings = dataclasses.replace(lab.TrainingSettings(), seed=seed)
        held["knn_at_least_0.8"].append(lab.train_vae(lab.ModelConfig.of(settings)).knn_accuracy >= TARGET_KNN)
        collapsed = lab.train_vae(lab.ModelConfig.of(settings, beta=4.0))
        held["collapse_at_beta_4"].append(bool(collapsed.kl_per_dimension.mean() < 0.05))
        sampling = lab.ModelConfig.of(settings, latent_dim=lab.SamplingSettings().latent_dim)
        vae_share, ae_share = (lab.prior_samples(train(sampling), judge, seed).verdicts.confident_share for train in (lab.train_vae, lab.train_autoencoder))
        held["judge_prefers_vae_samples"].append(vae_share > ae_share)
        shares.append([round(vae_share, 3), round(ae_share, 3)])
    lessons = {name: {"seeds": list(SEEDS), "holds": values, "all_hold": all(values)} for name, values in held.items()}
    lessons["judge_prefers_vae_samples"]["recognised_vae_vs_autoencoder"] = shares
    return lessons


def measure() -> dict:
    lab.train_vae(lab.ModelConfig(epochs=2))  # warm-up: TensorFlow loaded, kernels ready
    return {"vae_digits": vae_digits(), "vae_lessons": vae_lessons()}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
