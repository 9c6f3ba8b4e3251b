"""Many users on one real server: settings that survive navigation, shared identical trainings, and churn.

For every page: open it with two settings changed, go Home and back through
the sidebar, reload, use the browser's back button: the settings stay and
nothing retrains (no progress bar appears: the cached result is shown).
Four sessions train at once, two with the same link: the pair shares one
training and every page shows its solo numbers. A training finishes with its
solo numbers while another session reruns a page several times a second.
"""

import time
import urllib.parse
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from dlcore.experiments import vanishing
from pages import components
from pages.catalog import available
from tests.apptest_helpers import APP
from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, streamlit_server, wait_until_idle
from tests.test_link_fuzz import TrainingRecorder
from tests.test_sessions import _changes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def _link_with_two_changes(entry) -> str:
    """A query string with two of the page's first settings moved off their defaults (found by running the page under AppTest)."""
    recorder = TrainingRecorder()
    original, components.run_experiment = components.run_experiment, recorder
    try:
        app = AppTest.from_file(APP, default_timeout=120)
        app.switch_page(entry.path)
        app.run()
        changes = _changes(app)
        prefix, (part, _) = next(iter(app.session_state[components.GROUPS].items()))
    finally:
        components.run_experiment = original
    names = {key: key.removeprefix(f"{prefix}.") for key in changes}
    return "&".join(f"{part + '.' if part else ''}{names[key]}={components._format(value)}" for key, value in changes.items())


def _open_and_watch(page, action, charts: int = 1) -> bool:
    """Run `action` (a navigation), wait until the page is idle with at least `charts` charts; return whether a progress bar (training) appeared."""
    action()
    saw_progress, quiet_since, deadline = False, None, time.monotonic() + 300
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stProgress"]').count() > 0
        saw_progress |= running
        busy = running or page.locator('[data-testid="stStatusWidget"]').count() > 0
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 2.0 and page.locator(".js-plotly-plot").count() >= charts:
            return saw_progress
        page.wait_for_timeout(100)
    raise TimeoutError("the page kept running")


@pytest.mark.parametrize("entry", available(), ids=lambda entry: entry.url_path)
def test_settings_survive_home_and_back_reload_and_the_back_button(server, browser, entry):
    query = _link_with_two_changes(entry)
    # An architecture page also gets the small settings of the same (first) group: the lesson here is the link, not the training.
    changed = [pair.split("=")[0] for pair in query.split("&")]
    group = changed[0].rpartition(".")[0]
    small = [pair for pair in SMALL_LINKS.get(entry.url_path, "").split("&") if pair.split("=")[0].rpartition(".")[0] == group and pair.split("=")[0] not in changed]
    query = "&".join([query, *small])
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/{entry.url_path}?{query}", wait_until="domcontentloaded")
        wait_until_idle(page, 1)
        assert error_boxes(page) == []
        expected = dict(urllib.parse.parse_qsl(query))

        def settings_in_link() -> dict:
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
            return {key: params.get(key) for key in expected}

        assert settings_in_link() == expected
        sidebar = page.locator('[data-testid="stSidebarNav"]')
        assert not _open_and_watch(page, lambda: sidebar.get_by_text("Home: the map").click(), charts=0)
        assert not _open_and_watch(page, lambda: sidebar.get_by_text(entry.title, exact=True).click()), "coming back retrained"
        assert settings_in_link() == expected
        assert not _open_and_watch(page, lambda: page.reload()), "a reload retrained"
        assert settings_in_link() == expected
        _open_and_watch(page, lambda: sidebar.get_by_text("Home: the map").click(), charts=0)
        assert not _open_and_watch(page, lambda: page.go_back()), "the back button retrained"
        assert settings_in_link() == expected and error_boxes(page) == []
    finally:
        page.close()


def _metric(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_four_sessions_at_once_identical_links_share_one_training(server, browser):
    # The first of the identical pair is training before the second asks (250 epochs: several seconds), so the second must join it.
    runs = ((61, 250), (61, 250), (62, 40), (63, 40))
    pages = [browser.new_page(viewport={"width": 1280, "height": 900}) for _ in runs]
    try:
        for index, (page, (seed, epochs)) in enumerate(zip(pages, runs)):
            page.goto(f"{server}/vanishing?seed={seed}&epochs={epochs}", wait_until="commit")
            if index == 0:
                page.wait_for_selector('[data-testid="stProgress"]', timeout=240_000)
        for page, (seed, epochs) in zip(pages, runs):
            wait_until_idle(page, 5, timeout_ms=600_000)
            assert error_boxes(page) == []
            alone = vanishing.run(replace(vanishing.Config(), seed=seed, epochs=epochs))
            assert _metric(page, "Validation accuracy") == f"{alone.final_val_accuracy:.1%}"
            assert _metric(page, "Parameter updates") == f"{alone.history.num_steps:,}"
        # The second identical session joined the training in flight or, if that finished before its script asked, took its result
        # from the cache: either way it says so, and both show one training's clock.
        shared = pages[1].get_by_text("Another session asked for exactly these settings first").count()
        cached = pages[1].get_by_text("trained earlier on this server").count()
        assert shared + cached == 1, "the second identical session trained again"
        assert pages[0].get_by_text("Another session asked").count() + pages[0].get_by_text("trained earlier on this server").count() == 0
        assert _metric(pages[0], "Training time") == _metric(pages[1], "Training time")  # one training, one clock
    finally:
        for page in pages:
            page.close()


def test_a_training_keeps_its_numbers_while_another_session_reruns_fast(server, browser):
    churner, trainer = browser.new_page(), browser.new_page()
    try:
        churner.goto(f"{server}/activations", wait_until="domcontentloaded")
        wait_until_idle(churner, 1)
        slider = churner.locator('[data-testid="stSlider"]').filter(has_text="x range").get_by_role("slider")
        settings = dict(seed=71, epochs=120, batch_size=8)
        trainer.goto(f"{server}/vanishing?" + "&".join(f"{k}={v}" for k, v in settings.items()), wait_until="commit")
        presses, deadline = 0, time.monotonic() + 600
        while trainer.locator('[data-testid="stMetric"]').count() < 4 and time.monotonic() < deadline:
            slider.press("ArrowRight" if presses % 2 == 0 else "ArrowLeft")
            presses += 1
            churner.wait_for_timeout(250)
        wait_until_idle(trainer, 5)
        assert presses >= 5 and error_boxes(trainer) == [] and error_boxes(churner) == []
        alone = vanishing.run(replace(vanishing.Config(), **settings))
        assert _metric(trainer, "Validation accuracy") == f"{alone.final_val_accuracy:.1%}"
        assert _metric(trainer, "Parameter updates") == f"{alone.history.num_steps:,}"
    finally:
        churner.close()
        trainer.close()
