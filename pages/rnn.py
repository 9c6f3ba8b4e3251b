"""Lab sheet: recurrent networks: hidden state through time, long-range dependency, the LSTM's gates, and a model that writes."""

from functools import partial

import streamlit as st

import pages.navigation  # noqa: F401  (first of our imports: a deep link on a fresh server reroutes through app.py before TensorFlow loads)
from dlcore import texts
from dlcore.experiments import rnn as lab
from dlcore.plots import rnn as plots
from pages import components as ui

PREFIX = "rnn"
UPLOADED = f"{PREFIX}.uploaded_text"  # this session's validated upload (never in a shared store under a name)
SONNETS = f"{PREFIX}.sonnets_text"  # this session's sonnets, or the fallback after a failed download

ui.lab_header(
    "🔗 RNNs & LSTM",
    "A recurrent network reads a sequence one item at a time and keeps a **hidden state**: a vector that it "
    "updates at every step from the new input and its own previous value, with the *same* weights each time. "
    "That state is the network's memory. Below: watch it change character by character, measure how far back a "
    "plain RNN can remember compared with a GRU and an LSTM, look inside the LSTM's gates, and train a model "
    "that writes like the text you give it.",
)
TAB_NAMES = ["① Unrolled", "② Long-range dependency", "③ Inside the LSTM", "④ Write like…"]


def remember(prefix: str, defaults) -> None:
    ui.init_state(prefix, defaults, prefix.removeprefix(f"{PREFIX}."))


def settings(prefix: str, defaults):
    return ui.shared_config(prefix, defaults, prefix.removeprefix(f"{PREFIX}."))


def skipped_warning(skipped: tuple[str, ...]) -> None:
    if skipped:
        listed = ", ".join(repr(c) for c in skipped[:12]) + (" …" if len(skipped) > 12 else "")
        st.warning(f"The model never saw {len(skipped)} of these characters, so they were skipped: {listed}")



def text_for(source: str, key: str):
    """The Text a tab trains on: built in, the sonnets (downloaded once) or this session's upload; None until there is one."""
    if source == "upload":
        limits = f"at least {texts.MIN_UPLOAD_CHARACTERS} characters, up to {texts.MAX_UPLOAD_BYTES // 1_000_000} MB"
        file = st.file_uploader(f"Your text: a UTF-8 .txt file of {limits}", type=["txt"], key=f"{key}.file")
        if file is not None:
            try:
                st.session_state[UPLOADED] = texts.read_upload(file.name, file.getvalue())
            except texts.UploadError as problem:
                st.error(str(problem))
                return None
        text = st.session_state.get(UPLOADED)
        if text is None:
            st.info("Upload a .txt file (poems, lyrics, a story…) to train on it. It stays in your session only.")
        elif text.note:
            st.caption(text.note)
        return text
    if source == "sonnets":
        if SONNETS not in st.session_state or (st.session_state[SONNETS].note and texts.sonnets_cached()):
            with st.spinner(f"Downloading Shakespeare's sonnets from Project Gutenberg once (waiting at most {texts.DOWNLOAD_TIMEOUT_S} s)…"):
                st.session_state[SONNETS] = texts.sonnets()
        text = st.session_state[SONNETS]
        if text.note:
            st.info(text.note)
        return text
    return texts.built_in(source)



