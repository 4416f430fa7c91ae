"""A continual-learning run: the tasks in order, each with its checkpoint, exports and scores.

    <workdir>/config.json
    <workdir>/task_<t>/generator/      the generator's run (checkpoints, samples, TensorBoard)
    <workdir>/task_<t>/solver.weights.h5
    <workdir>/task_<t>/samples.png     every class of a conditional generator, after task t
    <workdir>/task_<t>/seconds.json    the task's time so far, over the invocations
    <workdir>/task_<t>/result.json     written last: the task is done; names its exports
    <workdir>/results.json             matrices, average accuracy, backward transfer
    <export_dir>/<config.name>_task<t>_{generator,solver}/<version>/   SavedModels

Exports follow the one rule of every mode (tfgan_lab/export.py). Task t's replay stage reads
task t-1's exports from disk, by the paths its result.json records. A killed run resumes: done
tasks are skipped, the generator of the current one resumes from its last checkpoint.

  python main.py --mode=continual --config=configs/continual_fashion_mnist.py:dgr \\
      --workdir=runs/continual/dgr
"""

import copy
import json
import os

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, export, files, images, modes, train, workdir
from tfgan_lab import eval as eval_lib
from tfgan_lab.continual.methods import METHODS
from tfgan_lab.continual.replay import Replay
from tfgan_lab.continual.solver import task_accuracies, train_solver
from tfgan_lab.continual.tasks import task_classes
from tfgan_lab.errors import WorkdirError
from tfgan_lab.eval import continual as metrics
from tfgan_lab.eval.metrics import conditional_accuracy


class _Run:
    """What every task of one run reads: config, data, tasks, paths, the finished tasks'
    results, the reference classifier."""

    def __init__(self, config: ConfigDict, workdir_path: str, export_dir: str):
        self.config, self.workdir, self.export_dir = config, workdir_path, export_dir
        self.train = data.from_config(config.data)
        self.test = data.from_config(config.data, config.continual.test_split)
        self.tasks = task_classes(self.train.info.num_classes,
                                  config.continual.classes_per_task, config.continual.num_tasks)
        self.method = METHODS.get(config.continual.method, field="continual.method")
        self.rows: list[dict] = []  # result.json of each finished task, in order
        # Generators are scored by both reference classifiers, {metric suffix: judge}: loaded
        # now, so that a missing one stops the run before its first task.
        self.judges = eval_lib.load_judges(config) if self.method.scores_generator else {}

    def task_dir(self, t: int) -> str:
        return os.path.join(self.workdir, f"task_{t + 1}")

    def new_fraction(self, t: int) -> float:
        """r at task t (0-based): the config's, or 1/(t+1), so every task weighs the same."""
        return self.config.continual.replay_ratio or 1.0 / (t + 1)

    def replay(self, t: int, labelled_by_solver: bool) -> Replay:
        """Task t's replay of the old classes from task t-1's exports, read from disk; its
        labels come from task t-1's solver (DGR) or are the classes asked for (MeRGAN)."""
        previous = self.rows[t - 1]
        return Replay(previous["generator"], classes=self.old_classes(t),
                      new_fraction=self.new_fraction(t),
                      solver_path=previous["solver"] if labelled_by_solver else None)

    def old_classes(self, t: int) -> list[int]:
        return [c for classes in self.tasks[:t] for c in classes]

    def export_once(self, t: int, role: str, make_export) -> str:
        """Task t's export of `role` (generator, solver): written under the run's export_dir
        as <config.name>_task<t>_<role>, unless a resumed run already wrote it (its path is
        kept in the task's folder until result.json takes it over)."""
        marker = os.path.join(self.task_dir(t), f"{role}_export.txt")
        if os.path.exists(marker):
            with open(marker) as f:
                path = f.read().strip()
            if export.holds_export(path):
                return path
        path = os.path.abspath(export.write(make_export(), self.export_dir,
                                            f"{self.config.name}_task{t + 1}_{role}"))
        files.write_text(marker, path)
        return path


