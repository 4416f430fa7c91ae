"""A handful of recipes per conditional variant, at the default budget, judged by both classifiers.

    python benchmarks/sweep.py --variants=cgan      # 6 runs, about 40 minutes on 2 CPU cores
    python benchmarks/sweep.py --variants=fcgan,acgan --settings=ema,ema_ttur_resize

Each run trains the variant's config before any recipe (configs/common.py: 1500 steps of batch
128) with one setting's overrides and seed 0, then scores the final generator, and, when the
setting keeps a moving average of G's weights, the averaged generator too (same run: the
average does not change training). Settings are chosen on the first judge; the second's
numbers are reported beside.
Writes docs/results/sweep_<variant>.md and each run's last sample grids (raw and averaged G)
as docs/results/sweep_<variant>_<setting>[_ema].png. Runs live in --workdir and resume; a
finished run's numbers are read back from its results.json.
"""

import os
import sys

import numpy as np
from absl import app, flags
from ml_collections import ConfigDict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from configs import common  # noqa: E402
from tfgan_lab import files, images, runtime, train  # noqa: E402

EMA = {"model.generator_ema": 0.995}
SETTINGS = {
    "ema": ("the config as it is, G's weights averaged (decay 0.995)", EMA),
    "ema_ttur": ("two time-scale rates (Heusel et al. 2017): D at 8e-4, four times G's 2e-4",
                 {**EMA, "optimizer.d_learning_rate": 8e-4}),
    "ema_fast": ("both players at 5e-4, 2.5 times the DCGAN rate",
                 {**EMA, "optimizer.d_learning_rate": 5e-4, "optimizer.g_learning_rate": 5e-4}),
    "ema_augment": ("DiffAugment color, translation, cutout on every image D sees",
                    {**EMA, "model.augment": "color,translation,cutout"}),
    "ema_resize": ("G upsamples by nearest-neighbour resize and a 3x3 conv, not transposed "
                   "convs", {**EMA, "model.upsampling": "resize"}),
    "ema_ttur_resize": ("ema_ttur and ema_resize together",
                        {**EMA, "optimizer.d_learning_rate": 8e-4,
                         "model.upsampling": "resize"}),
}
VARIANTS = ("cgan", "acgan", "fcgan")

_VARIANTS = flags.DEFINE_list("variants", list(VARIANTS), "Conditional variants to sweep.")
_SETTINGS = flags.DEFINE_list("settings", list(SETTINGS), "Settings to run, of: "
                              + ", ".join(SETTINGS))
_WORKDIR = flags.DEFINE_string("workdir", "runs/sweep", "Where the runs live.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")

COLUMNS = (("conditional_accuracy", "cond. acc."), ("frechet_distance", "Frechet"),
           ("precision", "precision"), ("recall", "recall"))


def experiment_config(variant: str, overrides: dict, seed: int = 0) -> ConfigDict:
    """The variant's Fashion-MNIST config before any recipe (configs/common.py's
    `conditional`, what configs/<variant>_fashion_mnist.py held before the sweep), with
    `overrides` ({"group.field": value}) and `seed`: the sweep reruns the same runs after a
    config file has taken its recipe."""
    config = common.conditional(variant, "fashion_mnist", None)
    reporting.override(config, overrides, seed)
    reporting.model_class_of(config, variant)
    return config


def write_grids(config: ConfigDict, trained: train.Trained, stem: str) -> None:
    """The last sample grid of the raw G, and of the averaged G if there is one."""
    gan = trained.model
    z, labels = images.grid_inputs(config.model.z_dim, trained.info.num_classes,
                                   config.train.sample_columns, config.seed,
                                   same_noise_per_column=True)
    images.write_png(f"{stem}.png", np.asarray(gan.generate(z, labels)),
                     config.train.sample_columns)
    if gan.ema_generator is not None:
        images.write_png(f"{stem}_ema.png", np.asarray(gan.generate(z, labels, averaged=True)),
                         config.train.sample_columns)


def _rows(variant: str, setting: str, results: dict) -> list[str]:
    metrics = results["metrics"]
    rows = []
    for label, prefix in reporting.generators(metrics):
        cells = [f"{metrics[f'{prefix}{key}']:.3f} / {metrics[f'{prefix}{key}_second']:.3f}"
                 for key, _ in COLUMNS]
        rows.append(f"| {variant} | {setting} | {label} | " + " | ".join(cells) + " |")
    return rows


def _report(variant: str, settings: list[str], table: list[str],
            accuracies: dict[str, float]) -> str:
    lines = [
        f"# Sweep: recipes for {variant} on Fashion-MNIST", "",
        f"Command: `python benchmarks/sweep.py --variants={variant} "
        f"--settings={','.join(settings)}`  ",
        f"Machine: {runtime.machine_description()}  ",
        "Budget: configs/common.py's `conditional` config before any recipe (1500 steps of "
        "batch 128, mixed_bfloat16, non-saturating loss, no spectral normalisation, Adam 2e-4 "
        "(0.5, 0.999) for both players), seed 0, "
        "one run per setting; the raw and the averaged G of a run come from the same "
        "training.  ",
        f"Judges: first (settings are chosen on it) test accuracy {accuracies['first']:.4f}, "
        f"second ({reporting.SECOND_JUDGE}) {accuracies['second']:.4f}. Each cell is "
        "first / second judge; 5000 generated samples against 5000 test images.", "",
        "Settings:", ""]
    lines += [f"- `{name}`: {SETTINGS[name][0]}." for name in settings]
    lines += ["", "| variant | setting | G | " + " | ".join(title for _, title in COLUMNS) + " |",
              "|---|---|---|" + "---:|" * len(COLUMNS), *table, "",
              "Last sample grids, averaged G: "
              + ", ".join(f"[{name}](sweep_{variant}_{name}_ema.png)" for name in settings)
              + "; raw G: "
              + ", ".join(f"[{name}](sweep_{variant}_{name}.png)" for name in settings) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    del argv
    unknown = sorted(set(_SETTINGS.value) - set(SETTINGS))
    if unknown:
        raise app.UsageError(f"Unknown settings {unknown}; choose from {sorted(SETTINGS)}.")
    accuracies = reporting.judge_accuracies(experiment_config("cgan", {}))
    os.makedirs(_RESULTS.value, exist_ok=True)
    for variant in _VARIANTS.value:
        table = []
        for setting in _SETTINGS.value:
            config = experiment_config(variant, SETTINGS[setting][1])
            run = os.path.join(_WORKDIR.value, variant, setting)
            results = seed_runs.trained_and_measured(config, run)
            write_grids(config, train.restore_latest(config, run),
                        os.path.join(_RESULTS.value, f"sweep_{variant}_{setting}"))
            table += _rows(variant, setting, results)
            print("\n".join(table[-2:]), flush=True)
        report = _report(variant, _SETTINGS.value, table, accuracies)
        files.write_text(os.path.join(_RESULTS.value, f"sweep_{variant}.md"), report)
        print(report)


if __name__ == "__main__":
    run_command(main)
