"""One training run: one loop for every strategy, over the variant's own `train_step`.

`model.fit` cannot carry a custom-train_step GAN under MultiWorkerMirroredStrategy
(keras#20585), so the loop distributes the dataset and calls `train_step` through
`strategy.run` inside a `tf.function`; checkpoints, summaries, sample grids, the progress
bar and the NaN guard are its own. `fit()` still works on the same model on one machine.
"""

import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf
from absl import logging
from ml_collections import ConfigDict
from tqdm import tqdm

from tfgan_lab import data, gans, images, runtime, workdir
from tfgan_lab import eval as eval_lib
from tfgan_lab.errors import ConfigError, TrainingDivergedError, WorkdirError


class Trained(NamedTuple):
    gan: gans.TwoPlayerGAN
    info: data.DatasetInfo
    chief: bool  # Whether this worker's outputs are kept (exports included).


def build(config: ConfigDict, info: data.DatasetInfo,
          strategy: tf.distribute.Strategy) -> gans.TwoPlayerGAN:
    """The compiled variant with every variable (optimizer slots too) created in scope.

    Re-seeds first: initial weights depend on config.seed alone, not on what drew from Keras's
    global random state before (loading the reference classifier does).
    """
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        gan = gans.build(config, info)
        gan.build_for_training()
    return gan


def _checkpoint(gan: gans.TwoPlayerGAN) -> tf.train.Checkpoint:
    """Weights, both optimizers' states and the step; the data position follows the step."""
    return tf.train.Checkpoint(model=gan, g_optimizer=gan.g_optimizer,
                               d_optimizer=gan.d_optimizer)


def restore_latest(config: ConfigDict, workdir_path: str) -> Trained:
    """The model of `workdir_path` at its latest checkpoint (for export), on one device."""
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(workdir_path))
    if not latest:
        raise WorkdirError(f"{workdir_path!r} holds no checkpoint: train first (--mode=train).")
    runtime.set_precision(config.runtime.precision)
    info = data.load(config.data.name, config.data.split, config.data.idx_dir,
                     config.data.tfds_dir).info
    gan = build(config, info, tf.distribute.get_strategy())
    _checkpoint(gan).restore(latest).assert_existing_objects_matched()
    logging.info("Restored %s", latest)
    return Trained(gan, info, chief=True)


def make_train_function(gan: gans.TwoPlayerGAN, strategy: tf.distribute.Strategy,
                        jit_compile: bool) -> Callable[[object], dict]:
    """iterator -> logs: one `train_step` on every replica, logs averaged over replicas."""
    step_fn = tf.function(gan.train_step, jit_compile=True) if jit_compile else gan.train_step

    @tf.function
    def train_function(iterator):
        logs = strategy.run(step_fn, args=(next(iterator),))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None)
                for k, v in logs.items()}

    return train_function


def examples_per_step(config: ConfigDict) -> int:
    """The global batch of one step: one slice of train.batch_size per D update."""
    return config.train.batch_size * config.model.critic_steps


def distributed_batches(dataset: data.LabeledImages, config: ConfigDict,
                        strategy: tf.distribute.Strategy, start_step: int):
    """An iterator over the global batches from `start_step` on, split across replicas."""
    return iter(strategy.distribute_datasets_from_function(
        lambda context: data.train_batches(dataset, examples_per_step(config), config.seed,
                                           start_step, context)))


def _write_samples(gan: gans.TwoPlayerGAN, info: data.DatasetInfo, config: ConfigDict,
                   workdir_path: str, step: int) -> None:
    z, labels = images.grid_inputs(config.model.z_dim, info.num_classes,
                                   config.train.sample_columns, config.seed,
                                   same_noise_per_column=gan.conditional)
    samples = np.asarray(gan.generator(gan.generator_inputs(z, labels), training=False))
    path = images.write_png(workdir.sample_path(workdir_path, step), samples,
                            config.train.sample_columns)
    tf.summary.image("samples", images.grid(samples, config.train.sample_columns)[None], step=step)
    logging.info("Step %d: samples in %s", step, path)  # The progress bar says the rest.


def _evaluate(gan: gans.TwoPlayerGAN, evaluator: eval_lib.Evaluator, workdir_path: str,
              step: int) -> None:
    """Sample-quality metrics on the evaluator's fixed noise: TensorBoard and metrics.csv."""
    results = evaluator(lambda z, labels: gan.generator(gan.generator_inputs(z, labels),
                                                        training=False))
    scalars = {name: results[name] for name in eval_lib.SCALARS}
    for name, value in scalars.items():
        tf.summary.scalar(f"eval/{name}", value, step=step)
    workdir.append_metrics(workdir_path, step, scalars)


def _diverged(step: int, what: str, manager: tf.train.CheckpointManager) -> TrainingDivergedError:
    kept = manager.latest_checkpoint
    where = (f"The last good checkpoint, {kept}, is kept; rerunning resumes from it."
             if kept else "No checkpoint had been written yet.")
    return TrainingDivergedError(
        f"Training diverged at step {step}: {what}. Nothing of this step was saved. {where} "
        "Try lower learning rates (--config.optimizer.d_learning_rate, g_learning_rate), "
        "--config.model.spectral_norm=True, or precision float32.")


def _save(gan: gans.TwoPlayerGAN, manager: tf.train.CheckpointManager, step: int) -> None:
    """Saves a checkpoint, unless a weight went non-finite (then the last good one stays)."""
    for variable in gan.weights:
        if not tf.as_dtype(variable.dtype).is_floating:
            continue
        if not bool(tf.reduce_all(tf.math.is_finite(variable))):
            raise _diverged(step, f"weight {variable.path} is not finite", manager)
    manager.save(checkpoint_number=step)


