"""Trains reference classifiers in a process of their own (eval/classifier.py's `ensure_judges`):

    python -m tfgan_lab.judges CONFIG.json JUDGE [JUDGE ...]

Outside `tfgan_lab.eval`, whose package imports TensorFlow: here the console is quieted first.
"""

import ctypes
import json
import os
import signal
import sys

from tfgan_lab.console import quiet_tensorflow

PARENT = "TFGAN_LAB_JUDGES_PARENT"  # The pid of the run that needs the judges.
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def end_with_parent() -> None:
    """Ends this process when the run that started it ends, however it ends: a run stopped by
    SIGTERM or SIGKILL runs no `finally` that could stop its child, which would otherwise go on
    training on the cores for minutes. The judges' cache is written atomically, so nothing
    half-written is left. Linux only (elsewhere the judges finish on their own)."""
    parent = os.environ.get(PARENT)
    if parent is None or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(parent):  # The run ended before the line above.
        sys.exit(1)


def main(argv: list[str]) -> None:
    end_with_parent()
    quiet_tensorflow(argv)
    from ml_collections import ConfigDict

    from tfgan_lab.eval.classifier import train_classifier

    config_path, *judges = argv[1:]
    with open(config_path) as f:
        config = ConfigDict(json.load(f))
    for judge in judges:
        path, accuracy = train_classifier(config, judge)
        print(f"The {judge} reference classifier for {config.data.name}: test accuracy "
              f"{accuracy:.4f}, saved to {path}", flush=True)


if __name__ == "__main__":
    main(sys.argv)
