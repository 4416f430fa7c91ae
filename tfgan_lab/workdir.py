"""A run's working directory: its config, checkpoints, TensorBoard logs and sample grids.

    <workdir>/config.json      the resolved config of the latest run in this workdir
    <workdir>/checkpoints/     weights, optimizer states and the step (data follows the step)
    <workdir>/tensorboard/     scalars and sample grids
    <workdir>/samples/         step_<N>.png, one row per class, fixed noise
    <workdir>/metrics.csv      sample-quality metrics every config.eval.every steps
    <workdir>/.lock            held by the live run, which it names (pid, host, command)

Rerunning a command on the same workdir resumes it. Fields that shape the model or its data
must not change between the runs of one workdir; the training length, logging intervals,
learning rates and the strategy may. Two live runs never share a workdir: the second is
refused with the first one's name, and a lock left by a killed run does not count.
"""

import contextlib
import csv
import datetime
import fcntl
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from ml_collections import ConfigDict

from tfgan_lab import files
from tfgan_lab.config import added_groups, resolve_stored
from tfgan_lab.errors import WorkdirError

T = TypeVar("T")

# What shapes a run's model or data; an added group (continual) adds its own.
# What a workdir keeps: its model, and what the data order depends on (train.batch_size).
FROZEN_FIELDS = ("name", "seed", "data", "model", "runtime.precision", "train.batch_size")


def ensure_writable(path: str, what: str, create: bool = True) -> None:
    """Checks that files can be written in `path`, creating it if needed; with `create`
    False, a missing `path` is left uncreated (a failed run leaves no empty folder) and its
    nearest existing parent is checked instead."""
    try:
        if create:
            os.makedirs(path, exist_ok=True)
        existing = os.path.abspath(path)
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise NotADirectoryError(20, "Not a directory")
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise WorkdirError(f"The {what} {path!r} is not writable ({e.strerror or e}): choose "
                           "another path or fix its permissions.") from None


def ensure_output_file(path: str, what: str, inputs: tuple[str, ...] = (),
                       example: str = "out.png") -> None:
    """Checks, before any work, that the file `path` can be written: not a folder (the error
    suggests `example` in it), in a writable folder, and none of `inputs` (a command never
    overwrites what it reads)."""
    if os.path.isdir(path):
        raise WorkdirError(f"The {what} {path!r} is a folder: name a file, e.g. "
                           f"{os.path.join(path, example)!r}.")
    if os.path.exists(path) and any(os.path.samefile(path, i) for i in inputs):
        raise WorkdirError(f"The {what} {path!r} is one of the inputs: name another file, "
                           "so that the input is kept.")
    ensure_writable(os.path.dirname(os.path.abspath(path)), f"folder of the {what}",
                    create=False)


def checkpoint_dir(workdir: str) -> str:
    return os.path.join(workdir, "checkpoints")


def tensorboard_dir(workdir: str) -> str:
    return os.path.join(workdir, "tensorboard")


def sample_path(workdir: str, step: int, extension: str = "png") -> str:
    """Where the samples of `step` go: a grid's PNG, a table's Markdown."""
    return os.path.join(workdir, "samples", f"step_{step:06d}.{extension}")


def _config_path(workdir: str) -> str:
    return os.path.join(workdir, "config.json")


def holds_config(workdir: str) -> bool:
    return os.path.exists(_config_path(workdir))


def load_config(workdir: str) -> ConfigDict:
    """The config stored by the last run in `workdir`."""
    path = _config_path(workdir)
    if not os.path.exists(path):
        raise WorkdirError(f"{workdir!r} holds no config.json: it is not a tfgan_lab workdir, "
                           "or its run never started. Pass --config as well.")
    with open(path) as f:
        return resolve_stored(json.load(f))


