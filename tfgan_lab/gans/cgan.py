"""Conditional GAN with a projection discriminator.

Mirza & Osindero 2014 (arXiv 1411.1784): the label conditions both players;
Miyato & Koyama 2018 (arXiv 1802.05637): D(x, y) = psi(phi(x)) + embed(y) . phi(x).
Run: python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan
"""

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, models, nets
from tfgan_lab.gans.conditional import ConditionalGAN


@models.register("cgan")
class CGAN(ConditionalGAN):
    """The GAN's updates (gans/gan.py: one D update on real and fake images of the batch's
    labels, then one G update), with the label read by both players."""

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.projection_discriminator(info.image_shape, info.num_classes,
                                             filters=config.model.d_filters,
                                             spectral_norm=config.model.spectral_norm)

    def discriminator_inputs(self, images: tf.Tensor, labels: tf.Tensor) -> dict:
        return {"images": images, "label": labels}
