"""The VAE page in headless Chromium: every tab by its own link, a click on the latent map, the dice, a preset, the trick's numbers."""

import re

import pytest

from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser
QUICK = SMALL_LINKS["vae"]  # short trainings: this file checks the page, the lessons are tested in tests/test_vae_lessons.py
CHARTS = {1: 2, 2: 1, 3: 1, 4: 3, 5: 2}  # charts each tab draws when it is done


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def _open(browser, server, tab: int, extra: str = ""):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{server}/vae?tab={tab}&{QUICK}{extra}", wait_until="domcontentloaded")
    wait_until_idle(page, CHARTS[tab], timeout_ms=300_000)
    assert error_boxes(page) == []
    assert legend_problems(page) == []
    return page


def _slider_values(page) -> list[str]:
    sliders = page.locator('[data-testid="stSlider"]')
    return [sliders.nth(i).locator('[data-testid="stSliderThumbValue"]').inner_text() for i in range(sliders.count())]


@pytest.mark.parametrize("tab", [1, 2, 3, 4, 5])
def test_every_tab_opens_by_its_link_and_draws_its_charts(server, browser, tab):
    page = _open(browser, server, tab)
    try:
        assert page.locator(".js-plotly-plot").count() >= CHARTS[tab]
        assert page.get_by_text("What to notice").count() >= 1
        full_screenshot(page, ARTIFACTS / f"vae-tab{tab}.png")
    finally:
        page.close()


def test_clicking_the_latent_map_moves_the_point_and_decodes_it(server, browser):
    page = _open(browser, server, 2)
    try:
        assert _slider_values(page)[:2] == ["0.00", "0.00"]
        plot_area = page.locator(".js-plotly-plot").first.locator(".nsewdrag").first
        plot_area.scroll_into_view_if_needed()
        box = plot_area.bounding_box()
        spot = {"x": 0.85 * box["width"], "y": 0.85 * box["height"]}  # right and low on the map
        moved = "[...document.querySelectorAll('[data-testid=\"stSliderThumbValue\"]')].slice(0, 2).every(e => e.innerText !== '0.00')"
        for _ in range(3):  # Plotly needs the pointer over a point before a click selects it
            plot_area.hover(position=spot)
            page.wait_for_timeout(700)
            plot_area.click(position=spot)
            try:
                page.wait_for_function(moved, timeout=30_000)
                break
            except Exception:
                continue
        wait_until_idle(page, CHARTS[2])
        z1, z2 = (float(value) for value in _slider_values(page)[:2])
        assert z1 > 1.5 and z2 < -1.5  # right and low on the map: positive z₁, negative z₂
        assert page.get_by_text(re.compile(r"Decoded at z = \(")).count() >= 1
        assert error_boxes(page) == []
    finally:
        page.close()


def test_dice_preset_and_the_tricks_numbers(server, browser):
    page = _open(browser, server, 3)
    try:
        assert "sampling.draw" not in page.url
        page.get_by_role("button", name=re.compile("Draw again")).click()
        page.wait_for_url(re.compile(r"sampling\.draw=1"), timeout=60_000)
        wait_until_idle(page, CHARTS[3])
        assert error_boxes(page) == []
    finally:
        page.close()
    page = _open(browser, server, 4)
    try:
        page.get_by_role("button", name=re.compile("Posterior collapse")).click()
        page.wait_for_url(re.compile(r"loss\.beta=4"), timeout=60_000)
        wait_until_idle(page, CHARTS[4], timeout_ms=300_000)
        assert error_boxes(page) == [] and legend_problems(page) == []
        assert page.get_by_text(re.compile("0 of 2 latent dimensions|1 of 2 latent dimensions|2 of 2 latent dimensions")).count() >= 1
    finally:
        page.close()
    page = _open(browser, server, 5)
    try:
        values = page.locator('[data-testid="stMetricValue"]')
        assert values.nth(2).inner_text().strip() == "None"  # the gradient of a directly sampled z
        assert float(values.nth(3).inner_text()) < 1e-3  # the tape against finite differences
    finally:
        page.close()
