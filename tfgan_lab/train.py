"""One training run: one loop for every strategy, over the model's own `train_step`.

`model.fit` cannot carry a custom-train_step GAN under MultiWorkerMirroredStrategy
(keras#20585), so the loop distributes the dataset and calls `train_step` through
`strategy.run` inside a `tf.function`; checkpoints, summaries, sample grids, the progress
bar and the NaN guard are its own. `fit()` still works on the same model on one machine.

The loop knows models only through the small interface of `players.PlayerModel`: train_step,
checkpoint items, examples per step, and the class's sampler and evaluator. It keeps the logs
on the device and reads them every `train.log_every` steps (and before any sample, metric or
checkpoint), running up to `train.steps_per_loop` steps per call: few host round trips.
"""

import contextlib
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import keras
import tensorflow as tf
from absl import logging
from ml_collections import ConfigDict
from tqdm import tqdm

from tfgan_lab import checkpoints, models, runtime, selection, workdir
from tfgan_lab.errors import ConfigError, Interrupted, WorkdirError
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, TrainingData


class Trained(NamedTuple):
    model: PlayerModel
    info: Any  # The training data's info (image shape, classes or domains).
    chief: bool  # Whether this worker's outputs are kept (exports included).


def build(config: ConfigDict, info: Any, strategy: tf.distribute.Strategy) -> PlayerModel:
    """The compiled model with every variable (optimizer slots too) created in scope.

    Re-seeds first: initial weights depend on config.seed alone, not on what drew from Keras's
    global random state before (loading the reference classifier does).
    """
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = models.build(config, info)
        model.build_for_training()
    return model


def restore_latest(config: ConfigDict, workdir_path: str) -> Trained:
    """The model of `workdir_path` at its latest readable checkpoint, on one device (at the
    one its evaluations selected, with `eval.select_by`: tfgan_lab/selection.py)."""
    directory = workdir.checkpoint_dir(workdir_path)
    if not tf.train.latest_checkpoint(directory):
        raise WorkdirError(f"{workdir_path!r} holds no checkpoint: train first (--mode=train).")
    runtime.set_precision(config.runtime.precision, config.runtime.strategy)
    info = models.of(config).load_data(config, config.data.split).info
    model = build(config, info, tf.distribute.get_strategy())
    checkpoint = checkpoints.of(model)
    logging.info("Restored %s", checkpoints.restore(checkpoint, directory))
    selection.apply(config, workdir_path, checkpoint)
    return Trained(model, info, chief=True)


def make_train_function(model: PlayerModel, strategy: tf.distribute.Strategy,
                        jit_compile: bool) -> Callable[..., dict]:
    """(iterator, steps=1) -> logs: `steps` train steps in one call, on every replica, then the
    trackers' results (means since their reset), averaged over replicas and left on the device
    until read. The step is traced once, inside the loop, whatever `steps` is."""
    # Without AutoGraph: train steps write their loops and conditions as TensorFlow ops, and
    # converting every function the trace reaches made the first step a sixth slower (the
    # unsupervised translator's at smoke size: 14 s against 12 on the Zen 4 EPYC).
    step_fn = (tf.function(model.train_step, jit_compile=True, autograph=False) if jit_compile
               else tf.autograph.experimental.do_not_convert(model.train_step))

    def read_trackers():
        return {metric.name: metric.result() for metric in model.metrics}

    @tf.function
    def steps_function(iterator, steps):
        for _ in tf.range(steps):
            strategy.run(step_fn, args=(next(iterator),))
        logs = strategy.run(read_trackers)
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None)
                for k, v in logs.items()}

    def train_function(iterator, steps: int = 1) -> dict:
        return steps_function(iterator, tf.constant(steps, tf.int32))

    return train_function


def distributed_batches(dataset: TrainingData, model: PlayerModel, config: ConfigDict,
                        strategy: tf.distribute.Strategy, start_step: int) -> Iterator:
    """An iterator over the global batches from `start_step` on, split across replicas."""
    batch_size = model.examples_per_step(config.train.batch_size)
    return iter(strategy.distribute_datasets_from_function(
        lambda context: dataset.batches(batch_size, config.seed, start_step, context,
                                        model.batch_parts())))


