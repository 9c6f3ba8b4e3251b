"""Home: the map of concepts, in lecture order, with one line each."""

import streamlit as st

from pages.catalog import available
from pages.components import ensure_app_navigation

ensure_app_navigation()
st.title("🧠 Deep learning, live")
st.markdown(
    "Every figure in this app comes from a real Keras model trained while you watch, on this machine. "
    "Pick a concept, change one setting at a time, and compare what happens. Each page reads like a lab "
    "sheet: a short explanation, the controls, the figures, and what to notice."
)

current_section = None
for entry in available():
    if entry.section != current_section:
        st.subheader(entry.section)
        current_section = entry.section
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        st.page_link(entry.path, label=entry.title, icon=entry.icon)
    with right:
        st.markdown(entry.summary)

st.divider()
st.caption(
    "Tip for lectures: every page puts its settings in the address bar, so a link reproduces the exact run "
    "(same seed, same numbers). Use the 📌 pin button where a page offers it to overlay two runs."
)
