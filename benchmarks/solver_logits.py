"""What a continual run's solver makes of one class's test images after a task.

    python benchmarks/solver_logits.py --run=runs/continual_10/finetune --task=4 --label=4

Prints the mean logit of every class over those images (scaled to [-1, 1], as in training),
and the share of the solver's features (the ReLU layer before its head) that are exactly zero
on them: features that are all zero on a class's images pass it no gradient, so only the
head's bias can learn that class.
"""

import os
import sys

from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import data  # noqa: E402
from tfgan_lab.eval.classifier import classifier_net  # noqa: E402

_RUN = flags.DEFINE_string("run", "runs/continual_10/finetune", "A continual run's workdir.")
_TASK = flags.DEFINE_integer("task", 4, "Task (1-based) whose solver to read.")
_LABEL = flags.DEFINE_integer("label", 4, "Class whose test images to feed it.")
_DATASET = flags.DEFINE_string("dataset", "fashion_mnist", "The run's dataset.")


def main(argv: list[str]) -> None:
    del argv
    test = data.load(_DATASET.value, "test", "", "")
    solver = classifier_net(test.info.image_shape, test.info.num_classes)
    solver.load_weights(os.path.join(_RUN.value, f"task_{_TASK.value}", "solver.weights.h5"))
    out = solver(data.to_float(test.select((_LABEL.value,)).images), training=False)
    logits = out["logits"].numpy().mean(axis=0)
    print(f"solver after task {_TASK.value}, test images of class {_LABEL.value}:")
    print("mean logits: " + ", ".join(f"{c}: {v:.0f}" for c, v in enumerate(logits)))
    print(f"features exactly zero: {100 * (out['features'].numpy() == 0).mean():.1f}%")


if __name__ == "__main__":
    run_command(main)
