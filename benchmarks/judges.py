"""How independent the two reference classifiers (judges) are: each one's accuracy and how
often they agree, class by class, on the real test images and, given --model_path, on the
samples of an exported conditional generator (where a judge's blind spot shows as a gap).

    python benchmarks/judges.py --config=configs/cgan_fashion_mnist.py
    python benchmarks/judges.py --model_path=export/continual_fashion_mnist_ra_task5_generator/1

Trains the judges first if they are not cached. Writes --results/judges.md.
"""

import os
import sys

import numpy as np
from absl import flags
from ml_collections import config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import data, export, files, images, runtime  # noqa: E402
from tfgan_lab import eval as eval_lib  # noqa: E402
from tfgan_lab.eval.classifier import batched  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "cgan_fashion_mnist.py"),
    "A config of the judges' dataset (its data and eval groups).")
_MODEL_PATH = flags.DEFINE_string("model_path", None, "An exported conditional generator whose "
                                  "samples both judges also read (optional).")
_SAMPLES = flags.DEFINE_integer("samples_per_class", 500, "Samples per class of --model_path.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where judges.md is written.")


def _predictions(judges: dict, pixels: np.ndarray) -> list[np.ndarray]:
    """Each judge's predicted classes for float images in [-1, 1], first judge first."""
    return [np.argmax(eval_lib.predict(judges[suffix], pixels)["probabilities"], -1)
            for suffix in eval_lib.SUFFIXES.values()]


def _table(title: str, measured: dict, class_names: list[str]) -> list[str]:
    lines = [f"## {title}", "",
             f"First judge {100 * measured['first_accuracy']:.2f}%, second "
             f"{100 * measured['second_accuracy']:.2f}%; they agree on "
             f"{100 * measured['agreement']:.2f}% of the images, and both are right on "
             f"{100 * measured['both_right']:.2f}%.", "",
             "| class | first judge | second judge | agreement | both right |",
             "|---|---:|---:|---:|---:|"]
    for c, name in enumerate(class_names):
        lines.append(f"| {name} | " + " | ".join(
            f"{100 * measured[f'{key}_per_class'][c]:.1f}%"
            for key in ("first_accuracy", "second_accuracy", "agreement", "both_right")) + " |")
    return lines + [""]


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    judges = eval_lib.load_judges(config)  # trains them first if they are not cached
    test = data.load(config.data.name, "test", config.data.idx_dir, config.data.tfds_dir)
    names = list(test.info.class_names) or [str(c) for c in range(test.info.num_classes)]
    sections = _table(f"Real test images ({len(test.labels)})", eval_lib.agreement(
        *_predictions(judges, data.to_float(test.images).numpy()), test.labels,
        test.info.num_classes), names)
    if _MODEL_PATH.value:
        generator = export.load_conditional_generator(_MODEL_PATH.value)
        classes = generator.num_classes or test.info.num_classes
        z, labels = images.grid_inputs(generator.z_dim, classes, _SAMPLES.value, config.seed,
                                       same_noise_per_column=True)
        samples = batched(generator, z, labels)
        sections += _table(f"Samples of {_MODEL_PATH.value} ({_SAMPLES.value} per class, for "
                           "the class asked)", eval_lib.agreement(
                               *_predictions(judges, samples), labels, classes), names)
    command = " ".join(["python benchmarks/judges.py"] + sys.argv[1:])
    lines = ["# The two judges: accuracy and agreement", "", f"Command: `{command}`  ",
             f"Machine: {runtime.machine_description()}  ",
             "Judges: " + "; ".join(f"{judge} in {eval_lib.cache_dir(config, judge)}"
                                    for judge in eval_lib.JUDGES) + ".", "", *sections]
    files.write_text(os.path.join(_RESULTS.value, "judges.md"), "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    run_command(main)
