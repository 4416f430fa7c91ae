"""A continual-learning run: the tasks in order, each with its checkpoint, exports and scores.

    <workdir>/config.json
    <workdir>/task_<t>/generator/      the generator's run (checkpoints, samples, TensorBoard)
    <workdir>/task_<t>/solver.weights.h5
    <workdir>/task_<t>/export/{generator,solver}/1/   SavedModels (serving contract)
    <workdir>/task_<t>/samples.png     every class of a conditional generator, after task t
    <workdir>/task_<t>/result.json     written last: the task is done
    <workdir>/results.json             matrices, average accuracy, backward transfer

Task t's replay stage reads task t-1's exports from disk, by path. A killed run resumes: done
tasks are skipped, the generator of the current one resumes from its last checkpoint.

  python main.py --mode=continual --config=configs/continual_fashion_mnist.py:dgr \\
      --workdir=runs/continual/dgr
"""

import copy
import json
import os
import time

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, export, images, train, workdir
from tfgan_lab import eval as eval_lib
from tfgan_lab.config import MEMORY_REPLAY_METHODS
from tfgan_lab.continual.replay import Replay
from tfgan_lab.continual.solver import task_accuracies, train_solver
from tfgan_lab.continual.tasks import select, task_classes
from tfgan_lab.eval import continual as metrics
from tfgan_lab.eval.metrics import conditional_accuracy

SOLVER_METHODS = ("finetune", "joint", "dgr")  # Train a solver; dgr also a generator.
GENERATOR_METHODS = ("dgr", *MEMORY_REPLAY_METHODS)  # Train a generator, task by task.


class _Run:
    """What every task of one run reads: config, data, tasks, paths, reference classifier."""

    def __init__(self, config: ConfigDict, workdir_path: str):
        self.config, self.workdir = config, workdir_path
        source = config.data
        self.train = data.load(source.name, source.split, source.idx_dir, source.tfds_dir)
        self.test = data.load(source.name, config.continual.test_split, source.idx_dir,
                              source.tfds_dir)
        self.tasks = task_classes(self.train.info.num_classes,
                                  config.continual.classes_per_task, config.continual.num_tasks)
        self.method = config.continual.method
        # Memory Replay GANs are scored by the reference classifier: loaded now, so that a
        # missing one stops the run before its first task.
        self.classifier = (eval_lib.load_classifier(config)
                           if self.method in MEMORY_REPLAY_METHODS else None)

    def task_dir(self, t: int) -> str:
        return os.path.join(self.workdir, f"task_{t + 1}")

    def export_path(self, t: int, name: str) -> str:
        return export.latest(os.path.join(self.task_dir(t), "export"), name)

    def new_fraction(self, t: int) -> float:
        """r at task t (0-based): the config's, or 1/(t+1), so every task weighs the same."""
        return self.config.continual.replay_ratio or 1.0 / (t + 1)

    def replay(self, t: int, labelled_by_solver: bool) -> Replay:
        """Task t's replay of the old classes from task t-1's exports, read from disk; its
        labels come from task t-1's solver (DGR) or are the classes asked for (MeRGAN)."""
        return Replay(self.export_path(t - 1, "generator"), classes=self.old_classes(t),
                      new_fraction=self.new_fraction(t),
                      solver_path=self.export_path(t - 1, "solver") if labelled_by_solver
                      else None)

    def old_classes(self, t: int) -> list[int]:
        return [c for classes in self.tasks[:t] for c in classes]

    def task_data(self, t: int) -> data.LabeledImages:
        """Task t's training examples; for joint training those of tasks 0..t."""
        seen = self.old_classes(t + 1) if self.method == "joint" else self.tasks[t]
        return select(self.train, seen)


def _export_once(task_dir: str, name: str, write) -> str:
    """The task's export `name`, written by `write(export_dir)` unless a resumed run already
    wrote it (an export exists only once its model is fully trained)."""
    export_dir = os.path.join(task_dir, "export")
    if export.versions(os.path.join(export_dir, name)):
        return export.latest(export_dir, name)
    return write(export_dir)


def _generator_config(run: _Run, t: int) -> ConfigDict:
    config = copy.deepcopy(run.config)
    config.train.steps = (t + 1) * config.continual.generator_steps  # The step carries on.
    return config


def _train_generator(run: _Run, t: int) -> str:
    """Trains task t's generator, continuing task t-1's, with replay (dgr, jtr) or replay
    alignment (ra) from task t-1's exports; returns the path of its export."""
    config, task_dir = _generator_config(run, t), run.task_dir(t)
    warm_start = None
    if t > 0:
        warm_start = tf.train.latest_checkpoint(
            workdir.checkpoint_dir(os.path.join(run.task_dir(t - 1), "generator")))

    def configure(gan):
        if t == 0 or run.method == "sft":
            return
        replay = run.replay(t, labelled_by_solver=run.method == "dgr")
        if run.method == "ra":
            gan.alignment, gan.alignment_weight = replay, config.continual.alignment_weight
        else:
            gan.replay = replay

    trained = train.train(config, os.path.join(task_dir, "generator"),
                          dataset=select(run.train, run.tasks[t]), warm_start=warm_start,
                          configure=configure)
    gan = trained.gan
    return _export_once(task_dir, "generator", lambda export_dir: export.export_generator(
        gan.generator, z_dim=config.model.z_dim,
        num_classes=trained.info.num_classes if gan.conditional else None,
        export_dir=export_dir, name="generator"))


