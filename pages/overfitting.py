"""Lab sheet: overfitting and underfitting."""

import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore.diagnosis import GOOD_FIT, OVERFITTING, UNDERFITTING
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
    return plots.error_curves(history.epochs, y_title, history.best_epoch or fit.diagnosis.best_epoch, history.stopped_early_epoch, title, noise_floor=fit.noise_floor)


FIT_SENTENCES = {
    "polynomial": {
        UNDERFITTING: "this curve is too stiff to follow the dotted true function, so it misses the training points too.",
        OVERFITTING: "this curve bends toward single noisy training points (filled) and swings between them, so it misses new points (hollow).",
        GOOD_FIT: "this curve follows the dotted true function and ignores the scatter of single points around it.",
    },
    "network": {
        UNDERFITTING: "this boundary is too simple for the pattern: many training points (filled) sit on the wrong side.",
        OVERFITTING: "this boundary makes room for single noisy training points (filled); the hollow validation points show those detours are wrong for new data.",
        GOOD_FIT: "this boundary follows the pattern and leaves the few noisy training points on the wrong side, as a perfect model would.",
    },
}


def floor_notice(fit) -> str:
    """What the error curves of this run show, with its numbers."""
    d = fit.diagnosis
    below = " The training error went below the floor: no honest model can, so that part is memorised noise." if d.final_train_error < fit.noise_floor else ""
    return (
        f"the dotted line is the noise floor ({fit.noise_floor:.3g}), the error of a perfect model on these validation points; validation error "
        f"was lowest at epoch {d.best_epoch} ({d.best_val_error:.3g}) and ends at {d.final_val_error:.3g}.{below}"
    )


def stopping_note(fit) -> str:
    epoch = fit.history.stopped_early_epoch
    return f"early stopping stopped at epoch {epoch} and kept epoch {fit.history.best_epoch}" if epoch else "early stopping never fired: validation error kept improving"


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


def stopping_notice(comparison, config) -> str:
    """What the full run's curves say about this early stop, from its numbers."""
    epoch, kept, full = comparison.stopped.history.stopped_early_epoch, comparison.kept_val_error, comparison.full_val_error
    if not epoch:
        return f"validation error never went {config.patience} epochs without improving, so early stopping never fired."
    start = f"the dashed red line is where early stopping gave up and the star is the epoch whose weights it kept (validation {kept:.3g}). "
    if kept < full:
        return start + f"Training on to epoch {config.epochs} only made new points worse ({full:.3g})."
    return start + (
        f"Here the validation error dipped early and fell again later, so the full run ends lower ({full:.3g}): "
        "a short patience stops on a wobble. Try a longer patience."
    )


def curve_notice(comparison) -> str:
    """Is the kept curve tamer than the fully trained one? Said from the two curves' largest distance to the true function."""
    (kept, kept_x), (full, full_x) = comparison.kept_deviation, comparison.full_deviation
    if comparison.kept_is_closer:
        still = f", but even the kept curve swings near x = {kept_x:.2f}, where few training points pin it down." if kept > 0.5 else "."
        return f"the kept curve strays at most {kept:.2g} from the true function, the fully trained one {full:.2g} (near x = {full_x:.2f}): the wildest swings came late{still}"
    return (
        f"the kept curve is no tamer: it strays {kept:.2g} from the true function near x = {kept_x:.2f} (fully trained: {full:.2g}). "
        "A high-degree polynomial swings near the ends of the interval, where few points pin it down, early in training: stopping early cannot undo too much capacity."
    )


def sweep_notice(kind: str, sweep) -> str:
    """The sweep's lesson, chosen from its own final errors."""
    values, train, val, best = sweep.values, sweep.train_error, sweep.val_error, sweep.best_index
    if kind == "capacity":
        if 0 < best < len(values) - 1:
            return (
                f"training error falls as the degree grows ({train[0]:.3g} → {train[-1]:.3g}) but validation error traces a U: lowest at degree "
                f"{values[best]:g} ({val[best]:.3g}), higher for simpler (too stiff) and for more flexible (too wiggly) polynomials."
            )
        side = "most flexible" if best else "simplest"
        return f"here the {side} polynomial has the lowest validation error ({val[best]:.3g}): with these points and this noise the U has no bottom inside the range swept."
    gaps = val - train
    if kind == "training_size":
        verb = "closes" if gaps[-1] < gaps[0] else "does not close"
        return f"more data {verb} the gap between validation and training error: {gaps[0]:.3g} with {values[0]:g} points, {gaps[-1]:.3g} with {values[-1]:g}."
    trend = "rises" if val[-1] > val[0] else "does not rise"
    grows = "grows" if gaps[-1] > gaps[0] else "does not grow"
    lesson = ": the more noise there is, the more a flexible model memorises." if gaps[-1] > gaps[0] else "."
    return f"validation error {trend} with the noise ({val[0]:.3g} → {val[-1]:.3g}) and the gap {grows} ({gaps[0]:.3g} → {gaps[-1]:.3g}){lesson}"


