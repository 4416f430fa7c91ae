"""The unconditional GAN (DCGAN, Radford et al. 2016): G(z), D(x). Deep Generative Replay's
generator (Shin et al. 2017), whose samples the solver labels.
Run: python main.py --config=configs/gan_fashion_mnist.py --workdir=runs/gan
"""

import tensorflow as tf

from tfgan_lab.gans.cgan import CGAN


class GAN(CGAN):
    """CGAN's updates with the label left out of both players."""

    conditional = False

    @staticmethod
    def generator_inputs(z: tf.Tensor, labels: tf.Tensor) -> dict:
        del labels
        return {"z": z}

    def discriminate(self, images: tf.Tensor, labels: tf.Tensor, training: bool) -> tf.Tensor:
        del labels
        return self.discriminator({"images": images}, training=training)["logits"]
