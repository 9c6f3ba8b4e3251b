"""Running one page of the app under Streamlit's AppTest, as a user would reach it."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page_path: str, timeout: float = 300) -> AppTest:
    """Start the app, navigate to `page_path` (e.g. "pages/vanishing.py") and run it once."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.switch_page(page_path)
    app.run()
    return app


def assert_clean(app: AppTest, min_charts: int = 1) -> None:
    """No exception and no error box, and at least `min_charts` Plotly charts."""
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert len(app.get("plotly_chart")) >= min_charts


def set_widget(app: AppTest, key: str, value) -> None:
    """Set a widget by its key, whatever its kind."""
    for kind in ("slider", "select_slider", "selectbox", "toggle", "checkbox", "radio", "number_input", "text_input", "multiselect"):
        for widget in app.get(kind):
            if getattr(widget, "key", None) == key:
                widget.set_value(value)
                return
    raise KeyError(f"no widget with key {key!r}")


def submit_form(app: AppTest) -> None:
    """Press the page's first form-submit button and rerun."""
    for button in app.get("button"):
        if getattr(button.proto, "is_form_submitter", False):
            button.click().run()
            return
    app.run()
