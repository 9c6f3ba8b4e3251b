"""python -m bench [--json] [--only NAME ...]: the project's speed and memory figures."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest in bare mode warns on every rerun

SECTIONS = ("engine", "fused", "pages", "cnn", "resnet", "rnn", "vae", "gan", "memory", "sessions", "cold_start")
CONCEPTS = ("cnn", "resnet", "rnn", "vae", "gan")  # bench/<concept>.py: measure() -> the figures its issue names


def run(sections) -> dict:
    from dlcore.device import describe_device

    device = describe_device()
    results = {"device": device.label, "tensorflow": device.tensorflow_version}
    if "engine" in sections:
        from bench import engine_vs_fit

        results["engine_vs_fit"] = engine_vs_fit.measure()
    if "fused" in sections:
        from bench import fused_update

        results["fused_update_speedup"] = fused_update.measure()
    if "pages" in sections:
        from bench import pages

        results.update(pages.measure())
    for concept in CONCEPTS:
        if concept in sections and (ROOT / "bench" / f"{concept}.py").is_file():  # a page not built yet has no bench
            results.update(importlib.import_module(f"bench.{concept}").measure())
    if "memory" in sections:
        from bench import memory

        results["memory"] = memory.measure()
    if "sessions" in sections:
        from bench import sessions

        results["sessions"] = sessions.measure()
    if "cold_start" in sections:
        from bench import cold_start

        results["cold_start"] = cold_start.measure()
    return results


PRINTED = {"device", "tensorflow", "engine_vs_fit", "fused_update_speedup", "page_first_figure_s", "capacity_sweep_s", "memory", "sessions", "cold_start"}


def print_concept_figures(results: dict) -> None:
    """The architecture pages' own figures (bench/<concept>.py), one line each."""
    for name, figure in results.items():
        if name in PRINTED:
            continue
        if isinstance(figure, dict):
            shown = "   ".join(f"{key} {value}" for key, value in figure.items())
        else:
            shown = str(figure)
        print(f"{name:<24}{shown}")


def print_table(results: dict) -> None:
    print(f"device: {results['device']} · TensorFlow {results['tensorflow']}")
    print_concept_figures(results)
    if "engine_vs_fit" in results:
        e = results["engine_vs_fit"]
        print(f"engine_speedup_vs_fit   {e['engine_speedup_vs_fit']:>8}x   (MLP) target {e['target']}")
        for model in ("mlp", "cnn", "lstm"):
            m = e[model]
            print(f"  engine_vs_fit.{model:<5} {m['speedup']:>8}x   steady state: engine {m['engine_steps_per_s']} vs model.fit {m['fit_steps_per_s']} steps/s; "
                  f"end to end {m['engine_total_s']} s vs {m['fit_total_s']} s for {m['steps']} steps = {m['end_to_end_speedup']}x")
            if "speedup_same_evaluation" in m:
                print(f"    same evaluation     {m['speedup_same_evaluation']:>8}x   vs model.fit that also evaluates the training set every epoch "
                      f"({m['fit_evaluating_steps_per_s']} steps/s), as the engine does")
    if "fused_update_speedup" in results:
        f = results["fused_update_speedup"]
        for name in ("adam", "sgd"):
            r = f[name]
            print(f"fused_update_speedup.{name:<4} {r['speedup']:>5}x   fused {r['fused_ms_per_epoch']} vs Keras update_step {r['keras_ms_per_epoch']} ms/epoch; "
                  f"kept in the app: {r['kept_in_app']} (keep at >= {f['keep_at']})")
    for name, figure in results.get("page_first_figure_s", {}).items():
        print(f"page_first_figure_s     {figure['seconds']:>8} s   {name:<18} target {figure['target_s']} s (ratio {figure['ratio_to_target']})")
    if "capacity_sweep_s" in results:
        c = results["capacity_sweep_s"]
        print(f"capacity_sweep_s        {c['seconds']:>8} s   target {c['target_s']} s (ratio {c['ratio_to_target']})")
    if "memory" in results:
        m = results["memory"]
        print(f"rerun_rss_growth_mb     {m['rerun_rss_growth_mb']:>8} MB  {m['rss_after_warmup_mb']} -> {m['rss_after_reruns_mb']} MB over {m['reruns']} reruns; target <= {m['target_mb']} MB")
    if "sessions" in results:
        churn, four, memory = (results["sessions"][name] for name in ("churn", "four_sessions", "memory"))
        print(f"churn_slowdown          {churn['churn_slowdown']:>8}x   {churn['under_churn_s']} s under {churn['reruns_per_s']} reruns/s vs {churn['alone_s']} s alone; target {churn['target']} (browsers at idle priority)")
        raw = results["sessions"]["churn_browsers_on_server_cores"]
        print(f"  browsers on the same cores {raw['churn_slowdown']:>5}x   {raw['under_churn_s']} s under {raw['reruns_per_s']} reruns/s vs {raw['alone_s']} s alone")
        print(f"four_sessions           {four['ratio']:>8}x   {four['concurrent_s']} s at once vs {four['sequential_s']} s in sequence; identical pair trained once: "
              f"{four['identical_pair_trained_once']}; results equal solo runs: {four['results_equal_solo_runs']}")
        print(f"memory_plateau_mb       {memory['memory_plateau_mb']:>8} MB  {memory['rss_mb_at_half']} -> {memory['rss_mb_at_end']} MB from {memory['trainings'] // 2} to {memory['trainings']} trainings; target <= {memory['target_mb']} MB")
    if "cold_start" in results:
        c = results["cold_start"]
        print(f"cold_start_s            {c['cold_start_s']:>8} s   server ready after {c['server_ready_s']} s; target <= {c['target_s']} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS, help="run only these sections")
    arguments = parser.parse_args()
    results = run(arguments.only)
    if arguments.json:
        print(json.dumps(results))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