def _generator_config(run: _Run, t: int) -> ConfigDict:
    config = copy.deepcopy(run.config)
    config.train.steps = (t + 1) * config.continual.generator_steps  # The step carries on.
    return config


def _train_generator(run: _Run, t: int) -> str:
    """Trains task t's generator, continuing task t-1's, with the method's hook (replay or
    replay alignment from task t-1's exports); returns the path of its export."""
    config, task_dir = _generator_config(run, t), run.task_dir(t)
    warm_start = None
    if t > 0:
        warm_start = tf.train.latest_checkpoint(
            workdir.checkpoint_dir(os.path.join(run.task_dir(t - 1), "generator")))
    hook = run.method.generator_hook(run, t)

    def configure(gan):
        gan.hook = hook

    trained = train.train(config, os.path.join(task_dir, "generator"),
                          dataset=run.train.select(run.tasks[t]), warm_start=warm_start,
                          configure=configure)
    generator = trained.model.exports()["generator"]  # the raw G, not its average
    return run.export_once(t, "generator", lambda: generator)


def _train_solver(run: _Run, t: int) -> tuple[list[float], str]:
    """Trains task t's solver from task t-1's (with the method's replay); returns its accuracy
    on every task's test images and the path of its export."""
    task_dir = run.task_dir(t)
    previous = os.path.join(run.task_dir(t - 1), "solver.weights.h5") if t > 0 else None
    network = train_solver(run.config, run.train.select(run.method.seen_by_solver(run.tasks, t)),
                           os.path.join(task_dir, "solver.weights.h5"),
                           previous_weights=previous, replay=run.method.solver_replay(run, t))
    path = run.export_once(t, "solver", lambda: export.Export("classifier", network))
    return task_accuracies(network, run.test, run.tasks), path


def _generator_accuracies(run: _Run, t: int, generator_path: str) -> dict[str, list[float]]:
    """{"generator_class_accuracy<judge suffix>": each judge's accuracy on the exported
    generator's samples of each class} (read through the serving signature), equal numbers per
    class, fixed noise; writes the sample grid of every class."""
    config = run.config
    generator = export.load_conditional_generator(generator_path)
    num_classes = run.train.info.num_classes
    per_class = config.eval.num_samples // num_classes
    z = np.random.default_rng(config.seed).standard_normal(
        (per_class, generator.z_dim)).astype(np.float32)
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), per_class)
    samples = np.concatenate([generator(z, labels[c * per_class:(c + 1) * per_class]).numpy()
                              for c in range(num_classes)])
    accuracies = {}
    for suffix, judge in run.judges.items():
        _, per_class = conditional_accuracy(eval_lib.predict(judge, samples)["probabilities"],
                                            labels, num_classes)
        accuracies[f"generator_class_accuracy{suffix}"] = [float(a) for a in per_class]
    grid_z, grid_labels = images.grid_inputs(generator.z_dim, num_classes,
                                             config.train.sample_columns, config.seed)
    images.write_png(os.path.join(run.task_dir(t), "samples.png"),
                     generator(grid_z, grid_labels).numpy(), config.train.sample_columns)
    return accuracies


def _run_task(run: _Run, t: int) -> dict:
    """Task t's models trained and exported, and their accuracies; its seconds summed over the
    invocations that worked on it (task_<t>/seconds.json), a killed one counted to the last
    file it wrote."""
    def work() -> dict:
        result = {"task": t + 1, "classes": list(run.tasks[t])}
        if run.method.trains_generator:
            result["generator"] = _train_generator(run, t)
            if run.method.scores_generator:  # DGR's is unconditional: its solver labels.
                result.update(_generator_accuracies(run, t, result["generator"]))
        if run.method.trains_solver:
            result["solver_task_accuracy"], result["solver"] = _train_solver(run, t)
        return result

    record = os.path.join(run.task_dir(t), "seconds.json")
    result, seconds = workdir.timed(record, work, lambda: _last_written(run.task_dir(t), record))
    return {**result, "seconds": seconds}


