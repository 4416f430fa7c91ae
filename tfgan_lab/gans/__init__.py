"""GAN variants by name: each a keras.Model subclass with train_step overridden."""

import keras
from ml_collections import ConfigDict

from tfgan_lab import losses, nets
from tfgan_lab.data import DatasetInfo
from tfgan_lab.gans.base import TwoPlayerGAN
from tfgan_lab.gans.cgan import CGAN


def conditional_networks(config: ConfigDict,
                         info: DatasetInfo) -> tuple[keras.Model, keras.Model]:
    """The DCGAN-size generator and projection discriminator that `config.model` describes."""
    model = config.model
    generator = nets.conditional_generator(info.image_shape, info.num_classes, model.z_dim,
                                           filters=model.g_filters)
    discriminator = nets.projection_discriminator(info.image_shape, info.num_classes,
                                                  filters=model.d_filters,
                                                  spectral_norm=model.spectral_norm)
    return generator, discriminator


def optimizers(config: ConfigDict) -> tuple[keras.optimizers.Optimizer,
                                            keras.optimizers.Optimizer]:
    """One Adam per player, (generator's, discriminator's), from `config.optimizer`."""
    opt = config.optimizer
    return (keras.optimizers.Adam(opt.g_learning_rate, opt.beta_1, opt.beta_2),
            keras.optimizers.Adam(opt.d_learning_rate, opt.beta_1, opt.beta_2))


def _build_cgan(config: ConfigDict, info: DatasetInfo) -> TwoPlayerGAN:
    generator, discriminator = conditional_networks(config, info)
    return CGAN(generator, discriminator, loss=losses.get(config.model.loss),
                z_dim=config.model.z_dim, seed=config.seed, name="cgan")


_VARIANTS = {"cgan": _build_cgan}


def names() -> tuple[str, ...]:
    return tuple(_VARIANTS)


def build(config: ConfigDict, info: DatasetInfo) -> TwoPlayerGAN:
    """The variant `config.model.variant` for `info`'s images, compiled with its optimizers.

    Call inside `strategy.scope()`; variables exist only after `build_for_training()`.
    """
    if config.model.variant not in _VARIANTS:
        raise KeyError(f"Unknown variant {config.model.variant!r}: choose one of "
                       f"{', '.join(_VARIANTS)}.")
    gan = _VARIANTS[config.model.variant](config, info)
    g_optimizer, d_optimizer = optimizers(config)
    gan.compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer,
                jit_compile=config.runtime.jit_compile)
    return gan


__all__ = ["CGAN", "TwoPlayerGAN", "build", "conditional_networks", "names", "optimizers"]
