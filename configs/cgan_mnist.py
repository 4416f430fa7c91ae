"""CGAN with a projection discriminator on MNIST.

Command:  python main.py --config=configs/cgan_mnist.py --workdir=runs/cgan_mnist
Data:     TFDS `mnist` (needs internet once), or its IDX files in a folder given by
          --config.data.idx_dir=FOLDER (Debian ships only Fashion-MNIST).
Time:     about 8 minutes on 2 CPU cores (float32), like the Fashion-MNIST run.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config()
    config.name = "cgan_mnist"
    config.data.name = "mnist"
    return apply_arg(config, arg)