def _train_solver(run: _Run, t: int) -> list[float]:
    """Trains task t's solver from task t-1's (with DGR's replay); returns its accuracy on
    every task's test images."""
    task_dir = run.task_dir(t)
    replay = None
    if run.method == "dgr" and t > 0:  # Task t-1's scholar: its generator, its solver's labels.
        replay = run.replay(t, labelled_by_solver=True)
    previous = os.path.join(run.task_dir(t - 1), "solver.weights.h5") if t > 0 else None
    network = train_solver(run.config, run.task_data(t),
                           os.path.join(task_dir, "solver.weights.h5"),
                           previous_weights=previous, replay=replay)
    _export_once(task_dir, "solver", lambda export_dir: export.export_classifier(
        network, export_dir=export_dir, name="solver"))
    return task_accuracies(network, run.test, run.tasks)


def _generator_accuracies(run: _Run, t: int, generator_path: str) -> list[float]:
    """The reference classifier's accuracy on the exported generator's samples of each class
    (read through the serving signature), equal numbers per class, fixed noise; writes the
    sample grid of every class."""
    config = run.config
    generator = export.load_conditional_generator(generator_path)
    num_classes = run.train.info.num_classes
    per_class = config.eval.num_samples // num_classes
    z = np.random.default_rng(config.seed).standard_normal(
        (per_class, generator.z_dim)).astype(np.float32)
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), per_class)
    samples = np.concatenate([generator(z, labels[c * per_class:(c + 1) * per_class]).numpy()
                              for c in range(num_classes)])
    _, per_class_accuracy = conditional_accuracy(
        eval_lib.predict(run.classifier, samples)["probabilities"], labels, num_classes)
    grid_z, grid_labels = images.grid_inputs(generator.z_dim, num_classes,
                                             config.train.sample_columns, config.seed)
    images.write_png(os.path.join(run.task_dir(t), "samples.png"),
                     generator(grid_z, grid_labels).numpy(), config.train.sample_columns)
    return [float(a) for a in per_class_accuracy]


def _run_task(run: _Run, t: int) -> dict:
    start = time.perf_counter()
    result = {"task": t + 1, "classes": list(run.tasks[t])}
    if run.method in GENERATOR_METHODS:
        generator_path = _train_generator(run, t)
        result["generator"] = generator_path
        if run.method in MEMORY_REPLAY_METHODS:  # DGR's is unconditional: its solver labels.
            result["generator_class_accuracy"] = _generator_accuracies(run, t, generator_path)
    if run.method in SOLVER_METHODS:
        result["solver_task_accuracy"] = _train_solver(run, t)
        result["solver"] = run.export_path(t, "solver")
    result["seconds"] = time.perf_counter() - start
    return result


def _write_json(path: str, content: dict) -> None:
    with open(path + ".partial", "w") as f:
        json.dump(content, f, indent=2)
    os.replace(path + ".partial", path)


def summarize(method: str, tasks: list[tuple[int, ...]], rows: list[dict]) -> dict:
    """The run's report: per-task rows, the matrices and their summaries."""
    summary = {"method": method, "tasks": [list(c) for c in tasks], "rows": rows}
    if "solver_task_accuracy" in rows[0]:
        matrix = [row["solver_task_accuracy"] for row in rows]
        summary.update(solver_matrix=matrix, solver_seen_accuracy=metrics.seen_accuracy(matrix),
                       average_accuracy=metrics.average_accuracy(matrix),
                       backward_transfer=metrics.backward_transfer(matrix))
    if "generator_class_accuracy" in rows[0]:
        matrix = [[float(np.mean([row["generator_class_accuracy"][c] for c in classes]))
                   for classes in tasks] for row in rows]
        summary.update(generator_matrix=matrix,
                       generator_seen_accuracy=metrics.seen_accuracy(matrix))
    return summary


def run(config: ConfigDict, workdir_path: str) -> dict:
    """Runs `config.continual.method` through the task stream in `workdir_path` (resuming);
    returns and writes <workdir>/results.json."""
    workdir.prepare(workdir_path, config)
    state = _Run(config, workdir_path)
    rows = []
    for t in range(len(state.tasks)):
        result_path = os.path.join(state.task_dir(t), "result.json")
        if not os.path.exists(result_path):
            print(f"{state.method}: task {t + 1} of {len(state.tasks)}, classes {state.tasks[t]}")
            os.makedirs(state.task_dir(t), exist_ok=True)
            _write_json(result_path, _run_task(state, t))
        with open(result_path) as f:
            rows.append(json.load(f))
    summary = summarize(state.method, state.tasks, rows)
    _write_json(os.path.join(workdir_path, "results.json"), summary)
    return summary
