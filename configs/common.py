"""Defaults shared by the experiment configs. Every field and its library default is in
tfgan_lab/config.py; this file holds what the Fashion-MNIST experiments agree on."""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def conditional_fashion_mnist(variant: str, arg: str | None) -> ConfigDict:
    """A conditional GAN `variant` on Fashion-MNIST, with the budget of the default run:
    1500 steps of batch 128 (about 9 minutes on 2 CPU cores in mixed_bfloat16), hinge loss,
    spectrally normalised discriminator, the same networks and seed for every variant."""
    config = base_config()
    config.name = f"{variant}_fashion_mnist"
    config.data.name = "fashion_mnist"
    config.model.variant = variant
    config.model.loss = "hinge"
    config.train.steps = 1500
    config.train.sample_every = 250
    # bfloat16 is the fastest precision on CPUs with AVX-512 BF16, TPUs and Ampere or newer
    # GPUs; on older GPUs pass --config.runtime.precision=float32 (or mixed_float16).
    config.runtime.precision = "mixed_bfloat16"
    return apply_arg(config, arg)
