"""What the results commands share to write their reports: configs by name and seed, the
judges' accuracies, the cells and lines of a report over seeds (mean and spread, machines,
judges), and training curves read back from TensorBoard. The runs themselves are kept by
seed_runs.py."""

import importlib.util
import os

import numpy as np
import tensorflow as tf
from absl import app, logging
from ml_collections import ConfigDict

from tfgan_lab import eval as eval_lib
from tfgan_lab import models
from tfgan_lab.config import validate
from tfgan_lab.gans.gan import EMA_PREFIX


def model_class_of(config: ConfigDict, variant: str) -> type:
    """The model class of a results command's --config, validated; UsageError unless it is a
    `variant` config. Quiets the library's logs to warnings."""
    logging.set_verbosity(logging.WARNING)
    validate(config)
    model_class = models.of(config)
    if model_class.VARIANT != variant:
        raise app.UsageError(f"{config.model.variant!r} is not a {variant} config.")
    return model_class


def override(config: ConfigDict, overrides: dict, seed: int) -> ConfigDict:
    """Sets `overrides` ({"group.field": value}) and `seed` in `config`."""
    for field, value in overrides.items():
        group, name = field.split(".")
        config[group][name] = value
    config.seed = seed
    return config


def experiment_file_config(name: str, overrides: dict, seed: int,
                           arg: str | None = None) -> ConfigDict:
    """configs/<name>.py's config (with the config-file argument `arg`, e.g. "smoke") with
    `overrides` and `seed`."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs",
                        f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return override(module.get_config(arg), overrides, seed)


SECOND_JUDGE = "another architecture, seed and training recipe"  # how it differs from the first


def judge_accuracies(config: ConfigDict) -> dict[str, float]:
    """Each judge's test accuracy, from its cache: {judge: accuracy}."""
    eval_lib.ensure_judges(config)
    return {judge: eval_lib.cached_metrics(config, judge)["test_accuracy"]
            for judge in eval_lib.JUDGES}


def generators(metrics: dict) -> list[tuple[str, str]]:
    """(label, metric prefix) of the raw G, and of the averaged G if `metrics` score one."""
    averaged = f"{EMA_PREFIX}conditional_accuracy" in metrics
    return [("raw", "")] + ([("averaged", EMA_PREFIX)] if averaged else [])


def by_seeds(runs: list[tuple[int, str]]) -> dict[str, str]:
    """The values of `runs` [(seed, value)], each with the seeds that had it: {value: 'seed 0'
    or 'seeds 1, 2'} (a seed whose runs had two values is named under both)."""
    seeds: dict[str, list[int]] = {}
    for seed, value in runs:
        if seed not in seeds.setdefault(value, []):
            seeds[value].append(seed)
    return {value: f"seed{'s' * (len(s) > 1)} {', '.join(map(str, s))}"
            for value, s in seeds.items()}


def machines_line(runs: list[tuple[str, int, str]]) -> str:
    """A report's 'Machine:' line from its runs' (what ran: a row or method, or "" where a
    report has one; seed; machine): the one machine, or which seeds ran on which, naming what
    ran where when a seed's runs ran on more than one."""
    machines: dict[str, list[tuple[int, str]]] = {}
    for what, seed, machine in runs:
        machines.setdefault(machine, []).append((seed, what))
    if len(machines) == 1:
        return f"Machine: {next(iter(machines))}  "
    seeds = [{seed for seed, _ in ran} for ran in machines.values()]
    split = len(set().union(*seeds)) < sum(map(len, seeds))  # a seed on two machines

    def named(ran: list[tuple[int, str]]) -> str:
        ran = ran if split else [(seed, "") for seed, _ in ran]
        return " and ".join(f"{what} {seeds}".strip() for what, seeds in by_seeds(ran).items())

    return "Machines (times compare only within one): " + "; ".join(
        f"{named(ran)} on {machine}" for machine, ran in machines.items()) + "  "


def judge_accuracy_text(runs: list[tuple[int, float]]) -> str:
    """A judge's test accuracy over its runs' (seed, accuracy): '0.9247', or '0.9247 (seed 0),
    0.9259 (seeds 1, 2)' when the judges the seeds were scored by differ."""
    accuracies = by_seeds([(seed, f"{accuracy:.4f}") for seed, accuracy in runs])
    if len(accuracies) == 1:
        return next(iter(accuracies))
    return ", ".join(f"{accuracy} ({seeds})" for accuracy, seeds in accuracies.items())


def judges_text(entries: list[tuple[int, dict]]) -> dict[str, str]:
    """Each judge's judge_accuracy_text over runs' (seed, record entry): {judge: text}."""
    return {judge: judge_accuracy_text([(seed, entry["judges"][judge])
                                        for seed, entry in entries])
            for judge in eval_lib.JUDGES}


def mean_over_seeds(results: list[dict]) -> dict:
    """The runs in `results` as one: every float (or array of floats) they all have averaged
    element-wise, and every other field they all have alike (a method, its tasks, a count);
    what differs otherwise (seeds, exports, records) and what only some runs have is left out."""
    mean = {}
    for key, value in results[0].items():
        if not all(key in r for r in results):
            continue
        if np.asarray(value).dtype.kind == "f":
            mean[key] = np.mean([r[key] for r in results], axis=0).tolist()
        elif all(r[key] == value for r in results):
            mean[key] = value
    return mean


def seeds_cell(results: list[dict], key: str, digits: int = 3) -> str:
    """mean_spread of `key` over the runs in `results`, with the second judge's after a slash
    when the runs measured `key` with it too."""
    cell = mean_spread([r[key] for r in results], digits)
    if f"{key}{eval_lib.SECOND_SUFFIX}" in results[0]:
        cell += " / " + mean_spread([r[f"{key}{eval_lib.SECOND_SUFFIX}"] for r in results],
                                    digits)
    return cell


def seeds_text(seeds: list[int]) -> tuple[str, str]:
    """('seeds 0, 1, 2', what a table's cells are over them) for a report's header."""
    if len(seeds) == 1:
        return f"seed {seeds[0]}", ("One seed: each cell is its run's value (--seeds=3 gives the "
                                    "mean and spread over three)")
    return (f"seeds {', '.join(map(str, seeds))}",
            f"Each cell is the mean ± standard deviation over the {len(seeds)} seeds")


def mean_spread(values: list[float], digits: int = 3) -> str:
    """'mean ± sample standard deviation' (the value alone for one run)."""
    values = np.asarray(values, np.float64)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def scalars(workdir_path: str) -> dict[str, list[tuple[int, float]]]:
    """Every scalar summary of a run: tag -> [(step, value)]."""
    series: dict[str, list[tuple[int, float]]] = {}
    folder = os.path.join(workdir_path, "tensorboard")
    for name in sorted(os.listdir(folder)):
        for record in tf.data.TFRecordDataset(os.path.join(folder, name)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "scalars":
                    series.setdefault(value.tag, []).append(
                        (event.step, float(tf.make_ndarray(value.tensor))))
    return series


def plot_curves(path: str, panels: list[tuple[str, dict[str, list[tuple[int, float]]]]]) -> None:
    """One panel per (title, {label: [(step, value)]}) side by side, written to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    panels = [(title, lines) for title, lines in panels if lines]
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for axis, (title, lines) in zip(axes[0], panels, strict=True):
        for label, points in lines.items():
            steps, values = zip(*sorted(dict(points).items()), strict=True)
            axis.plot(steps, values, label=label)
        axis.set_title(title)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
