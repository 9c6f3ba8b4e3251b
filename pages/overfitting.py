"""Lab sheet: overfitting and underfitting."""

import streamlit as st

from dlcore.diagnosis import GOOD_FIT, OVERFITTING
from dlcore.experiments import overfitting as exp
from dlcore.plots import overfitting as plots
from pages import components as ui

PREFIX, SWEEP, STOP = "overfitting", "overfitting_sweep", "overfitting_stop"
DEFAULTS = exp.Config()
SWEEP_DEFAULTS = exp.SweepConfig()
STOP_DEFAULTS = exp.PolynomialConfig(degree=15, early_stopping=True, patience=40)
SWEEP_LABELS = {"capacity": "Capacity (polynomial degree)", "training_size": "Training-set size (learning curve)", "noise": "Noise level"}


def show_diagnosis(diagnosis, what: str) -> None:
    text = f"**{what}: {diagnosis.label}.** {diagnosis.reason}"
    {OVERFITTING: st.warning, GOOD_FIT: st.success}.get(diagnosis.label, st.info)(text)


def error_figure(fit, y_title: str, title: str):
    history = fit.history
    return plots.error_curves(history.epochs, y_title, history.best_epoch or fit.diagnosis.best_epoch, history.stopped_early_epoch, title)


def live_errors(info):
    """While a fit trains: its training and validation error so far."""
    if info.epochs_table is None or not len(info.epochs_table):
        return None
    return plots.error_curves(info.epochs_table, "error (log scale)", title=f"{info.label}: training vs validation error")


def live_sweep(sweep_config, info):
    """While a sweep trains: every model's errors so far, against the swept value."""
    if info.epochs_table is None or not len(info.epochs_table):
        return None
    train_error, val_error = exp.sweep_errors(sweep_config, info.epochs_table)
    return plots.sweep_curve(sweep_config.kind, sweep_config.values, train_error, val_error)


ui.lab_header(
    "🎯 Overfitting and underfitting",
    "A model with too little **capacity** cannot follow the pattern in the data: its errors on the training set and on "
    "new data are both high (**underfitting**). A model with too much capacity for the amount of data bends to fit "
    "every noisy point it was shown: its training error keeps shrinking while its error on held-out **validation** "
    "data grows (**overfitting**). Change the capacity below, watch the gap between the two errors, then sweep "
    "capacity, data size and noise, and try early stopping as a cure.",
)
# Each tab's settings travel in the URL: the capacity tab's under bare names, the others as "sweep.kind=...".
for prefix, defaults, part in ((PREFIX, DEFAULTS, ""), (SWEEP, SWEEP_DEFAULTS, "sweep"), (STOP, STOP_DEFAULTS, "stop")):
    ui.init_state(prefix, defaults, part)

# Only the open tab trains (the others keep their controls), so a first visit costs one pair of fits.
capacity_tab, sweep_tab, stop_tab = ui.lab_tabs(["1 · Capacity", "2 · Sweeps", "3 · Early stopping"], f"{PREFIX}.tab")

