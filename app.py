"""Entry point: page config, grouped navigation over pages/, and the sidebar device badge.

Run with ``streamlit run app.py`` (see README.md).
"""

from pathlib import Path

import streamlit as st

from pages.catalog import available
from pages.components import device_badge

APP_FOLDER = Path(__file__).resolve().parent

st.set_page_config(page_title="Deep learning, live", page_icon="🧠", layout="wide")
if Path.cwd().resolve() != APP_FOLDER:  # Streamlit reads .streamlit/config.toml from the working folder only
    st.error(
        "Start the app from its own folder, so that Streamlit reads `.streamlit/config.toml` (upload size cap, no file "
        f"watcher, theme): `cd {APP_FOLDER}` and then `streamlit run app.py` (or `make run`)."
    )
    st.stop()

# Static CSS (no user text): tabs wrap onto a second line instead of hiding behind a scroll arrow on a phone,
# captions at near-full contrast for a projector, and less empty space above the title so more of a lab
# sheet fits the first screen. A <style>-only st.html takes no space on the page.
st.html(
    "<style>"
    '[data-testid="stTabs"] [role="tablist"] { flex-wrap: wrap; row-gap: 0.25rem; }'
    '[data-testid="stCaptionContainer"] { color: rgba(49, 51, 63, 0.85); }'
    '[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }'
    # a short, wide window (a projector at 150 %, a 1366x768 laptop): a smaller title and less space around it
    "@media (min-width: 640px) and (max-height: 820px) {"
    '[data-testid="stMainBlockContainer"] { padding-top: 1rem; }'
    '[data-testid="stMain"] h1 { font-size: 2.1rem; padding-top: 0.25rem; padding-bottom: 0.5rem; }'
    "}"
    "</style>"
)

home = st.Page("pages/home.py", title="Home: the map", icon="🧠", default=True)
sections: dict[str, list] = {"Start": [home]}
for entry in available():
    page = st.Page(entry.path, title=entry.title, icon=entry.icon, url_path=entry.url_path)
    sections.setdefault(entry.section, []).append(page)

current = st.navigation(sections, expanded=True)
st.session_state["_current_page"] = current.url_path  # pages.settings keeps each page's first link under it
device_badge()
current.run()
