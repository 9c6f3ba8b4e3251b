"""The gallery of activation functions: name -> value, derivative, formula, parameter.

Each entry is plain numpy (float64), so the gallery draws without TensorFlow
and the tests can check every derivative against finite differences and every
value against ``keras.activations``. Training code still picks activations
from :mod:`dlcore.choices`; this module is the picture book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import erf

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SATURATION_FRACTION = 0.1  # a region is "saturated" where the slope is under 10% of the function's steepest slope


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    default: float
    low: float
    high: float
    step: float


@dataclass(frozen=True)
class ActivationFunction:
    name: str
    label: str
    formula: Callable[[float | None], str]  # LaTeX, given the parameter
    function: Callable[[np.ndarray, float | None], np.ndarray]
    derivative: Callable[[np.ndarray, float | None], np.ndarray]
    parameter: Parameter | None = None
    kinks: Callable[[float | None], np.ndarray] = lambda p: np.zeros(0)  # where the derivative jumps
    keras_name: str | None = None  # the matching keras.activations function, if Keras has one
    note: str = ""

    def resolve(self, parameter: float | None) -> float | None:
        if self.parameter is None:
            return None
        value = self.parameter.default if parameter is None else float(parameter)
        if not self.parameter.low <= value <= self.parameter.high:
            raise ValueError(f"{self.parameter.label} must be in [{self.parameter.low}, {self.parameter.high}], got {value}")
        return value

    def value(self, x, parameter: float | None = None) -> np.ndarray:
        return self.function(np.asarray(x, dtype=np.float64), self.resolve(parameter))

    def slope(self, x, parameter: float | None = None) -> np.ndarray:
        return self.derivative(np.asarray(x, dtype=np.float64), self.resolve(parameter))

    def latex(self, parameter: float | None = None) -> str:
        return self.formula(self.resolve(parameter))


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def _normal_cdf(x):
    return 0.5 * (1.0 + erf(x / np.sqrt(2.0)))


def _normal_pdf(x):
    return np.exp(-0.5 * x**2) / np.sqrt(2.0 * np.pi)


def maxout_pieces(pieces: int) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and intercepts of the gallery's Maxout: k lines tangent to softplus at evenly spaced points.

    Two pieces are close to ReLU; more pieces approach the smooth softplus curve.
    A trained Maxout unit learns its own pieces; these only show the shape family.
    """
    touch = np.linspace(-3.0, 3.0, int(pieces))
    slopes = _sigmoid(touch)
    intercepts = np.logaddexp(0.0, touch) - slopes * touch
    return slopes, intercepts


def _maxout(x, pieces):
    slopes, intercepts = maxout_pieces(pieces)
    return np.max(np.multiply.outer(x, slopes) + intercepts, axis=-1)


def _maxout_slope(x, pieces):
    slopes, intercepts = maxout_pieces(pieces)
    return slopes[np.argmax(np.multiply.outer(x, slopes) + intercepts, axis=-1)]


def _maxout_kinks(pieces):
    slopes, intercepts = maxout_pieces(pieces)
    return -(intercepts[1:] - intercepts[:-1]) / (slopes[1:] - slopes[:-1])  # neighbouring tangents meet here


def _maxout_formula(pieces):
    slopes, intercepts = maxout_pieces(pieces)
    lines = ",\\ ".join(f"{a:.2f}x{b:+.2f}" for a, b in zip(slopes, intercepts))
    return rf"\operatorname{{maxout}}(x) = \max_{{i=1..k}} (w_i x + b_i) = \max({lines})"


_ZERO = lambda p: np.zeros(1)  # noqa: E731  a single kink at x = 0

