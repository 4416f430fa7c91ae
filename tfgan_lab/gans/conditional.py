"""The conditional family's shared base: a generator G(z, label) -> images and one discriminator.

CGAN, AC-GAN, FC-GAN and the unconditional GAN (which leaves the label out) differ in their
discriminator and their updates only; this holds their config group, networks, sample grids,
metrics and exports once. A `hook` (continual learning's replay and replay alignment,
tfgan_lab/continual/replay.py) may change the batch D learns as real and add to G's loss; the
family knows it only through the `TrainingHook` protocol.

Two options serve every variant (docs/conditional.md, "Recipes"): a moving average of G's
weights (`model.generator_ema`, exported beside the raw G as `<name>_ema`), and differentiable
augmentation of every image D sees (`model.augment`, tfgan_lab/augment.py).
"""

from typing import Protocol

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import augment, checks, data, export, images, losses, nets
from tfgan_lab.errors import ConfigError
from tfgan_lab.players import PlayerModel, adam, moving_averages

EMA_SUFFIX = "_ema"  # The averaged G's export: <name>_ema.
EMA_PREFIX = "ema_"  # The averaged G's metrics.


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
      augment_policy: the transformations of every image D sees (tfgan_lab/augment.py).
      averaged: whether G's optimizer keeps a moving average of G's weights, which
        `averaged_generator()` holds.
    """

    PLAYERS = {"g": "generator", "d": "discriminator"}
    conditional = True  # Whether G reads the label (the unconditional GAN overrides it).
    critic_steps = 1  # D updates (each on its own slice of the step's batch) per G update.

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *,
                 loss: losses.AdversarialLoss, num_classes: int, z_dim: int, seed: int,
                 augment_policy: tuple[str, ...] = (), averaged: bool = False,
                 metric_names: tuple[str, ...] = ("d_loss", "g_loss"), **kwargs):
        super().__init__(seed=seed, metric_names=metric_names, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.augment_policy = augment_policy
        # A copy of G that takes the averaged weights when asked (`averaged_generator`).
        self.ema_generator = keras.models.clone_model(generator) if averaged else None
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
        checks.choice(config, "model.upsampling", nets.UPSAMPLINGS)
        checks.unit_interval(config, "model.generator_ema")
        for policy in augment.parse(config.model.augment):
            if policy not in augment.POLICIES:
                raise ConfigError(
                    f"config.model.augment={config.model.augment!r}: unknown transformation "
                    f"{policy!r}; use a comma-separated subset of {', '.join(augment.POLICIES)}, "
                    "or '' for none.")
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
                                          conditioning=model.generator_conditioning,
                                          upsampling=model.upsampling)

    @classmethod
    def options(cls, config: ConfigDict) -> dict:
        """A variant's own constructor arguments, from its config fields."""
        return {}

    @classmethod
    def from_config(cls, config: ConfigDict, info: data.DatasetInfo) -> "ConditionalGAN":
        generator = cls.generator_network(config, info)  # G first: initial weights depend on
        discriminator = cls.discriminator_network(config, info)  # the order of creation.
        model = config.model
        gan = cls(generator, discriminator, loss=losses.get(model.loss),
                  num_classes=info.num_classes, z_dim=model.z_dim, seed=config.seed,
                  augment_policy=augment.parse(model.augment),
                  averaged=bool(model.generator_ema), name=model.variant, **cls.options(config))
        optimizer = config.optimizer
        gan.compile(optimizers={
            "g": adam(config, optimizer.g_learning_rate, ema_decay=model.generator_ema),
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
            """The averaged G's samples if it has one (the G a run keeps), else G's."""
            averaged = gan.ema_generator is not None
            return np.asarray(gan.generate(z, labels, averaged=averaged)), columns
        return sample

    @classmethod
    def make_evaluator(cls, config: ConfigDict):
        from tfgan_lab import eval as eval_lib

        evaluator = eval_lib.make_evaluator(config)

        def evaluate(gan: "ConditionalGAN") -> dict:
            """G's metrics and, with a moving average, the averaged G's, prefixed `ema_`."""
            results = evaluator(gan.generate)
            if gan.ema_generator is not None:
                generator = gan.averaged_generator()  # Takes the averages once, not per batch.
                averaged = evaluator(lambda z, labels: generator(gan.generator_inputs(z, labels),
                                                                 training=False))
                results.update({f"{EMA_PREFIX}{name}": value for name, value in averaged.items()})
            return results
        return evaluate

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """The metrics of an exported generator, read through its serving signature."""
        from tfgan_lab import eval as eval_lib

        generate = export.load_conditional_generator(path)
        return eval_lib.make_evaluator(config, generate.z_dim)(generate)

    def exports(self) -> dict[str, export.Export]:
        """G, and the averaged G as `_ema` if there is one."""
        generators = {"": self.generator}
        if self.ema_generator is not None:
            generators[EMA_SUFFIX] = self.averaged_generator()
        return {suffix: self.generator_export(generator)
                for suffix, generator in generators.items()}

    def generator_export(self, generator: keras.Model) -> export.Export:
        """`generator` (G or its average) under its contract."""
        return export.Export("conditional_generator", generator,
                             {"z_dim": self.z_dim, "num_classes": self.num_classes})

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

    # --- Shared by the variants' train steps. ---

    def call(self, inputs: dict, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    @staticmethod
    def generator_inputs(z: tf.Tensor, labels: tf.Tensor) -> dict:
        return {"z": z, "label": labels}

    def generate(self, z, labels, averaged: bool = False) -> tf.Tensor:
        """G(z, labels) in inference mode; `averaged`: the averaged G's."""
        generator = self.averaged_generator() if averaged else self.generator
        return generator(self.generator_inputs(z, labels), training=False)

    def augment(self, images: tf.Tensor, stream: int) -> tf.Tensor:
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