def _last_written(folder: str, record: str) -> float | None:
    """When the newest file under `folder` but `record` was written (None: none is)."""
    times = [os.path.getmtime(os.path.join(root, name))
             for root, _, names in os.walk(folder) for name in names
             if os.path.join(root, name) != record]
    return max(times, default=None)


def task_export(workdir_path: str, task: int, role: str) -> str:
    """The export of `role` (generator, solver) of finished task `task` (1-based) of the run in
    `workdir_path`, as the task's result.json records it."""
    result_path = os.path.join(workdir_path, f"task_{task}", "result.json")
    if not os.path.exists(result_path):
        raise WorkdirError(f"{result_path} does not exist: task {task} of {workdir_path} has not "
                           "finished.")
    with open(result_path) as f:
        result = json.load(f)
    if role not in result:
        raise WorkdirError(f"Task {task} of {workdir_path} exported no {role}.")
    return result[role]


def summarize(method: str, tasks: list[tuple[int, ...]], rows: list[dict]) -> dict:
    """The run's report: per-task rows, the matrices and their summaries."""
    summary = {"method": method, "tasks": [list(c) for c in tasks], "rows": rows}
    if "solver_task_accuracy" in rows[0]:
        matrix = [row["solver_task_accuracy"] for row in rows]
        summary.update(solver_matrix=matrix, solver_seen_accuracy=metrics.seen_accuracy(matrix),
                       average_accuracy=metrics.average_accuracy(matrix),
                       backward_transfer=metrics.backward_transfer(matrix))
    for suffix in eval_lib.SUFFIXES.values():  # Runs from before the second judge lack it.
        key = f"generator_class_accuracy{suffix}"
        if key in rows[0]:
            matrix = [[float(np.mean([row[key][c] for c in classes])) for classes in tasks]
                      for row in rows]
            summary[f"generator_matrix{suffix}"] = matrix
            summary[f"generator_seen_accuracy{suffix}"] = metrics.seen_accuracy(matrix)
    return summary


def run(config: ConfigDict, workdir_path: str, export_dir: str = "export") -> dict:
    """Runs `config.continual.method` through the task stream in `workdir_path` (resuming),
    exporting each task's models under `export_dir`; returns and writes
    <workdir>/results.json."""
    with workdir.lock(workdir_path):
        workdir.prepare(workdir_path, config)
        state = _Run(config, workdir_path, export_dir)
        for t in range(len(state.tasks)):
            result_path = os.path.join(state.task_dir(t), "result.json")
            if not os.path.exists(result_path):
                print(f"{state.method.name}: task {t + 1} of {len(state.tasks)}, "
                      f"classes {state.tasks[t]}")
                os.makedirs(state.task_dir(t), exist_ok=True)
                files.write_json(result_path, _run_task(state, t))
            with open(result_path) as f:
                state.rows.append(json.load(f))
        summary = summarize(state.method.name, state.tasks, state.rows)
        files.write_json(os.path.join(workdir_path, "results.json"), summary)
    return summary


@modes.register("continual", "run config.continual.method through its task stream in "
                             "--workdir (resuming), exporting each task's models to "
                             "--export_dir; writes results.json.")
def continual_mode(context: modes.Context) -> None:
    config, workdir_path = context.config(), context.require_workdir()
    workdir.ensure_writable(context.export_dir, "export directory", create=False)
    summary = run(config, workdir_path, context.export_dir)
    for key in ("average_accuracy", "backward_transfer"):
        if key in summary:
            print(f"solver {key:20s} {summary[key]:.4f}")
    for judge, suffix in eval_lib.SUFFIXES.items():
        if f"generator_seen_accuracy{suffix}" in summary:
            print(f"generator accuracy over the classes seen, after each task ({judge} judge): "
                  + ", ".join(f"{a:.3f}" for a in summary[f"generator_seen_accuracy{suffix}"]))
    print(f"Wrote {os.path.join(workdir_path, 'results.json')}")
