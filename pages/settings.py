"""Settings a page's widgets edit: kept across pages and reruns, and shareable through the URL.

Every widget is keyed ``<prefix>.<field>`` and bounded by its Config field. Part
of the shared UI (pages use it through ``pages.components``); not a page itself.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from dlcore import limits

# ---- settings: widgets keyed "<prefix>.<field>", kept across pages, shareable through the URL ----

STORE = "_settings"  # session_state[STORE][prefix] = {field: value}: survives pages whose widgets are not drawn
GROUPS = "_setting_groups"  # session_state[GROUPS][prefix] = (part, Config class): what links of this page may carry
CURRENT_PAGE = "_current_page"  # set by app.py before it runs a page: the page's url path
FIRST_LINKS = "_first_links"  # session_state[FIRST_LINKS][page] = the link's settings the page was first opened with


def _first_link() -> dict:
    """The settings in the link this session first opened the current page with (kept for tabs not opened yet).

    A group of settings is read from the link only when its tab first runs; by
    then the address bar may have lost the link (Home and back clears it), so
    the link's entries are kept here from the page's first run.
    """
    links = st.session_state.setdefault(FIRST_LINKS, {})
    page = st.session_state.get(CURRENT_PAGE, "")
    if page not in links:
        links[page] = {key: st.query_params[key] for key in st.query_params if key != "tab"}
    return links[page]


def _url_name(part: str, field: str) -> str:
    return f"{part}.{field}" if part else field


def _format(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _widget_value(value):
    return list(value) if isinstance(value, tuple) else value


def init_state(prefix: str, defaults, part: str = "") -> None:
    """Give every config field its session value: the user's last one, else the link's, else the default.

    Streamlit forgets a widget's value when a run does not draw the widget (on
    another page, say), so the values also live in a plain store and are put
    back before the widgets are drawn. A page's main group of settings appears
    in the URL under bare field names (``degree=15``); any other group names
    its ``part`` (``sweep.kind=noise``). A bad link value is repaired with one
    warning naming the field and its allowed range; it never raises.
    """
    store = st.session_state.setdefault(STORE, {})
    st.session_state.setdefault(GROUPS, {})[prefix] = (part, type(defaults))
    link = {**_first_link(), **{key: st.query_params[key] for key in st.query_params}}  # the address bar wins
    if prefix not in store:
        texts = {field.name: link[_url_name(part, field.name)] for field in dataclasses.fields(defaults) if _url_name(part, field.name) in link}
        config, messages = type(defaults).from_link(texts, defaults)
        store[prefix] = {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
        if messages:
            st.warning("Some settings in the link were out of range and were changed: " + "; ".join(messages) + ".")
    for name, value in store[prefix].items():
        st.session_state.setdefault(f"{prefix}.{name}", _widget_value(value))


def config_from_state(prefix: str, config_class):
    values = {}
    for field in dataclasses.fields(config_class):
        key = f"{prefix}.{field.name}"
        if key in st.session_state:
            value = st.session_state[key]
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return config_class(**values)


def share_in_url(config, defaults, part: str = "") -> None:
    """Put this group's fields that differ from the defaults in the URL (other groups' entries stay), so a link reproduces the run.

    Entries of the page's first link that belong to no group drawn so far (tabs
    not opened yet) are put back too, so the link still carries them after Home and back.
    """
    own = {_url_name(part, f.name) for f in dataclasses.fields(config)}
    current = {key: st.query_params[key] for key in st.query_params}
    drawn = {_url_name(p, f.name) for p, cls in st.session_state.get(GROUPS, {}).values() for f in dataclasses.fields(cls)}
    waiting = {key: value for key, value in _first_link().items() if key not in drawn and key not in current}
    wanted = {key: value for key, value in {**current, **waiting}.items() if key not in own}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if _format(value) != _format(getattr(defaults, field.name)):
            wanted[_url_name(part, field.name)] = _format(value)
    if current != wanted:
        st.query_params.from_dict(wanted)


def shared_config(prefix: str, defaults, part: str = ""):
    """The group's config as the widgets set it, remembered for this session and written into the URL."""
    config = config_from_state(prefix, type(defaults))
    st.session_state.setdefault(STORE, {})[prefix] = {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
    share_in_url(config, defaults, part)
    return config


def control(prefix: str, config_class, name: str, label: str, *, widget: str | None = None, format_func=None, help: str | None = None, **options):
    """The widget for one config field, with the range and options its Config declares (hosted caps included).

    Numbers with options become select-sliders, other numbers sliders (or a
    number box with ``widget="number"``); names become select boxes (or radio
    buttons with ``widget="radio"``); flags toggles; subsets multiselects.
    Other keyword options (``on_change``, ``disabled``, ``format`` ...) go to the widget.
    """
    bounds = limits.bounds_of(config_class, name)
    key = f"{prefix}.{name}"
    shown = format_func or str
    if bounds.kind == "bool":
        return st.toggle(label, key=key, help=help, **options)
    if bounds.kind == "choice":
        if widget == "radio":
            return st.radio(label, bounds.options_now(), key=key, format_func=shown, horizontal=True, help=help, **options)
        return st.selectbox(label, bounds.options_now(), key=key, format_func=shown, help=help, **options)
    if bounds.kind == "subset":
        return st.multiselect(label, bounds.options_now(), key=key, format_func=shown, help=help, **options)
    if bounds.options:
        return st.select_slider(label, bounds.options_now(), key=key, format_func=format_func or (lambda v: f"{v:g}"), help=help, **options)
    cast = int if bounds.kind == "int" else float
    low, high = cast(bounds.low), cast(bounds.high_now())
    step = cast(bounds.step) if bounds.step is not None else None
    if widget == "number":
        return st.number_input(label, low, high, step=step, key=key, help=help, **options)
    return st.slider(label, low, high, step=step, key=key, help=help, **options)


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


def apply_preset(prefix: str, values: dict, config_class=None) -> None:
    """on_click callback: set several widgets at once (before they render), each kept inside its field's bounds."""
    for name, value in values.items():
        if config_class is not None and name in {f.name for f in dataclasses.fields(config_class)}:
            value = limits.allowed(limits.bounds_of(config_class, name), value, getattr(config_class(), name))
        st.session_state[f"{prefix}.{name}"] = _widget_value(value)