def _write_samples(sampler: Sampler, model: PlayerModel, workdir_path: str, step: int) -> None:
    samples = sampler(model)
    path = workdir.sample_path(workdir_path, step, samples.extension)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    samples.write(path)
    samples.summarise(step)
    logging.info("Step %d: samples in %s", step, path)  # The progress bar says the rest.


def _evaluate(evaluator: Evaluator, model: PlayerModel, workdir_path: str,
              step: int) -> dict[str, float]:
    """The model's metrics (the numbers among them), written to TensorBoard and metrics.csv."""
    scalars = {name: value for name, value in evaluator(model).items()
               if isinstance(value, float)}
    for name, value in scalars.items():
        tf.summary.scalar(f"eval/{name}", value, step=step)
    workdir.append_metrics(workdir_path, step, scalars)
    return scalars


def train(config: ConfigDict, workdir_path: str, *, dataset: TrainingData | None = None,
          warm_start: str | None = None,
          configure: Callable[[PlayerModel], None] | None = None) -> Trained:
    """Trains `config` in `workdir_path` up to `config.train.steps`, resuming if it can.

    Args:
      dataset: the training set; default: the model's data of `config.data.split`.
      warm_start: a checkpoint (weights, optimizer states, step) to start from when the workdir
        has none yet: continual learning continues the previous task's model.
      configure: called with the built model before training (to set its hooks).

    Returns the trained model (on the chief, at the state its evaluations selected if
    `eval.select_by` names a metric), the dataset's info and whether this worker is the chief.
    Raises a TfganLabError subclass, before anything is written where it can be, for bad data,
    an unusable or busy workdir, or divergence.
    """
    strategy = runtime.setup(config.runtime, config.seed)
    model_class = models.of(config)
    if dataset is None:
        dataset = model_class.load_data(config, config.data.split)
    replicas = strategy.num_replicas_in_sync
    if config.train.batch_size % replicas:
        raise ConfigError(f"config.train.batch_size={config.train.batch_size} does not split "
                          f"evenly over {replicas} replicas: choose a multiple of {replicas}.")
    chief = runtime.is_chief(strategy)
    evaluator = model_class.make_evaluator(config) if chief and config.eval.every else None
    # Built before the workdir is touched: a model that cannot be built (an input export that
    # does not exist, say) leaves no folder behind.
    model = build(config, dataset.info, strategy)
    if configure is not None:
        configure(model)
    with workdir.lock(workdir_path) if chief else contextlib.nullcontext():
        if chief:
            workdir.prepare(workdir_path, config)
        checkpoint = checkpoints.of(model)
        latest = checkpoints.resume(model, checkpoint, workdir_path, warm_start)
        start, steps = int(model.step.numpy()), config.train.steps
        if chief:
            workdir.drop_metrics_after(workdir_path, start)
            if latest:
                selection.catch_up(config, workdir_path, start, latest)
        if start >= steps:
            print(f"{workdir_path} is already trained to step {start} (train.steps={steps}).")
            if chief:
                selection.apply(config, workdir_path, checkpoint)
            return Trained(model, dataset.info, chief)
        # Every worker saves (saving is collective); only the chief's copy is kept.
        save_dir = workdir.checkpoint_dir(workdir_path) if chief else tempfile.mkdtemp()
        try:
            manager = tf.train.CheckpointManager(checkpoint, save_dir,
                                                 max_to_keep=config.train.keep_checkpoints)
            sampler = model_class.make_sampler(config, dataset) if chief else None
            try:
                _loop(model, dataset, config, strategy, manager, workdir_path, chief, sampler,
                      evaluator)
            except KeyboardInterrupt:
                latest = manager.latest_checkpoint
                raise Interrupted(
                    f"Interrupted at step {int(model.step.numpy())}; "
                    + (f"its last checkpoint, {os.path.basename(latest)}, is kept"
                       if latest else "no checkpoint was written yet")
                    + ": rerun the same command to resume.") from None
        finally:
            if not chief:
                shutil.rmtree(save_dir, ignore_errors=True)
    if chief:
        samples = os.path.dirname(workdir.sample_path(workdir_path, steps))
        print(f"Trained to step {steps}: checkpoints in {workdir.checkpoint_dir(workdir_path)}, "
              + (f"samples in {samples}, " if sampler else "")
              + f"TensorBoard logs in {workdir.tensorboard_dir(workdir_path)}")
        selection.apply(config, workdir_path, checkpoint)
    return Trained(model, dataset.info, chief)


