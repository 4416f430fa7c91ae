"""Checks of config values, each raising a ConfigError that names the field and what is valid.
Shared by the common groups (tfgan_lab/config.py) and each model's own `check_config`."""

import math
from collections.abc import Callable, Iterable
from typing import Any

from ml_collections import ConfigDict

from tfgan_lab.errors import ConfigError, did_you_mean


def get(config: ConfigDict, path: str) -> Any:
    value = config
    for key in path.split("."):
        value = value[key]
    return value


def choice(config: ConfigDict, path: str, choices: Iterable[str],
           open_ended: Callable[[str], bool] | None = None, more: str = "") -> None:
    """The value at `path` is one of `choices` (or accepted by `open_ended`; `more` then says
    what else is valid)."""
    value, choices = get(config, path), tuple(choices)
    if value in choices or (open_ended is not None and open_ended(value)):
        return
    raise ConfigError(f"config.{path}={value!r} is not valid{did_you_mean(value, choices)}: "
                      f"choose one of {', '.join(choices)}{more}.")


def positive(config: ConfigDict, *paths: str) -> None:
    for path in paths:
        value = get(config, path)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ConfigError(f"config.{path}={value!r} is not valid: it must be a number > 0.")


def at_least_zero(config: ConfigDict, *paths: str) -> None:
    for path in paths:
        value = get(config, path)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ConfigError(f"config.{path}={value!r} is not valid: it must be a number >= 0.")


def unit_interval(config: ConfigDict, path: str, what: str = "") -> None:
    """The value at `path` is in [0, 1); `what` says what it means."""
    value = get(config, path)
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"config.{path}={value!r} is not valid: {what or 'it'} must be in "
                          "[0, 1).")
