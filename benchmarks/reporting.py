"""What the results commands share: a training run timed across resumptions, and its curves
read back from TensorBoard."""

import importlib.util
import json
import os
import time

import numpy as np
import tensorflow as tf
from absl import app, logging
from ml_collections import ConfigDict

from tfgan_lab import eval as eval_lib
from tfgan_lab import models, train, workdir
from tfgan_lab.config import validate
from tfgan_lab.gans.conditional import EMA_PREFIX


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


def experiment_file_config(name: str, overrides: dict, seed: int) -> ConfigDict:
    """configs/<name>.py's config with `overrides` and `seed`."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs",
                        f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return override(module.get_config(), overrides, seed)


def ensure_classifier(config: ConfigDict) -> None:
    """Trains the dataset's reference classifiers (both judges) first if they are not cached."""
    for judge in eval_lib.missing_judges(config):
        print(f"Training the {judge} reference classifier first ...")
        eval_lib.train_classifier(config, judge)


def judge_accuracies(config: ConfigDict) -> dict[str, float]:
    """Each judge's test accuracy, from its cache: {judge: accuracy}."""
    ensure_classifier(config)
    accuracies = {}
    for judge in eval_lib.JUDGES:
        with open(os.path.join(eval_lib.cache_dir(config, judge), "metrics.json")) as f:
            accuracies[judge] = json.load(f)["test_accuracy"]
    return accuracies


def trained_and_measured(config: ConfigDict, workdir_path: str) -> dict:
    """Trains `config` in `workdir_path` (resuming) and measures the final model with its
    class's evaluator; returns {"seconds": training time, "metrics": {...}}, cached in the
    workdir's results.json so that a rerun of a results command reads it back."""
    path = os.path.join(workdir_path, "results.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    trained, seconds = train_timed(config, workdir_path)
    metrics = models.of(config).make_evaluator(config)(trained.model)
    results = {"seconds": seconds, "metrics": metrics}
    with open(path + ".partial", "w") as f:
        json.dump(results, f, indent=2)
    os.replace(path + ".partial", path)
    return results


def generators(metrics: dict) -> list[tuple[str, str]]:
    """(label, metric prefix) of the raw G, and of the averaged G if `metrics` score one."""
    averaged = f"{EMA_PREFIX}conditional_accuracy" in metrics
    return [("raw", "")] + ([("averaged", EMA_PREFIX)] if averaged else [])


def seeded(config: ConfigDict, workdir_path: str, seeds: int) -> list[tuple[ConfigDict, str]]:
    """`config`'s runs over `seeds` seeds: (a copy of it with seed config.seed + i, its workdir
    <workdir_path>/seed<that seed>) for i < seeds."""
    runs = []
    for offset in range(seeds):
        run_config = ConfigDict(config.to_dict())
        run_config.seed = config.seed + offset
        runs.append((run_config, os.path.join(workdir_path, f"seed{run_config.seed}")))
    return runs


def mean_over_seeds(results: list[dict]) -> dict:
    """The mean of every number the runs in `results` share (their lists element-wise)."""
    keys = [k for k, v in results[0].items() if isinstance(v, (int, float, list))
            and all(k in r for r in results)]
    return {k: np.mean([r[k] for r in results], axis=0).tolist() for k in keys}


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


def train_timed(config: ConfigDict, workdir_path: str) -> tuple[train.Trained, float]:
    """Trains (resuming); returns the model and the seconds of training, summed over the
    invocations that trained (kept in the workdir's benchmark_seconds.json). An invocation
    that was killed counts from its start to its last checkpoint, the work it left."""
    path = os.path.join(workdir_path, "benchmark_seconds.json")
    record = {"seconds": 0.0}
    if os.path.exists(path):
        with open(path) as f:
            record = json.load(f)
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(workdir_path))
    if "running_since" in record:  # the last invocation was killed
        kept = os.path.getmtime(latest + ".index") if latest else 0.0
        record["seconds"] += max(0.0, kept - record.pop("running_since"))
    finished = latest is not None and int(latest.rsplit("-", 1)[1]) >= config.train.steps
    if not finished:
        workdir.ensure_writable(workdir_path, "workdir")
        _write_record(path, {**record, "running_since": time.time()})
    start = time.perf_counter()
    trained = train.train(config, workdir_path)
    if not finished:
        record["seconds"] += time.perf_counter() - start
    _write_record(path, record)
    return trained, record["seconds"]


def _write_record(path: str, record: dict) -> None:
    with open(path + ".partial", "w") as f:
        json.dump(record, f)
    os.replace(path + ".partial", path)


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
