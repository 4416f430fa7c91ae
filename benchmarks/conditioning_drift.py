"""How much each class's own parameters in a conditional generator moved in one task.

    python benchmarks/conditioning_drift.py --run=runs/continual/sft --task=5

A class's own parameters are its row of the label embedding, or with conditional batch norm
its rows of every BN's scale and offset. Compares the generator exports of tasks T-1 and T
and prints, per class, the largest absolute change in them: a class absent from task T's
batches gets no gradient, so they stay.
"""

import os
import sys

import numpy as np
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

import tensorflow as tf  # noqa: E402

from tfgan_lab.continual import task_export  # noqa: E402

_RUN = flags.DEFINE_string("run", "runs/continual/sft", "A continual run's workdir.")
_TASK = flags.DEFINE_integer("task", 5, "Task T (1-based; task 1 has no earlier generator): "
                             "compare with task T-1.", lower_bound=2)


def _class_tables(task: int) -> list[np.ndarray]:
    """The [num_classes, ...] tables of task `task`'s exported generator: its label embedding,
    or the scales and offsets of its conditional batch norms."""
    path = task_export(_RUN.value, task, "generator")
    reader = tf.train.load_checkpoint(os.path.join(path, "variables", "variables"))
    num_classes = int(reader.get_tensor("num_classes/.ATTRIBUTES/VARIABLE_VALUE"))
    shapes = reader.get_variable_to_shape_map()
    names = sorted(n for n, shape in shapes.items()
                   if n.startswith("generator/") and len(shape) == 2 and shape[0] == num_classes
                   and any(f"/{table}/" in n for table in ("_embeddings", "gamma", "beta")))
    if not names:
        raise app.UsageError(f"{path}: found no label embedding or conditional batch norm in "
                             "the generator (an unconditional generator has none).")
    return [reader.get_tensor(name) for name in names]


def main(argv: list[str]) -> None:
    del argv
    pairs = zip(_class_tables(_TASK.value), _class_tables(_TASK.value - 1), strict=True)
    change = np.max([np.abs(now - before).max(axis=1) for now, before in pairs], axis=0)
    for c, value in enumerate(change):
        print(f"class {c}: {value:.5f}")


if __name__ == "__main__":
    run_command(main)
