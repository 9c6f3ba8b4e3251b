"""Every page in the navigation runs under AppTest without an exception and draws its charts."""

import pytest

from pages.catalog import CATALOG, available
from tests.apptest_helpers import assert_clean, open_page


def test_catalog_lists_existing_pages_in_lecture_order():
    entries = available()
    assert entries, "no pages found"
    sections = [entry.section for entry in CATALOG]
    order = [sections.index(entry.section) for entry in entries]
    assert order == sorted(order)
    assert len({entry.url_path for entry in CATALOG}) == len(CATALOG)


def test_home_page_lists_every_available_page():
    app = open_page("pages/home.py")
    assert not app.exception, [e.value for e in app.exception]
    text = " ".join(block.value for block in app.markdown)
    for entry in available():
        assert entry.summary in text


@pytest.mark.parametrize("entry", available(), ids=lambda entry: entry.url_path)
def test_page_runs_with_defaults(entry):
    app = open_page(entry.path)
    assert_clean(app)
