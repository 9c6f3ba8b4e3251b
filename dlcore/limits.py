"""Every limit in one place: the caps of a deployment, and the bounds of every setting.

Hosted mode (Streamlit Community Cloud, detected by its /mount/src checkout,
or forced with ``DLTEACH_HOSTED=1``) shares a small machine between many
users, so it trains smaller and fewer models at once.

Every field of an experiment's Config declares its bounds once, with
:func:`integer`, :func:`number`, :func:`choice`, :func:`flag` or
:func:`subset`. ``Config.validate()``, the page widgets
(``pages.components.control``) and the link parser (:meth:`Settings.from_link`)
all read those bounds, so a slider can never offer what a Config refuses and
a link can never carry what a slider cannot show.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_epochs: int
    max_hidden_layers: int
    max_units: int
    max_samples: int
    concurrent_trainings: int  # trainings running at once in one server process
    cached_results: int  # finished results kept for reuse (keyed by config)


LOCAL = Limits(max_epochs=300, max_hidden_layers=40, max_units=128, max_samples=3000, concurrent_trainings=2, cached_results=64)
HOSTED = Limits(max_epochs=100, max_hidden_layers=30, max_units=64, max_samples=1500, concurrent_trainings=1, cached_results=32)
CAPS = {"epochs": "max_epochs", "depth": "max_hidden_layers", "width": "max_units", "samples": "max_samples"}
MAX_LINK_TEXT = 200  # longer link values are not even parsed


def is_hosted() -> bool:
    flag = os.environ.get("DLTEACH_HOSTED")
    if flag is not None:
        return flag not in ("", "0", "false", "False")
    return os.path.isdir("/mount/src")


def current() -> Limits:
    return HOSTED if is_hosted() else LOCAL


# ---------------------------------------------------------------- bounds of one setting


@dataclass(frozen=True)
class Bounds:
    kind: str  # "int", "float", "bool", "choice" (one of options) or "subset" (a tuple of options)
    low: float | None = None
    high: float | None = None
    cap: str | None = None  # a key of CAPS: the deployment's cap also bounds this field from above
    options: tuple = ()  # the allowed values (choices, or the stops of a numeric select-slider)
    step: float | None = None  # slider step for numeric fields without options

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    def high_now(self) -> float | None:
        """The upper bound in this deployment (hosted caps are lower)."""
        if self.cap is None:
            return self.high
        cap = getattr(current(), CAPS[self.cap])
        return cap if self.high is None else min(self.high, cap)

    def options_now(self) -> tuple:
        """The options this deployment allows (numeric stops above the cap are dropped)."""
        high = self.high_now()
        if not self.numeric or high is None:
            return self.options
        return tuple(option for option in self.options if option <= high)

    def describe(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.options:
            shown = [str(option) for option in self.options_now()]
            listed = ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "")
            return f"{'any of' if self.kind == 'subset' else 'one of'} {listed}"
        return f"{self.low:g}..{self.high_now():g}"

    def problem(self, value) -> str | None:
        """Why `value` is not allowed, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "subset":
            ok = isinstance(value, tuple) and len(value) > 0 and all(item in self.options for item in value)
            return None if ok else f"must be {self.describe()}"
        if self.kind == "choice":
            return None if value in self.options else f"must be {self.describe()}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"must be a finite number, {self.describe()}"
        if self.kind == "int" and value != int(value):
            return f"must be a whole number, {self.describe()}"
        if self.options:
            return None if value in self.options_now() else f"must be {self.describe()}"
        if value < self.low or value > self.high_now():
            return f"must be {self.describe()}"
        return None

    def nearest(self, value: float):
        """The allowed value closest to a finite number: clamped to the range or snapped to the nearest option."""
        if self.options:
            options = self.options_now() or self.options
            positive = value > 0 and all(option > 0 for option in options)
            distance = (lambda o: abs(math.log(o) - math.log(value))) if positive else (lambda o: abs(o - value))
            return min(options, key=distance)
        value = min(max(value, self.low), self.high_now())
        return int(round(value)) if self.kind == "int" else float(value)

    def parse(self, text: str):
        """A link's text as a value of this kind; ValueError if it is not one (the caller repairs numbers)."""
        text = text.strip()
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if self.kind == "subset":
            items = tuple(item for item in text.split(",") if item)
            return tuple(item for item in self.options if item in items)
        if self.kind == "choice":
            matches = [option for option in self.options if str(option) == text]
            if not matches:
                raise ValueError(text)
            return matches[0]
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return int(number) if self.kind == "int" and number == int(number) else number


