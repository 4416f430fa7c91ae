"""Network builders: functional Keras models with named inputs and dict outputs."""

from tfgan_lab.nets.dcgan import (
    CONDITIONINGS,
    UPSAMPLINGS,
    ConditionalBatchNorm,
    conditional_generator,
    discriminator,
    labeler,
    labelled_generator,
    projection_discriminator,
    unconditional_generator,
)

__all__ = ["CONDITIONINGS", "UPSAMPLINGS", "ConditionalBatchNorm",
           "conditional_generator", "discriminator", "labeler", "labelled_generator",
           "projection_discriminator", "unconditional_generator"]