def flatten(tree: dict, prefix: str = "") -> dict:
    """{'model.variant': ..., 'train.steps': ...} from a nested {'model': {'variant': ...}}."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def prepare(workdir: str, config: ConfigDict) -> None:
    """Checks that `workdir` is writable and belongs to this run's model, then stores `config`."""
    ensure_writable(workdir, "workdir")
    if os.path.exists(_config_path(workdir)):
        # A field the stored config lacks (added to the library since) had its default value.
        before = flatten(load_config(workdir).to_dict())
        now = flatten(config.to_dict())
        frozen = FROZEN_FIELDS + tuple(f for group in added_groups(config) for f in group.frozen)
        changed = [f"{key}: {before.get(key)!r} in the workdir, {now.get(key)!r} now"
                   for key in sorted(set(before) | set(now))
                   if before.get(key) != now.get(key)
                   and any(key == f or key.startswith(f + ".") for f in frozen)]
        if changed:
            raise WorkdirError(f"{workdir!r} holds a run with other settings "
                               f"({'; '.join(changed)}): its model and data order depend on "
                               "them. Use a new --workdir, or the workdir's own settings.")
    files.write_text(_config_path(workdir), config.to_json(indent=2, sort_keys=True))


def metrics_path(workdir: str) -> str:
    return os.path.join(workdir, "metrics.csv")


def read_metrics(workdir: str) -> list[dict[str, float]]:
    """The rows of metrics.csv as dicts of floats (step included); [] if there is none."""
    if not os.path.exists(metrics_path(workdir)):
        return []
    with open(metrics_path(workdir), newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def append_metrics(workdir: str, step: int, values: dict[str, float]) -> None:
    """Adds one row to metrics.csv (writing the header first if the file is new)."""
    new = not os.path.exists(metrics_path(workdir))
    with open(metrics_path(workdir), "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["step", *values])
        if new:
            writer.writeheader()
        writer.writerow({"step": step, **values})


def drop_metrics_after(workdir: str, step: int) -> None:
    """Forgets rows after `step`: a resumed run recomputes them from its checkpoint."""
    rows = read_metrics(workdir)
    if any(row["step"] > step for row in rows):
        os.remove(metrics_path(workdir))
        for row in rows:
            if row["step"] <= step:
                append_metrics(workdir, int(row.pop("step")), row)


@contextlib.contextmanager
def lock(workdir: str) -> Iterator[None]:
    """Holds `<workdir>/.lock` while the block runs; WorkdirError naming the live run that holds
    it otherwise. The lock is the operating system's (flock): it dies with its process, so a
    run killed at any moment leaves nothing that blocks the resume."""
    ensure_writable(workdir, "workdir")
    path = os.path.join(workdir, ".lock")
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WorkdirError(f"{workdir!r} is in use by a live run: {holder}. Wait for it to end or "
                           "stop it, or use another --workdir.") from None
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}, started {started}: "
                 f"{' '.join(sys.argv)}\n")
    handle.flush()
    try:
        yield
    finally:
        handle.close()  # Releases the lock.


@contextlib.contextmanager
def removed_if_left_empty(path: str) -> Iterator[None]:
    """If the block raises, removes `path` and the ancestors made with it that it left empty:
    a run refused at its start leaves no folder behind."""
    missing, folder = [], os.path.abspath(path)
    while folder and not os.path.exists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    try:
        yield
    except BaseException:
        for folder in missing:  # innermost first; a folder with something in it stays
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise


def timed(record_path: str, work: Callable[[], T], last_saved: Callable[[], float | None],
          finished: bool = False) -> tuple[T, float]:
    """Runs `work()`; returns its result and the seconds the work has taken over all its
    invocations, kept in the JSON file `record_path`. An invocation that was killed counts
    from its start to `last_saved()`, the time its last saved progress was written (None:
    nothing was), as the work after that is lost. `finished`: nothing is left to do, so this
    invocation only reads back and adds no time."""
    record, existed = {"seconds": 0.0}, os.path.exists(record_path)
    if existed:
        with open(record_path) as f:
            record = json.load(f)
    if "running_since" in record:  # the last invocation was killed
        record["seconds"] += max(0.0, (last_saved() or 0.0) - record.pop("running_since"))
    if not finished:
        files.write_json(record_path, {**record, "running_since": time.time()})
    start = time.perf_counter()
    try:
        result = work()
    except Exception:
        if not existed and not finished and last_saved() is None:  # refused before any work
            os.remove(record_path)
        raise
    if not finished:
        record["seconds"] += time.perf_counter() - start
    files.write_json(record_path, record)
    return result, record["seconds"]
