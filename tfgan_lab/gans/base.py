"""What every two-player variant shares: optimizers, loss scaling, noise, step counter, trackers.

Subclasses implement `train_step` (and `test_step`) with `self.minimize(...)`, `self.noise(...)`
and `self.track(...)`; `call()` runs the generator, so `predict` and export work unchanged.
Two hooks serve continual learning (tfgan_lab/continual): `replay` mixes samples of an earlier
generator into the batch D treats as real, and `alignment` pulls G towards an earlier
generator on the old classes; both are None otherwise.
"""

from collections.abc import Callable

import keras
import tensorflow as tf

from tfgan_lab.draws import ALIGN_CLASSES, ALIGN_Z, ReplaySource, StepDraws


class TwoPlayerGAN(StepDraws, keras.Model):
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
        self.add_step_counter()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in metric_names}
        self.replay: ReplaySource | None = None
        self.alignment: ReplaySource | None = None
        self.alignment_weight = 0.0

    conditional = True  # Whether G reads the label (an unconditional GAN overrides it).

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

    def alignment_loss(self, batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example replay alignment (Wu et al. 2018, RA): the weighted squared distance
        between G(z, c) and the earlier generator's image for the same z and an old class c;
        zeros without `alignment`."""
        if self.alignment is None:
            return tf.zeros([batch_size])
        z = self.noise(batch_size, ALIGN_Z)
        classes = self.alignment.classes(self.uniform(batch_size, ALIGN_CLASSES))
        images = tf.cast(self.generator(self.generator_inputs(z, classes), training=training),
                         tf.float32)
        target = tf.stop_gradient(self.alignment.generate(z, classes))
        return self.alignment_weight * tf.reduce_sum(tf.square(images - target), axis=[1, 2, 3])

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