GALLERY: dict[str, ActivationFunction] = {
    entry.name: entry
    for entry in (
        ActivationFunction(
            "sigmoid", "Sigmoid",
            lambda p: r"\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x)) \le \tfrac14",
            lambda x, p: _sigmoid(x), lambda x, p: _sigmoid(x) * (1.0 - _sigmoid(x)),
            keras_name="sigmoid", note="squashes to (0, 1); its slope is never above 0.25",
        ),
        ActivationFunction(
            "tanh", "tanh",
            lambda p: r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}, \qquad \tanh'(x) = 1 - \tanh^2(x)",
            lambda x, p: np.tanh(x), lambda x, p: 1.0 - np.tanh(x) ** 2,
            keras_name="tanh", note="zero-centred sigmoid (tanh(x) = 2σ(2x) − 1); slope 1 at 0, flat beyond |x| ≈ 2",
        ),
        ActivationFunction(
            "relu", "ReLU",
            lambda p: r"\operatorname{ReLU}(x) = \max(0, x), \qquad \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}",
            lambda x, p: np.maximum(x, 0.0), lambda x, p: (x > 0).astype(np.float64),
            kinks=_ZERO, keras_name="relu", note="slope exactly 1 for every positive input, exactly 0 for every negative one",
        ),
        ActivationFunction(
            "leaky_relu", "Leaky ReLU",
            lambda a: rf"\operatorname{{LReLU}}(x) = \begin{{cases}} x & x > 0 \\ {a:g}\,x & x \le 0 \end{{cases}}, \qquad \text{{slope }} 1 \text{{ or }} {a:g}",
            lambda x, a: np.where(x > 0, x, a * x), lambda x, a: np.where(x > 0, 1.0, a),
            Parameter("negative_slope", "Leaky ReLU: slope for x < 0", 0.2, 0.01, 0.5, 0.01),
            kinks=_ZERO, keras_name="leaky_relu", note="a small slope for negative inputs, so a unit can never die completely",
        ),
        ActivationFunction(
            "elu", "ELU",
            lambda a: rf"\operatorname{{ELU}}(x) = \begin{{cases}} x & x > 0 \\ {a:g}\,(e^{{x}} - 1) & x \le 0 \end{{cases}}",
            lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0))), lambda x, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0.0))),
            Parameter("alpha", "ELU: α (the floor is −α)", 1.0, 0.1, 2.0, 0.1),
            kinks=lambda a: np.zeros(1) if a != 1.0 else np.zeros(0), keras_name="elu",
            note="smooth for negative inputs, saturating at −α: mean activations closer to zero",
        ),
        ActivationFunction(
            "maxout", "Maxout",
            _maxout_formula, _maxout, _maxout_slope,
            Parameter("pieces", "Maxout: linear pieces k", 3, 2, 6, 1),
            kinks=_maxout_kinks, note="the maximum of k learned lines: any convex piecewise-linear shape (ReLU is max(0, x))",
        ),
        ActivationFunction(
            "gelu", "GELU",
            lambda p: r"\operatorname{GELU}(x) = x\,\Phi(x), \qquad \Phi = \text{standard normal CDF}",
            lambda x, p: x * _normal_cdf(x), lambda x, p: _normal_cdf(x) + x * _normal_pdf(x),
            keras_name="gelu", note="a smooth ReLU used in Transformers; dips slightly below zero near x ≈ −0.75",
        ),
        ActivationFunction(
            "selu", "SELU",
            lambda p: r"\operatorname{SELU}(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}, \quad \lambda \approx 1.0507,\ \alpha \approx 1.6733",
            lambda x, p: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
            lambda x, p: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0))),
            kinks=_ZERO, keras_name="selu", note="a scaled ELU whose constants keep activations near mean 0, variance 1",
        ),
        ActivationFunction(
            "swish", "Swish / SiLU",
            lambda p: r"\operatorname{SiLU}(x) = x\,\sigma(x), \qquad \operatorname{SiLU}'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)",
            lambda x, p: x * _sigmoid(x), lambda x, p: _sigmoid(x) * (1.0 + x * (1.0 - _sigmoid(x))),
            keras_name="silu", note="smooth, non-monotonic; slope slightly above 1 around x ≈ 2.4",
        ),
        ActivationFunction(
            "softplus", "Softplus",
            lambda p: r"\operatorname{softplus}(x) = \ln(1 + e^{x}), \qquad \operatorname{softplus}'(x) = \sigma(x)",
            lambda x, p: np.logaddexp(0.0, x), lambda x, p: _sigmoid(x),
            keras_name="softplus", note="a smooth ReLU whose slope is exactly the sigmoid",
        ),
    )
}

DEFAULT_SELECTION = ("sigmoid", "tanh", "relu")


def saturation_intervals(x: np.ndarray, slope: np.ndarray, fraction: float = SATURATION_FRACTION) -> list[tuple[float, float]]:
    """Stretches of the x grid where |slope| is under `fraction` of the largest |slope| on the grid."""
    magnitude = np.abs(slope)
    flat = magnitude < fraction * magnitude.max()
    intervals, start = [], None
    for index, is_flat in enumerate(flat):
        if is_flat and start is None:
            start = index
        if start is not None and (not is_flat or index == len(flat) - 1):
            end = index if is_flat else index - 1
            intervals.append((float(x[start]), float(x[end])))
            start = None
    return intervals


@dataclass(frozen=True)
class Curve:
    name: str
    label: str
    parameter: float | None
    values: np.ndarray
    slopes: np.ndarray
    peak_x: float  # the first grid point where the slope is largest
    peak_slope: float
    saturated: tuple[tuple[float, float], ...]
    latex: str
    note: str


def curve(name: str, x: np.ndarray, parameter: float | None = None) -> Curve:
    """Values, slopes, steepest point and saturated stretches of one gallery function on a grid."""
    if name not in GALLERY:
        raise ValueError(f"unknown activation {name!r}; choose from {tuple(GALLERY)}")
    entry = GALLERY[name]
    parameter = entry.resolve(parameter)
    values, slopes = entry.value(x, parameter), entry.slope(x, parameter)
    peak = int(np.argmax(slopes))
    return Curve(
        name, entry.label, parameter, values, slopes, float(x[peak]), float(slopes[peak]),
        tuple(saturation_intervals(x, slopes)), entry.latex(parameter), entry.note,
    )
