"""How much each class's row of a conditional generator's label embedding moved in one task.

    python benchmarks/label_embedding_drift.py --run=runs/continual/sft --task=5

Compares the generator exports of tasks T-1 and T and prints, per class, the largest absolute
change in its row: a class absent from task T's batches gets no gradient, so its row stays.
"""

import os
import sys

import numpy as np
import tensorflow as tf
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab import export  # noqa: E402

_RUN = flags.DEFINE_string("run", "runs/continual/sft", "A continual run's workdir.")
_TASK = flags.DEFINE_integer("task", 5, "Task T (1-based; task 1 has no earlier generator): "
                             "compare with task T-1.", lower_bound=2)


def _embedding(task: int) -> np.ndarray:
    """The label embedding of task `task`'s exported generator."""
    path = export.latest(os.path.join(_RUN.value, f"task_{task}", "export"), "generator")
    reader = tf.train.load_checkpoint(os.path.join(path, "variables", "variables"))
    names = [n for n in reader.get_variable_to_shape_map()
             if n.startswith("generator/") and "/_embeddings/" in n]
    if len(names) != 1:
        raise app.UsageError(f"{path}: expected one label embedding in the generator, found "
                             f"{len(names)} (an unconditional generator has none).")
    return reader.get_tensor(names[0])


def main(argv: list[str]) -> None:
    del argv
    change = np.abs(_embedding(_TASK.value) - _embedding(_TASK.value - 1)).max(axis=1)
    for c, value in enumerate(change):
        print(f"class {c}: {value:.5f}")


if __name__ == "__main__":
    app.run(main)
