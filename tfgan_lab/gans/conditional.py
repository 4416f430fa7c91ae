"""The conditional family's shared base: a generator G(z, label) -> images and one discriminator.

CGAN, AC-GAN, FC-GAN and the unconditional GAN (which leaves the label out) differ in their
discriminator and their updates only; this holds their config group, networks, sample grids,
metrics and exports once. A `hook` (continual learning's replay and replay alignment,
tfgan_lab/continual/replay.py) may change the batch D learns as real and add to G's loss; the
family knows it only through the `TrainingHook` protocol.
"""

from typing import Protocol

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, data, export, images, losses, nets
from tfgan_lab.players import PlayerModel, adam


class TrainingHook(Protocol):
    def real_batch(self, model: "ConditionalGAN", images: tf.Tensor, labels: tf.Tensor,
                   update: int) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch D learns as real at D update `update` of the step."""

    def generator_loss(self, model: "ConditionalGAN", batch_size: tf.Tensor,
                       training: bool) -> tf.Tensor:
        """A per-example term added to G's loss."""


class ConditionalGAN(PlayerModel):
    """Players g (the generator) and d (the discriminator), each with its own Adam.

    Args:
      generator: functional model G({"z", "label"}) -> images.
      discriminator: functional model D({"images"[, "label"]}) -> {"logits", ...}.
      loss: the adversarial loss pair (tfgan_lab/losses.py).
      num_classes: number of classes the generator is conditioned on.
      z_dim: size of the noise vector.
    """

    PLAYERS = {"g": "generator", "d": "discriminator"}
    conditional = True  # Whether G reads the label (the unconditional GAN overrides it).
    critic_steps = 1  # D updates (each on its own slice of the step's batch) per G update.

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *,
                 loss: losses.AdversarialLoss, num_classes: int, z_dim: int, seed: int,
                 metric_names: tuple[str, ...] = ("d_loss", "g_loss"), **kwargs):
        super().__init__(seed=seed, metric_names=metric_names, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.adversarial_loss = loss
        self.num_classes = num_classes
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
        model.d_filters = 64  # Width of the discriminator's first block.
        model.spectral_norm = True
        if cls.conditional:
            # Where G takes the label: "embedding" concatenated with z, or "batch_norm" (every
            # BN's scale and offset per class, as in Memory Replay GANs' code).
            model.generator_conditioning = "embedding"
        cls.model_fields(model)
        return ConfigDict({"model": model, "data": data.sources.config()})

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "model.loss", losses.names())
        checks.positive(config, "model.z_dim", "model.g_filters", "model.d_filters")
        if cls.conditional:
            checks.choice(config, "model.generator_conditioning", nets.CONDITIONINGS)
        checks.choice(config, "data.name", data.names(), open_ended=data.is_known,
                      more=" or any TFDS image classification dataset")

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(z_dim=16, g_filters=8, d_filters=8)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> data.LabeledImages:
        return data.from_config(config.data, split)

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        """D for `info`'s images; the variants choose theirs."""
        raise NotImplementedError

    @classmethod
    def generator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        model = config.model
        return nets.conditional_generator(info.image_shape, info.num_classes, model.z_dim,
                                          filters=model.g_filters,
                                          conditioning=model.generator_conditioning)

    @classmethod
    def options(cls, config: ConfigDict) -> dict:
        """A variant's own constructor arguments, from its config fields."""
        return {}

    @classmethod
    def from_config(cls, config: ConfigDict, info: data.DatasetInfo) -> "ConditionalGAN":
        generator = cls.generator_network(config, info)  # G first: initial weights depend on
        discriminator = cls.discriminator_network(config, info)  # the order of creation.
        gan = cls(generator, discriminator, loss=losses.get(config.model.loss),
                  num_classes=info.num_classes, z_dim=config.model.z_dim, seed=config.seed,
                  name=config.model.variant, **cls.options(config))
        optimizer = config.optimizer
        gan.compile(optimizers={
            "g": adam(config, optimizer.g_learning_rate),
            "d": adam(config, optimizer.d_learning_rate, gan.critic_steps)},
            jit_compile=config.runtime.jit_compile)
        return gan

    # --- What the trainer asks. ---

    def examples_per_step(self, batch_size: int) -> int:
        """One slice of train.batch_size per D update."""
        return batch_size * self.critic_steps

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: data.LabeledImages):
        """One row per class, fixed noise: column j shows one z across all classes (an
        unconditional generator's grid gives every cell its own z)."""
        columns = config.train.sample_columns
        z, labels = images.grid_inputs(config.model.z_dim, dataset.info.num_classes, columns,
                                       config.seed, same_noise_per_column=cls.conditional)

        def sample(gan: "ConditionalGAN") -> tuple[np.ndarray, int]:
            return np.asarray(gan.generate(z, labels)), columns
        return sample

    @classmethod
    def make_evaluator(cls, config: ConfigDict):
        from tfgan_lab import eval as eval_lib

        evaluator = eval_lib.make_evaluator(config)
        return lambda gan: evaluator(gan.generate)

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """The metrics of an exported generator, read through its serving signature."""
        from tfgan_lab import eval as eval_lib

        generate = export.load_conditional_generator(path)
        return eval_lib.make_evaluator(config, generate.z_dim)(generate)

    def exports(self) -> dict[str, export.Export]:
        return {"": export.Export("conditional_generator", self.generator,
                                  {"z_dim": self.z_dim, "num_classes": self.num_classes})}

    # --- Shared by the variants' train steps. ---

    def call(self, inputs: dict, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    @staticmethod
    def generator_inputs(z: tf.Tensor, labels: tf.Tensor) -> dict:
        return {"z": z, "label": labels}

    def generate(self, z, labels) -> tf.Tensor:
        """G(z, labels) in inference mode."""
        return self.generator(self.generator_inputs(z, labels), training=False)

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

