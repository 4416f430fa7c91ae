"""CGAN vs AC-GAN vs FC-GAN on Fashion-MNIST, each with its recipe, over 3 seeds, two judges.

    python benchmarks/conditional_family.py          # 9 runs, about 1 hour on 2 CPU cores

Trains each variant's config (configs/<variant>_fashion_mnist.py: the default budget of 1500
steps of batch 128 and the recipe benchmarks/sweep.py chose) with seeds 0, 1, 2, scoring it
every --eval_every steps with both reference classifiers (trained first if not cached), and
the averaged generator beside the raw one when the recipe keeps one. Writes into
docs/results/: conditional_family.md (means and spreads over the seeds, the issue's bars,
steps to thresholds, machine), conditional_family_metrics.png (mean curves) and
conditional_family_<variant>.png (seed 0's last grid). Runs live in --workdir and resume.
"""

import os
import shutil
import sys

import numpy as np
from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from tfgan_lab import files, runtime, workdir  # noqa: E402
from tfgan_lab.eval import SECOND_SUFFIX  # noqa: E402

_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds per variant (0, 1, ...).",
                              lower_bound=1)
_EVAL_EVERY = flags.DEFINE_integer("eval_every", 500, "Steps between evaluations.")
_VARIANTS = flags.DEFINE_list("variants", ["cgan", "acgan", "fcgan"], "Variants to run.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/conditional_family", "Where the runs live.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the results are written.")

NAMES = {"cgan": "CGAN (projection)", "acgan": "AC-GAN", "fcgan": "FC-GAN"}
THRESHOLDS = (0.5, 0.7, 0.8, 0.85)
# The bars for the best variant: (metric, judge suffix, bound, at least?).
BARS = (("conditional_accuracy", "", 0.92, True),
        ("conditional_accuracy", SECOND_SUFFIX, 0.92, True),
        ("frechet_distance", "", 80.0, False),
        ("recall", "", 0.35, True))
COLUMNS = (("conditional_accuracy", "cond. acc.", 3), ("frechet_distance", "Frechet", 2),
           ("precision", "precision", 3), ("recall", "recall", 3),
           ("classifier_score", "classifier score", 2))


def _config(variant: str):
    """configs/<variant>_fashion_mnist.py with seed 0 (seed_runs.seeded gives the others), its
    recipe included, scored every --eval_every."""
    config = reporting.experiment_file_config(f"{variant}_fashion_mnist",
                                              {"eval.every": _EVAL_EVERY.value}, 0)
    reporting.model_class_of(config, variant)
    return config


def _steps_to(rows: list[dict], key: str, threshold: float) -> int | None:
    return next((int(r["step"]) for r in rows if r[key] >= threshold), None)


def _cell(histories: list[list[dict]], key: str, digits: int) -> str:
    return reporting.mean_spread([rows[-1][key] for rows in histories], digits)


def _table(runs: dict) -> list[str]:
    lines = ["| variant | G | " + " | ".join(title for _, title, _ in COLUMNS)
             + " | train + eval min |",
             "|---|---|" + "---:|" * (len(COLUMNS) + 1)]
    for variant, (histories, seconds) in runs.items():
        for label, prefix in reporting.generators(histories[0][-1]):
            cells = [f"{_cell(histories, prefix + key, digits)} / "
                     f"{_cell(histories, prefix + key + SECOND_SUFFIX, digits)}"
                     for key, _, digits in COLUMNS]
            lines.append(f"| {NAMES[variant]} | {label} | " + " | ".join(cells)
                         + f" | {reporting.mean_spread([s / 60 for s in seconds], 1)} |")
    return lines


def _bars(runs: dict) -> list[str]:
    lines = []
    for variant, (histories, _) in runs.items():
        for label, prefix in reporting.generators(histories[0][-1]):
            verdicts = []
            for key, suffix, bound, at_least in BARS:
                mean = float(np.mean([rows[-1][prefix + key + suffix] for rows in histories]))
                met = mean >= bound if at_least else mean < bound
                judge = "second" if suffix else "first"
                relation = ">=" if at_least else "<"
                verdicts.append(f"{key.replace('_', ' ')} ({judge}) {relation} {bound:g}: "
                                f"{mean:.3f}, " + ("met" if met else f"missed by "
                                                   f"{abs(mean - bound):.3f}"))
            lines.append(f"- **{NAMES[variant]}**, {label} G: " + "; ".join(verdicts) + ".")
    return lines


