"""Trains reference classifiers in a process of their own (eval/classifier.py's `ensure_judges`):

    python -m tfgan_lab.judges CONFIG.json JUDGE [JUDGE ...]

Outside `tfgan_lab.eval`, whose package imports TensorFlow: here the console is quieted first.
"""

import json
import sys

from tfgan_lab.console import quiet_tensorflow


def main(argv: list[str]) -> None:
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
