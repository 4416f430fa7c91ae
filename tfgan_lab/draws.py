"""Random draws that are pure functions of (seed, step, stream), and replay mixing.

Shared by the GANs and the continual-learning solvers: a resumed or multi-replica run draws
exactly what an uninterrupted single-device run draws. Classes using `StepDraws` hold `seed`
(int), `step` (an int64 variable counting train steps) and `replay` (a ReplaySource or None).
"""

from collections.abc import Callable
from typing import Protocol

import tensorflow as tf

# The random draws of one step, each from its own stream. Stream s at step t is seeded with
# (seed, 16 t + s % 16), with s // 16 folded in: critic update i of a step adds 16 i.
D_FAKES, G_FAKES, REPLAY_Z, REPLAY_CLASSES, PENALTY, ALIGN_Z, ALIGN_CLASSES = range(7)


class ReplaySource(Protocol):
    """Samples of earlier tasks (see tfgan_lab.continual.replay.Replay)."""
    z_dim: int
    new_fraction: float  # The share r of each batch that stays new data.

    def __call__(self, z: tf.Tensor, uniform: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(images, labels) of old classes; `uniform` in [0, 1) picks each class."""

    def generate(self, z: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """The earlier generator's images for (z, labels)."""

    def classes(self, uniform: tf.Tensor) -> tf.Tensor:
        """Old classes, one per `uniform` value."""


class StepDraws:
    """Per-step random draws, sliced per replica, and the replay mix of real batches."""

    def add_step_counter(self) -> None:
        """Creates `self.step`, the train steps taken (one copy, not summed over replicas)."""
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                    trainable=False, aggregation="only_first_replica",
                                    name="step")

    def draw(self, sample: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], batch_size: tf.Tensor,
             stream: int) -> tf.Tensor:
        """This replica's slice of `sample(global_batch_size, seed)` for the current step.

        `stream` tells apart the draws of one step (the constants above), so a draw is a pure
        function of (seed, step, stream): resumed and multi-replica runs draw the same values.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        replica = context.replica_id_in_sync_group if context else 0
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.step * 16 + stream % 16])
        if stream >= 16:
            seed = tf.random.experimental.stateless_fold_in(seed, stream // 16)
        values = sample(batch_size * replicas, seed)
        return values[batch_size * replica: batch_size * (replica + 1)]

    def noise(self, batch_size: tf.Tensor, stream: int, z_dim: int | None = None) -> tf.Tensor:
        """This replica's slice of the global batch of z ~ N(0, I) for the current step;
        `z_dim` defaults to the model's."""
        return self.draw(lambda n, seed: tf.random.stateless_normal([n, z_dim or self.z_dim],
                                                                    seed=seed),
                         batch_size, stream)

    def uniform(self, batch_size: tf.Tensor, stream: int) -> tf.Tensor:
        """This replica's slice of the global batch of u ~ U[0, 1) for the current step."""
        return self.draw(lambda n, seed: tf.random.stateless_uniform([n], seed=seed),
                         batch_size, stream)

    def real_batch(self, images: tf.Tensor, labels: tf.Tensor,
                   critic_update: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch D learns as real: the data, or with `replay`, its first share r followed
        by replayed samples of the old classes (Shin et al. 2017; Wu et al. 2018, JTR)."""
        if self.replay is None:
            return images, labels
        batch_size = tf.shape(labels)[0]
        new = tf.cast(tf.round(self.replay.new_fraction * tf.cast(batch_size, tf.float32)),
                      tf.int32)
        old = batch_size - new
        old_images, old_labels = self.replay(
            self.noise(old, REPLAY_Z + 16 * critic_update, self.replay.z_dim),
            self.uniform(old, REPLAY_CLASSES + 16 * critic_update))
        return (tf.concat([images[:new], tf.cast(old_images, images.dtype)], axis=0),
                tf.concat([labels[:new], tf.cast(old_labels, labels.dtype)], axis=0))