with capacity_tab:
    st.markdown("**Try a preset** (each sets several controls at once):")
    for column, (name, values) in zip(st.columns(len(exp.PRESETS)), exp.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(PREFIX, values, exp.Config), width="stretch", key=f"{PREFIX}.preset.{name}")
    with st.form(f"{PREFIX}.form"):
        regression_column, classifier_column, data_column = st.columns(3)
        with regression_column:
            st.markdown("**Polynomial (1-D regression)**")
            ui.control(PREFIX, exp.Config, "degree", "Polynomial degree")
        with classifier_column:
            st.markdown("**Neural network (2-D classifier)**")
            ui.control(PREFIX, exp.Config, "num_hidden_layers", "Hidden layers (depth)")
            ui.control(PREFIX, exp.Config, "units", "Units per hidden layer (width)")
            ui.control(PREFIX, exp.Config, "dataset", "Data set")
        with data_column:
            st.markdown("**Data and training**")
            ui.control(PREFIX, exp.Config, "num_points", "Training points (the classifier gets 3×)")
            ui.control(PREFIX, exp.Config, "noise", "Noise (standard deviation)")
            ui.control(PREFIX, exp.Config, "epochs", "Epochs")
            ui.control(PREFIX, exp.Config, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train both models", type="primary")
    config = ui.shared_config(PREFIX, DEFAULTS)
    if config.early_stopping:
        st.caption(f"Early stopping is on (patience {config.patience} epochs), set by the preset.")
    result = ui.run_experiment(exp.run_both, config, live_figure=live_errors) if capacity_tab.open else None
    if result is not None:
        poly, clf = result.polynomial, result.classifier
        left, right = st.columns(2)
        with left:
            show_diagnosis(poly.diagnosis, f"Polynomial of degree {config.degree}")
            ui.chart(plots.polynomial_fit(poly.x_train, poly.y_train, poly.x_val, poly.y_val, poly.curve_x, poly.curve_true, poly.curve_fit, f"Degree-{config.degree} polynomial on {config.num_points} noisy points"))
            ui.notice("a low degree draws a curve too stiff to follow the dashed true function; a high degree threads through the blue training points and swings wildly between them.")
            ui.chart(error_figure(poly, "mean squared error (log scale)", "Polynomial: training vs validation error"))
            ui.notice("the shaded band is the gap between validation and training error; when the orange line turns upward after its star the model has started to learn the noise.")
        with right:
            show_diagnosis(clf.diagnosis, f"Network {config.num_hidden_layers}×{config.units}")
            ui.chart(plots.decision_boundary(clf.grid_x, clf.grid_y, clf.grid_probability, clf.x_train, clf.y_train, clf.x_val, clf.y_val, f"{config.dataset}: {config.num_hidden_layers} hidden layers × {config.units} units"))
            ui.notice("a big network carves small islands around single noisy training points (filled); the hollow validation points show those islands are wrong for new data.")
            ui.chart(error_figure(clf, "cross-entropy (log scale)", "Classifier: training vs validation error"))
            ui.notice("with few points and many units the training error heads toward zero while the validation error stalls or climbs.")

with sweep_tab:
    st.markdown("Train one polynomial per setting, all at once in one compiled loop, and compare their **final** errors.")
    with st.form(f"{SWEEP}.form"):
        kind_column, fixed_column = st.columns(2)
        with kind_column:
            ui.control(SWEEP, exp.SweepConfig, "kind", "What varies", widget="radio", format_func=SWEEP_LABELS.get)
            ui.control(SWEEP, exp.SweepConfig, "epochs", "Epochs")
        with fixed_column:
            st.markdown("**Held fixed while the others vary**")
            ui.control(SWEEP, exp.SweepConfig, "degree", "Polynomial degree")
            ui.control(SWEEP, exp.SweepConfig, "num_points", "Training points")
            ui.control(SWEEP, exp.SweepConfig, "noise", "Noise (standard deviation)")
        st.form_submit_button("▶ Run the sweep", type="primary")
    sweep_config = ui.shared_config(SWEEP, SWEEP_DEFAULTS, "sweep")
    sweep = ui.run_experiment(exp.run_sweep, sweep_config, live_figure=lambda info: live_sweep(sweep_config, info)) if sweep_tab.open else None
    if sweep is not None:
        best = sweep.best_index
        ui.chart(plots.sweep_curve(sweep_config.kind, sweep.values, sweep.train_error, sweep.val_error, sweep.noise_floor, best))
        st.caption(f"{len(sweep.values)} models trained together in {sweep.seconds:.1f} s. Lowest validation error at {sweep.values[best]:g}.")
        ui.notice(
            {
                "capacity": "training error only falls as the degree grows, but validation error traces a U: too simple on the left, too flexible on the right; the star is the sweet spot.",
                "training_size": "more data closes the gap: a flexible model that overfits 10 points fits 100 points almost as well on new data as on the old.",
                "noise": "both errors rise with the noise, and the gap grows with it: the more noise there is to memorise, the more a flexible model is misled.",
            }[sweep_config.kind]
        )

with stop_tab:
    st.markdown(
        "Early stopping watches the validation error while training and stops once it has not improved for **patience** "
        "epochs, then restores the weights from the best epoch. It is a cure for overfitting that costs nothing but a "
        "held-out set."
    )
    with st.form(f"{STOP}.form"):
        left, right = st.columns(2)
        with left:
            ui.control(STOP, exp.PolynomialConfig, "early_stopping", "Early stopping")
            ui.control(STOP, exp.PolynomialConfig, "patience", "Patience (epochs without improvement)")
        with right:
            ui.control(STOP, exp.PolynomialConfig, "degree", "Polynomial degree")
            ui.control(STOP, exp.PolynomialConfig, "epochs", "Epochs")
        st.form_submit_button("▶ Train with and without", type="primary")
    stop_config = ui.shared_config(STOP, STOP_DEFAULTS, "stop")
    comparison = ui.run_experiment(exp.compare_early_stopping, stop_config, live_figure=live_errors) if stop_tab.open else None
    if comparison is not None:
        stopped, full = comparison.stopped, comparison.full
        metrics = st.columns(3)
        epoch = stopped.history.stopped_early_epoch
        metrics[0].metric("Stopped at epoch", f"{epoch}" if epoch else "ran to the end", help=f"out of {stop_config.epochs}")
        metrics[1].metric("Validation error kept", f"{stopped.diagnosis.final_val_error:.3g}", delta=f"{stopped.diagnosis.final_val_error - full.diagnosis.final_val_error:+.3g} vs no stopping", delta_color="inverse")
        metrics[2].metric("Validation error without stopping", f"{full.diagnosis.final_val_error:.3g}")
        show_diagnosis(stopped.diagnosis, "With these settings")
        left, right = st.columns(2)
        with left:
            kept = stopped.history.best_epoch if epoch else full.diagnosis.best_epoch
            label = "weights early stopping kept" if epoch else "lowest validation error"
            ui.chart(plots.error_curves(full.history.epochs, "mean squared error (log scale)", kept, epoch, "Full run, early stop marked", best_label=label))
            ui.notice(
                "the dashed line is where early stopping gave up and the star is the epoch whose weights it restored; training to the right only widened "
                "the gap. Too short a patience stops on an early wobble of the validation error, before the model has learned the pattern."
            )
        with right:
            ui.chart(plots.polynomial_fit(stopped.x_train, stopped.y_train, stopped.x_val, stopped.y_val, stopped.curve_x, stopped.curve_true, stopped.curve_fit, "The curve early stopping kept"))
            ui.notice("restored from the best epoch, the curve is smoother than the fully trained one in tab 1: the wild swings come late in training.")
