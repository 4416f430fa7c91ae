"""Class-incremental split Fashion-MNIST: 5 tasks of 2 classes (classes_per_task=1: 10 tasks).

    python main.py --mode=continual --config=configs/continual_fashion_mnist.py:METHOD \\
        --workdir=runs/continual/METHOD          (add ,smoke to METHOD for a few-step run)

METHOD: finetune, joint, dgr (solvers; DGR's scholar pairs the solver with an unconditional
DCGAN generator), sft, jtr, ra (Memory Replay GANs: an AC-GAN + WGAN-GP generator). Each
method's recipe (losses, steps per task, RA's weight) is in tfgan_lab/continual/methods.py.
Time and results: docs/results/continual.md (python benchmarks/continual.py).
"""

from ml_collections import ConfigDict

from tfgan_lab import continual
from tfgan_lab.config import apply_arg
from tfgan_lab.errors import ConfigError


def get_config(arg: str | None = None) -> ConfigDict:
    method, _, rest = (arg or "").partition(",")
    if method not in continual.METHODS.names():
        raise ConfigError(f"Pass the method after the config file: "
                          f"--config=configs/continual_fashion_mnist.py:METHOD with METHOD one "
                          f"of {', '.join(continual.METHODS.names())} (got {method!r}).")
    config = continual.base_config(method)
    config.name = f"continual_fashion_mnist_{method}"
    config.data.name = "fashion_mnist"
    config.train.batch_size = 64
    config.train.sample_every = 250
    config.runtime.precision = "auto"  # configs/common.py says why
    config.model.spectral_norm = False
    return apply_arg(config, rest)
