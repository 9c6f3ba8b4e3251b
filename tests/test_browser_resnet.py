"""The residual-networks page in a real browser: every tab by its own link, the shortcut toggle, charts and legends."""

import pytest

from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser

SMALL = SMALL_LINKS["resnet"]
CHARTS = {1: 2, 2: 4, 3: 3, 4: 1, 5: 5}


@pytest.fixture(scope="module")
def page():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base, chromium() as browser:
        tab = browser.new_page(viewport={"width": 1440, "height": 900})
        tab.goto(f"{base}/resnet?{SMALL}", wait_until="domcontentloaded")
        wait_until_idle(tab, CHARTS[1])
        yield tab
        tab.close()


def _charts(page) -> int:
    return page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].filter(c => c.getBoundingClientRect().width > 0).length")


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_every_tab_draws_its_charts_without_errors(page, number):
    tabs = page.get_by_role("tab")
    tabs.nth(number - 1).click()
    wait_until_idle(page, CHARTS[number])
    page.wait_for_function(f"[...document.querySelectorAll('.js-plotly-plot')].filter(c => c.getBoundingClientRect().width > 0).length >= {CHARTS[number]}", timeout=240_000)
    assert error_boxes(page) == []
    assert legend_problems(page) == []
    assert _charts(page) >= CHARTS[number]
    assert (f"tab={number}" in page.url) == (number > 1)
    assert "deep_blocks=3" in page.url  # the settings of every tab stay in the link
    full_screenshot(page, ARTIFACTS / f"resnet-tab{number}.png")


def test_switching_a_shortcut_off_changes_the_accuracy_shown(page):
    page.get_by_role("tab").nth(2).click()
    wait_until_idle(page, CHARTS[3])
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Validation accuracy now")
    before = metric.locator('[data-testid="stMetricValue"]').inner_text()
    page.get_by_text("Shortcuts on", exact=True).click()
    wait_until_idle(page, CHARTS[3])
    after_delta = metric.locator('[data-testid="stMetricDelta"]').inner_text()
    assert error_boxes(page) == []
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() != before or "+0.0%" not in after_delta
    assert "vs all shortcuts on" in after_delta
