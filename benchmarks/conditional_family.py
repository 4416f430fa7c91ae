"""CGAN vs AC-GAN vs FC-GAN on Fashion-MNIST: same networks, budget and seed.

    python benchmarks/conditional_family.py          # about an hour on 2 CPU cores

Trains each variant from its config (configs/<variant>_fashion_mnist.py) with the same step
budget, scoring it every --eval_every steps with the reference classifier (trained first if
it is not cached), then writes into docs/results/: conditional_family.md (table, machine,
verdict), conditional_family_metrics.png (each metric against the training step) and
conditional_family_<variant>.png (the last sample grid of each). Runs live in --workdir and
resume if the command is interrupted.
"""

import importlib.util
import json
import os
import shutil
import sys
import time

from absl import app, flags, logging

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab import eval as eval_lib  # noqa: E402
from tfgan_lab import runtime, train, workdir  # noqa: E402

_STEPS = flags.DEFINE_integer("steps", 3000, "Training steps per variant: the budget, about 20 "
                              "minutes per variant on 2 CPU cores.")
_EVAL_EVERY = flags.DEFINE_integer("eval_every", 150, "Steps between evaluations.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/conditional_family", "Where the runs live.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the results are written.")

VARIANTS = ("cgan", "acgan", "fcgan")
NAMES = {"cgan": "CGAN (projection)", "acgan": "AC-GAN", "fcgan": "FC-GAN"}
THRESHOLD = 0.8


def _config(variant: str):
    path = os.path.join(REPO, "configs", f"{variant}_fashion_mnist.py")
    spec = importlib.util.spec_from_file_location(f"{variant}_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.get_config()
    config.train.steps, config.eval.every = _STEPS.value, _EVAL_EVERY.value
    return config


def _classifier_accuracy(config) -> float:
    metrics_file = os.path.join(eval_lib.cache_dir(config), "metrics.json")
    if not os.path.exists(metrics_file):
        print("Training the reference classifier first ...")
        eval_lib.train_classifier(config)
    with open(metrics_file) as f:
        return json.load(f)["test_accuracy"]


def _steps_to(rows: list[dict], threshold: float) -> str:
    return next((str(int(r["step"])) for r in rows if r["conditional_accuracy"] >= threshold),
                f"not within {_STEPS.value}")


def _plot(histories: dict[str, list[dict]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    panels = [("conditional_accuracy", "conditional accuracy"),
              ("frechet_distance", "Frechet distance (classifier features)"),
              ("classifier_score", "classifier score"), ("precision", "precision"),
              ("recall", "recall")]
    figure, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.4))
    for axis, (key, title) in zip(axes, panels, strict=True):
        for variant, rows in histories.items():
            axis.plot([r["step"] for r in rows], [r[key] for r in rows], label=NAMES[variant])
        if key == "frechet_distance":
            floor = next(iter(histories.values()))[0]["frechet_distance_floor"]
            axis.axhline(floor, color="grey", linestyle="--", label="floor (test vs test)")
            axis.set_yscale("log")
        if key == "conditional_accuracy":
            axis.axhline(THRESHOLD, color="grey", linestyle=":", label=f"{THRESHOLD:.0%}")
        axis.set_title(title)
        axis.set_xlabel("training step")
        axis.grid(alpha=0.3)
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _report(histories, seconds, classifier_accuracy, num_samples, command) -> str:
    lines = [
        "# Conditional GANs on Fashion-MNIST: CGAN vs AC-GAN vs FC-GAN", "",
        f"Command: `{command}`  ", f"Machine: {runtime.machine_description()}  ",
        f"Budget: {_STEPS.value} steps of batch 128 per variant (mixed_bfloat16), same "
        "generator, same discriminator features, same seed, same optimizer; the "
        "non-saturating loss, no spectral normalisation, for all three.  ",
        f"Reference classifier: test accuracy {classifier_accuracy:.4f}. Metrics every "
        f"{_EVAL_EVERY.value} steps on {num_samples} generated samples (equal per class, fixed "
        f"noise) against {num_samples} test images; the Frechet floor is the distance between "
        f"two sets of {num_samples} test images. Time: training and evaluation in this "
        "invocation (less if it resumed a run).", "",
        f"| variant | steps to {THRESHOLD:.0%} cond. acc. | final cond. acc. | Frechet distance "
        "(floor) | classifier score | precision | recall | train + eval time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for variant, rows in histories.items():
        last = rows[-1]
        lines.append(
            f"| {NAMES[variant]} | {_steps_to(rows, THRESHOLD)} | "
            f"{last['conditional_accuracy']:.3f} | {last['frechet_distance']:.2f} "
            f"({last['frechet_distance_floor']:.2f}) | {last['classifier_score']:.2f} | "
            f"{last['precision']:.3f} | {last['recall']:.3f} | {seconds[variant] / 60:.1f} min |")
    lines += ["", "Steps to each threshold of conditional accuracy (first evaluation at or above):",
              ""]
    lines += [f"- {threshold:.0%}: " + ", ".join(
        f"{NAMES[v]} {_steps_to(rows, threshold)}" for v, rows in histories.items())
        for threshold in (0.5, 0.7, 0.8, 0.85)]
    lines += ["", "![metrics against step](conditional_family_metrics.png)", "",
              "| " + " | ".join(NAMES[v] for v in histories) + " |",
              "|" + "---|" * len(histories),
              "| " + " | ".join(f"![{v}](conditional_family_{v}.png)" for v in histories)
              + " |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    del argv
    logging.set_verbosity(logging.WARNING)
    histories, seconds = {}, {}
    classifier_accuracy = _classifier_accuracy(_config("cgan"))
    os.makedirs(_RESULTS.value, exist_ok=True)
    for variant in VARIANTS:
        config = _config(variant)
        run = os.path.join(_WORKDIR.value, variant)
        start = time.perf_counter()
        train.train(config, run)
        seconds[variant] = time.perf_counter() - start
        histories[variant] = workdir.read_metrics(run)
        shutil.copy(workdir.sample_path(run, _STEPS.value),
                    os.path.join(_RESULTS.value, f"conditional_family_{variant}.png"))
    _plot(histories, os.path.join(_RESULTS.value, "conditional_family_metrics.png"))
    command = ("python benchmarks/conditional_family.py "
               f"--steps={_STEPS.value} --eval_every={_EVAL_EVERY.value}")
    report = _report(histories, seconds, classifier_accuracy, _config("cgan").eval.num_samples,
                     command)
    with open(os.path.join(_RESULTS.value, "conditional_family.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    app.run(main)
