"""CGAN with a projection discriminator on MNIST, with the Fashion-MNIST run's recipe.

Command:  python main.py --config=configs/cgan_mnist.py --workdir=runs/cgan_mnist
Data:     TFDS `mnist` (needs internet once), or its IDX files in a folder given by
          --config.data.idx_dir=FOLDER (Debian ships only Fashion-MNIST).
Time:     not run here (no MNIST on these machines); the networks and steps are those of the
          Fashion-MNIST run, about 8 minutes on 2 CPU cores.
"""

from ml_collections import ConfigDict

from configs.common import conditional


def get_config(arg: str | None = None) -> ConfigDict:
    return conditional("cgan", "mnist", arg)
