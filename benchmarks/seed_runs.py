"""A results command's runs, seed by seed, kept across sittings: each trained (resuming) and
timed in its workdir, measured once, and recorded with its config and machine, so that a
command longer than one sitting can go on, on fresh machines, and its report be rebuilt from
what was recorded."""

import json
import os
from collections.abc import Callable
from typing import NamedTuple

import tensorflow as tf
from absl import app
from ml_collections import ConfigDict

from tfgan_lab import files, models, runtime, train, workdir
from tfgan_lab.config import schema
from tfgan_lab.errors import WorkdirError


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


class Records:
    """Each run's result of a results command, with its config, machine and judges, in a JSON file
    beside the report (<results>/<name>.json) and written as each run finishes. A run whose
    workdir is gone is read back from here if it was recorded with the same config, so that a
    command longer than one sitting can run seed by seed, on fresh machines, and its report be
    rebuilt from what was recorded."""

    def __init__(self, path: str):
        self.path = path
        self._entries: dict[str, dict] = {}
        self._said_missing: set[str] = set()
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
        """--report_only's read of run `key`: its entry, or None, said on stdout once, when it
        is not recorded with `config` (a seed still to run, left out of the report; a run that
        other rows start from is read once for each)."""
        entry = self.get(key, config)
        if entry is None and key not in self._said_missing:
            self._said_missing.add(key)
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


def recorded_seed(seed: Seed, records: Records, from_records: bool,
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
