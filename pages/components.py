"""The one shared set of UI pieces every page uses (no page copies controls or layout).

Not a page itself: ``app.py`` lists pages from ``pages/catalog.py``.
"""

from __future__ import annotations

import time

import streamlit as st

from dlcore import limits
from dlcore.choices import ACTIVATION_LABELS, CLIPPING_LABELS, INITIALIZER_LABELS, OPTIMIZER_LABELS
from dlcore.runner import Runner, experiment_key
from pages.navigation import ensure_app_navigation
from pages.settings import (  # noqa: F401 (pages use these as ui.control, ui.shared_config ...)
    GROUPS,
    STORE,
    _format,
    apply_preset,
    config_from_state,
    control,
    init_state,
    lab_tabs,
    share_in_url,
    shared_config,
)


@st.cache_resource
def training_runner() -> Runner:
    """The server's worker processes, result cache and queue (one per server process, shared by every session)."""
    caps = limits.current()
    return Runner(caps.concurrent_trainings, caps.cached_results)


def lab_header(title: str, intro: str) -> None:
    ensure_app_navigation()
    st.title(title)
    st.markdown(intro)


def notice(text: str) -> None:
    """The 'what to notice' line under a figure (full-contrast text: captions are too pale on a projector)."""
    st.markdown(f"👀 **What to notice:** {text}")


def chart(figure, key: str | None = None) -> None:
    st.plotly_chart(figure, width="stretch", key=key, config={"displaylogo": False})


def device_badge() -> None:
    import sys

    if "tensorflow" not in sys.modules:  # the first visit to a fresh server: say why the page is slow to appear
        with st.spinner("Starting TensorFlow for the first visit (about ten seconds)…"):
            from dlcore.device import describe_device
    from dlcore.device import describe_device, keep_reruns_light

    info = describe_device()  # imports Keras
    keep_reruns_light()  # once per server process: Streamlit's after-run Keras reset without its full garbage collection
    icon = "⚡" if info.kind == "GPU" else "🖥️"
    st.sidebar.markdown(f"{icon} **{info.label}**  \nTensorFlow {info.tensorflow_version} · Keras {info.keras_version}")
    if limits.is_hosted():
        st.sidebar.caption("Hosted mode: smaller caps on epochs and model size.")


# ---- shared control groups ----


def network_controls(prefix: str, config_class, batch_norm: bool = True) -> None:
    control(prefix, config_class, "num_hidden_layers", "Hidden layers (depth)")
    control(prefix, config_class, "units", "Units per hidden layer (width)")
    control(prefix, config_class, "activation", "Activation", format_func=ACTIVATION_LABELS.get)
    control(prefix, config_class, "initializer", "Weight initialisation", format_func=INITIALIZER_LABELS.get)
    if batch_norm:
        control(prefix, config_class, "batch_norm", "Batch normalisation")


def optimizer_controls(prefix: str, config_class, clipping: bool = True) -> None:
    control(prefix, config_class, "optimizer", "Optimizer", format_func=OPTIMIZER_LABELS.get)
    control(prefix, config_class, "learning_rate", "Learning rate")
    if clipping:
        control(prefix, config_class, "clipping", "Gradient clipping", widget="radio", format_func=CLIPPING_LABELS.get)
        control(prefix, config_class, "clip_threshold", "Clipping threshold")


def batch_size_label(value: int) -> str:
    return "all (batch GD)" if value == 0 else ("1 (stochastic)" if value == 1 else str(value))


def training_controls(prefix: str, config_class) -> None:
    control(prefix, config_class, "dataset", "Data set")
    control(prefix, config_class, "epochs", "Epochs")
    control(prefix, config_class, "batch_size", "Batch size", format_func=batch_size_label)
    control(prefix, config_class, "seed", "Seed", widget="number")


# ---- data that must be downloaded first ----


def fetch_data(dataset: str) -> None:
    """Download an image set before training (outside the training slot), with a progress bar and a one-line result.

    Bundled and already-cached sets return at once. A slow or hanging network
    costs this session at most images.DOWNLOAD_TIMEOUT_S seconds and never
    holds a training slot; the experiment then reads the local cache or, if
    the download failed, the bundled digits (and says so).
    """
    from dlcore import images

    if dataset not in images.DOWNLOADS or images.is_cached(dataset):
        return
    label = images.label_of(dataset)
    bar = st.progress(0.0, text=f"Downloading {label} ({images.DOWNLOADS[dataset].megabytes:g} MB) once; waiting at most {images.DOWNLOAD_TIMEOUT_S:.0f} s…")
    message = images.fetch(dataset, progress=lambda fraction: bar.progress(fraction, text=f"Downloading {label}: {fraction:.0%} (waiting at most {images.DOWNLOAD_TIMEOUT_S:.0f} s)"))
    bar.empty()
    if message:
        (st.success if message.startswith("Downloaded") else st.warning)(message)


# ---- running an experiment with live progress ----


def run_experiment(run_function, config, live_figure=None, trains: bool = True):
    """Return run_function(config, progress): from the shared cache, from the same training another
    session started, or from a new training in a worker process.

    While it waits the page shows where it stands: its place in the queue,
    the worker starting, then a progress bar and (optionally) a live chart
    built by ``live_figure(progress_info)``. Bad settings and failed trainings
    become messages, never tracebacks. A computation that trains nothing
    (``trains=False``: a formula, a gallery, a hand computation) runs at once
    in this session, without waiting for a training slot.
    """
    runner = training_runner()
    key = experiment_key(run_function, config)
    cached = runner.cached(key)
    if cached is not None:
        if trains and _first_sight(key):
            st.caption("♻️ Exactly these settings were trained earlier on this server: shown from the cache, not trained again.")
        return cached
    try:
        config.validate()
    except ValueError as error:
        st.error(f"These settings can't be trained: {error}")
        return None
    if not trains:
        result = run_function(config, None)
        runner.store(key, result)
        return result
    job = runner.submit(run_function, config)
    _first_sight(key)  # this session asked for it: a later rerun that finds it cached says nothing
    joined = job.requests > 1 and not job.finished  # another session started exactly this training: watch that one
    if not job.finished:
        _watch(job, runner, live_figure, key, shared=job.requests > 1)
    if job.state == "failed":
        st.error(f"The training stopped with an error: {job.error}")
        return None
    if joined:
        st.caption("🤝 Another session asked for exactly these settings first: both were shown this one training.")
    return job.result


def _first_sight(key) -> bool:
    """True the first time this session meets this training (remembers the last few hundred keys)."""
    seen = st.session_state.setdefault("_runs_seen", {})
    if key in seen:
        return False
    if len(seen) >= 500:
        seen.clear()
    seen[key] = True
    return True


def _watch(job, runner, live_figure, key, shared: bool) -> None:
    """Show the job's state until it finishes (a rerun of this session simply stops watching; the job goes on)."""
    bar = st.progress(0.0, text="Waiting for a free training slot…")
    live = st.empty()
    version, last_draw, draws = -1, 0.0, 0
    try:
        while not job.finished:
            version = job.wait_for_change(version, timeout=0.5)
            fraction, text = runner.status(job, shared)
            bar.progress(fraction, text=text)
            if live_figure is not None and job.progress is not None and time.perf_counter() - last_draw > 0.8:
                figure = live_figure(job.progress)
                if figure is not None:
                    draws += 1  # a fresh key per draw: two identical figures in one run must not collide
                    live.plotly_chart(figure, width="stretch", key=f"{key[0]}.{hash(key[1])}.live.{draws}")
                    last_draw = time.perf_counter()
    finally:
        bar.empty()
        live.empty()
