"""The unconditional GAN (DCGAN, Radford et al. 2016): G(z), D(x). Deep Generative Replay's
generator (Shin et al. 2017), whose samples the solver labels.
Run: python main.py --config=configs/gan_fashion_mnist.py --workdir=runs/gan
"""

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, export, models, nets
from tfgan_lab.errors import ConfigError
from tfgan_lab.gans.cgan import CGAN


@models.register("gan")
class GAN(CGAN):
    """CGAN's updates with the label left out of both players."""

    conditional = False

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        super().check_config(config)
        if config.eval.every:
            raise ConfigError("The metrics score a conditional generator (they need each "
                              "sample's class); set --config.eval.every=0 for "
                              "model.variant='gan'.")

    @classmethod
    def generator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.unconditional_generator(info.image_shape, config.model.z_dim,
                                            filters=config.model.g_filters,
                                            upsampling=config.model.upsampling)

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.auxiliary_classifier_discriminator(info.image_shape, 0,
                                                       filters=config.model.d_filters,
                                                       spectral_norm=config.model.spectral_norm)

    @classmethod
    def make_evaluator(cls, config: ConfigDict):
        return None

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        raise ConfigError("The metrics score a conditional generator (they need the class of "
                          f"each sample); {path} is an unconditional GAN's.")

    def generator_export(self, generator: keras.Model) -> export.Export:
        return export.Export("unconditional_generator", generator, {"z_dim": self.z_dim})

    @staticmethod
    def generator_inputs(z: tf.Tensor, labels: tf.Tensor) -> dict:
        del labels
        return {"z": z}

    def discriminate(self, images: tf.Tensor, labels: tf.Tensor, training: bool) -> tf.Tensor:
        del labels
        return self.discriminator({"images": images}, training=training)["logits"]
