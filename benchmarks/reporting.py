"""What the results commands share: a training run timed across resumptions, and its curves
read back from TensorBoard."""

import importlib.util
import json
import os
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import tensorflow as tf
from absl import app, logging
from ml_collections import ConfigDict

from tfgan_lab import eval as eval_lib
from tfgan_lab import files, models, runtime, train, workdir
from tfgan_lab.config import schema, validate
from tfgan_lab.errors import WorkdirError
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


def trained_and_measured(config: ConfigDict, workdir_path: str) -> dict:
    """Trains `config` in `workdir_path` (resuming) and measures the final model with its
    class's evaluator; returns {"seconds": training time, "metrics": {...}}, cached in the
    workdir's results.json so that a rerun of a results command reads it back."""
    def measure() -> dict:
        trained, seconds = train_timed(config, workdir_path)
        return {"seconds": seconds, "metrics": models.of(config).make_evaluator(config)(
            trained.model)}
    return cached(os.path.join(workdir_path, "results.json"), measure)


def cached(path: str, compute: Callable[[], dict],
           valid: Callable[[dict], bool] = lambda _: True) -> dict:
    """The dict in the JSON file `path` if it is there and `valid`; otherwise `compute()`,
    written there (files.write_json) and returned."""
    if os.path.exists(path):
        with open(path) as f:
            kept = json.load(f)
        if valid(kept):
            return kept
    result = compute()
    files.write_json(path, result)
    return result


def generators(metrics: dict) -> list[tuple[str, str]]:
    """(label, metric prefix) of the raw G, and of the averaged G if `metrics` score one."""
    averaged = f"{EMA_PREFIX}conditional_accuracy" in metrics
    return [("raw", "")] + ([("averaged", EMA_PREFIX)] if averaged else [])


class Seed(NamedTuple):
    """One seed's run of a results command."""
    config: ConfigDict  # the command's config with this seed
    workdir: str  # <workdir>/seed<seed>
    export_dir: str  # the first seed's: the command's --export_dir; the others': <workdir>/export


def seeded(config: ConfigDict, workdir_path: str, seeds: int,
           export_dir: str | None = None) -> list[Seed]:
    """`config`'s runs over `seeds` seeds, config.seed + i for i < seeds, each with a copy of
    `config`. The first seed's exports go to `export_dir`, so that it stays the one served;
    the others' (and every seed's if `export_dir` is None) into their own workdir."""
    runs = []
    for offset in range(seeds):
        run_config = ConfigDict(config.to_dict())
        run_config.seed = config.seed + offset
        run = os.path.join(workdir_path, f"seed{run_config.seed}")
        exports = export_dir if offset == 0 and export_dir else os.path.join(run, "export")
        runs.append(Seed(run_config, run, exports))
    return runs


def measured_once(seed: Seed, measure: Callable[[], dict]) -> dict:
    """`measure()` of a seed's run, which trains, exports and measures it and lists its exports
    under "exports"; kept in the run's measured.json, so that a rerun of a results command
    neither exports nor measures a finished seed again (delete the file to re-measure). It is
    measured again if its exports have gone or belong to another --export_dir."""
    def still_exported(kept: dict) -> bool:  # (a list of paths: measured before roles)
        return isinstance(kept["exports"], dict) and all(
            os.path.exists(path) and os.path.realpath(os.path.dirname(os.path.dirname(path)))
            == os.path.realpath(seed.export_dir) for path in kept["exports"].values())
    return cached(os.path.join(seed.workdir, "measured.json"), measure, still_exported)


def recorded_seed(seed: Seed, records: "Records", from_records: bool,
                  measure: Callable[[], dict], key: str | None = None,
                  judges: Callable[[], dict[str, float]] | None = None) -> dict:
    """A seed's result: read back from `records` when `from_records` and its workdir is gone
    (it was recorded with the same config), else `measure()` once (measured_once), recorded
    as `key` (default `seed<N>`) with the test accuracies `judges()` of the reference
    classifiers that scored it, if any did."""
    key = key or f"seed{seed.config.seed}"
    recorded = records.read_back(key, seed.config, seed.workdir) if from_records else None
    if recorded:
        return recorded["result"]
    result = measured_once(seed, measure)
    records.put(key, seed.config, result, judges() if judges else None)
    return result


