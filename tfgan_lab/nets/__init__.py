"""Network builders: functional Keras models with named inputs and dict outputs."""

from tfgan_lab.nets.dcgan import conditional_generator, projection_discriminator

__all__ = ["conditional_generator", "projection_discriminator"]
