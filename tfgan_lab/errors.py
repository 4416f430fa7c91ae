"""The errors tfgan_lab raises for bad input, each with a message that says how to fix it.

The command line prints these without a traceback; anything else is a bug.
"""

import difflib
from collections.abc import Iterable


class TfganLabError(Exception):
    """Base class: a problem the user can fix from the message alone."""


class ConfigError(TfganLabError):
    """An unknown config field or a value outside its valid choices."""


class DataError(TfganLabError):
    """An unknown dataset, missing or corrupt data files, or labels out of range."""


class WorkdirError(TfganLabError):
    """A directory that cannot be written, or a workdir that belongs to another run."""


class TrainingDivergedError(TfganLabError):
    """A loss or a weight became NaN or infinite during training."""


class ExportError(TfganLabError):
    """An export that cannot be written or a SavedModel that breaks the serving contract."""


class Interrupted(TfganLabError):
    """Ctrl-C during training: where the run stopped and how to resume it."""


class EvaluationError(TfganLabError):
    """A metric that cannot be computed: no reference classifier, or samples that do not fit."""


def did_you_mean(value: object, choices: Iterable[object]) -> str:
    """' (did you mean 'x'?)' for the closest of `choices`, or '' when none is close."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