def unrolled_part():
    up = f"{PREFIX}.unrolled"
    remember(up, lab.UnrolledConfig())
    slot = st.container()  # the figure first, the explanation and the controls under it
    st.markdown(
        "A SimpleRNN with a few units first learns to predict the next character of the Zen of Python. Then it reads "
        "your sequence, one character per step: $h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$, with the **same** $W_x$, "
        "$W_h$ and $b$ at every step, just as a convolution slides one filter over every position."
    )
    cols = st.columns([3, 1, 1, 1])
    sequence = cols[0].text_input("Sequence to read", lab.DEFAULT_SEQUENCE, max_chars=lab.MAX_SEQUENCE, key=f"{up}.sequence")
    with cols[1]:
        ui.control(up, lab.UnrolledConfig, "units", "Hidden units")
    with cols[2]:
        ui.control(up, lab.UnrolledConfig, "updates", "Training updates", help="0 keeps the random starting weights")
    with cols[3]:
        ui.control(up, lab.UnrolledConfig, "seed", "Seed", widget="number")
    config = settings(up, lab.UnrolledConfig())
    with slot:
        figure = st.container()  # above the run's own lines (a "shown from the cache" note): the first screen keeps the whole figure
        result = ui.run_experiment(lab.unrolled, config)
        if result is None:
            return
        view = lab.unroll(result, sequence)
    with figure:
        skipped_warning(view.skipped)
        if not view.sequence:
            st.info("Type at least one character the model knows (letters, digits, punctuation from the Zen of Python).")
            return
        ui.chart(plots.hidden_state_heatmap(view))
        ui.notice(
            "each column is the whole memory after one more character. It depends on everything read so far, so the same "
            "letter in two places leaves two different columns. Change one early character and watch every later column change."
        )
    left, right = st.columns(2)
    with left:
        ui.chart(plots.memory_share(view))
    with right:
        ui.chart(plots.shared_weights(result.weights))
    cols = st.columns(3)
    cols[0].metric("Recurrent-layer parameters", f"{result.recurrent_parameters:,}", help="The same count whether the sequence has 5 or 5,000 characters")
    cols[1].metric("Largest |numpy − Keras| of h", f"{result.numpy_vs_keras:.1e}", help="Hidden states of held-out text, recomputed by a Keras SimpleRNN with these weights")
    cols[2].metric("Next characters guessed right", f"{view.right_guesses} of {len(view.sequence) - 1}", help=f"After {config.updates:,} training updates on the Zen of Python")



