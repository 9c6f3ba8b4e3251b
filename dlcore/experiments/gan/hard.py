"""Part 2, why GANs are hard to train: the classic failures reproduced on 2-D points, measured, and remedied.

Each scenario is a setting of the 2-D game (:mod:`.game`) chosen so that one
failure shows for every seed we test; the remedies are toggles that change
that setting. The page trains the failing setting and, when a remedy is on,
the remedied one with the same seed, and reads every verdict off
:class:`Diagnosis`, numbers measured on the two runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.experiments.gan.game import GameConfig, GameRun, play
from dlcore.limits import Settings, choice, flag, integer

EARLY_UPDATES = 100  # "early in training": the first updates
LATE_SHARE = 0.1  # "late": the last tenth of the updates


@dataclass(frozen=True)
class Scenario:
    label: str
    settings: dict  # GameConfig fields that make the failure show
    symptom: str  # what to look for, in a few words
    remedies: tuple[str, ...]  # the remedies its preset switches on
    notice: str  # the page's "what to notice" line (worded so that it holds for any seed)


LOSS_NOTICE = ("the minimax loss log(1 − D(G(z))) pushes the generator with a force proportional to D(G(z)) (right): when the discriminator "
               "confidently rejects the fakes (D near 0) the push fades, while the non-saturating −log D(G(z)) pushes hardest exactly there. "
               "Arrows in both replays share one scale, so their lengths compare.")
SCENARIOS = {
    "mode_collapse": Scenario("Mode collapse", dict(g_learning_rate=3e-4, d_learning_rate=3e-2), "how many modes the points sit on", ("balanced_rates",),
                              "drag both timelines from the start. With a discriminator 100× faster than the generator, the generator's points travel "
                              "as one blob to whatever the discriminator favours first; the modes nobody visits stay green ('real') on the map."),
    "oscillation": Scenario("Oscillation", dict(g_learning_rate=1e-2, d_learning_rate=1e-3, beta_1=0.9), "D(G(z)) swinging, points that never settle",
                            ("balanced_rates", "beta_half"),
                            "play the failing replay. A generator 10× faster than the discriminator, with heavy momentum (β1 = 0.9), overshoots whatever "
                            "the discriminator has just learned, so D(G(z)) (bottom left) swings instead of settling."),
    "discriminator_wins": Scenario("The discriminator wins", dict(generator_loss="minimax", g_learning_rate=1e-5, d_learning_rate=1e-2, steps=1500),
                                   "‖∇G‖ and the arrows fading away", ("non_saturating",), LOSS_NOTICE),
    "saturating_loss": Scenario("Saturating minimax loss", dict(generator_loss="minimax", g_learning_rate=1e-4, d_learning_rate=3e-3, steps=1500),
                                "‖∇G‖ early in training, minimax vs non-saturating", ("non_saturating",), LOSS_NOTICE),
}
REMEDIES = {
    "non_saturating": "Non-saturating loss",
    "balanced_rates": "Balanced rates",
    "beta_half": "Adam β1 = 0.5",
    "label_smoothing": "Label smoothing",
    "wasserstein": "Wasserstein + penalty",
}
REMEDY_HELP = {
    "non_saturating": "The generator minimises −log D(G(z)) instead of log(1 − D(G(z))) (Goodfellow et al. 2014).",
    "balanced_rates": "The same learning rate, 10⁻³, for both networks.",
    "beta_half": "Less momentum in Adam (β1 = 0.5 instead of 0.9), as in DCGAN.",
    "label_smoothing": "One-sided: the discriminator is trained towards 0.9, not 1, on real points.",
    "wasserstein": "A critic scores points instead of a probability, with the gradient penalty λ(‖∇D‖ − 1)², λ = 10 (Gulrajani et al. 2017).",
}


@dataclass(frozen=True)
class HardConfig(Settings):
    scenario: str = choice("mode_collapse", SCENARIOS)
    non_saturating: bool = flag(False)
    balanced_rates: bool = flag(True)
    beta_half: bool = flag(False)
    label_smoothing: bool = flag(False)
    wasserstein: bool = flag(False)
    seed: int = integer(0, 0, 10_000)

    @property
    def remedies(self) -> tuple[str, ...]:
        return tuple(name for name in REMEDIES if getattr(self, name))


def preset(scenario: str) -> dict:
    """The widget values of a scenario's preset: the scenario and its suggested remedies."""
    return {"scenario": scenario, **{name: name in SCENARIOS[scenario].remedies for name in REMEDIES}}