ui.lab_header(
    "🎯 Overfitting and underfitting",
    "A model with too little **capacity** cannot follow the pattern in the data: its errors on the training set and on "
    "new data are both high (**underfitting**). A model with too much capacity for the amount of data bends to fit "
    "every noisy point it was shown: its training error keeps shrinking while its error on held-out **validation** "
    "data grows (**overfitting**). Change the capacity below, watch the gap between the two errors, then sweep "
    "capacity, data size and noise, and try early stopping.",
)
# Each tab's settings travel in the URL: the capacity tab's under bare names, the others as "sweep.kind=...".
for prefix, defaults, part in ((PREFIX, DEFAULTS, ""), (SWEEP, SWEEP_DEFAULTS, "sweep"), (STOP, STOP_DEFAULTS, "stop")):
    ui.init_state(prefix, defaults, part)

# Only the open tab trains (the others keep their controls), so a first visit costs one pair of fits.
capacity_tab, sweep_tab, stop_tab = ui.lab_tabs(["1 · Capacity", "2 · Sweeps", "3 · Early stopping"], f"{PREFIX}.tab")

with capacity_tab:
    fits = st.container()  # the two fits and their diagnoses first; the presets, the settings and then the error curves under them
    st.markdown("**Try a preset** (each sets several controls at once):")
    for column, (name, values) in zip(st.columns(len(exp.PRESETS)), exp.PRESETS.items()):
        column.button(name, on_click=ui.apply_preset, args=(PREFIX, values, exp.Config), width="stretch", key=f"{PREFIX}.preset.{name}")
    settings = ui.shared_config(PREFIX, DEFAULTS)
    summary = f"degree {settings.degree} · network {settings.num_hidden_layers}×{settings.units} · {settings.num_points} points · noise {settings.noise:g} · {settings.epochs} epochs"
    # folded by default, so that the presets and the settings take little room between the fits and their error curves
    with st.expander(f"⚙️ Settings: {summary}"), st.form(f"{PREFIX}.form"):
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
    with fits:
        result = ui.run_experiment(exp.run_both, config, live_figure=live_errors) if capacity_tab.open else None
    if result is not None:
        poly, clf = result.polynomial, result.classifier
        with fits:
            left, right = st.columns(2)
            with left:
                ui.chart(plots.polynomial_fit(poly.x_train, poly.y_train, poly.x_val, poly.y_val, poly.curve_x, poly.curve_true, poly.curve_fit, f"Degree {config.degree}, {config.num_points} noisy points"))
                show_diagnosis(poly.diagnosis, f"Polynomial of degree {config.degree}")
                ui.notice(FIT_SENTENCES["polynomial"][poly.diagnosis.label])
            with right:
                ui.chart(plots.decision_boundary(clf.grid_x, clf.grid_y, clf.grid_probability, clf.x_train, clf.y_train, clf.x_val, clf.y_val, f"{config.dataset}: {config.num_hidden_layers} layers × {config.units} units"))
                show_diagnosis(clf.diagnosis, f"Network {config.num_hidden_layers}×{config.units}")
                ui.notice(FIT_SENTENCES["network"][clf.diagnosis.label])
            if config.early_stopping:  # under the diagnoses it explains
                rescued = [name for name, fit in (("the polynomial", poly), ("the network", clf)) if fit.diagnosis.label == GOOD_FIT]
                st.caption(
                    f"Early stopping is on (patience {config.patience} epochs): for the polynomial {stopping_note(poly)}; for the network {stopping_note(clf)}. "
                    + (f"It kept a good fit for {' and '.join(rescued)}. " if rescued else "")
                    + ("It can only keep the best moment of a run: where that moment was still far from the floor, the kept model stays a poor fit." if len(rescued) < 2 else "")
                )
        left, right = st.columns(2)
        with left:
            ui.chart(error_figure(poly, "MSE (log scale)", "Polynomial: training vs validation"))
            ui.notice(floor_notice(poly))
        with right:
            ui.chart(error_figure(clf, "cross-entropy (log scale)", "Classifier: training vs validation"))
            ui.notice(floor_notice(clf))

