"""Conditional GAN with a projection discriminator.

Mirza & Osindero 2014 (arXiv 1411.1784): the label conditions both players;
Miyato & Koyama 2018 (arXiv 1802.05637): D(x, y) = psi(phi(x)) + embed(y) . phi(x).
Run: python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan
"""

import tensorflow as tf

from tfgan_lab.draws import D_FAKES, G_FAKES
from tfgan_lab.gans.base import TwoPlayerGAN
from tfgan_lab.losses import AdversarialLoss


class CGAN(TwoPlayerGAN):
    """One D update on real and fake images of the batch's labels, then one G update.

    D sees real and fake images in one call, so spectral normalisation's power iteration runs
    once per D step; G's update calls D in inference mode, leaving it untouched.
    """

    def __init__(self, generator, discriminator, *, loss: AdversarialLoss, **kwargs):
        super().__init__(generator, discriminator, metric_names=("d_loss", "g_loss"), **kwargs)
        self.adversarial_loss = loss

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
        logits = self.discriminate(tf.concat([images, fakes], axis=0),
                                   tf.concat([labels, labels], axis=0), training)
        real_logits, fake_logits = tf.split(logits, 2)
        return self.adversarial_loss.discriminator(real_logits, fake_logits)

    def generator_loss(self, labels: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example G loss on fresh fakes for the batch's labels (plus replay alignment)."""
        z = self.noise(tf.shape(labels)[0], stream=G_FAKES)
        fakes = self.generator(self.generator_inputs(z, labels), training=training)
        return (self.adversarial_loss.generator(self.discriminate(fakes, labels, False))
                + self.alignment_loss(tf.shape(labels)[0], training))

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = self.real_batch(*data)
        d_loss = self.minimize(lambda: self.discriminator_loss(images, labels, training=True),
                               self.discriminator.trainable_variables, self.d_optimizer)
        g_loss = self.minimize(lambda: self.generator_loss(labels, training=True),
                               self.generator.trainable_variables, self.g_optimizer)
        self.step.assign_add(1)
        return self.track(d_loss=d_loss, g_loss=g_loss)

    def test_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = data
        return self.track(d_loss=self.discriminator_loss(images, labels, training=False),
                          g_loss=self.generator_loss(labels, training=False))
