"""Defaults shared by the experiment configs. Every field and its library default is in
tfgan_lab/config.py; this file holds what the MNIST-size experiments agree on."""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def conditional(variant: str, dataset: str, arg: str | None) -> ConfigDict:
    """A conditional GAN `variant` on a 28x28 dataset, with the budget of the default run:
    1500 steps of batch 128 (about 8 minutes on 2 CPU cores with native bfloat16), the
    non-saturating loss without spectral normalisation (the DCGAN recipe, and AC-GAN's and
    FC-GAN's), the same networks and seed for every variant.

    Measured here with CGAN at 1500 steps: conditional accuracy 0.81 this way, 0.74 with
    hinge loss and spectral normalisation, whose runs also swung more between evaluations.
    """
    config = base_config(variant)
    config.name = f"{variant}_{dataset}"
    config.data.name = dataset
    config.model.loss = "non_saturating"
    config.model.spectral_norm = False
    config.train.steps = 1500
    config.train.sample_every = 250
    # mixed_bfloat16 where bfloat16 is native (CPUs with AVX-512 BF16 or AMX, TPUs, Ampere or
    # newer GPUs), float32 elsewhere; on older GPUs mixed_float16 may be faster.
    config.runtime.precision = "auto"
    return apply_arg(config, arg)


def recipe(config: ConfigDict) -> ConfigDict:
    """The recipe benchmarks/sweep.py found at this budget (docs/conditional.md, "Recipes"):
    two time-scale rates (D at 8e-4, four times G's 2e-4), resize-then-conv upsampling in G (no
    stripes or checkerboards), and G's weights averaged (decay 0.995), exported as
    `<name>_ema` beside the raw G."""
    config.optimizer.d_learning_rate = 8e-4
    config.model.upsampling = "resize"
    config.model.generator_ema = 0.995
    return config
