"""The GAN page in a real browser: the timeline slider and ▶ replay real training, every tab draws, presets train,
and your own points can be uploaded (a bad file gets a message) or drawn with the box tool."""

import pytest

from dlcore.experiments.gan import game
from tests.browser_harness import ARTIFACTS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

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


@pytest.fixture
def page(browser):
    opened = browser.new_page(viewport={"width": 1440, "height": 900})
    yield opened
    opened.close()


LONG_MS = 240_000  # a training on a busy 2-core machine
REPLAY_STATE = """
() => {
  const chart = [...document.querySelectorAll('.js-plotly-plot')].find(c => c._fullLayout && c._fullLayout.sliders && c._fullLayout.sliders.length);
  const layout = chart._fullLayout;
  return {active: layout.sliders[0].active, steps: layout.sliders[0].steps.length, title: layout.title.text, x: Array.from(chart._fullData[3].x).slice(0, 5)};
}
"""


def _clean(page, label=""):
    assert error_boxes(page) == [], label
    assert legend_problems(page) == [], label


def test_the_timeline_slider_and_play_button_replay_the_training(server, page):
    page.goto(f"{server}/gan?steps=1000&snapshot_every=100", wait_until="domcontentloaded")
    wait_until_idle(page, 3)
    _clean(page, "game")
    last = page.evaluate(REPLAY_STATE)
    _, per_epoch, epochs, _ = game.schedule(game.GameConfig(steps=1000), game.REAL_POINTS)
    assert last["active"] == last["steps"] - 1 and f"after {per_epoch * epochs:,} updates" in last["title"]  # the link's 1,000 updates, not the default
    page.locator(".slider-rail-rect").first.scroll_into_view_if_needed()
    rail = page.locator(".slider-rail-rect").first.bounding_box()
    page.mouse.click(rail["x"] + 2, rail["y"] + rail["height"] / 2)  # the left end of the timeline: before training
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(c => c._fullLayout && c._fullLayout.sliders && c._fullLayout.sliders.length && c._fullLayout.sliders[0].active === 0)"
    )
    page.wait_for_timeout(500)
    first = page.evaluate(REPLAY_STATE)
    assert "after 0 updates" in first["title"] and first["x"] != last["x"]  # another snapshot's generated points
    page.locator(".updatemenu-button").first.click()  # ▶ plays from the current frame
    page.wait_for_timeout(2500)
    playing = page.evaluate(REPLAY_STATE)
    assert playing["active"] > 0 and playing["title"] != first["title"]
    full_screenshot(page, ARTIFACTS / "gan-game.png")


def test_every_other_tab_draws_and_a_preset_trains_its_failure(server, page):
    """DCGAN and conditional GAN at one epoch; the hard tab first with no remedy (one run), then a preset adds its remedy."""
    page.goto(
        f"{server}/gan?tab=3&dcgan.epochs=1&cgan.epochs=1&hard.scenario=discriminator_wins&hard.balanced_rates=false",
        wait_until="domcontentloaded",
    )
    wait_until_idle(page, 5)
    _clean(page, "dcgan")
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Classes the judge names").count() == 1
    page.get_by_role("tab", name="④ Conditional GAN").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Judge agrees with the request").wait_for(timeout=LONG_MS)
    wait_until_idle(page, 3)
    _clean(page, "cgan")
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="7").first.click()
    page.locator(".gtitle").filter(has_text="Asked for “7”").wait_for(timeout=LONG_MS)
    page.get_by_role("tab", name="② Why GANs are hard to train").click()
    page.get_by_text("No remedy is on", exact=False).wait_for(timeout=LONG_MS)
    wait_until_idle(page, 5)  # one replay (the failing run alone), coverage, gradient, verdicts, saturation
    _clean(page, "hard")
    assert page.get_by_text("The discriminator wins:", exact=False).count() + page.get_by_text("does not win outright", exact=False).count() == 1
    page.get_by_role("button", name="The discriminator wins").click()  # its preset switches the non-saturating loss on
    page.get_by_text("The generator's gradient with the remedies", exact=False).wait_for(timeout=LONG_MS)
    wait_until_idle(page, 6)  # now a second replay: the run with the remedy
    _clean(page, "the preset's remedy")
    assert "hard.non_saturating=true" in page.url.lower()
    full_screenshot(page, ARTIFACTS / "gan-hard.png")


def test_your_own_points_a_bad_upload_is_named_and_a_box_draws_points(server, page, tmp_path):
    page.goto(f"{server}/gan?target=custom&steps=100&snapshot_every=25", wait_until="domcontentloaded")
    wait_until_idle(page, 1)
    assert error_boxes(page) == [] and page.get_by_text("Drag a box over the dots").count() == 1  # nothing drawn yet: what to do
    page.get_by_test_id("stRadioGroup").get_by_text("a CSV file").click()
    wait_until_idle(page, 1)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("x,y,z\n" + "1,2,3\n" * 30)
    good.write_text("x,y\n" + "\n".join(f"{i % 9},{(i * 7) % 11}" for i in range(80)))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.wait_for_function("() => document.body.innerText.includes('exactly two columns')")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(good))
    wait_until_idle(page, 4)
    _clean(page, "uploaded points")
    page.get_by_test_id("stRadioGroup").get_by_text("drawing", exact=True).click()
    wait_until_idle(page, 1)
    board = page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle", has_text="Draw")).locator(".nsewdrag").first
    board.scroll_into_view_if_needed()
    board = board.bounding_box()
    page.mouse.move(board["x"] + 0.2 * board["width"], board["y"] + 0.2 * board["height"])
    page.mouse.down()
    page.mouse.move(board["x"] + 0.45 * board["width"], board["y"] + 0.5 * board["height"], steps=8)
    page.mouse.up()
    wait_until_idle(page, 4)
    _clean(page, "drawn points")
    assert page.locator(".legendtext").filter(has_text="your points").count() == 1
    full_screenshot(page, ARTIFACTS / "gan-custom.png")
