"""The solver of a scholar (Shin et al. 2017): a classifier trained task by task.

It has the reference classifier's architecture and is trained with cross-entropy, label-smoothed
by `config.continual.label_smoothing` (without it, a task of one class drives the logits apart
by tens, which the next task's bias cannot undo: docs/continual.md); with a
`replay`, each batch's share 1 - r is replaced with the old generator's samples labelled by
the old solver, which in expectation is the paper's r * L(new) + (1 - r) * L(replay).
Its one player goes through the same `minimize` as every model's (global-batch averaging,
mixed_float16 loss scaling).
"""

import sys

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, files, runtime
from tfgan_lab.continual.replay import Replay
from tfgan_lab.eval.classifier import ADAM, accuracy, classifier_net
from tfgan_lab.losses import classification_loss
from tfgan_lab.players import PlayerModel


class Solver(PlayerModel):
    """images -> class logits, with `train_step` over (optionally replay-mixed) batches."""

    PLAYERS = {"solver": "network"}

    def __init__(self, network: keras.Model, *, seed: int, label_smoothing: float = 0.0,
                 **kwargs):
        super().__init__(seed=seed, metric_names=("loss",), **kwargs)
        self.network = network
        self.label_smoothing = label_smoothing
        self.replay: Replay | None = None
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [*self.trackers.values(), self.accuracy_tracker]

    def call(self, images: tf.Tensor, training: bool = False) -> dict[str, tf.Tensor]:
        return self.network(images, training=training)

    def streams(self) -> tuple[str, ...]:
        """The replay's draws, its only ones."""
        return self.replay.STREAMS if self.replay is not None else ()

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = data
        if self.replay is not None:
            images, labels = self.replay.real_batch(self, images, labels)

        def loss():
            logits = self.network(images, training=True)["logits"]
            return classification_loss(logits, labels, self.label_smoothing), logits

        per_example_loss, logits = self.minimize(loss, "solver", has_aux=True)
        self.step.assign_add(1)
        self.accuracy_tracker.update_state(labels, logits)
        return {**self.track(loss=per_example_loss), "accuracy": self.accuracy_tracker.result()}


def train_solver(config: ConfigDict, dataset: data.LabeledImages, weights_path: str, *,
                 previous_weights: str | None = None,
                 replay: Replay | None = None) -> keras.Model:
    """Trains a solver for `config.continual.solver_steps` steps of batch
    `config.train.batch_size` on `dataset` (mixed with `replay`), starting from
    `previous_weights` if given, and saves its weights to `weights_path` (atomically). It
    trains in `config.runtime.precision`, not in whatever policy the last generator set."""
    keras.utils.set_random_seed(config.seed)
    runtime.set_precision(config.runtime.precision, config.runtime.strategy)
    solver = Solver(classifier_net(dataset.info.image_shape, dataset.info.num_classes),
                    seed=config.seed, label_smoothing=config.continual.label_smoothing,
                    name="solver")
    # The first judge's network and optimizer (Adam 1e-3).
    solver.compile(optimizers={"solver": ADAM.optimizer(config.continual.solver_steps)})
    if previous_weights:
        solver.network.load_weights(previous_weights)
    solver.replay = replay
    solver.fit(data.train_batches(dataset, config.train.batch_size, config.seed),
               steps_per_epoch=config.continual.solver_steps, epochs=1, shuffle=False,
               verbose=1 if sys.stdout.isatty() else 2)
    with files.written_whole(weights_path) as partial:
        solver.network.save_weights(partial)
    return solver.network


def task_accuracies(classifier: keras.Model, test: data.LabeledImages,
                    tasks: list[tuple[int, ...]]) -> list[float]:
    """The accuracy of `classifier` on the test images of each task in `tasks`."""
    return [accuracy(classifier, part.images, part.labels)
            for part in (test.select(classes) for classes in tasks)]
