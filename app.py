"""Entry point: page config, grouped navigation over pages/, and the sidebar device badge.

Run with ``streamlit run app.py`` (see README.md).
"""

import streamlit as st

from pages.catalog import available
from pages.components import device_badge

st.set_page_config(page_title="Deep learning, live", page_icon="🧠", layout="wide")

home = st.Page("pages/home.py", title="Home: the map", icon="🧠", default=True)
sections: dict[str, list] = {"Start": [home]}
for entry in available():
    page = st.Page(entry.path, title=entry.title, icon=entry.icon, url_path=entry.url_path)
    sections.setdefault(entry.section, []).append(page)

current = st.navigation(sections, expanded=True)
device_badge()
current.run()
