"""Browser tests: a real server, headless Chromium, every page by its own URL, and two users at once."""

import re
import shutil
from dataclasses import replace

import pytest

from dlcore.experiments import vanishing
from pages.catalog import available
from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser
README_SCREENSHOT = ARTIFACTS / "readme-vanishing.png"


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


# The server is fresh for this module, so the first test is a deep link on a server that has never
# run app.py (Streamlit's old pages/ folder mode must not take over); home comes last.
PAGES = [(entry.url_path, entry.url_path, 1) for entry in sorted(available(), key=lambda e: e.url_path != "vanishing")] + [("home", "", 0)]


@pytest.mark.parametrize(("name", "url_path", "min_charts"), PAGES, ids=[p[0] for p in PAGES])
def test_page_opens_by_its_own_url(server, browser, name, url_path, min_charts):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    small = SMALL_LINKS.get(name)  # an architecture page opens with small settings; its own browser file opens every tab
    try:
        page.goto(f"{server}/{url_path}" + (f"?{small}" if small else ""), wait_until="domcontentloaded")
        if name == "vanishing":  # the cold deep link: until the page shows, never the raw file list (it held "components") nor an empty page for long
            _wait_for_the_page_or_the_spinner(page)
        wait_until_idle(page, min_charts)
        assert error_boxes(page) == [] and page.get_by_text("were out of range").count() == 0  # the small settings are allowed values
        navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
        for section in {entry.section for entry in available()}:
            assert section in navigation
        if min_charts:
            assert page.locator(".js-plotly-plot").count() >= min_charts
            title = next(entry.title for entry in available() if entry.url_path == url_path)
            assert title in page.title() or page.locator("h1").count() >= 1
            assert legend_problems(page) == []
        full_screenshot(page, ARTIFACTS / f"{name}.png")
        if name == "vanishing":
            shutil.copyfile(ARTIFACTS / f"{name}.png", README_SCREENSHOT)
        tabs = page.get_by_role("tab")
        for index in range(1, 0 if small else tabs.count()):  # every other tab: its charts drawn, legends readable
            label = tabs.nth(index).inner_text()
            tabs.nth(index).click()
            wait_until_idle(page, min_charts)
            assert error_boxes(page) == [], label
            assert legend_problems(page) == [], label
    finally:
        page.close()


def _wait_for_the_page_or_the_spinner(page) -> None:
    """A cold deep link: Streamlit first runs the page file alone and sends its flat list of files (which holds
    "components"); the page's first import reroutes through app.py before TensorFlow loads. So the flat list gives
    way to the grouped navigation within moments, and the main area soon shows app.py's "Starting TensorFlow"
    spinner or the page itself, never a blank page for the whole TensorFlow import."""
    flat_list_seen_for = 0.0
    for _ in range(150):
        navigation = page.locator('[data-testid="stSidebarNav"]')
        if navigation.count() and "components" in navigation.inner_text():
            flat_list_seen_for += 0.1
            assert flat_list_seen_for < 5, "the old pages-folder list stayed up"
        elif page.locator("h1").count() or page.get_by_text("Starting TensorFlow").count():
            print(f"flat list seen for about {flat_list_seen_for:.1f} s")
            return
        page.wait_for_timeout(100)
    raise AssertionError("15 s after the link opened, neither the page nor the TensorFlow spinner showed")


def _metric(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_two_sessions_training_at_once_each_get_their_own_result(server, browser):
    settings = [
        dict(num_hidden_layers=3, activation="relu", initializer="he", epochs=12, seed=5, optimizer="adam", learning_rate=0.01),
        dict(num_hidden_layers=6, activation="tanh", initializer="glorot", epochs=12, seed=9, optimizer="momentum", learning_rate=0.03),
    ]
    pages = []
    for values in settings:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        query = "&".join(f"{key}={value}" for key, value in values.items())
        page.goto(f"{server}/vanishing?{query}", wait_until="domcontentloaded")
        pages.append(page)
    try:
        # both scripts are now training in their own server threads at the same time
        for page in pages:
            wait_until_idle(page, 5)
            assert error_boxes(page) == []
        for page, values in zip(pages, settings, strict=True):
            alone = vanishing.run(replace(vanishing.Config(), **values))
            assert _metric(page, "Validation accuracy") == f"{alone.final_val_accuracy:.1%}"
            assert _metric(page, "Parameter updates") == f"{alone.history.num_steps:,}"
            reading = vanishing.read_gradients(alone.history)
            assert _metric(page, "∂L/∂W first") == f"{reading.weight_ratio:.2g}"
            assert _metric(page, "Verdict") == reading.verdict
            assert re.search(r"num_hidden_layers=" + str(values["num_hidden_layers"]), page.url)
    finally:
        for page in pages:
            page.close()

