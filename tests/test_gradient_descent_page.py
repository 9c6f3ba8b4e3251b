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
    assert not any(b.proto.is_form_submitter for b in app.get("button") if "Descend" in b.label)  # part 2 applies at once
    app.session_state["descent_rate.mode"] = "stochastic"
    app.session_state["descent_rate.learning_rate"] = 0.2
    app.session_state["descent_rate.epochs"] = 1
    app.run()
    assert_clean(app, min_charts=2)
    assert [m.value for m in app.metric if m.label == "What happened"] != ["smooth"]  # its loss jumps between about 0.3 and 5
    app.session_state["descent_race.landscape"] = "rosenbrock"
    app.session_state["descent_race.learning_rate"] = 2.0
    app.session_state["descent_race.steps"] = 10
    app.session_state["descent.tab"] = "③ Race"
    app.run()
    assert_clean(app, min_charts=2)
    assert any("Diverged" in w.value for w in app.warning)
    notices = " ".join(m.value for m in app.markdown if "What to notice" in m.value)
    assert "banana" in notices and "ravine" not in notices.lower()  # the caption follows the chosen landscape


def test_network_tab_at_its_extremes():
    app = open_page(PAGE)
    app.session_state["descent.tab"] = "④ Network"
    app.session_state["descent_net.optimizers"] = ["sgd", "adam"]
    app.session_state["descent_net.num_hidden_layers"] = 6
    app.session_state["descent_net.units"] = 64
    app.session_state["descent_net.batch_size"] = 0  # full batch
    app.session_state["descent_net.learning_rate"] = 3.0
    app.session_state["descent_net.adaptive_learning_rate"] = 3.0
    app.session_state["descent_net.epochs"] = 5
    app.session_state["descent_net.clipping"] = "global"
    app.session_state["descent_net.clip_threshold"] = 0.1
    app.run()
    assert_clean(app, min_charts=2)
    assert any("global_clipnorm" in c.value for c in app.caption)
    summary = app.dataframe[-1].value
    assert len(summary) == 2 and summary["final validation accuracy"].notna().all()
    app.session_state["descent_net.dataset"] = "digits"
    app.session_state["descent_net.num_hidden_layers"] = 1
    app.session_state["descent_net.units"] = 4
    app.session_state["descent_net.batch_size"] = 8
    app.session_state["descent_net.epochs"] = 1
    app.session_state["descent_net.clipping"] = "norm"
    app.session_state["descent_net.clip_threshold"] = 10.0
    app.run()
    assert_clean(app, min_charts=2)
    assert len(app.dataframe[-1].value) == 2
    assert any("clipnorm" in c.value and "each weight matrix" in c.value for c in app.caption)
