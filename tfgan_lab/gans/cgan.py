"""Conditional GAN with a projection discriminator.

Mirza & Osindero 2014 (arXiv 1411.1784): the label conditions both players;
Miyato & Koyama 2018 (arXiv 1802.05637): D(x, y) = psi(phi(x)) + embed(y) . phi(x).
Run: python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan
"""

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, models, nets
from tfgan_lab.draws import AUGMENT_FAKES, AUGMENT_G_FAKES, AUGMENT_REALS, D_FAKES, G_FAKES
from tfgan_lab.gans.conditional import ConditionalGAN


@models.register("cgan")
class CGAN(ConditionalGAN):
    """One D update on real and fake images of the batch's labels, then one G update.

    D sees real and fake images in one call, so spectral normalisation's power iteration runs
    once per D step; G's update calls D in inference mode, leaving it untouched.
    """

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.projection_discriminator(info.image_shape, info.num_classes,
                                             filters=config.model.d_filters,
                                             spectral_norm=config.model.spectral_norm)

    def discriminate(self, images: tf.Tensor, labels: tf.Tensor, training: bool) -> tf.Tensor:
        """D's logits for (images, labels)."""
        return self.discriminator({"images": images, "label": labels},
                                  training=training)["logits"]

    def discriminator_loss(self, images: tf.Tensor, labels: tf.Tensor,
                           training: bool) -> tf.Tensor:
        """Per-example D loss on the real batch and fakes generated for the same labels."""
        z = self.noise(tf.shape(labels)[0], stream=D_FAKES)
        fakes = tf.stop_gradient(self.generator(self.generator_inputs(z, labels),
                                                training=training))
        logits = self.discriminate(tf.concat([self.augment(images, AUGMENT_REALS),
                                              self.augment(fakes, AUGMENT_FAKES)], axis=0),
                                   tf.concat([labels, labels], axis=0), training)
        real_logits, fake_logits = tf.split(logits, 2)
        return self.adversarial_loss.discriminator(real_logits, fake_logits)

    def generator_loss(self, labels: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example G loss on fresh fakes for the batch's labels (plus the hook's term)."""
        z = self.noise(tf.shape(labels)[0], stream=G_FAKES)
        fakes = self.generator(self.generator_inputs(z, labels), training=training)
        logits = self.discriminate(self.augment(fakes, AUGMENT_G_FAKES), labels, False)
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