def _field(default, bounds: Bounds):
    return dataclasses.field(default=default, metadata={"bounds": bounds})


def integer(default: int, low: int = 0, high: int | None = None, *, cap: str | None = None, options: tuple = (), step: int = 1):
    """An int setting in [low, high] (also under the deployment's `cap`), or one of `options`."""
    return _field(default, Bounds("int", low, high, cap, tuple(options), step))


def number(default: float, low: float = 0.0, high: float | None = None, *, options: tuple = (), step: float | None = None):
    """A float setting in [low, high], or one of `options` (a select-slider's stops)."""
    return _field(default, Bounds("float", low, high, None, tuple(options), step))


def choice(default: str, options):
    """One of `options` (a tuple of names, or a registry dict whose keys are the names)."""
    return _field(default, Bounds("choice", options=tuple(options)))


def flag(default: bool):
    return _field(default, Bounds("bool"))


def subset(default: tuple, options):
    """A non-empty tuple of names from `options`, kept in the options' order."""
    return _field(tuple(default), Bounds("subset", options=tuple(options)))


def bounds_of(config_class, name: str) -> Bounds:
    for field in dataclasses.fields(config_class):
        if field.name == name:
            if "bounds" not in field.metadata:
                raise ValueError(f"{config_class.__name__}.{name} declares no bounds")
            return field.metadata["bounds"]
    raise ValueError(f"{config_class.__name__} has no field {name!r}")


# ---------------------------------------------------------------- configs made of bounded fields


class Settings:
    """Mixin for a frozen dataclass whose fields carry Bounds: validation and link parsing for free.

    A subclass may add ``cross_checks()`` for rules that tie fields together
    (e.g. a mini-batch smaller than the data set).
    """

    def cross_checks(self) -> list[str]:
        return []

    def problems(self) -> list[str]:
        found = []
        for field in dataclasses.fields(self):
            bounds = field.metadata.get("bounds")
            problem = bounds.problem(getattr(self, field.name)) if bounds is not None else None
            if problem:
                found.append(f"{field.name} {problem}")
        return found or list(self.cross_checks())

    def validate(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_link(cls, texts: Mapping[str, str], defaults=None):
        """A valid config from a link's text values (unknown names ignored), and one message per repaired field.

        Never raises: a value that does not parse or lies outside its bounds is
        clamped to the nearest allowed value (numbers) or replaced by the
        default; a default above this deployment's cap is lowered to it; if
        fields that are fine alone clash, the defaults are used.
        """
        defaults = defaults if defaults is not None else cls()
        base, values, messages = {}, {}, []
        for field in dataclasses.fields(cls):
            bounds, value = field.metadata.get("bounds"), getattr(defaults, field.name)
            if bounds is None:
                continue
            default = base[field.name] = values[field.name] = allowed(bounds, value, value)
            if field.name not in texts:
                continue
            text = str(texts[field.name])
            try:
                if len(text) > MAX_LINK_TEXT:
                    raise ValueError("too long")
                wanted = bounds.parse(text)
            except ValueError:
                messages.append(f"`{field.name}` must be {bounds.describe()}; using {_shown(default)}")
                continue
            values[field.name] = allowed(bounds, wanted, default)
            if values[field.name] != wanted:
                messages.append(f"`{field.name}` must be {bounds.describe()} (the link asked for {_shown(wanted)}); using {_shown(values[field.name])}")
        config = dataclasses.replace(defaults, **values)
        clashes = config.cross_checks()
        if clashes:
            return dataclasses.replace(defaults, **base), messages + [f"{'; '.join(clashes)}: using the defaults"]
        return config, messages


def _shown(value) -> str:
    """A value for a message: numbers and option names as they are, anything else summarised (never raw link text)."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def allowed(bounds: Bounds, value, default):
    """`value` if the bounds allow it; else the nearest allowed number; else `default` (itself made allowed)."""
    if bounds.problem(value) is None:
        return value
    if bounds.numeric and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return bounds.nearest(value)
    if value is not default:
        return allowed(bounds, default, default)
    return bounds.options_now()[0] if bounds.options_now() else bounds.low
