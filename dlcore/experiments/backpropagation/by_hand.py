"""The step-through as plain data: every forward value and every backward gradient, one equation at a time.

The forward pass computes each node from the nodes before it. The backward
pass walks the other way: at each node the gradient that arrived from the
loss is multiplied by the node's own local derivative (the chain rule), and
the gradient of a weight is the gradient at the node it feeds times the value
flowing along its edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcore.experiments.backpropagation.small_network import Config


@dataclass(frozen=True)
class Equation:
    role: str  # "given", "value", "local derivative", "chain rule" or "gradient"
    symbol: str  # LaTeX of the quantity, e.g. \frac{\partial L}{\partial z_o}
    formula: str  # LaTeX in symbols ("" when the quantity is given)
    substituted: str  # the formula with the numbers put in ("" when given)
    value: float
    quantity: str  # key of the quantity: "h1", "dL/dz1", "dL/dw21", ...

    @property
    def latex(self) -> str:
        """One line: symbol = formula = numbers = value."""
        parts = [self.symbol] + [part for part in (self.formula, self.substituted) if part] + [latex_number(self.value)]
        return " = ".join(parts)

    @property
    def latex_lines(self) -> str:
        """The same on two aligned lines (symbols, then numbers), for a narrow column."""
        if not self.formula:
            return self.latex
        numbers = " = ".join([part for part in (self.substituted,) if part] + [latex_number(self.value)])
        return rf"\begin{{aligned}} {self.symbol} &= {self.formula} \\ &= {numbers} \end{{aligned}}"


@dataclass(frozen=True)
class Step:
    """One step of the step-through: what it highlights and the equations it adds."""

    phase: str  # "forward" or "backward"
    title: str
    explanation: str
    nodes: tuple[str, ...]  # highlighted nodes: "x1", "x2", "h1".., "out", "loss"
    edges: tuple[tuple[str, str], ...]  # highlighted edges (source, target)
    equations: tuple[Equation, ...]


def latex_number(value: float) -> str:
    """Four significant digits; powers of ten written the LaTeX way."""
    if value == 0:
        return "0"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _factor(value: float) -> str:
    """A number as one factor of a product: negatives and powers of ten in brackets."""
    text = latex_number(value)
    return f"({text})" if value < 0 or "times" in text else text


def _partial(of: str, by: str) -> str:
    return rf"\frac{{\partial {of}}}{{\partial {by}}}"



def _forward_steps(config: Config, v: dict[str, float]) -> list[Step]:
    p, H = config.parameters, config.hidden_units
    steps = [
        Step(
            "forward",
            "Forward 1: the inputs",
            "The inputs and the target are given; nothing is computed yet.",
            ("x1", "x2"),
            (),
            (
                Equation("given", "x_1", "", "", config.x1, "x1"),
                Equation("given", "x_2", "", "", config.x2, "x2"),
                Equation("given", "t", "", "", config.target, "target"),
            ),
        )
    ]
    for j in range(1, H + 1):
        w1, w2, b = p[f"w1{j}"], p[f"w2{j}"], p[f"b{j}"]
        steps.append(
            Step(
                "forward",
                f"Forward {len(steps) + 1}: hidden unit h{j}",
                f"Hidden unit h{j} adds up its weighted inputs and its bias (z{j}), then squashes the sum with the sigmoid.",
                (f"h{j}",),
                (("x1", f"h{j}"), ("x2", f"h{j}")),
                (
                    Equation("value", f"z_{j}", rf"w_{{1{j}}} x_1 + w_{{2{j}}} x_2 + b_{j}", rf"{_factor(w1)} \cdot {_factor(config.x1)} + {_factor(w2)} \cdot {_factor(config.x2)} + {_factor(b)}", v[f"z{j}"], f"z{j}"),
                    Equation("value", f"h_{j}", rf"\sigma(z_{j}) = \frac{{1}}{{1 + e^{{-z_{j}}}}}", rf"\frac{{1}}{{1 + e^{{-{_factor(v[f'z{j}'])}}}}}", v[f"h{j}"], f"h{j}"),
                ),
            )
        )
    sum_symbols = " + ".join(f"v_{j} h_{j}" for j in range(1, H + 1)) + " + c"
    sum_numbers = " + ".join(rf"{_factor(p[f'v{j}'])} \cdot {_factor(v[f'h{j}'])}" for j in range(1, H + 1)) + f" + {_factor(p['c'])}"
    steps.append(
        Step(
            "forward",
            f"Forward {len(steps) + 1}: the output",
            "The output unit does the same with the hidden values: a weighted sum plus its bias, then the sigmoid.",
            ("out",),
            tuple((f"h{j}", "out") for j in range(1, H + 1)),
            (
                Equation("value", "z_o", sum_symbols, sum_numbers, v["z_out"], "z_out"),
                Equation("value", r"\hat{y}", r"\sigma(z_o)", rf"\frac{{1}}{{1 + e^{{-{_factor(v['z_out'])}}}}}", v["y_hat"], "y_hat"),
            ),
        )
    )
    steps.append(
        Step(
            "forward",
            f"Forward {len(steps) + 1}: the loss",
            "The loss measures how far the output is from the target.",
            ("loss",),
            (("out", "loss"),),
            (Equation("value", "L", r"\tfrac{1}{2}(\hat{y} - t)^2", rf"\tfrac{{1}}{{2}}({_factor(v['y_hat'])} - {_factor(config.target)})^2", v["loss"], "loss"),),
        )
    )
    return steps


def _backward_steps(config: Config, v: dict[str, float]) -> tuple[list[Step], dict[str, float]]:
    """The backward pass node by node; returns the steps and every gradient by quantity key."""
    H, g = config.hidden_units, {}
    g["dL/dy_hat"] = v["y_hat"] - config.target
    steps = [
        Step(
            "backward",
            "Backward 1: the loss",
            "The backward pass starts at the loss: how much does L change when the output changes?",
            ("loss",),
            (("out", "loss"),),
            (Equation("local derivative", _partial("L", r"\hat{y}"), r"\hat{y} - t", rf"{_factor(v['y_hat'])} - {_factor(config.target)}", g["dL/dy_hat"], "dL/dy_hat"),),
        )
    ]
    slope_out = v["y_hat"] * (1 - v["y_hat"])
    dl_dy, dy_dz = _partial("L", r"\hat{y}"), _partial(r"\hat{y}", "z_o")
    g["dL/dz_out"] = g["dL/dy_hat"] * slope_out
    equations = [
        Equation("local derivative", _partial(r"\hat{y}", "z_o"), r"\sigma'(z_o) = \hat{y}\,(1 - \hat{y})", rf"{_factor(v['y_hat'])} \cdot (1 - {_factor(v['y_hat'])})", slope_out, "dy_hat/dz_out"),
        Equation("chain rule", _partial("L", "z_o"), rf"{dl_dy} \cdot {dy_dz}", rf"{_factor(g['dL/dy_hat'])} \cdot {_factor(slope_out)}", g["dL/dz_out"], "dL/dz_out"),
    ]
    for j in range(1, H + 1):
        g[f"dL/dv{j}"] = g["dL/dz_out"] * v[f"h{j}"]
        equations.append(Equation("gradient", _partial("L", f"v_{j}"), rf"{_partial('L', 'z_o')} \cdot h_{j}", rf"{_factor(g['dL/dz_out'])} \cdot {_factor(v[f'h{j}'])}", g[f"dL/dv{j}"], f"dL/dv{j}"))
    g["dL/dc"] = g["dL/dz_out"]
    equations.append(Equation("gradient", _partial("L", "c"), rf"{_partial('L', 'z_o')} \cdot 1", rf"{_factor(g['dL/dz_out'])} \cdot 1", g["dL/dc"], "dL/dc"))
    steps.append(
        Step(
            "backward",
            "Backward 2: the output unit",
            "Multiply the incoming gradient by the sigmoid's slope at the output; each weight into the output gets that times the value on its edge.",
            ("out",),
            tuple((f"h{j}", "out") for j in range(1, H + 1)),
            tuple(equations),
        )
    )
    for j in range(1, H + 1):
        steps.append(_hidden_backward_step(config, v, g, j, len(steps) + 1))
    return steps, g


def _hidden_backward_step(config: Config, v: dict[str, float], g: dict[str, float], j: int, number: int) -> Step:
    p = config.parameters
    g[f"dL/dh{j}"] = g["dL/dz_out"] * p[f"v{j}"]
    slope = v[f"h{j}"] * (1 - v[f"h{j}"])
    g[f"dL/dz{j}"] = g[f"dL/dh{j}"] * slope
    g[f"dL/dw1{j}"] = g[f"dL/dz{j}"] * config.x1
    g[f"dL/dw2{j}"] = g[f"dL/dz{j}"] * config.x2
    g[f"dL/db{j}"] = g[f"dL/dz{j}"]
    dz = _partial("L", f"z_{j}")
    equations = (
        Equation("local derivative", _partial("z_o", f"h_{j}"), f"v_{j}", "", p[f"v{j}"], f"dz_out/dh{j}"),
        Equation("chain rule", _partial("L", f"h_{j}"), rf"{_partial('L', 'z_o')} \cdot v_{j}", rf"{_factor(g['dL/dz_out'])} \cdot {_factor(p[f'v{j}'])}", g[f"dL/dh{j}"], f"dL/dh{j}"),
        Equation("local derivative", _partial(f"h_{j}", f"z_{j}"), rf"h_{j}\,(1 - h_{j})", rf"{_factor(v[f'h{j}'])} \cdot (1 - {_factor(v[f'h{j}'])})", slope, f"dh{j}/dz{j}"),
        Equation("chain rule", dz, rf"{_partial('L', f'h_{j}')} \cdot {_partial(f'h_{j}', f'z_{j}')}", rf"{_factor(g[f'dL/dh{j}'])} \cdot {_factor(slope)}", g[f"dL/dz{j}"], f"dL/dz{j}"),
        Equation("gradient", _partial("L", f"w_{{1{j}}}"), rf"{dz} \cdot x_1", rf"{_factor(g[f'dL/dz{j}'])} \cdot {_factor(config.x1)}", g[f"dL/dw1{j}"], f"dL/dw1{j}"),
        Equation("gradient", _partial("L", f"w_{{2{j}}}"), rf"{dz} \cdot x_2", rf"{_factor(g[f'dL/dz{j}'])} \cdot {_factor(config.x2)}", g[f"dL/dw2{j}"], f"dL/dw2{j}"),
        Equation("gradient", _partial("L", f"b_{j}"), rf"{dz} \cdot 1", rf"{_factor(g[f'dL/dz{j}'])} \cdot 1", g[f"dL/db{j}"], f"dL/db{j}"),
    )
    return Step(
        "backward",
        f"Backward {number}: hidden unit h{j}",
        f"The gradient reaches h{j} along its weight v{j}; multiply by the sigmoid's slope at h{j}, then hand it to the two weights and the bias that feed h{j}.",
        (f"h{j}",),
        (("x1", f"h{j}"), ("x2", f"h{j}"), (f"h{j}", "out")),
        equations,
    )


def walkthrough(config: Config, values: dict[str, float]) -> tuple[tuple[Step, ...], dict[str, float]]:
    """Every step of the forward and the backward pass, and every gradient by quantity key ("dL/dw21", ...)."""
    backward, gradients = _backward_steps(config, values)
    return tuple(_forward_steps(config, values) + backward), gradients
