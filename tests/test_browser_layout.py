"""Every page's first tab laid out on a phone (390x844) and on a projector (1920x1080 at 150 %); the laptop size
(1440x900) is tests/test_browser.py's.

One server and one Chromium; one browser context per size, the pages visited in turn (the phone comes first and
trains every page's first figure, small on the architecture pages; the projector then reads the server's result
cache). Per page and size: nothing sticks out of the viewport sideways (dataframes and other horizontally scrollable
boxes may scroll inside themselves), every chart title fits its chart and lies under neither its toolbar nor its
legend, every chart holds numbers, no error box, no legend problem; on the projector a lab page's first screen holds a
whole chart. A screenshot of each (the first screen and the whole page) goes to tests/artifacts/layout/ for a person
to look at.
"""

import pytest

from pages.catalog import available
from tests.browser_harness import ARTIFACTS, SMALL_LINKS, chromium, error_boxes, full_screenshot, legend_problems, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "layout"  # tests/artifacts/* is ignored by git
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"  # pages may pick a phone layout from it
SIZES = {
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=PHONE_AGENT),
    "projector": dict(viewport={"width": 1280, "height": 720}, device_scale_factor=1.5),  # 1920x1080 at 150 %
}
PAGES = [(entry.url_path, 1) for entry in available()] + [("home", 0)]
CASES = [(size, name, charts) for size in SIZES for name, charts in PAGES]

# Elements whose right edge lies beyond the viewport and that no smaller box (scrollable or clipping) holds back.
# The page's own scrolling frames (html, body, Streamlit's app and main containers) are as wide as the window and
# do not count as holders: what overflows them is what a reader has to scroll sideways to see.
OVERFLOW_CHECK = """
(() => {
  const width = window.innerWidth;
  const frames = new Set([document.documentElement, document.body,
    ...document.querySelectorAll('[data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"]')]);
  const held = element => {
    for (let parent = element.parentElement; parent && !frames.has(parent); parent = parent.parentElement) {
      const overflow = getComputedStyle(parent).overflowX;
      if (overflow !== 'visible' && parent.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const describe = element => {
    const id = element.closest('[data-testid]');
    return `${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? '.' + element.className.split(' ')[0] : ''}`
      + ` in ${id ? id.getAttribute('data-testid') : 'page'} (right edge ${Math.round(element.getBoundingClientRect().right)} px > ${width} px):`
      + ` "${(element.innerText || element.textContent || '').trim().slice(0, 50)}"`;
  };
  const problems = [];
  const main = document.querySelector('[data-testid="stMain"]');
  if (document.scrollingElement.scrollWidth > width + 1) problems.push(`the page scrolls sideways: ${document.scrollingElement.scrollWidth} px wide in a ${width} px window`);
  if (main && main.scrollWidth > main.clientWidth + 1) problems.push(`the main area scrolls sideways: ${main.scrollWidth} px wide in ${main.clientWidth} px`);
  for (const element of document.querySelectorAll('[data-testid="stMain"] *')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    if (!held(element)) problems.push(describe(element));
  }
  return [...new Set(problems)].slice(0, 12);
})()
"""

# A chart's title must fit its chart (every chart, with or without a legend), must not be covered by the legend, and
# must not lie under Plotly's toolbar (Plotly draws its modebar, invisible until hovered or touched, with every chart,
# so its box is there to compare) or Streamlit's element toolbar (the fullscreen button) above the chart.
TITLE_TOOLBAR_CHECK = """
[...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
  const box = chart.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return [];
  const title = chart.querySelector('.gtitle');
  if (!title) return [];
  const t = title.getBoundingClientRect();
  if (t.width === 0) return [];
  const name = (title.textContent || '').slice(0, 60);
  const clipped = [];
  if (t.right > box.right + 1 || t.left < box.left - 1) clipped.push(`${name}: the title runs past the chart's side`);
  if (t.top < box.top - 1) clipped.push(`${name}: the title is cut off at the top`);
  const legend = chart.querySelector('.legend');
  if (legend) {
    const l = legend.getBoundingClientRect();
    if (l.width > 0 && l.height > 0 && t.left < l.right - 1 && t.right > l.left + 1 && t.top < l.bottom - 1 && t.bottom > l.top + 1) clipped.push(`${name}: the legend covers the title`);
  }
  const element = chart.closest('[data-testid="stElementContainer"], .element-container') || chart.parentElement;
  const bars = [...chart.querySelectorAll('.modebar')].concat([...element.querySelectorAll('[data-testid="stElementToolbar"]')]);
  return clipped.concat(bars.flatMap(bar => {
    const b = bar.getBoundingClientRect();
    const overlap = b.width > 0 && b.height > 0 && t.left < b.right - 1 && t.right > b.left + 1 && t.top < b.bottom - 1 && t.bottom > b.top + 1;
    return overlap ? [`${name}: the title runs under the ${bar.classList.contains('modebar') ? 'Plotly toolbar' : 'chart toolbar'}`] : [];
  }));
})
"""

