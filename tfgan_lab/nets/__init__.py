"""Network builders: functional Keras models with named inputs and dict outputs."""

from tfgan_lab.nets.dcgan import (
    CONDITIONINGS,
    UPSAMPLINGS,
    ConditionalBatchNorm,
    auxiliary_classifier_discriminator,
    conditional_generator,
    projection_discriminator,
    unconditional_generator,
)

__all__ = ["CONDITIONINGS", "UPSAMPLINGS", "ConditionalBatchNorm",
           "auxiliary_classifier_discriminator", "conditional_generator",
           "projection_discriminator", "unconditional_generator"]