def problem_settings(config: HardConfig) -> GameConfig:
    return dataclasses.replace(GameConfig(), seed=config.seed, **SCENARIOS[config.scenario].settings)


def remedied_settings(config: HardConfig) -> GameConfig | None:
    """The failing setting with the chosen remedies applied (None when no remedy is on or none changes anything)."""
    base = problem_settings(config)
    changes = {}
    if config.non_saturating and base.generator_loss == "minimax":
        changes["generator_loss"] = "non_saturating"
    if config.balanced_rates:
        changes.update(g_learning_rate=GameConfig().g_learning_rate, d_learning_rate=GameConfig().d_learning_rate)
    if config.beta_half:
        changes["beta_1"] = 0.5
    if config.label_smoothing and not config.wasserstein:
        changes["label_smoothing"] = 0.1
    if config.wasserstein:
        changes["generator_loss"] = "wasserstein"
    remedied = dataclasses.replace(base, **changes)
    return None if remedied == base else remedied


@dataclass(frozen=True)
class Diagnosis:
    """Numbers measured on one run, from which the page's verdicts are written."""

    modes_final: int
    modes_peak: int
    num_modes: int
    high_quality_final: float
    mode_hops: int  # snapshots after which the most crowded mode is a different one
    d_fake_swing: float  # range of D(G(z)) (running mean over 20 updates) in the second half of training
    d_fake_final: float  # mean D(G(z)) over the last tenth of the updates
    g_gradient_early: float  # mean ‖∇G‖ over the first EARLY_UPDATES updates
    g_gradient_late: float  # ... over the last tenth
    pull_late: float  # median length of the per-point pull at the last snapshot
    probability: bool  # False for the Wasserstein critic, whose D(G(z)) is a score, not a probability


def dominant_modes(run: GameRun) -> list[int]:
    """The most crowded mode at each snapshot (-1 while fewer than 5% of the points are on any mode)."""
    return [int(np.argmax(f.mode_counts)) if f.mode_counts.sum() >= 0.05 * len(f.generated) else -1 for f in run.frames]