# Every visible chart holds at least one finite number in some trace (Plotly decodes the binary "bdata" arrays
# Streamlit sends into typed arrays in _fullData, so the numbers are read there, never from the JSON text).
DATA_CHECK = """
[...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
  const box = chart.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return [];
  const name = ((chart._fullLayout && chart._fullLayout.title && chart._fullLayout.title.text) || 'untitled chart').replace(/<[^>]+>/g, '');
  const finite = (value, depth) => {
    if (value == null || depth > 4) return false;
    if (typeof value === 'number') return Number.isFinite(value);
    if (typeof value === 'string') return value.length > 0 && Number.isFinite(Number(value));
    if (ArrayBuffer.isView(value)) return Array.prototype.some.call(value, Number.isFinite);
    if (Array.isArray(value)) return value.some(item => finite(item, depth + 1));
    return false;
  };
  const traces = chart._fullData || chart.data || [];
  const filled = traces.some(trace => ['x', 'y', 'z', 'values', 'r', 'source'].some(key =>
    key === 'source' ? typeof trace.source === 'string' && trace.source.length > 0 : finite(trace[key], 0)));
  return filled ? [] : [name + ': no numbers in any trace'];
})
"""

# A whole chart inside the first screen (the window before any scrolling). At 1920x1080 and 150 % the window is 720 CSS
# pixels tall: app.py's CSS for short, wide windows makes the title smaller, and every lab page draws its first tab's
# main figure right under the tab bar (its controls follow), so a lecturer sees a whole chart without scrolling.
FIRST_SCREEN_CHART = """
[...document.querySelectorAll('.js-plotly-plot')].some(chart => {
  const box = chart.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight + 1;
})
"""


@pytest.fixture(scope="module")
def server():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


@pytest.fixture(scope="module")
def contexts():
    """One browser context per screen size, made when first needed."""
    with chromium() as browser:
        made = {}

        def context(size):
            if size not in made:
                made[size] = browser.new_context(**SIZES[size])
            return made[size]

        yield context
        for each in made.values():
            each.close()


def scroll_to_top(page) -> None:
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0); window.scrollTo(0, 0)")
    page.wait_for_timeout(300)


@pytest.mark.parametrize(("size", "name", "min_charts"), CASES, ids=[f"{size}-{name}" for size, name, _ in CASES])
def test_first_tab_fits_the_screen(server, contexts, size, name, min_charts):
    page = contexts(size).new_page()
    small = SMALL_LINKS.get(name)  # the architecture pages train small here; their lessons are tested elsewhere
    try:
        page.goto(f"{server}/{'' if name == 'home' else name}" + (f"?{small}" if small else ""), wait_until="domcontentloaded")
        wait_until_idle(page, min_charts)
        page.wait_for_timeout(500)  # Plotly finishes its layout (titles, legends) after the chart appears
        scroll_to_top(page)
        page.screenshot(path=str(SHOTS / f"{size}-{name}-first-screen.png"))
        first_screen_has_chart = page.evaluate(FIRST_SCREEN_CHART)
        problems = {
            "errors": error_boxes(page),
            "overflow": page.evaluate(OVERFLOW_CHECK),
            "titles": page.evaluate(TITLE_TOOLBAR_CHECK),
            "empty charts": page.evaluate(DATA_CHECK),
            "legends": legend_problems(page),
        }
        full_screenshot(page, SHOTS / f"{size}-{name}.png")
        assert {kind: found for kind, found in problems.items() if found} == {}
        if min_charts:
            assert page.locator(".js-plotly-plot").count() >= min_charts
        if size == "projector" and min_charts:
            assert first_screen_has_chart, f"no whole chart on the projector's first screen (see {size}-{name}-first-screen.png)"
    finally:
        page.close()
