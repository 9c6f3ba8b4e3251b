"""The gradient-descent page under AppTest, with its controls at their extremes."""

from tests.apptest_helpers import assert_clean, open_page, set_widget, submit_form

PAGE = "pages/gradient_descent.py"


def test_part_one_at_highest_learning_rate_and_smallest_settings():
    app = open_page(PAGE)
    assert_clean(app, min_charts=2)
    set_widget(app, "descent.learning_rate", 3.0)
    set_widget(app, "descent.epochs", 1)
    set_widget(app, "descent.num_samples", 50)
    set_widget(app, "descent.minibatch_size", 40)
    submit_form(app)
    assert_clean(app, min_charts=2)


def test_learning_rate_and_race_tabs_at_extremes():
    app = open_page(PAGE)
    app.session_state["descent_rate.learning_rate"] = 3.0
    app.session_state["descent.tab"] = "② Learning rate"
    app.run()
    assert_clean(app, min_charts=2)
    assert any("exploded" in w.value for w in app.warning)
    app.session_state["descent_race.landscape"] = "rosenbrock"
    app.session_state["descent_race.learning_rate"] = 2.0
    app.session_state["descent_race.steps"] = 10
    app.session_state["descent.tab"] = "③ Optimizers on landscapes"
    app.run()
    assert_clean(app, min_charts=2)
    assert any("Diverged" in w.value for w in app.warning)
