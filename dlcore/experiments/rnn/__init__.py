"""RNNs and LSTM: hidden state through time, long-range dependency, the gates, and a character model that writes.

One module per tab of the page, each with a frozen Config and one experiment function:

- :mod:`.unrolled`: :func:`unrolled`, a small SimpleRNN trained on the Zen of Python, then :func:`unroll` over a typed sequence
- :mod:`.long_lag`: :func:`compare_cells` (SimpleRNN vs GRU vs LSTM at one lag, with ‖∂L/∂h_t‖ through time)
  and :func:`sweep_lags` (accuracy against the lag)
- :mod:`.inside`: :func:`inside_lstm`, an LSTM's gates and cell state over text, and units that track something visible
- :mod:`.writer`: :func:`write_like`, a character model trained live with samples along the way, then :func:`write`

Shared: :mod:`.cells` (the three cells in numpy from Keras weights, sampling) and :mod:`.charmodel`
(windows of text, the Keras character model, training through the engine). Texts come from :mod:`dlcore.texts`.
"""

from dlcore.experiments.rnn.cells import CELLS, LEARNING_RATES, CharWeights, Generated, generate, sample_index
from dlcore.experiments.rnn.inside import (
    FEATURES,
    GATES,
    MAX_PASSAGE,
    GateTrace,
    InsideConfig,
    InsideResult,
    InsideRun,
    UnitTrack,
    gate_trace,
    inside_lstm,
    tracking_verdict,
    unit_series,
    units_to_show,
)
from dlcore.experiments.rnn.long_lag import (
    LAG_CHOICES,
    CellRun,
    LagConfig,
    LagResult,
    LagSweepConfig,
    SweepResult,
    SweepSettings,
    compare_cells,
    decay_per_ten_steps,
    sweep_lags,
)
from dlcore.experiments.rnn.long_lag import verdict as lag_verdict
from dlcore.experiments.rnn.unrolled import DEFAULT_SEQUENCE, MAX_SEQUENCE, Unrolled, UnrolledConfig, UnrolledResult, unroll, unrolled
from dlcore.experiments.rnn.writer import TEMPERATURES, Sample, WriterConfig, WriterResult, WriterRun, live_sample, write, write_like
from dlcore.experiments.rnn.writer import verdict as writer_verdict

PAGE = "pages/rnn.py"
Config = UnrolledConfig  # the config of the page's first figure (the benchmark times it)


def first_figure(config: UnrolledConfig = Config()):
    """The page's first figure: the small RNN trained on the Zen of Python, unrolled over the default sequence."""
    from dlcore.plots import rnn as plots

    result = unrolled(config)
    return plots.hidden_state_heatmap(unroll(result, DEFAULT_SEQUENCE))


__all__ = [
    "CELLS",
    "DEFAULT_SEQUENCE",
    "FEATURES",
    "GATES",
    "LAG_CHOICES",
    "LEARNING_RATES",
    "MAX_PASSAGE",
    "MAX_SEQUENCE",
    "PAGE",
    "TEMPERATURES",
    "CellRun",
    "CharWeights",
    "Config",
    "GateTrace",
    "Generated",
    "InsideConfig",
    "InsideResult",
    "InsideRun",
    "LagConfig",
    "LagResult",
    "LagSweepConfig",
    "Sample",
    "SweepResult",
    "SweepSettings",
    "UnitTrack",
    "Unrolled",
    "UnrolledConfig",
    "UnrolledResult",
    "WriterConfig",
    "WriterResult",
    "WriterRun",
    "compare_cells",
    "decay_per_ten_steps",
    "first_figure",
    "gate_trace",
    "generate",
    "inside_lstm",
    "lag_verdict",
    "live_sample",
    "sample_index",
    "sweep_lags",
    "tracking_verdict",
    "unit_series",
    "units_to_show",
    "unroll",
    "unrolled",
    "write",
    "write_like",
    "writer_verdict",
]
