"""Unconditional DCGAN on Fashion-MNIST (the generator of Deep Generative Replay's scholar).

    python main.py --config=configs/gan_fashion_mnist.py --workdir=runs/gan
"""

from ml_collections import ConfigDict

from configs.common import conditional


def get_config(arg: str | None = None) -> ConfigDict:
    return conditional("gan", "fashion_mnist", arg)
