"""The RNN page in a real browser: every tab with small settings, an upload (good and bad), and uploads that stay in their session."""

import pytest

from tests.browser_harness import ARTIFACTS, RNN_TAB_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser

SMALL = RNN_TAB_LINKS
UPLOAD = "tab=4&writer.source=upload&writer.updates=20&writer.units=16&writer.sequence_length=32"


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


@pytest.mark.parametrize(("tab", "min_charts"), [(1, 3), (2, 2), (3, 3), (4, 1)])
def test_every_tab_draws_its_charts_without_errors(server, browser, tab, min_charts):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/rnn?tab={tab}&{SMALL.get(tab, '')}", wait_until="domcontentloaded")
        wait_until_idle(page, min_charts)
        assert error_boxes(page) == []
        assert page.locator(".js-plotly-plot").count() >= min_charts
        assert legend_problems(page) == []
        assert "What to notice" in page.inner_text("body")
        full_screenshot(page, ARTIFACTS / f"rnn-tab{tab}.png")
    finally:
        page.close()


def test_an_upload_trains_a_writer_and_a_bad_one_gets_a_clear_message(server, browser, tmp_path):
    good = tmp_path / "lyrics.txt"
    good.write_text("Row, row, row your boat,\nGently down the stream.\nMerrily, merrily, merrily, merrily,\nLife is but a dream.\n" * 8, encoding="utf-8")
    bad = tmp_path / "photo.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    other = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{server}/rnn?{UPLOAD}", wait_until="domcontentloaded")
        wait_until_idle(page, 0)
        assert "Upload a .txt file" in page.inner_text("body")
        page.locator('input[type="file"]').set_input_files(str(good))
        wait_until_idle(page, 1)
        assert error_boxes(page) == []
        body = page.inner_text("body")
        assert "Samples while training" in body and "Download this text" in body
        page.locator('input[type="file"]').set_input_files(str(bad))
        page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60_000)
        messages = " ".join(error_boxes(page))
        assert "photo.txt" in messages and "binary" in messages and "Traceback" not in messages
        # another user's session asking for an upload sees only the request for a file
        other.goto(f"{server}/rnn?{UPLOAD}", wait_until="domcontentloaded")
        wait_until_idle(other, 0)
        assert "Upload a .txt file" in other.inner_text("body")
        assert other.locator(".js-plotly-plot").count() == 0 and "Row, row" not in other.inner_text("body")
    finally:
        page.close()
        other.close()
