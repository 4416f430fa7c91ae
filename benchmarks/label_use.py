"""How much a continual run's conditional generator listens to its label after a task.

    python benchmarks/label_use.py --run=runs/continual_10/seed0/ra --task=2

Feeds the task's exported generator the same noise under every label and prints the mean
absolute pixel change between labels, beside the change between two noise draws under one
label. A generator whose labels change its images far less than its noise does draws the same
image whatever class it is asked for (RA's with a label embedding on one-class tasks,
docs/continual.md).
"""

import os
import sys

import numpy as np
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import contracts, export  # noqa: E402
from tfgan_lab.continual import task_export  # noqa: E402

_RUN = flags.DEFINE_string("run", "runs/continual_10/seed0/ra", "A continual run's workdir.")
_TASK = flags.DEFINE_integer("task", 2, "Task (1-based) whose generator to read.", lower_bound=1)
_SAMPLES = flags.DEFINE_integer("samples", 64, "Noise vectors per label.", lower_bound=1)


def pixel_changes(generator: contracts.LoadedGenerator, samples: int) -> tuple[float, float]:
    """(mean |G(z, 0) - G(z, c)| over the other labels c, mean |G(z, 0) - G(z', 0)|): the
    change a label makes and the change a new noise draw makes, in [-1, 1] pixels."""
    rng = np.random.default_rng(0)
    z, other_z = (rng.standard_normal((samples, generator.z_dim)).astype(np.float32)
                  for _ in range(2))

    def images(noise: np.ndarray, label: int) -> np.ndarray:
        return generator(noise, np.full(samples, label, np.int32)).numpy()

    first = images(z, 0)
    between_labels = [np.abs(first - images(z, c)).mean() for c in range(1, generator.num_classes)]
    return float(np.mean(between_labels)), float(np.abs(first - images(other_z, 0)).mean())


def main(argv: list[str]) -> None:
    del argv
    generator = export.load_conditional_generator(task_export(_RUN.value, _TASK.value,
                                                              "generator"))
    if not generator.num_classes:
        raise app.UsageError("The export does not record its number of classes.")
    between_labels, between_noise = pixel_changes(generator, _SAMPLES.value)
    print(f"generator after task {_TASK.value}, mean |pixel change| ([-1, 1] images):")
    print(f"label 0 -> each other label, same noise: {between_labels:.4f}")
    print(f"one noise draw -> another, label 0: {between_noise:.4f}")


if __name__ == "__main__":
    run_command(main)
