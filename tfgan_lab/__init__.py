"""tfgan_lab: adversarial networks beyond the plain GAN, in TensorFlow 2 and Keras 3."""

__version__ = "0.1.0"