with sweep_tab:
    st.markdown("Train one polynomial per setting, all at once in one compiled loop, and compare their **final** errors.")
    sweep_slot = st.container()  # the sweep's curve first, its controls under it
    # A sweep trains in about half a second once compiled (bench: capacity_sweep_s), so its controls apply at once: no form.
    kind_column, fixed_column = st.columns(2)
    with kind_column:
        ui.control(SWEEP, exp.SweepConfig, "kind", "What varies", widget="radio", format_func=SWEEP_LABELS.get)
        ui.control(SWEEP, exp.SweepConfig, "epochs", "Epochs")
    with fixed_column:
        st.markdown("**Held fixed while the others vary**")
        ui.control(SWEEP, exp.SweepConfig, "degree", "Polynomial degree")
        ui.control(SWEEP, exp.SweepConfig, "num_points", "Training points")
        ui.control(SWEEP, exp.SweepConfig, "noise", "Noise (standard deviation)")
    sweep_config = ui.shared_config(SWEEP, SWEEP_DEFAULTS, "sweep")
    with sweep_slot:
        sweep = ui.run_experiment(exp.run_sweep, sweep_config, live_figure=lambda info: live_sweep(sweep_config, info)) if sweep_tab.open else None
        if sweep is not None:
            best = sweep.best_index
            ui.chart(plots.sweep_curve(sweep_config.kind, sweep.values, sweep.train_error, sweep.val_error, sweep.noise_floor, best))
            st.caption(f"{len(sweep.values)} models trained together in {sweep.seconds:.1f} s. Lowest validation error at {sweep.values[best]:g}.")
            ui.notice(sweep_notice(sweep_config.kind, sweep))

with stop_tab:
    st.markdown(
        "Early stopping watches the validation error while training and stops once it has not improved for **patience** "
        "epochs, then restores the weights from the best epoch. It guards against overfitting at the cost of a "
        "held-out set. Whether it helps, and how much, depends on the run: the numbers below say."
    )
    stop_slot = st.container()  # the run's numbers and curves first, its controls under them
    # Two polynomial fits take under a second, so these controls apply at once: no form.
    left, right = st.columns(2)
    with left:
        ui.control(STOP, exp.PolynomialConfig, "early_stopping", "Early stopping")
        ui.control(STOP, exp.PolynomialConfig, "patience", "Patience (epochs without improvement)")
    with right:
        ui.control(STOP, exp.PolynomialConfig, "degree", "Polynomial degree")
        ui.control(STOP, exp.PolynomialConfig, "epochs", "Epochs")
    stop_config = ui.shared_config(STOP, STOP_DEFAULTS, "stop")
    with stop_slot:
        comparison = ui.run_experiment(exp.compare_early_stopping, stop_config, live_figure=live_errors) if stop_tab.open else None
        if comparison is not None:
            stopped, full = comparison.stopped, comparison.full
            metrics = st.columns(3)
            epoch = stopped.history.stopped_early_epoch
            metrics[0].metric("Stopped at epoch", f"{epoch}" if epoch else "ran to the end", help=f"out of {stop_config.epochs}")
            metrics[1].metric("Validation error kept", f"{stopped.diagnosis.final_val_error:.3g}", delta=f"{stopped.diagnosis.final_val_error - full.diagnosis.final_val_error:+.3g} vs no stopping", delta_color="inverse")
            metrics[2].metric("Validation error without stopping", f"{full.diagnosis.final_val_error:.3g}")
            show_diagnosis(stopped.diagnosis, "The weights kept")
            left, right = st.columns(2)
            with left:
                kept = stopped.history.best_epoch if epoch else full.diagnosis.best_epoch
                label = "weights early stopping kept" if epoch else "lowest validation error"
                ui.chart(plots.error_curves(full.history.epochs, "MSE (log scale)", kept, epoch, "Full run, early stop marked", best_label=label, noise_floor=full.noise_floor))
                ui.notice(stopping_notice(comparison, stop_config))
            with right:
                others = ((f"fully trained (epoch {stop_config.epochs})", full.curve_fit),) if epoch else ()
                ui.chart(plots.polynomial_fit(stopped.x_train, stopped.y_train, stopped.x_val, stopped.y_val, stopped.curve_x, stopped.curve_true, stopped.curve_fit, "Kept curve vs fully trained", fit_name=f"kept (epoch {kept})" if epoch else "model's curve", others=others))
                ui.notice(curve_notice(comparison) if epoch else "early stopping did not stop, so this is the fully trained curve.")
