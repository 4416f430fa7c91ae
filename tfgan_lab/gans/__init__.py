"""GAN variants by name: each a keras.Model subclass with train_step overridden."""

import keras
from ml_collections import ConfigDict

from tfgan_lab import losses, nets
from tfgan_lab.data import DatasetInfo
from tfgan_lab.gans.acgan import ACGAN, FCGAN
from tfgan_lab.gans.base import TwoPlayerGAN
from tfgan_lab.gans.cgan import CGAN
from tfgan_lab.gans.gan import GAN


def _discriminator(config: ConfigDict, info: DatasetInfo) -> keras.Model:
    model = config.model
    if model.variant == "cgan":
        return nets.projection_discriminator(info.image_shape, info.num_classes,
                                             filters=model.d_filters,
                                             spectral_norm=model.spectral_norm)
    class_outputs = {"gan": 0, "acgan": info.num_classes, "fcgan": info.num_classes + 1}
    return nets.auxiliary_classifier_discriminator(
        info.image_shape, class_outputs[model.variant], filters=model.d_filters,
        spectral_norm=model.spectral_norm)


def networks(config: ConfigDict, info: DatasetInfo) -> tuple[keras.Model, keras.Model]:
    """The DCGAN-size generator and the variant's discriminator that `config.model` sizes: a
    projection discriminator for CGAN, an auxiliary classifier one (N or N+1 classes) for
    AC-GAN and FC-GAN, no class head for the unconditional GAN. All share the generator's
    layers and the discriminator's features."""
    if config.model.variant == "gan":
        generator = nets.unconditional_generator(info.image_shape, config.model.z_dim,
                                                 filters=config.model.g_filters)
    else:
        generator = nets.conditional_generator(info.image_shape, info.num_classes,
                                               config.model.z_dim, filters=config.model.g_filters,
                                               conditioning=config.model.generator_conditioning)
    return generator, _discriminator(config, info)


def optimizers(config: ConfigDict) -> tuple[keras.optimizers.Optimizer,
                                            keras.optimizers.Optimizer]:
    """One Adam per player, (generator's, discriminator's), from `config.optimizer`."""
    opt = config.optimizer
    return (keras.optimizers.Adam(opt.g_learning_rate, opt.beta_1, opt.beta_2),
            keras.optimizers.Adam(opt.d_learning_rate, opt.beta_1, opt.beta_2))


_VARIANTS = {"cgan": CGAN, "acgan": ACGAN, "fcgan": FCGAN, "gan": GAN}
# The auxiliary-classifier variants: they alone take the options of ACGAN.__init__ below.
_AUXILIARY_CLASSIFIER_VARIANTS = ("acgan", "fcgan")


def names() -> tuple[str, ...]:
    return tuple(_VARIANTS)


def build(config: ConfigDict, info: DatasetInfo) -> TwoPlayerGAN:
    """The variant `config.model.variant` for `info`'s images, compiled with its optimizers.

    Call inside `strategy.scope()`; variables exist only after `build_for_training()`.
    """
    if config.model.variant not in _VARIANTS:
        raise KeyError(f"Unknown variant {config.model.variant!r}: choose one of "
                       f"{', '.join(_VARIANTS)}.")
    generator, discriminator = networks(config, info)
    options = ({"critic_steps": config.model.critic_steps,
                "penalty_weight": config.model.gradient_penalty,
                "classify_fakes": config.model.classify_fakes,
                "generator_class_weight": config.model.generator_class_weight}
               if config.model.variant in _AUXILIARY_CLASSIFIER_VARIANTS else {})
    gan = _VARIANTS[config.model.variant](
        generator, discriminator, loss=losses.get(config.model.loss),
        num_classes=info.num_classes, z_dim=config.model.z_dim, seed=config.seed,
        name=config.model.variant, **options)
    g_optimizer, d_optimizer = optimizers(config)
    gan.compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer,
                jit_compile=config.runtime.jit_compile)
    return gan


def has_auxiliary_classifier(variant: str) -> bool:
    """Whether `variant` is AC-GAN-like (a class head on D), and so implements
    model.critic_steps, gradient_penalty and generator_class_weight."""
    return variant in _AUXILIARY_CLASSIFIER_VARIANTS


__all__ = ["ACGAN", "CGAN", "FCGAN", "GAN", "TwoPlayerGAN", "build", "names", "networks",
           "has_auxiliary_classifier", "optimizers"]
