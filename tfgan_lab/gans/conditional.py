"""The conditional family's base: the GAN of gans/gan.py with G(z, label) -> images.

CGAN, AC-GAN and FC-GAN differ in their discriminator and their updates only; the label is
what this adds to the unconditional GAN: where G takes it (`model.generator_conditioning`),
a sample grid of one row per class, the metrics (which need each sample's class), and the
conditional generator's export contract.
"""

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, data, export, images, nets
from tfgan_lab.gans.gan import EMA_PREFIX, GAN
from tfgan_lab.players import Evaluator


class ConditionalGAN(GAN):
    """The GAN with a generator conditioned on one of `num_classes` labels.

    Args:
      num_classes: number of classes the generator is conditioned on.
      (the others: GAN's)
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *,
                 num_classes: int, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = num_classes

    @classmethod
    def model_fields(cls, model: ConfigDict) -> None:
        # Where G takes the label: "embedding" concatenated with z, or "batch_norm" (every BN's
        # scale and offset per class, as in Memory Replay GANs' code).
        model.generator_conditioning = "embedding"

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        super().check_config(config)
        checks.choice(config, "model.generator_conditioning", nets.CONDITIONINGS)

    @classmethod
    def check_metrics(cls, config: ConfigDict) -> None:
        """Every metric applies: each sample has its class."""

    @classmethod
    def generator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        model = config.model
        return nets.conditional_generator(info.image_shape, info.num_classes, model.z_dim,
                                          filters=model.g_filters,
                                          conditioning=model.generator_conditioning,
                                          upsampling=model.upsampling)

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        """D for `info`'s images; the variants choose theirs."""
        raise NotImplementedError

    @classmethod
    def options(cls, config: ConfigDict, info: data.DatasetInfo) -> dict:
        return {"num_classes": info.num_classes}

    @classmethod
    def grid_inputs(cls, config: ConfigDict, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """One row per class, fixed noise: column j shows one z across all classes."""
        return images.grid_inputs(config.model.z_dim, num_classes, config.train.sample_columns,
                                  config.seed, same_noise_per_column=True)

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
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

    def generator_export(self, generator: keras.Model, suffix: str = "") -> export.Export:
        return export.Export("conditional_generator", generator,
                             {"z_dim": self.z_dim, "num_classes": self.num_classes}, suffix)

    def generator_inputs(self, z: tf.Tensor, labels: tf.Tensor) -> dict:
        return {"z": z, "label": labels}