def _next_boundary(step: int, config: ConfigDict, round_steps: int) -> int:
    """The next step after `step` at which the host reads the logs: a log, sample, metric,
    checkpoint or round's end step, or the last."""
    every = [config.train.log_every, config.train.sample_every, config.train.checkpoint_every]
    every += [n for n in (config.eval.every, round_steps) if n]
    return min([config.train.steps] + [(step // n + 1) * n for n in every])


def _loop(model: PlayerModel, dataset, config: ConfigDict, strategy: tf.distribute.Strategy,
          manager: tf.train.CheckpointManager, workdir_path: str, chief: bool,
          sampler: Sampler | None, evaluator: Evaluator | None) -> None:
    """Steps from the model's step to config.train.steps, with logs, samples, metrics and
    checkpoints; only the `chief` writes logs and shows progress, and `sampler` and
    `evaluator` are None where there is nothing to draw or measure."""
    step, steps, every = int(model.step.numpy()), config.train.steps, config.train
    iterator = distributed_batches(dataset, model, config, strategy, step)
    train_function = make_train_function(model, strategy, config.runtime.jit_compile)
    writer = (tf.summary.create_file_writer(workdir.tensorboard_dir(workdir_path)) if chief
              else tf.summary.create_noop_writer())
    checked, window_start, window_time = step, step, time.perf_counter()
    with writer.as_default(), tqdm(total=steps, initial=step, unit="step",
                                   disable=not chief, dynamic_ncols=True, desc=config.name,
                                   mininterval=0.5 if sys.stderr.isatty() else 30) as progress:
        while step < steps:
            boundary = _next_boundary(step, config, model.round_steps())
            count = min(every.steps_per_loop, boundary - step)
            device_logs = train_function(iterator, count)
            step += count
            progress.update(count)
            if step < boundary:
                continue
            last = step == steps
            logs = {k: float(v) for k, v in device_logs.items()}  # The host waits here.
            bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
            if bad:
                what = ", ".join(f"{k}={v}" for k, v in bad.items())
                raise checkpoints.diverged(checked + 1, step, what, manager, config)
            checked = step
            if step % every.log_every == 0 or last:
                now = time.perf_counter()
                throughput = model.processed(step - window_start, config.train.batch_size,
                                             logs) / (now - window_time)
                window_start, window_time = step, now
                for name, value in {**logs, f"{model.UNIT}_per_second": throughput}.items():
                    tf.summary.scalar(f"train/{name}", value, step=step)
                progress.set_postfix({k: f"{v:.3f}" for k, v in logs.items()})
                for metric in model.metrics:
                    metric.reset_state()
            if model.round_steps() and step % model.round_steps() == 0:
                model.end_round(step)
            if sampler and (step % every.sample_every == 0 or last):
                _write_samples(sampler, model, workdir_path, step)
            metrics = (_evaluate(evaluator, model, workdir_path, step)
                       if evaluator and (step % config.eval.every == 0 or last) else None)
            if step % every.checkpoint_every == 0 or last or selection.saves_at(config, step):
                checkpoints.save_finite(model, manager, step, config)
            if metrics is not None and selection.selecting(config):
                selection.record(config, workdir_path, step, metrics, manager.latest_checkpoint)
    writer.flush()

