"""Imported before anything heavy by every lab page: a deep link on a fresh server goes through app.py first.

Until app.py has called st.navigation once in a server process, Streamlit
treats the folder named pages/ as an old-style page directory and runs the
requested page file alone (flat list of files, no grouped navigation, no
sidebar badge). Importing this module in that mode leaves it and reruns, so
app.py runs and routes to the same page by its URL. Doing it on import, before
the page's own imports load TensorFlow (about 8 s), means a student following
a link never stares at an empty page: app.py shows its "Starting TensorFlow"
spinner instead.
"""

from __future__ import annotations

import threading

import streamlit as st

_rerouted_once = threading.Event()  # process-wide and one-way: set after the first reroute


def ensure_app_navigation() -> None:
    """Leave the old pages-folder mode once and rerun through app.py.

    Only once per process: Streamlit's AppTest resets the mode before every
    run, and a rerun there would swallow the button click that started the run.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not _rerouted_once.is_set():
        _rerouted_once.set()
        PagesManager.uses_pages_directory = False
        st.rerun()


ensure_app_navigation()
