"""The one shared set of UI pieces every page uses (no page copies controls or layout).

Not a page itself: ``app.py`` lists pages from ``pages/catalog.py``.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import streamlit as st

from dlcore import limits
from dlcore.choices import ACTIVATION_LABELS, CLIPPING_LABELS, INITIALIZER_LABELS, OPTIMIZER_LABELS
from dlcore.results import ResultStore

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.05, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0)
BATCH_SIZES = (1, 8, 16, 32, 64, 128, 256, 0)  # 0 = the whole training set


@st.cache_resource
def result_store() -> ResultStore:
    caps = limits.current()
    return ResultStore(caps.cached_results, caps.concurrent_trainings)


_rerouted_once = threading.Event()  # process-wide and one-way: set after the first reroute


def ensure_app_navigation() -> None:
    """Make a deep link on a fresh server go through app.py's grouped navigation.

    Until app.py has called st.navigation once in a server process, Streamlit
    treats the folder named pages/ as an old-style page directory and runs the
    requested page file alone (flat navigation, no sidebar badge). Leave that
    mode once and rerun, so that app.py runs and routes to the same page by its
    URL. Only once per process: Streamlit's AppTest resets the mode before every
    run, and a rerun there would swallow the button click that started the run.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not _rerouted_once.is_set():
        _rerouted_once.set()
        PagesManager.uses_pages_directory = False
        st.rerun()


def lab_header(title: str, intro: str) -> None:
    ensure_app_navigation()
    st.title(title)
    st.markdown(intro)


def notice(text: str) -> None:
    """The 'what to notice' line under a figure."""
    st.caption(f"👀 **What to notice:** {text}")


def chart(figure, key: str | None = None) -> None:
    st.plotly_chart(figure, width="stretch", key=key, config={"displaylogo": False})


def device_badge() -> None:
    from dlcore.device import describe_device

    info = describe_device()
    icon = "⚡" if info.kind == "GPU" else "🖥️"
    st.sidebar.markdown(f"{icon} **{info.label}**  \nTensorFlow {info.tensorflow_version} · Keras {info.keras_version}")
    if limits.is_hosted():
        st.sidebar.caption("Hosted mode: smaller caps on epochs and model size.")


# ---- state: widgets keyed "<prefix>.<field>", shareable through the URL ----


def _parse(text: str, default):
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(default, tuple):
        return tuple(item for item in text.split(",") if item)
    return type(default)(text)


