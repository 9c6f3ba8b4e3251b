"""Settings survive navigation: leave a page, come back, reload from the link: the same settings.

Streamlit forgets a widget's value in any run that does not draw the widget,
so leaving a page used to reset every setting to its lowest value (and
retrain that). Training is replaced by a recorder here: what matters is which
config each page would train, before and after.
"""

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from dlcore import limits
from pages import components
from pages.catalog import available
from tests.apptest_helpers import APP
from tests.test_link_fuzz import TrainingRecorder


@pytest.fixture(autouse=True)
def recorder(monkeypatch):
    instance = TrainingRecorder()
    monkeypatch.setattr(components, "run_experiment", instance)
    return instance


def _another_value(bounds: limits.Bounds, value):
    if bounds.kind == "bool":
        return not value
    if bounds.kind == "subset":
        options = bounds.options_now()
        return tuple(options[:1]) if tuple(value) != tuple(options[:1]) else tuple(options[-1:])
    if bounds.options:
        return next(option for option in bounds.options_now() if option != value)
    return bounds.low if value != bounds.low else bounds.high_now()


def _changes(app) -> dict:
    """Two settings of the page's first settings group, each moved to another allowed value."""
    prefix, (_, config_class) = next(iter(app.session_state[components.GROUPS].items()))
    changes = {}
    for field in dataclasses.fields(config_class):
        key = f"{prefix}.{field.name}"
        if field.name == "seed" or key not in app.session_state or len(changes) == 2:
            continue
        value = app.session_state[key]
        value = tuple(value) if isinstance(value, list) else value
        changes[key] = _another_value(field.metadata["bounds"], value)
    assert len(changes) == 2
    return changes


def _value(app, key):
    value = app.session_state[key]
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("entry", available(), ids=lambda entry: entry.url_path)
def test_settings_survive_leaving_the_page_and_a_reload(entry, recorder):
    app = AppTest.from_file(APP, default_timeout=120)
    app.switch_page(entry.path)
    app.run()
    changes = _changes(app)
    for key, value in changes.items():
        app.session_state[key] = list(value) if isinstance(value, tuple) else value
    before = len(recorder.configs)
    app.run()
    asked_before_leaving = recorder.configs[before:]
    link = {key: value for key, value in app.query_params.items()}

    app.switch_page("pages/home.py")
    app.run()
    app.switch_page(entry.path)
    before = len(recorder.configs)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert {key: _value(app, key) for key in changes} == changes
    assert {key: value for key, value in app.query_params.items()} == link
    assert recorder.configs[before:] == asked_before_leaving  # the very same configs: the cached results, nothing new to train

    reloaded = AppTest.from_file(APP, default_timeout=120)  # a reload: a new session, only the link remains
    for key, value in link.items():
        reloaded.query_params[key] = value[0] if isinstance(value, list) else value
    reloaded.switch_page(entry.path)
    reloaded.run()
    assert not reloaded.exception and not reloaded.warning
    assert {key: _value(reloaded, key) for key in changes} == changes
