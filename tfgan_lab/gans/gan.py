"""The unconditional GAN (DCGAN, Radford et al. 2016): G(z), D(x); and the base of the
conditional family (gans/conditional.py), which adds the label to it.

Deep Generative Replay's generator (Shin et al. 2017) is this GAN: its samples are labelled by
the solver. What every variant shares lives here once: the config group, networks and
construction, one optimizer per player, the sample grid, exports, and two options (docs/
conditional.md, "Recipes"): a moving average of G's weights (`model.generator_ema`, exported
beside the raw G as `<name>_ema`), and differentiable augmentation of every image D sees
(`model.augment`, tfgan_lab/augment.py). A `hook` (continual learning's replay and replay
alignment, tfgan_lab/continual/replay.py) may change the batch D learns as real and add to G's
loss; the family knows it only through the `TrainingHook` protocol.

Run: python main.py --config=configs/gan_fashion_mnist.py --workdir=runs/gan
"""

from typing import Protocol

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import augment, checks, data, export, images, losses, models, nets, samples
from tfgan_lab.errors import ConfigError
from tfgan_lab.players import PlayerModel, Sampler, adam, learning_rates, moving_averages

EMA_SUFFIX = "_ema"  # The averaged G's export: <name>_ema.
EMA_PREFIX = "ema_"  # The averaged G's metrics.


class TrainingHook(Protocol):
    STREAMS: tuple[str, ...]  # The model's random streams the hook draws from.

    def real_batch(self, model: "GAN", images: tf.Tensor, labels: tf.Tensor,
                   update: int) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch D learns as real at D update `update` of the step."""

    def generator_loss(self, model: "GAN", batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        """A per-example term added to G's loss."""


