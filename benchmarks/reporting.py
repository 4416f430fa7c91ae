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
from tfgan_lab import models, runtime
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


def grouped(runs: list[tuple[str, int, str]]) -> dict[str, str]:
    """The values of runs' (what ran: a row or method, or "" where a report has one; seed;
    value), each with the runs that had it: {value: 'seeds 0, 1'}, or, when a seed's runs had
    more than one value, naming what ran: {value: 'sft, ra seed 2 and dgr seeds 1, 2'}."""
    values: dict[str, list[tuple[int, str]]] = {}
    for what, seed, value in runs:
        values.setdefault(value, []).append((seed, what))
    seeds = [{seed for seed, _ in ran} for ran in values.values()]
    split = len(set().union(*seeds)) < sum(map(len, seeds))  # a seed with two values

    def named(ran: list[tuple[int, str]]) -> str:
        if not split:
            return by_seeds([(seed, "") for seed, _ in ran])[""]
        whats: dict[str, list[str]] = {}  # {the seeds: what ran with them}
        for what, seeds_text in by_seeds(ran).items():
            whats.setdefault(seeds_text, []).append(what)
        return " and ".join(f"{', '.join(w for w in what if w)} {seeds_text}".strip()
                            for seeds_text, what in whats.items())

    return {value: named(ran) for value, ran in values.items()}


def machines_line(runs: list[tuple[str, int, dict]]) -> str:
    """A report's 'Machine:' line from its runs' (what ran, seed, record entry; as `grouped`):
    the one machine, or which seeds ran on which."""
    machines = grouped([(what, seed, entry["machine"]) for what, seed, entry in runs])
    if len(machines) == 1:
        return f"Machine: {next(iter(machines))}  "
    return "Machines (times compare only within one): " + "; ".join(
        f"{ran} on {machine}" for machine, ran in machines.items()) + "  "


def precision_text(runs: list[tuple[str, int, dict]]) -> str:
    """The dtype policies that runs trained in, from their (what ran, seed, record entry; as
    `grouped`): 'mixed_bfloat16', or which runs trained in which ('mixed_bfloat16 for dual
    seeds 0, 1, 2; float32 for supervised_all seeds 0, 1')."""
    policies = grouped([(what, seed, runtime.recorded_policy(
        entry["config"]["runtime"]["precision"], entry["machine"])) for what, seed, entry in runs])
    if len(policies) == 1:
        return next(iter(policies))
    return "; ".join(f"{policy} for {ran}" for policy, ran in policies.items())


def judge_accuracy_text(runs: list[tuple[str, int, float]]) -> str:
    """A judge's test accuracy over its runs' (what ran, seed, accuracy; as `grouped`):
    '0.9247', or '0.9247 (seed 0), 0.9259 (seeds 1, 2)' when the runs were scored by judges
    that differ."""
    accuracies = grouped([(what, seed, f"{accuracy:.4f}") for what, seed, accuracy in runs])
    if len(accuracies) == 1:
        return next(iter(accuracies))
    return ", ".join(f"{accuracy} ({ran})" for accuracy, ran in accuracies.items())


def judges_text(entries: list[tuple[str, int, dict]]) -> dict[str, str]:
    """Each judge's judge_accuracy_text over runs' (what ran, seed, record entry)."""
    return {judge: judge_accuracy_text([(what, seed, entry["judges"][judge])
                                        for what, seed, entry in entries])
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