class Records:
    """Each run's result of a results command, with its config, machine and judges, in a JSON file
    beside the report (<results>/<name>.json) and written as each run finishes. A run whose
    workdir is gone is read back from here if it was recorded with the same config, so that a
    command longer than one sitting can run seed by seed, on fresh machines, and its report be
    rebuilt from what was recorded."""

    def __init__(self, path: str):
        self.path = path
        self._entries: dict[str, dict] = {}
        if os.path.exists(path):
            try:
                with open(path) as f:
                    self._entries = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise WorkdirError(
                    f"{path} is not a readable record of results ({error}). Restore it "
                    f"(git checkout -- {path}) or delete it to train every run again.") from None

    def get(self, key: str, config: ConfigDict) -> dict | None:
        """The entry {"config", "machine", "judges", "result"} of run `key` if it was recorded
        with `config`; None otherwise. As in a workdir, a field the recorded config lacks (added
        to the library since) had its default value. The exports of other runs that the model
        reads count as given or not, wherever they were: the key names the run (`image/seed1`
        reads `controller/seed1`'s), and a --workdir elsewhere moves them."""
        entry = self._entries.get(key)
        if not entry:
            return None
        recorded = workdir.flatten(entry["config"])
        for field, default in workdir.flatten(json.loads(schema(config).to_json())).items():
            recorded.setdefault(field, default)
        now = workdir.flatten(json.loads(config.to_json()))
        for field in models.of(config).INPUT_EXPORTS:
            for fields in (recorded, now):
                fields[f"model.{field}"] = bool(fields[f"model.{field}"])
        return entry if recorded == now else None

    def read_back(self, key: str, config: ConfigDict, run: str) -> dict | None:
        """--from_records' read of run `key`: its entry, said on stdout, if it was recorded with
        `config` and its folder `run` is gone; None when the run is to be trained (resumed)."""
        entry = self.get(key, config)
        if entry is None or os.path.isdir(run):
            return None
        print(f"{key}: read from {self.path} (its run, on {entry['machine']}, is not in {run})")
        return entry

    def recorded(self, key: str, config: ConfigDict) -> dict | None:
        """--report_only's read of run `key`: its entry, or None, said on stdout, when it is not
        recorded with `config` (a seed still to run, left out of the report)."""
        entry = self.get(key, config)
        if entry is None:
            print(f"{key} is not recorded with this config: left out of the report.")
        return entry

    def none_of(self, runs: str) -> app.UsageError:
        """--report_only's error when no run of `runs` is recorded (rather than a report of no
        runs written over the last one)."""
        return app.UsageError(f"{self.path} records no seed of {runs} with these configs: run "
                              "them first, without --report_only.")

    def put(self, key: str, config: ConfigDict, result: dict,
            judges: dict[str, float] | None = None) -> dict:
        """Records `result` of run `key`, judged by reference classifiers of test accuracies
        `judges` ({judge: accuracy}, retrained on each machine), on this machine unless it is
        recorded as it is already; returns its entry."""
        result = json.loads(json.dumps(result))
        entry = self.get(key, config)
        if entry is None or entry["result"] != result or entry["judges"] != judges:
            entry = {"config": json.loads(config.to_json()),
                     "machine": runtime.machine_description(), "judges": judges,
                     "result": result}
            self._entries[key] = entry
            files.write_json(self.path, self._entries)
        return entry


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


def train_timed(config: ConfigDict, workdir_path: str) -> tuple[train.Trained, float]:
    """Trains (resuming); returns the model and the seconds of training, summed over the
    invocations that trained (kept in the workdir's benchmark_seconds.json). An invocation
    that was killed counts from its start to its last checkpoint, the work it left."""
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(workdir_path))
    finished = latest is not None and int(latest.rsplit("-", 1)[1]) >= config.train.steps
    with workdir.removed_if_left_empty(workdir_path):
        if not finished:
            workdir.ensure_writable(workdir_path, "workdir")
        return workdir.timed(os.path.join(workdir_path, "benchmark_seconds.json"),
                             lambda: train.train(config, workdir_path),
                             lambda: os.path.getmtime(latest + ".index") if latest else None,
                             finished)


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
