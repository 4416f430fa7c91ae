"""What every two-player variant shares: optimizers, loss scaling, noise, step counter, trackers.

Subclasses implement `train_step` (and `test_step`) with `self.minimize(...)`, `self.noise(...)`
and `self.track(...)`; `call()` runs the generator, so `predict` and export work unchanged.
"""

from collections.abc import Callable

import keras
import tensorflow as tf


class TwoPlayerGAN(keras.Model):
    """A generator and a discriminator, each with its own optimizer.

    Args:
      generator: functional model G({"z", "label"}) -> images.
      discriminator: functional model D({"images", "label"}) -> {"logits", ...}.
      num_classes: number of classes the generator is conditioned on.
      z_dim: size of the noise vector.
      seed: noise at step s is a pure function of (seed, s), so resumed and multi-replica runs
        draw exactly the noise of an uninterrupted single-device run.
      metric_names: the losses `train_step` reports, each tracked by a `keras.metrics.Mean`.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, num_classes: int,
                 z_dim: int, seed: int, metric_names: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.z_dim = z_dim
        self.seed = seed
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                    trainable=False, aggregation="only_first_replica",
                                    name="step")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in metric_names}

    def compile(self, g_optimizer: keras.optimizers.Optimizer,
                d_optimizer: keras.optimizers.Optimizer, **kwargs) -> None:
        """Keeps one optimizer per player. Under mixed_float16 each is wrapped in a
        LossScaleOptimizer here, because `compile` only wraps its own `optimizer=`."""
        super().compile(**kwargs)
        if keras.mixed_precision.dtype_policy().name == "mixed_float16":
            g_optimizer = keras.optimizers.LossScaleOptimizer(g_optimizer)
            d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def build_for_training(self) -> None:
        """Creates every variable now (optimizer slots included): under a strategy, variables
        created lazily inside a distributed train step fail (keras-team/keras#23085)."""
        self(self.generator_inputs(tf.zeros([1, self.z_dim]), tf.zeros([1], tf.int32)))
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def call(self, inputs: dict, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    @staticmethod
    def generator_inputs(z: tf.Tensor, labels: tf.Tensor) -> dict:
        return {"z": z, "label": labels}

    def noise(self, batch_size: tf.Tensor, stream: int) -> tf.Tensor:
        """This replica's slice of the global batch of noise for the current step.

        `stream` tells apart the draws of one step (e.g. 0 for D's update, 1 for G's).
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        replica = context.replica_id_in_sync_group if context else 0
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.step * 16 + stream])
        z = tf.random.stateless_normal([batch_size * replicas, self.z_dim], seed=seed)
        return z[batch_size * replica: batch_size * (replica + 1)]

    @staticmethod
    def minimize(per_example_loss_fn: Callable[[], tf.Tensor], variables: list,
                 optimizer: keras.optimizers.Optimizer) -> tf.Tensor:
        """One optimizer update on the loss that `per_example_loss_fn` computes; returns it.

        The loss is summed over this replica and divided by the *global* batch, so the
        replicas' gradients sum (the optimizer all-reduces with SUM) to the single-device
        gradient. `scale_loss` applies mixed_float16 loss scaling (a no-op otherwise), and
        `apply` unscales and skips steps with non-finite gradients.
        """
        with tf.GradientTape() as tape:
            per_example_loss = tf.cast(per_example_loss_fn(), tf.float32)
            loss = optimizer.scale_loss(tf.nn.compute_average_loss(per_example_loss))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return per_example_loss

    def track(self, **per_example_losses: tf.Tensor) -> dict[str, tf.Tensor]:
        """Updates the trackers with this replica's mean losses and returns all results."""
        for name, value in per_example_losses.items():
            self.trackers[name].update_state(tf.reduce_mean(tf.cast(value, tf.float32)))
        return {name: tracker.result() for name, tracker in self.trackers.items()}