def _format(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _url_name(part: str, field: str) -> str:
    return f"{part}.{field}" if part else field


def init_state(prefix: str, defaults, part: str = "") -> None:
    """Give every config field a session value once: from the URL when it carries one, else the default.

    A page's main group of settings appears in the URL under bare field names
    (``degree=15``); any other group names its ``part`` (``sweep.kind=noise``).
    """
    if st.session_state.get(f"{prefix}._ready"):
        return
    bad = []
    for field in dataclasses.fields(defaults):
        value = getattr(defaults, field.name)
        name = _url_name(part, field.name)
        if name in st.query_params:
            try:
                value = _parse(st.query_params[name], value)
            except ValueError:
                bad.append(name)
        st.session_state.setdefault(f"{prefix}.{field.name}", value)
    try:
        config_from_state(prefix, type(defaults)).validate()
    except (ValueError, TypeError) as error:
        bad.append(str(error))
    if bad:
        for field in dataclasses.fields(defaults):
            st.session_state[f"{prefix}.{field.name}"] = getattr(defaults, field.name)
        st.warning(f"The settings in the link were not valid ({'; '.join(bad)}); showing the defaults.")
    st.session_state[f"{prefix}._ready"] = True


def config_from_state(prefix: str, config_class):
    values = {}
    for field in dataclasses.fields(config_class):
        key = f"{prefix}.{field.name}"
        if key in st.session_state:
            values[field.name] = st.session_state[key]
    return config_class(**values)


def share_in_url(config, defaults, part: str = "") -> None:
    """Put this group's fields that differ from the defaults in the URL (other groups' entries stay), so a link reproduces the run."""
    own = {_url_name(part, f.name) for f in dataclasses.fields(config)}
    current = {key: st.query_params[key] for key in st.query_params}
    wanted = {key: value for key, value in current.items() if key not in own}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if _format(value) != _format(getattr(defaults, field.name)):
            wanted[_url_name(part, field.name)] = _format(value)
    if current != wanted:
        st.query_params.from_dict(wanted)


def shared_config(prefix: str, defaults, part: str = ""):
    """The group's config as the widgets set it, written into the URL (see share_in_url)."""
    config = config_from_state(prefix, type(defaults))
    share_in_url(config, defaults, part)
    return config


def lab_tabs(labels: list[str], key: str):
    """st.tabs whose content should run only when open, with the open tab kept in the URL (``tab=3``) so a link opens it again."""
    if key not in st.session_state and "tab" in st.query_params:
        text = st.query_params["tab"]
        if text.isdigit() and 1 <= int(text) <= len(labels):
            st.session_state[key] = labels[int(text) - 1]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    number = 1 + next((index for index, tab in enumerate(tabs) if tab.open), 0)
    if number > 1 and st.query_params.get("tab") != str(number):
        st.query_params["tab"] = str(number)
    elif number == 1 and "tab" in st.query_params:
        del st.query_params["tab"]
    return tabs


def apply_preset(prefix: str, values: dict) -> None:
    """on_click callback: set several widgets at once (before they render)."""
    for name, value in values.items():
        st.session_state[f"{prefix}.{name}"] = value


# ---- shared control groups ----


def network_controls(prefix: str, activations=tuple(ACTIVATION_LABELS), batch_norm: bool = True) -> None:
    caps = limits.current()
    st.slider("Hidden layers (depth)", 1, caps.max_hidden_layers, key=f"{prefix}.num_hidden_layers")
    st.slider("Units per hidden layer (width)", 2, caps.max_units, key=f"{prefix}.units")
    st.selectbox("Activation", activations, format_func=ACTIVATION_LABELS.get, key=f"{prefix}.activation")
    st.selectbox("Weight initialisation", tuple(INITIALIZER_LABELS), format_func=INITIALIZER_LABELS.get, key=f"{prefix}.initializer")
    if batch_norm:
        st.toggle("Batch normalisation", key=f"{prefix}.batch_norm")


def optimizer_controls(prefix: str, clipping: bool = True) -> None:
    st.selectbox("Optimizer", tuple(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get, key=f"{prefix}.optimizer")
    st.select_slider("Learning rate", LEARNING_RATES, key=f"{prefix}.learning_rate", format_func=lambda v: f"{v:g}")
    if clipping:
        st.radio("Gradient clipping", tuple(CLIPPING_LABELS), format_func=CLIPPING_LABELS.get, key=f"{prefix}.clipping", horizontal=True)
        st.select_slider("Clipping threshold", (0.1, 0.5, 1.0, 2.0, 5.0, 10.0), key=f"{prefix}.clip_threshold")


def training_controls(prefix: str, datasets) -> None:
    caps = limits.current()
    st.selectbox("Data set", datasets, key=f"{prefix}.dataset")
    st.slider("Epochs", 1, caps.max_epochs, key=f"{prefix}.epochs")
    st.select_slider(
        "Batch size",
        BATCH_SIZES,
        key=f"{prefix}.batch_size",
        format_func=lambda v: "all (batch GD)" if v == 0 else ("1 (stochastic)" if v == 1 else str(v)),
    )
    st.number_input("Seed", 0, 10_000, step=1, key=f"{prefix}.seed")


# ---- running an experiment with live progress ----


def run_experiment(experiment, config, live_figure=None):
    """Return experiment.run(config), from the shared store when this config ran before.

    While training, a progress bar and (optionally) a live chart built by
    ``live_figure(epochs_table)`` update between epochs. Bad settings and a
    busy server become messages, never tracebacks.
    """
    store = result_store()
    key = (experiment.__name__, config)
    cached = store.get(key)
    if cached is not None:
        return cached
    try:
        config.validate()
    except ValueError as error:
        st.error(f"These settings can't be trained: {error}")
        return None
    bar = st.progress(0.0, text="Building the model and compiling the training loop…")
    live = st.empty()
    last_draw = [0.0, 0]  # time of the last live draw, number of draws

    def progress(info):
        bar.progress(info.fraction, text=info.message)
        table = getattr(info, "epochs_table", None)
        if live_figure is not None and table is not None and time.perf_counter() - last_draw[0] > 0.8:
            last_draw[1] += 1  # a fresh key per draw: two identical figures in one run must not collide
            live.plotly_chart(live_figure(table), width="stretch", key=f"{experiment.__name__}.live.{last_draw[1]}")
            last_draw[0] = time.perf_counter()

    try:
        with store.training_slot():
            result = experiment.run(config, progress)
    except TimeoutError as error:
        st.error(str(error))
        return None
    finally:
        bar.empty()
        live.empty()
    store.put(key, result)
    return result
