"""Random draws that are pure functions of (seed, step, stream).

Shared by every model: a resumed or multi-replica run draws exactly what an uninterrupted
single-device run draws. Classes using `StepDraws` hold `seed` (int) and `step` (an int64
variable counting train steps).
"""

from collections.abc import Callable

import tensorflow as tf

# The random draws of one step, each from its own stream. Stream s at step t is seeded with
# (seed, 16 t + s % 16), with s // 16 folded in: critic update i of a step adds 16 i.
(D_FAKES, G_FAKES, REPLAY_Z, REPLAY_CLASSES, PENALTY, ALIGN_Z, ALIGN_CLASSES, AUGMENT_REALS,
 AUGMENT_FAKES, AUGMENT_G_FAKES) = range(10)


class StepDraws:
    """Per-step random draws, global and sliced per replica."""

    def add_step_counter(self) -> None:
        """Creates `self.step`, the train steps taken (one copy, not summed over replicas)."""
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                    trainable=False, aggregation="only_first_replica",
                                    name="step")

    def step_seed(self, stream: int) -> tf.Tensor:
        """The stateless seed of `stream` at the current step."""
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.step * 16 + stream % 16])
        if stream >= 16:
            seed = tf.random.experimental.stateless_fold_in(seed, stream // 16)
        return seed

    def draw(self, sample: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], batch_size: tf.Tensor,
             stream: int) -> tf.Tensor:
        """This replica's slice of `sample(global_batch_size, seed)` for the current step.

        `stream` tells apart the draws of one step (the constants above), so a draw is a pure
        function of (seed, step, stream): resumed and multi-replica runs draw the same values.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        replica = context.replica_id_in_sync_group if context else 0
        values = sample(batch_size * replicas, self.step_seed(stream))
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
