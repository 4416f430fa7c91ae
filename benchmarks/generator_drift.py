"""How far a continual run's generator moved on the old classes during one task.

    python benchmarks/generator_drift.py --run=runs/continual/ra --task=4

Loads the exports of tasks T-1 and T, feeds both the same noise for every class of tasks
1..T-1 and prints, per class, the mean over samples of the sum over pixels of the squared
difference: the quantity replay alignment (RA) multiplies by its weight.
"""

import json
import os
import sys

import numpy as np
from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import export  # noqa: E402
from tfgan_lab.continual import task_export  # noqa: E402

_RUN = flags.DEFINE_string("run", "runs/continual/ra", "A continual run's workdir.")
_TASK = flags.DEFINE_integer("task", 2, "Task T (1-based; task 1 has no earlier generator): "
                             "compare its generator with T-1's.", lower_bound=2)
_SAMPLES = flags.DEFINE_integer("samples", 256, "Noise vectors per class.")


def main(argv: list[str]) -> None:
    del argv
    before, after = (export.load_conditional_generator(task_export(_RUN.value, t, "generator"))
                     for t in (_TASK.value - 1, _TASK.value))
    with open(os.path.join(_RUN.value, "results.json")) as f:
        tasks = json.load(f)["tasks"]
    z = np.random.default_rng(0).standard_normal((_SAMPLES.value, after.z_dim)).astype(np.float32)
    for classes in tasks[:_TASK.value - 1]:
        for c in classes:
            labels = np.full(_SAMPLES.value, c, np.int32)
            squared = (after(z, labels).numpy() - before(z, labels).numpy()) ** 2
            print(f"class {c}: {squared.reshape(len(z), -1).sum(axis=1).mean():.1f}")


if __name__ == "__main__":
    run_command(main)