def diagnose(run: GameRun) -> Diagnosis:
    from dlcore.plots.gan import smoothed

    modes = dominant_modes(run)
    hops = sum(1 for a, b in zip(modes, modes[1:]) if a != b and min(a, b) >= 0)
    d_fake = run.history.steps["d_fake"].to_numpy()
    late = max(1, int(LATE_SHARE * len(d_fake)))
    second_half = smoothed(d_fake[len(d_fake) // 2 :], 20)
    norm = run.generator_gradient_norm
    return Diagnosis(
        modes_final=run.final.modes_covered, modes_peak=int(run.modes_over_time.max()), num_modes=run.final.num_modes,
        high_quality_final=run.final.high_quality_share, mode_hops=hops,
        d_fake_swing=float(second_half.max() - second_half.min()) if len(second_half) else 0.0,
        d_fake_final=float(d_fake[-late:].mean()), g_gradient_early=float(norm[:EARLY_UPDATES].mean()), g_gradient_late=float(norm[-late:].mean()),
        pull_late=float(np.median(np.linalg.norm(run.final.arrows, axis=1))), probability=run.config.generator_loss != "wasserstein",
    )


@dataclass(frozen=True)
class HardResult:
    config: HardConfig
    problem: GameRun
    remedied: GameRun | None
    problem_diagnosis: Diagnosis
    remedied_diagnosis: Diagnosis | None


def hard_lessons(config: HardConfig, progress=None) -> HardResult:
    """Train the failing setting, and the remedied one when a remedy changes it, with the same seed."""
    config.validate()
    settings = [problem_settings(config), remedied_settings(config)]
    runs = [s for s in settings if s is not None]
    trained = [play(s, engine.sweep_progress(progress, index, len(runs), label)) for index, (s, label) in enumerate(zip(runs, ("Failing setting", "With the remedies")))]
    problem, remedied = trained[0], (trained[1] if len(trained) > 1 else None)
    return HardResult(config, problem, remedied, diagnose(problem), diagnose(remedied) if remedied else None)


def saturation_curves(points: int = 201) -> pd.DataFrame:
    """The two generator losses and the size of their gradient with respect to D's logit, as functions of D(G(z)).

    With D = σ(logit): d/dlogit log(1 − D) = −D, and d/dlogit (−log D) = −(1 − D).
    """
    d = np.linspace(0.001, 0.999, points)
    return pd.DataFrame({
        "d_fake": d,
        "minimax_loss": np.log1p(-d),
        "non_saturating_loss": -np.log(d),
        "minimax_gradient": d,
        "non_saturating_gradient": 1.0 - d,
    })


def describe_settings(settings: GameConfig) -> str:
    loss = {"non_saturating": "non-saturating loss", "minimax": "minimax loss", "wasserstein": "Wasserstein loss with gradient penalty"}[settings.generator_loss]
    parts = [loss, f"learning rates G {settings.g_learning_rate:g} / D {settings.d_learning_rate:g}", f"Adam β1 {settings.beta_1:g}"]
    if settings.label_smoothing:
        parts.append(f"real target {1 - settings.label_smoothing:g}")
    return ", ".join(parts) + f", {settings.steps:,} updates on the {settings.target}"


def early_d_fake(result: HardResult) -> list[tuple[str, float]]:
    """(run, mean D(G(z)) over its first EARLY_UPDATES updates) for the runs whose D is a probability."""
    runs = [("failing", result.problem)] + ([("remedied", result.remedied)] if result.remedied else [])
    return [(label, float(run.history.steps["d_fake"].iloc[:EARLY_UPDATES].mean())) for label, run in runs if run.config.generator_loss != "wasserstein"]


def diagnosis_table(result: HardResult) -> pd.DataFrame:
    """The measured numbers side by side, one row per measure."""
    columns = {"failing setting": result.problem_diagnosis}
    if result.remedied_diagnosis is not None:
        columns["with the remedies"] = result.remedied_diagnosis
    rows = [
        ("modes covered at the end", lambda d: f"{d.modes_final} of {d.num_modes}"),
        ("modes covered at best", lambda d: f"{d.modes_peak} of {d.num_modes}"),
        ("high-quality samples at the end", lambda d: f"{d.high_quality_final:.0%}"),
        ("times the most crowded mode changed", lambda d: str(d.mode_hops)),
        ("swing of D(G(z)), second half", lambda d: f"{d.d_fake_swing:.2f}" + ("" if d.probability else " (critic score)")),
        ("D(G(z)) at the end", lambda d: f"{d.d_fake_final:.3f}" + ("" if d.probability else " (critic score)")),
        (f"‖∇G‖, first {EARLY_UPDATES} updates", lambda d: f"{d.g_gradient_early:.3g}"),
        ("‖∇G‖, last tenth", lambda d: f"{d.g_gradient_late:.3g}"),
        ("median arrow (pull per point) at the end", lambda d: f"{d.pull_late:.3g}"),
    ]
    return pd.DataFrame({"measure": [name for name, _ in rows], **{label: [show(d) for _, show in rows] for label, d in columns.items()}})


COLLAPSED_MODES = 3  # a run on at most this many of the ring's 8 modes, with most of its points on the data, has collapsed
ON_THE_DATA = 0.5  # ... "most of its points": at least this share of high-quality samples
OSCILLATING_SWING = 0.3  # D(G(z)) swinging over a wider range than this in the second half keeps no equilibrium
VANISHED = 0.01  # a gradient below this fraction of its early size has vanished


def _times(before: float, after: float) -> str:
    """'12× larger' / '3.4× smaller' for a change from `before` to `after` (both positive)."""
    if before <= 0 or after <= 0:
        return "not comparable"
    ratio = after / before
    return f"{ratio:.3g}× larger" if ratio >= 1 else f"{1 / ratio:.3g}× smaller"


def collapsed(d: Diagnosis) -> bool:
    return d.modes_final <= COLLAPSED_MODES and d.high_quality_final >= ON_THE_DATA


def oscillating(d: Diagnosis) -> bool:
    return d.d_fake_swing >= OSCILLATING_SWING


def vanished(d: Diagnosis) -> bool:
    return d.g_gradient_late <= VANISHED * d.g_gradient_early


def promise_kept(result: HardResult) -> bool:
    """Whether the preset's name holds for this run: the failure shows, and the preset's remedies (when on) measurably undo it."""
    p, r, scenario = result.problem_diagnosis, result.remedied_diagnosis, result.config.scenario
    if scenario == "mode_collapse":
        return collapsed(p) and (r is None or r.modes_final >= 2 * max(p.modes_final, 1))
    if scenario == "oscillation":
        return oscillating(p) and (r is None or (r.d_fake_swing <= p.d_fake_swing / 3 and r.high_quality_final > p.high_quality_final))
    if scenario == "discriminator_wins":
        return p.d_fake_final <= VANISHED and vanished(p) and (r is None or r.g_gradient_late >= 100 * p.g_gradient_late)
    return p.probability and (r is None or r.g_gradient_early >= 3 * p.g_gradient_early)


def verdicts(result: HardResult) -> list[str]:
    """The page's verdicts, each worded from the numbers of the runs on screen (so each is true for them)."""
    p, r, scenario = result.problem_diagnosis, result.remedied_diagnosis, result.config.scenario
    modes = f"{p.modes_final} of the {p.num_modes} modes with {p.high_quality_final:.0%} of its points on the data"
    if scenario == "mode_collapse":
        head = "**Mode collapse:** the failing setting ends on" if collapsed(p) else "**No clean collapse with this seed:** the failing setting ends on"
        lines = [f"{head} {modes}: a fast discriminator pulls the slow generator's whole blob onto the nearest modes, and the low valleys between modes keep it there."]
    elif scenario == "oscillation":
        head = "**Oscillation:**" if oscillating(p) else "**Little oscillation with this seed:**"
        lines = [f"{head} in the second half of training D(G(z)) swung over a range of {p.d_fake_swing:.2f}; the generator ends on {modes}."]
    elif scenario == "discriminator_wins":
        head = "**The discriminator wins:**" if p.d_fake_final <= VANISHED else "**The discriminator leads but does not win outright:**"
        lines = [f"{head} it gives the fakes D(G(z)) = {p.d_fake_final:.3g} at the end. With the minimax loss the generator's gradient went from "
                 f"{p.g_gradient_early:.3g} (first {EARLY_UPDATES} updates) to {p.g_gradient_late:.3g} (last tenth): {_times(p.g_gradient_early, p.g_gradient_late)}."]
    else:
        early = dict(early_d_fake(result)).get("failing", float("nan"))
        lines = [f"**Early in training** (first {EARLY_UPDATES} updates) the discriminator gave the fakes D(G(z)) = {early:.2f} on average; there the "
                 f"minimax loss pushes the generator with a force proportional to {early:.2f}, the non-saturating one with {1 - early:.2f}. "
                 f"Measured ‖∇G‖ with the minimax loss: {p.g_gradient_early:.3g}."]
    if r is None:
        return lines + ["No remedy is on (or none changes this setting): switch one on to train the remedied setting beside it."]
    swing = f", D(G(z)) swing {r.d_fake_swing:.2f} (failing: {p.d_fake_swing:.2f})" + ("" if r.probability else ", a critic score here") if scenario == "oscillation" else ""
    lines.append(f"**With the remedies:** {r.modes_final} of {r.num_modes} modes (failing: {p.modes_final}), {r.high_quality_final:.0%} of the points on the data "
                 f"(failing: {p.high_quality_final:.0%}){swing}.")
    if scenario in ("discriminator_wins", "saturating_loss"):
        lines.append(f"**The generator's gradient with the remedies:** {_times(p.g_gradient_early, r.g_gradient_early)} early in training "
                     f"({r.g_gradient_early:.3g} vs {p.g_gradient_early:.3g}) and {_times(p.g_gradient_late, r.g_gradient_late)} at the end "
                     f"({r.g_gradient_late:.3g} vs {p.g_gradient_late:.3g}).")
    return lines
