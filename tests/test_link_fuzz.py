"""Any link, however bad, opens every page without an exception or an error box: only a warning that names the field.

For every page and every tab, every setting the page reads from a link gets,
in turn, a value below its range, above it (past the hosted cap too), NaN,
infinity, a wrong type, 10,000 characters and HTML/script text, plus names
the page does not know, in local and in hosted mode. Training is replaced by
a check that the config the page would train is inside its bounds in that
mode (the trainings themselves at their extremes are the page tests' job).
"""

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from dlcore import limits
from pages import components
from pages.catalog import available
from tests.apptest_helpers import APP

GROUPS = components.GROUPS


def _bad_texts(bounds: limits.Bounds) -> list[str]:
    if bounds.numeric:
        low = min(bounds.options) if bounds.options else bounds.low
        high = max(bounds.options) if bounds.options else (bounds.high if bounds.high is not None else 1e6)
        below, above = str(low - 1 if low >= 1 else low - 1e3), str(high * 10 + 1)
    else:
        below, above = "nonsense", "zzz,yyy"
    return [below, above, "nan", "-inf", "abc", "9" * 10_000, "<script>alert(1)</script><b>x</b>"]


class TrainingRecorder:
    """Stands in for components.run_experiment: checks each config against its bounds and trains nothing."""

    def __init__(self):
        self.configs = []

    def __call__(self, run_function, config, live_figure=None, **options):
        problems = config.problems()
        assert not problems, f"{run_function.__qualname__} was asked to train an out-of-bounds config: {problems}"
        self.configs.append(config)
        return None


def _open(page: str, query: dict) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    return app


def _groups_of(page: str) -> tuple[int, dict]:
    """(number of tabs, {prefix: (part, Config class)}) of every settings group any tab of the page reads."""
    app = _open(page, {})
    tabs = max(1, len(app.tabs))
    groups = dict(app.session_state[GROUPS]) if GROUPS in app.session_state else {}
    for tab in range(2, tabs + 1):
        opened = _open(page, {"tab": str(tab)})
        groups.update(opened.session_state[GROUPS] if GROUPS in opened.session_state else {})
    return tabs, groups


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    recorder = TrainingRecorder()
    monkeypatch.setattr(components, "run_experiment", recorder)
    return recorder


@pytest.mark.parametrize("entry", available(), ids=lambda entry: entry.url_path)
def test_bad_links_never_crash_and_say_which_setting_was_changed(entry, monkeypatch, no_training):
    tabs, groups = _groups_of(entry.path)
    assert groups, f"{entry.path} registers no settings groups"
    runs = 0
    for hosted, kinds in (("0", range(7)), ("1", (0, 1, 2, 6))):
        monkeypatch.setenv("DLTEACH_HOSTED", hosted)
        for kind in kinds:
            query = {"no_such_setting": "1", "tab.extra": "<i>x</i>"}
            for part, config_class in groups.values():
                for index, field in enumerate(dataclasses.fields(config_class)):
                    texts = _bad_texts(field.metadata["bounds"])
                    name = f"{part}.{field.name}" if part else field.name
                    query[name] = texts[(index + kind) % len(texts)]
            # Each kind of bad link opens one or two tabs in rotation: every tab meets several kinds, and every
            # field every kind across tabs, in about 18 script runs per page instead of 11 per tab.
            opened = {1 + kind % tabs} | ({1 + (kind + tabs // 2) % tabs} if hosted == "0" else set())
            for tab in sorted(opened):
                app = _open(entry.path, {**query, "tab": str(tab)})
                runs += 1
                assert not app.exception, (hosted, kind, tab, [e.value for e in app.exception])
                assert not app.error, (hosted, kind, tab, [e.value for e in app.error])
                warnings = " ".join(w.value for w in app.warning)
                assert "must be" in warnings, (hosted, kind, tab, "no warning named the changed settings")
                assert "<script>" not in warnings and len(warnings) < 20_000
    assert runs >= 11