def train(config: ConfigDict, workdir_path: str, *, dataset: data.LabeledImages | None = None,
          warm_start: str | None = None,
          configure: Callable[[gans.TwoPlayerGAN], None] | None = None) -> Trained:
    """Trains `config` in `workdir_path` up to `config.train.steps`, resuming if it can.

    Args:
      dataset: the training images; default: `config.data`'s split.
      warm_start: a checkpoint (weights, optimizer states, step) to start from when the workdir
        has none yet: continual learning continues the previous task's model.
      configure: called with the built model before training (to set its replay hooks).

    Returns the trained model, the dataset's info and whether this worker is the chief.
    Raises a TfganLabError subclass, before anything is written where it can be, for bad data,
    an unusable workdir or divergence.
    """
    strategy = runtime.setup(config.runtime, config.seed)
    if dataset is None:
        dataset = data.load(config.data.name, config.data.split, config.data.idx_dir,
                            config.data.tfds_dir)
    info = dataset.info
    replicas = strategy.num_replicas_in_sync
    if config.train.batch_size % replicas:
        raise ConfigError(f"config.train.batch_size={config.train.batch_size} does not split "
                          f"evenly over {replicas} replicas: choose a multiple of {replicas}.")
    chief = runtime.is_chief(strategy)
    evaluator = eval_lib.make_evaluator(config) if chief and config.eval.every else None
    if chief:
        workdir.prepare(workdir_path, config)
    gan = build(config, info, strategy)
    if configure is not None:
        configure(gan)
    checkpoint = _checkpoint(gan)
    _resume(gan, checkpoint, config, workdir_path, warm_start)
    start, steps = int(gan.step.numpy()), config.train.steps
    if chief:
        workdir.drop_metrics_after(workdir_path, start)
    if start >= steps:
        print(f"{workdir_path} is already trained to step {start} (train.steps={steps}).")
        return Trained(gan, info, chief)
    # Every worker saves (saving is collective); only the chief's copy is kept.
    save_dir = workdir.checkpoint_dir(workdir_path) if chief else tempfile.mkdtemp()
    try:
        manager = tf.train.CheckpointManager(checkpoint, save_dir,
                                             max_to_keep=config.train.keep_checkpoints)
        _loop(gan, dataset, config, strategy, manager, workdir_path, chief, evaluator)
    finally:
        if not chief:
            tf.io.gfile.rmtree(save_dir)
    if chief:
        print(f"Trained to step {steps}: checkpoints in {workdir.checkpoint_dir(workdir_path)}, "
              f"sample grids in {os.path.dirname(workdir.sample_path(workdir_path, steps))}, "
              f"TensorBoard logs in {workdir.tensorboard_dir(workdir_path)}")
    return Trained(gan, info, chief)


def _resume(gan: gans.TwoPlayerGAN, checkpoint: tf.train.Checkpoint, config: ConfigDict,
            workdir_path: str, warm_start: str | None) -> None:
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(workdir_path))
    if not latest:
        if warm_start:
            checkpoint.restore(warm_start).assert_existing_objects_matched()
            print(f"Starting from {warm_start}")
        return
    checkpoint.restore(latest).assert_existing_objects_matched()
    # Keras keeps the learning rate in a variable, which the restore just overwrote: the
    # config's rates win, so a resumed run may lower them (e.g. after a divergence).
    gan.g_optimizer.learning_rate = config.optimizer.g_learning_rate
    gan.d_optimizer.learning_rate = config.optimizer.d_learning_rate
    print(f"Resuming from {latest}")


def _loop(gan: gans.TwoPlayerGAN, dataset: data.LabeledImages, config: ConfigDict,
          strategy: tf.distribute.Strategy, manager: tf.train.CheckpointManager,
          workdir_path: str, chief: bool, evaluator: eval_lib.Evaluator | None) -> None:
    """Steps from the model's step to config.train.steps, with logs, samples, metrics and
    checkpoints."""
    start, steps, every = int(gan.step.numpy()), config.train.steps, config.train
    iterator = distributed_batches(dataset, config, strategy, start)
    train_function = make_train_function(gan, strategy, config.runtime.jit_compile)
    writer = (tf.summary.create_file_writer(workdir.tensorboard_dir(workdir_path)) if chief
              else tf.summary.create_noop_writer())
    window_start, window_time = start, time.perf_counter()
    with writer.as_default(), tqdm(total=steps, initial=start, unit="step", disable=not chief,
                                   dynamic_ncols=True, desc=config.name,
                                   mininterval=0.5 if sys.stderr.isatty() else 30) as progress:
        for step in range(start + 1, steps + 1):
            logs = {k: float(v) for k, v in train_function(iterator).items()}
            bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
            if bad:
                raise _diverged(step, ", ".join(f"{k}={v}" for k, v in bad.items()), manager)
            progress.update(1)
            last = step == steps
            if step % every.log_every == 0 or last:
                now = time.perf_counter()
                images_per_second = ((step - window_start) * examples_per_step(config)
                                     / (now - window_time))
                window_start, window_time = step, now
                for name, value in {**logs, "images_per_second": images_per_second}.items():
                    tf.summary.scalar(f"train/{name}", value, step=step)
                progress.set_postfix({k: f"{v:.3f}" for k, v in logs.items()})
                for metric in gan.metrics:
                    metric.reset_state()
            if chief and (step % every.sample_every == 0 or last):
                _write_samples(gan, dataset.info, config, workdir_path, step)
            if evaluator and (step % config.eval.every == 0 or last):
                _evaluate(gan, evaluator, workdir_path, step)
            if step % every.checkpoint_every == 0 or last:
                _save(gan, manager, step)
    writer.flush()