def lag_part():
    lp = f"{PREFIX}.lag"
    remember(lp, lab.LagConfig())
    slot = st.container()  # the figures first, the task and the controls under them
    st.markdown(
        "Each sequence starts with one of K symbols (marked by an extra input bit), followed by **T distractors** drawn "
        "from the *same* K symbols. At every step the network is asked which symbol came first; it is scored at the last "
        "step, T steps later. The distractors use the same input lines, so remembering means protecting the first symbol "
        "from T overwrites. All three cells train on the same sequences with the same budget."
    )
    with st.form(f"{lp}.form"):
        cols = st.columns(4)
        with cols[0]:
            ui.control(lp, lab.LagConfig, "lag", "Lag T (distractors)")
            ui.control(lp, lab.LagConfig, "cells", "Cells", format_func=lab.CELLS.get)
        with cols[1]:
            ui.control(lp, lab.LagConfig, "units", "Units per cell")
            ui.control(lp, lab.LagConfig, "symbols", "Symbols K (chance = 1/K)")
        with cols[2]:
            ui.control(lp, lab.LagConfig, "epochs", "Epochs")
            ui.control(lp, lab.LagConfig, "sequences", "Training sequences")
        with cols[3]:
            ui.control(lp, lab.LagConfig, "learning_rate", "Learning rate (Adam)")
            ui.control(lp, lab.LagConfig, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train the cells", type="primary")
    config = settings(lp, lab.LagConfig())
    with slot:
        result = ui.run_experiment(lab.compare_cells, config, live_figure=plots.live_lag)
        if result is None:
            return
        left, right = st.columns(2)
        with left:
            ui.chart(plots.lag_learning_curves(result))
        with right:
            ui.chart(plots.gradient_through_time(result))
        ui.notice(lab.lag_verdict(result))
        cols = st.columns(len(result.runs))
        for column, (cell, run) in zip(cols, result.runs.items()):
            column.metric(f"{lab.CELLS[cell]}: accuracy at lag {config.lag}", f"{run.final_accuracy:.0%}", f"{100 * (run.final_accuracy - result.chance):+.0f} points vs chance ({result.chance:.0%})",
                          delta_color="off", help=f"trained in {run.seconds:.1f} s")  # fmt: skip
            if run.divergence:
                st.warning(f"💥 {lab.CELLS[cell]}: {run.divergence}")
    sweep_part(config)


def sweep_part(config) -> None:
    sp = f"{PREFIX}.sweep"
    remember(sp, lab.SweepSettings())
    st.subheader("How far back can each cell remember?")
    slot = st.container()
    with st.form(f"{sp}.form"):
        ui.control(sp, lab.SweepSettings, "lags", "Lags to train at", help="Each lag trains every chosen cell with the settings above")
        pressed = st.form_submit_button("▶ Sweep the lag")
    sweep_settings = settings(sp, lab.SweepSettings())
    if pressed:
        st.session_state[f"{sp}.requested"] = True
    with slot:
        if not st.session_state.get(f"{sp}.requested"):
            st.caption(f"Trains {len(sweep_settings.lags) * len(config.cells)} models with the settings above: press the button when you have a minute.")
            return
        sweep = ui.run_experiment(lab.sweep_lags, lab.LagSweepConfig.of(config, sweep_settings.lags))
        if sweep is not None:
            ui.chart(plots.lag_sweep(sweep))
            best = sweep.table.loc[sweep.table.groupby("cell")["accuracy"].idxmin()]
            worst = ", ".join(f"{lab.CELLS[row.cell]} {row.accuracy:.0%} at lag {row.lag}" for row in best.itertuples())
            ui.notice(f"with the same training budget, the lowest accuracy of each cell was: {worst}. Chance is {sweep.chance:.0%}.")



def inside_part():
    ip = f"{PREFIX}.inside"
    remember(ip, lab.InsideConfig())
    slot = st.container()  # the gates first, the explanation and the controls under them
    st.markdown(
        "An LSTM keeps a **cell state** c next to its hidden state, guarded by three gates between 0 and 1: the "
        "**forget** gate scales what c keeps, the **input** gate scales what is written, the **output** gate scales "
        "what is shown as h. Keras does not expose the gates, so they are recomputed here from the trained layer's own weights."
    )
    with st.form(f"{ip}.form"):
        cols = st.columns([1.4, 1, 1, 1])
        with cols[0]:
            ui.control(ip, lab.InsideConfig, "source", "Text to learn", format_func=texts.SOURCES.get)
            ui.control(ip, lab.InsideConfig, "characters", "Characters used", format_func=lambda v: f"first {v:,}")
        with cols[1]:
            ui.control(ip, lab.InsideConfig, "units", "LSTM units")
            ui.control(ip, lab.InsideConfig, "sequence_length", "Sequence length")
        with cols[2]:
            ui.control(ip, lab.InsideConfig, "updates", "Training updates")
            ui.control(ip, lab.InsideConfig, "learning_rate", "Learning rate (Adam)")
        with cols[3]:
            ui.control(ip, lab.InsideConfig, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train the LSTM", type="primary")
    config = settings(ip, lab.InsideConfig())
    text = text_for(config.source, ip)
    if text is None:
        return
    with slot:
        result = ui.run_experiment(lab.inside_lstm, lab.InsideRun(config, text))
        if result is None:
            return
        if result.divergence:
            st.warning(f"💥 {result.divergence} Lower the learning rate.")
    typed = st.text_area("Passage to look inside (held-out text; edit it or type your own)", result.passage, max_chars=lab.MAX_PASSAGE, key=f"{ip}.passage.{result.text_label}", height=90)
    trace = lab.gate_trace(result.weights, typed)
    with slot:
        skipped_warning(trace.skipped)
        if not trace.passage:
            st.info("Type a passage with characters from the training text.")
            return
        ui.chart(plots.gate_heatmaps(trace, lab.units_to_show(result, most=32)))
        st.caption(f"Rows: up to 32 units, the ones found below first. Trained on the first {config.characters:,} characters of {result.text_label}: "
                   f"validation {result.val_bits:.2f} bits per character against a unigram baseline of {result.unigram_bits:.2f}.")  # fmt: skip
        ui.notice("forget gates near 1 (yellow) keep the cell's contents for the next character; an input gate that lights up only at certain characters writes only then. The cell state (bottom) is where the LSTM keeps what it carries.")
    left, right = st.columns([2, 3])
    with left:
        ui.chart(plots.tracking_bars(result))
    present = [t for t in result.tracks if t.present]
    if not present:
        return
    with right:
        labels = {t.feature: lab.FEATURES[t.feature] for t in present}
        feature = st.selectbox("Property", list(labels), format_func=labels.get, key=f"{ip}.feature")
        track = next(t for t in present if t.feature == feature)
        ui.chart(plots.unit_over_text(*lab.unit_series(result, track), track.unit, labels[feature]))
    ui.notice(lab.tracking_verdict(result))



def writer_part():
    wp = f"{PREFIX}.writer"
    remember(wp, lab.WriterConfig())
    slot = st.container()  # the learning curve first, the explanation and the controls under it
    st.markdown(
        "A character-level model reads the text and learns to predict the next character. While it trains it writes a "
        "sample after each checkpoint at the temperature you choose: watch gibberish turn into words. It is scored in "
        "**bits per character** on held-out text (the last 10%) against the **unigram baseline**: the entropy of the "
        "text's character frequencies, which is all a model that ignores context can achieve."
    )
    with st.form(f"{wp}.form"):
        cols = st.columns([1.4, 1, 1, 1])
        with cols[0]:
            ui.control(wp, lab.WriterConfig, "source", "Text to learn", format_func=texts.SOURCES.get)
            ui.control(wp, lab.WriterConfig, "characters", "Characters used", format_func=lambda v: f"first {v:,}")
        with cols[1]:
            ui.control(wp, lab.WriterConfig, "cell", "Cell", format_func=lab.CELLS.get)
            ui.control(wp, lab.WriterConfig, "num_layers", "Recurrent layers")
            ui.control(wp, lab.WriterConfig, "units", "Units per layer")
        with cols[2]:
            ui.control(wp, lab.WriterConfig, "sequence_length", "Sequence length (characters)")
            ui.control(wp, lab.WriterConfig, "learning_rate", "Learning rate (Adam)")
            ui.control(wp, lab.WriterConfig, "updates", "Training updates")
        with cols[3]:
            ui.control(wp, lab.WriterConfig, "temperature", "Temperature of the samples while training")
            ui.control(wp, lab.WriterConfig, "seed", "Seed", widget="number")
        st.form_submit_button("▶ Train and watch", type="primary")
    config = settings(wp, lab.WriterConfig())
    text = text_for(config.source, wp)
    if text is None:
        return
    live = partial(plots.live_writer, unigram_bits=texts.unigram_entropy_bits(text.content[: config.characters]))
    with slot:
        result = ui.run_experiment(lab.write_like, lab.WriterRun(config, text), live_figure=live)
        if result is None:
            return
        if result.divergence:
            st.warning(f"💥 {result.divergence} Lower the learning rate.")
        ui.chart(plots.bits_per_character(result.epochs, result.unigram_bits))
        ui.notice(lab.writer_verdict(result))
    st.subheader(f"Samples while training, each starting from “{result.prompt.strip()}”")
    count = len(result.samples)
    for sample in (result.samples[index] for index in sorted({0, count // 3, (2 * count) // 3, count - 1})):
        when = "before training" if sample.epoch == 0 else f"after {sample.updates:,} updates ({sample.val_bits:.2f} bits per character)"
        st.markdown(f"**{when}**")
        st.code(result.prompt + sample.text, language=None, wrap_lines=True)
    generate_part(wp, result)


def generate_part(wp: str, result) -> None:
    st.subheader("Write with the trained model")
    cols = st.columns([3, 2, 2, 1])
    prompt = cols[0].text_input("Prompt", result.prompt, max_chars=200, key=f"{wp}.prompt")
    temperature = cols[1].select_slider("Temperature", lab.TEMPERATURES, value=result.config.temperature, key=f"{wp}.gen_temperature",
                                        help="Low: the most likely character every time (repetitive). 1: as the model predicts. Above 1: wilder.")  # fmt: skip
    length = cols[2].slider("Characters to write", 50, 2000, 400, step=50, key=f"{wp}.length")
    seed = cols[3].number_input("Seed", 0, 10_000, 0, key=f"{wp}.gen_seed")
    written = lab.write(result, prompt, length, temperature, seed)
    skipped_warning(written.skipped)
    st.code(written.prompt + written.text, language=None, wrap_lines=True)
    st.download_button("⬇ Download this text", written.prompt + written.text, file_name="generated.txt", mime="text/plain", key=f"{wp}.download")


PARTS = (unrolled_part, lag_part, inside_part, writer_part)
for tab, part in zip(ui.lab_tabs(TAB_NAMES, f"{PREFIX}.tab"), PARTS):
    with tab:
        if tab.open:
            part()
