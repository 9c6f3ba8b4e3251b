"""The convolutional-networks page in headless Chromium: every tab renders cleanly, and a digit drawn with the mouse is read."""

import os
import re

import pytest

from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser
SMALL = SMALL_LINKS["cnn"]


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("DLTEACH_OFFLINE")
    os.environ["DLTEACH_OFFLINE"] = "1"  # the server never tries a download
    try:
        with streamlit_server() as base:
            yield base
    finally:
        if before is None:
            os.environ.pop("DLTEACH_OFFLINE", None)
        else:
            os.environ["DLTEACH_OFFLINE"] = before


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def _canvas_box(page):
    page.wait_for_selector("canvas", timeout=240_000)
    page.wait_for_timeout(1000)
    boxes = [page.locator("canvas").nth(i).bounding_box() for i in range(page.locator("canvas").count())]
    return next(box for box in boxes if box and box["width"] >= 200)


def _draw_seven(page, box) -> None:
    """A 7 with the mouse: a bar across the top, then a stroke down to the lower left."""
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + 0.25 * width, top + 0.2 * height)
    page.mouse.down()
    page.mouse.move(left + 0.75 * width, top + 0.2 * height, steps=12)
    page.mouse.move(left + 0.4 * width, top + 0.85 * height, steps=16)
    page.mouse.up()


def test_every_tab_renders_and_a_drawn_digit_is_read(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/cnn?{SMALL}", wait_until="domcontentloaded")
        wait_until_idle(page, 1)
        tabs = page.get_by_role("tab")
        assert tabs.count() == 8
        for index in range(8):
            label = tabs.nth(index).inner_text()
            tabs.nth(index).click()
            if "Draw" in label:
                box = _canvas_box(page)
                wait_until_idle(page, 0)
                assert page.get_by_text("Draw a digit on the canvas").count() == 1
                _draw_seven(page, box)
                page.wait_for_selector("text=/Prediction: \\d/", timeout=120_000)
                wait_until_idle(page, 2)
                prediction = page.locator("text=/Prediction: \\d/").first.text_content()
                assert re.match(r"Prediction: \d \(\d+% sure\)", prediction), prediction
                page.get_by_text("the network says").wait_for(timeout=120_000)  # the feature maps and the notice follow the prediction
                wait_until_idle(page, 2)
            else:
                wait_until_idle(page, 1)
            assert error_boxes(page) == [], label
            assert legend_problems(page) == [], label
            assert page.locator(".js-plotly-plot").count() >= 1, label
            full_screenshot(page, ARTIFACTS / f"cnn-tab{index + 1}.png")
    finally:
        page.close()
