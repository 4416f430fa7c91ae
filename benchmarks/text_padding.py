"""How much of a text model's batches is padding, drawn at random or sorted by length in
windows of `data.bucket_steps` steps (tfgan_lab/data/pipeline.py): the pieces a step computes
(each batch's longest sentence times its sentences, every set of the batch) per piece of text.

    python benchmarks/text_padding.py --config=configs/translator_catalogues.py \
        --config.data.split=paired --windows=0,1,8,50     # about a minute

Prints a Markdown table (docs/results/text_batches.md quotes it); trains nothing.
"""

import os
import sys

from absl import app, flags
from ml_collections import config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import models  # noqa: E402
from tfgan_lab.translation import data as text_data  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "A text model's config file.")
_WINDOWS = flags.DEFINE_list("windows", ["0", "1", "8", "50"], "Values of data.bucket_steps.")
_STEPS = flags.DEFINE_integer("steps", 100, "Training steps whose batches are counted.")
flags.mark_flag_as_required("config")


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    if "bucket_steps" not in config.data:
        raise app.UsageError(f"{config.name} does not train on text: name a text model's "
                             "config file, e.g. configs/translator_catalogues.py.")
    if _STEPS.value < 1:
        raise app.UsageError(f"--steps={_STEPS.value}: count at least one step's batches.")
    if not all(window.isdigit() for window in _WINDOWS.value):
        raise app.UsageError(f"--windows={','.join(_WINDOWS.value)}: give whole numbers of "
                             "steps, e.g. --windows=0,1,8,50.")
    print(f"{config.name}, split {config.data.split}, the first {_STEPS.value} batches of "
          f"{config.train.batch_size}:\n")
    print("| data.bucket_steps | pieces computed per piece of text |\n|---:|---:|")
    for window in map(int, _WINDOWS.value):
        config.data.bucket_steps = window
        data = models.of(config).load_data(config, config.data.split)
        cost = text_data.computed_per_piece(data.batches(config.train.batch_size, config.seed),
                                            _STEPS.value)
        print(f"| {window} | {cost:.2f} |")


if __name__ == "__main__":
    run_command(main)
