"""The solver of a scholar (Shin et al. 2017): a classifier trained task by task.

It has the reference classifier's architecture and is trained with cross-entropy, label-smoothed
by `config.continual.label_smoothing` (without it, a task of one class drives the logits apart
by tens, which the next task's bias cannot undo: README, Results); with a
`replay`, each batch's share 1 - r is replaced with the old generator's samples labelled by
the old solver, which in expectation is the paper's r * L(new) + (1 - r) * L(replay).
"""

import os
import sys

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data
from tfgan_lab.continual.tasks import select
from tfgan_lab.draws import StepDraws
from tfgan_lab.eval.classifier import LEARNING_RATE, accuracy, classifier_net
from tfgan_lab.losses import classification_loss


class Solver(StepDraws, keras.Model):
    """images -> class logits, with `train_step` over (optionally replay-mixed) batches."""

    def __init__(self, network: keras.Model, *, seed: int, label_smoothing: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.seed = seed
        self.label_smoothing = label_smoothing
        self.add_step_counter()
        self.replay = None
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [self.loss_tracker, self.accuracy_tracker]

    def call(self, images: tf.Tensor, training: bool = False) -> dict[str, tf.Tensor]:
        return self.network(images, training=training)

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = self.real_batch(*data)
        with tf.GradientTape() as tape:
            logits = self.network(images, training=True)["logits"]
            loss = tf.nn.compute_average_loss(
                classification_loss(logits, labels, self.label_smoothing))
        variables = self.network.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.step.assign_add(1)
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}


def train_solver(config: ConfigDict, dataset: data.LabeledImages, weights_path: str, *,
                 previous_weights: str | None = None, replay=None) -> keras.Model:
    """Trains a solver for `config.continual.solver_steps` steps of batch
    `config.train.batch_size` on `dataset` (mixed with `replay`), starting from
    `previous_weights` if given, and saves its weights to `weights_path` (atomically)."""
    keras.utils.set_random_seed(config.seed)
    solver = Solver(classifier_net(dataset.info.image_shape, dataset.info.num_classes),
                    seed=config.seed, label_smoothing=config.continual.label_smoothing,
                    name="solver")
    solver.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    if previous_weights:
        solver.network.load_weights(previous_weights)
    solver.replay = replay
    solver.fit(data.train_batches(dataset, config.train.batch_size, config.seed),
               steps_per_epoch=config.continual.solver_steps, epochs=1, shuffle=False,
               verbose=1 if sys.stdout.isatty() else 2)
    partial = weights_path.replace(".weights.h5", ".partial.weights.h5")
    solver.network.save_weights(partial)
    os.replace(partial, weights_path)
    return solver.network


def task_accuracies(classifier: keras.Model, test: data.LabeledImages,
                    tasks: list[tuple[int, ...]]) -> list[float]:
    """The accuracy of `classifier` on the test images of each task in `tasks`."""
    return [accuracy(classifier, part.images, part.labels)
            for part in (select(test, classes) for classes in tasks)]