@models.register("gan")
class GAN(PlayerModel):
    """Players g (the generator) and d (the discriminator), each with its own Adam: one D update
    on real and fake images, then one G update.

    D sees real and fake images in one call, so spectral normalisation's power iteration runs
    once per D step; G's update calls D in inference mode, leaving it untouched. Batches are
    (images, labels), as the data and the replay give them; what G and D read of them is
    `generator_inputs` and `discriminator_inputs`: here the images and the noise alone, the
    conditional family adds the label.

    Args:
      generator: functional model G({"z"[, "label"]}) -> images.
      discriminator: functional model D({"images"[, "label"]}) -> {"logits", ...}.
      loss: the adversarial loss pair (tfgan_lab/losses.py).
      z_dim: size of the noise vector.
      augment_policy: the transformations of every image D sees (tfgan_lab/augment.py).
      averaged: whether G's optimizer keeps a moving average of G's weights, which
        `averaged_generator()` holds.
    """

    PLAYERS = {"g": "generator", "d": "discriminator"}
    # Each step's draws (tfgan_lab/draws.py): G's noise for D's and for G's update, the
    # gradient penalty's mixing weights, the augmentation of each batch D sees.
    STREAMS = ("d_fakes", "g_fakes", "penalty", "augment_reals", "augment_fakes",
               "augment_g_fakes")
    critic_steps = 1  # D updates (each on its own slice of the step's batch) per G update.

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *,
                 loss: losses.AdversarialLoss, z_dim: int, seed: int,
                 augment_policy: tuple[str, ...] = (), averaged: bool = False,
                 metric_names: tuple[str, ...] = ("d_loss", "g_loss"), **kwargs):
        super().__init__(seed=seed, metric_names=metric_names, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.augment_policy = augment_policy
        # A copy of G that takes the averaged weights when asked (`averaged_generator`).
        self.ema_generator = keras.models.clone_model(generator) if averaged else None
        self.adversarial_loss = loss
        self.z_dim = z_dim
        self.hook: TrainingHook | None = None

    # --- Config, networks and construction. ---

    @classmethod
    def model_fields(cls, model: ConfigDict) -> None:
        """Adds a variant's own fields (with defaults) to the family's `model` group."""

    @classmethod
    def config(cls) -> ConfigDict:
        model = ConfigDict()
        model.variant = cls.VARIANT
        model.loss = "hinge"
        model.z_dim = 128
        model.g_filters = 64  # Width of the generator's last block; earlier blocks double it.
        # G's x2 steps: "transpose" (4x4 stride-2 transposed convs, DCGAN) or "resize"
        # (nearest-neighbour resize then a 3x3 conv: no checkerboard or stripe artefacts).
        model.upsampling = "transpose"
        model.d_filters = 64  # Width of the discriminator's first block.
        model.spectral_norm = True
        # Decay of the exponential moving average of G's weights (Karras et al. 2018; Yazici
        # et al. 2019), exported and evaluated beside the raw G; 0: none.
        model.generator_ema = 0.0
        # DiffAugment policy (Zhao et al. 2020): any of color, translation, cutout, comma
        # separated, applied to every image D sees; empty: none.
        model.augment = ""
        cls.model_fields(model)
        return ConfigDict({"model": model, "data": data.sources.config(),
                           "optimizer": learning_rates(g=2e-4, d=2e-4)})

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "model.loss", losses.names())
        checks.positive(config, "model.z_dim", "model.g_filters", "model.d_filters")
        checks.choice(config, "model.upsampling", nets.UPSAMPLINGS)
        checks.unit_interval(config, "model.generator_ema")
        for policy in augment.parse(config.model.augment):
            if policy not in augment.POLICIES:
                raise ConfigError(
                    f"config.model.augment={config.model.augment!r}: unknown transformation "
                    f"{policy!r}; use a comma-separated subset of {', '.join(augment.POLICIES)}, "
                    "or '' for none.")
        checks.choice(config, "data.name", data.names(), open_ended=data.is_known,
                      more=" or any TFDS image classification dataset")
        cls.check_metrics(config)

    @classmethod
    def check_metrics(cls, config: ConfigDict) -> None:
        """The metrics need each sample's class: none for an unconditional generator."""
        if config.eval.every:
            raise ConfigError("The metrics score a conditional generator (they need each "
                              "sample's class); set --config.eval.every=0 for "
                              f"model.variant={cls.VARIANT!r}.")

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(z_dim=16, g_filters=8, d_filters=8)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> data.LabeledImages:
        return data.from_config(config.data, split)

    @classmethod
    def generator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.unconditional_generator(info.image_shape, config.model.z_dim,
                                            filters=config.model.g_filters,
                                            upsampling=config.model.upsampling)

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.discriminator(info.image_shape, filters=config.model.d_filters,
                                  spectral_norm=config.model.spectral_norm)

    @classmethod
    def options(cls, config: ConfigDict, info: data.DatasetInfo) -> dict:
        """A variant's own constructor arguments, from its config fields and data."""
        return {}

    @classmethod
    def from_config(cls, config: ConfigDict, info: data.DatasetInfo) -> "GAN":
        generator = cls.generator_network(config, info)  # G first: initial weights depend on
        discriminator = cls.discriminator_network(config, info)  # the order of creation.
        model = config.model
        gan = cls(generator, discriminator, loss=losses.get(model.loss), z_dim=model.z_dim,
                  seed=config.seed, augment_policy=augment.parse(model.augment),
                  averaged=bool(model.generator_ema), name=model.variant,
                  **cls.options(config, info))
        optimizer = config.optimizer
        gan.compile(optimizers={
            "g": adam(config, optimizer.g_learning_rate, ema_decay=model.generator_ema),
            "d": adam(config, optimizer.d_learning_rate, gan.critic_steps)},
            jit_compile=config.runtime.jit_compile)
        return gan

    # --- What the trainer asks. ---

    def batch_parts(self) -> int:
        """One slice of train.batch_size per D update."""
        return self.critic_steps

    @classmethod
    def grid_inputs(cls, config: ConfigDict, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """(z, labels) of the sample grid: as many rows as the data has classes, every cell
        its own z."""
        return images.grid_inputs(config.model.z_dim, num_classes, config.train.sample_columns,
                                  config.seed, same_noise_per_column=False)

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: data.LabeledImages) -> Sampler:
        z, labels = cls.grid_inputs(config, dataset.info.num_classes)
        columns = config.train.sample_columns

        def sample(gan: "GAN") -> samples.ImageGrid:
            """The averaged G's samples if it has one (the G a run keeps), else G's."""
            averaged = gan.ema_generator is not None
            return samples.ImageGrid(np.asarray(gan.generate(z, labels, averaged=averaged)),
                                     columns)
        return sample

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        raise ConfigError("The metrics score a conditional generator (they need the class of "
                          f"each sample); {path} is an unconditional GAN's.")

    def exports(self) -> dict[str, export.Export]:
        """G as "generator", and the averaged G as "generator_ema" (`<name>_ema`) if there is
        one."""
        exports = {"generator": self.generator_export(self.generator)}
        if self.ema_generator is not None:
            exports["generator_ema"] = self.generator_export(self.averaged_generator(),
                                                             EMA_SUFFIX)
        return exports

    def generator_export(self, generator: keras.Model, suffix: str = "") -> export.Export:
        """`generator` (G or its average) under its contract."""
        return export.Export("unconditional_generator", generator, {"z_dim": self.z_dim},
                             suffix)

    def averaged_generator(self) -> keras.Model:
        """The copy of G with the moving averages of G's weights, and G's batch-norm
        statistics (as StyleGAN's and BigGAN's averaged generators take them)."""
        for target, average in zip(self.ema_generator.trainable_variables,
                                   moving_averages(self.g_optimizer), strict=True):
            target.assign(average)
        for target, source in zip(self.ema_generator.non_trainable_variables,
                                  self.generator.non_trainable_variables, strict=True):
            target.assign(source)
        return self.ema_generator

    # --- What G and D read, and the pieces of every variant's train step. ---

    def call(self, inputs: dict, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    def generator_inputs(self, z: tf.Tensor, labels: tf.Tensor) -> dict:
        """G's inputs for noise `z` and the batch's `labels` (not read here)."""
        return {"z": z}

    def discriminator_inputs(self, images: tf.Tensor, labels: tf.Tensor) -> dict:
        """D's inputs for `images` and their `labels` (not read here)."""
        return {"images": images}

    def generate(self, z, labels, averaged: bool = False) -> tf.Tensor:
        """G(z[, labels]) in inference mode; `averaged`: the averaged G's."""
        generator = self.averaged_generator() if averaged else self.generator
        return generator(self.generator_inputs(z, labels), training=False)

    def streams(self) -> tuple[str, ...]:
        """The family's streams and its hook's."""
        return self.STREAMS + (self.hook.STREAMS if self.hook is not None else ())

    def augment(self, images: tf.Tensor, stream: str) -> tf.Tensor:
        """`images` through the augmentation policy, with this step's draws of `stream`."""
        if not self.augment_policy:
            return images
        uniform = self.draw(
            lambda n, seed: tf.random.stateless_uniform([n, augment.DRAWS_PER_IMAGE], seed=seed),
            tf.shape(images)[0], stream)
        return augment.diff_augment(images, self.augment_policy, uniform)

    def real_batch(self, images: tf.Tensor, labels: tf.Tensor,
                   update: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch D learns as real: the data, or what the hook makes of it."""
        if self.hook is None:
            return images, labels
        return self.hook.real_batch(self, images, labels, update)

    def generator_penalty(self, batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        """The hook's per-example term of G's loss; zeros without a hook."""
        if self.hook is None:
            return tf.zeros([batch_size])
        return self.hook.generator_loss(self, batch_size, training)

    def discriminate(self, images: tf.Tensor, labels: tf.Tensor, training: bool) -> tf.Tensor:
        """D's logits for (images, labels)."""
        return self.discriminator(self.discriminator_inputs(images, labels),
                                  training=training)["logits"]

    def discriminator_loss(self, images: tf.Tensor, labels: tf.Tensor,
                           training: bool) -> tf.Tensor:
        """Per-example D loss on the real batch and fakes generated for the same labels."""
        z = self.noise(tf.shape(labels)[0], stream="d_fakes")
        fakes = tf.stop_gradient(self.generator(self.generator_inputs(z, labels),
                                                training=training))
        logits = self.discriminate(tf.concat([self.augment(images, "augment_reals"),
                                              self.augment(fakes, "augment_fakes")], axis=0),
                                   tf.concat([labels, labels], axis=0), training)
        real_logits, fake_logits = tf.split(logits, 2)
        return self.adversarial_loss.discriminator(real_logits, fake_logits)

    def generator_loss(self, labels: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example G loss on fresh fakes for the batch's labels (plus the hook's term)."""
        z = self.noise(tf.shape(labels)[0], stream="g_fakes")
        fakes = self.generator(self.generator_inputs(z, labels), training=training)
        logits = self.discriminate(self.augment(fakes, "augment_g_fakes"), labels, False)
        return (self.adversarial_loss.generator(logits)
                + self.generator_penalty(tf.shape(labels)[0], training))

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = self.real_batch(*data)
        d_loss = self.minimize(lambda: self.discriminator_loss(images, labels, training=True),
                               "d")
        g_loss = self.minimize(lambda: self.generator_loss(labels, training=True), "g")
        self.step.assign_add(1)
        return self.track(d_loss=d_loss, g_loss=g_loss)

    def test_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = data
        return self.track(d_loss=self.discriminator_loss(images, labels, training=False),
                          g_loss=self.generator_loss(labels, training=False))