def _thresholds(runs: dict) -> list[str]:
    lines = []
    for threshold in THRESHOLDS:
        cells = []
        for variant, (histories, _) in runs.items():
            key = "conditional_accuracy"
            steps = [_steps_to(rows, key, threshold) for rows in histories]
            cells.append(f"{NAMES[variant]} " + ", ".join(str(s) if s else "never"
                                                          for s in steps))
        lines.append(f"- {threshold:.0%}: " + "; ".join(cells))
    return lines


def _plot(runs: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    keys = ("conditional_accuracy", "frechet_distance", "precision", "recall")
    figure, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.4))
    for axis, key in zip(axes, keys, strict=True):
        for variant, (histories, _) in runs.items():
            steps = [r["step"] for r in histories[0]]
            mean = np.mean([[r[key] for r in rows] for rows in histories], axis=0)
            axis.plot(steps, mean, label=NAMES[variant])
        if key == "frechet_distance":
            axis.set_yscale("log")
        axis.set_title(f"{key.replace('_', ' ')} (raw G, first judge, mean)", fontsize=9)
        axis.set_xlabel("training step")
        axis.grid(alpha=0.3)
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str]) -> None:
    del argv
    accuracies = reporting.judge_accuracies(_config("cgan"))
    os.makedirs(_RESULTS.value, exist_ok=True)
    runs = {}
    for variant in _VARIANTS.value:
        histories, seconds = [], []
        runs_of_variant = seed_runs.seeded(_config(variant),
                                           os.path.join(_WORKDIR.value, variant), _SEEDS.value)
        for run in runs_of_variant:
            seconds.append(seed_runs.train_timed(run.config, run.workdir)[1])
            histories.append(workdir.read_metrics(run.workdir))
        first = runs_of_variant[0]
        shutil.copy(workdir.sample_path(first.workdir, first.config.train.steps),
                    os.path.join(_RESULTS.value, f"conditional_family_{variant}.png"))
        runs[variant] = (histories, seconds)
    _plot(runs, os.path.join(_RESULTS.value, "conditional_family_metrics.png"))
    config = _config("cgan")
    lines = [
        "# Conditional GANs on Fashion-MNIST: CGAN vs AC-GAN vs FC-GAN", "",
        f"Command: `python benchmarks/conditional_family.py --seeds={_SEEDS.value} "
        f"--eval_every={_EVAL_EVERY.value} --variants={','.join(_VARIANTS.value)}`  ",
        f"Machine: {runtime.machine_description()}  ",
        f"Budget: each variant's config, {config.train.steps} steps of batch "
        f"{config.train.batch_size} (mixed_bfloat16), with its recipe (docs/conditional.md, "
        f"chosen by benchmarks/sweep.py); seeds 0 to {_SEEDS.value - 1}. Each cell is the mean "
        "± standard deviation over the seeds, first judge / second judge.  ",
        f"Judges: the first reference classifier (test accuracy {accuracies['first']:.4f}; "
        f"settings were chosen on it) and the second ({reporting.SECOND_JUDGE}, "
        f"{accuracies['second']:.4f}). {config.eval.num_samples} generated samples (equal "
        f"per class, fixed noise) against as many test images; the Frechet distance's floor "
        "(test against test) is "
        + " / ".join(f"{runs[v][0][0][-1]['frechet_distance_floor' + s]:.2f}"
                     for v in list(runs)[:1] for s in ("", SECOND_SUFFIX)) + ".", "",
        *_table(runs), "", "Bars of issue 13 (mean over the seeds):", "", *_bars(runs), "",
        "Steps to each conditional accuracy (first judge, raw G), per seed:", "",
        *_thresholds(runs), "",
        "![mean metrics against step](conditional_family_metrics.png)", "",
        "Seed 0's last sample grid (the averaged G where the recipe keeps one):", "",
        "| " + " | ".join(NAMES[v] for v in runs) + " |", "|" + "---|" * len(runs),
        "| " + " | ".join(f"![{v}](conditional_family_{v}.png)" for v in runs) + " |"]
    report = "\n".join(lines) + "\n"
    files.write_text(os.path.join(_RESULTS.value, "conditional_family.md"), report)
    print(report)


if __name__ == "__main__":
    run_command(main)
