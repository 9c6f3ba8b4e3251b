"""One source of limits: every Config field declares its bounds once; validation and link parsing obey them.

The page-level half (links through a real page, no exception and no error
box) is tests/test_link_fuzz.py.
"""

import dataclasses
import importlib
import pkgutil

import pytest

import dlcore.experiments
from dlcore import limits

BAD_TEXTS = ("-1e9", "1e12", "nan", "inf", "-inf", "abc", "", "9" * 10_000, "<script>alert('x')</script>", "1,2,3", "True", "0.5")


def settings_classes():
    """Every Config class of every experiment module (packages included)."""
    found = {}
    for info in pkgutil.walk_packages(dlcore.experiments.__path__, "dlcore.experiments."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            # A run that carries the student's own data (drawn points, an uploaded text) sets LINKABLE = False: the page
            # builds it from a linkable Settings (tested here on its own) plus that data, never from a link.
            if isinstance(value, type) and issubclass(value, limits.Settings) and dataclasses.is_dataclass(value) and vars(value).get("LINKABLE", True):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = settings_classes()


def test_every_experiment_config_is_bounded():
    assert len(CLASSES) >= 15
    for config_class in CLASSES:
        for field in dataclasses.fields(config_class):
            assert "bounds" in field.metadata, f"{config_class.__qualname__}.{field.name} declares no bounds"


@pytest.mark.parametrize("hosted", ["0", "1"])
@pytest.mark.parametrize("config_class", CLASSES, ids=lambda c: f"{c.__module__.rsplit('.', 1)[1]}.{c.__qualname__}")
def test_any_link_text_gives_a_valid_config_and_a_message(config_class, hosted, monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", hosted)
    default, messages = config_class.from_link({})
    assert default.validate() is default and messages == []
    for field in dataclasses.fields(config_class):
        for text in BAD_TEXTS:
            config, messages = config_class.from_link({field.name: text, "no_such_field": text})
            config.validate()
            changed = getattr(config, field.name) != getattr(default, field.name)
            if messages:
                assert any(field.name in message for message in messages)
                assert all(len(message) < 600 and "<script>" not in message for message in messages)
            else:  # accepted as it is: then it must be what the text says, within the bounds
                assert not changed or limits.bounds_of(config_class, field.name).problem(getattr(config, field.name)) is None


def test_hosted_caps_apply_to_bounds_and_links(monkeypatch):
    from dlcore.experiments import vanishing

    monkeypatch.setenv("DLTEACH_HOSTED", "1")
    config, messages = vanishing.Config.from_link({"epochs": "300", "units": "128", "num_hidden_layers": "40"})
    assert (config.epochs, config.units, config.num_hidden_layers) == (limits.HOSTED.max_epochs, limits.HOSTED.max_units, limits.HOSTED.max_hidden_layers)
    assert len(messages) == 3 and any("`epochs` must be 1..100" in message for message in messages)
    with pytest.raises(ValueError, match="epochs"):
        dataclasses.replace(config, epochs=300).validate()
    monkeypatch.setenv("DLTEACH_HOSTED", "0")
    assert dataclasses.replace(config, epochs=300).validate().epochs == 300


def test_numbers_snap_to_the_nearest_option_and_clamp_to_the_range():
    from dlcore.experiments import vanishing

    config, messages = vanishing.Config.from_link({"learning_rate": "0.04", "batch_size": "20", "epochs": "-5", "seed": "12.6"})
    assert config.learning_rate == 0.05 and config.batch_size == 16 and config.epochs == 1 and config.seed == 13
    assert len(messages) == 4
