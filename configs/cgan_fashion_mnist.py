"""CGAN with a projection discriminator on Fashion-MNIST: the default run.

Command:  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan_fashion_mnist
Time:     about 8 minutes on 2 CPU cores (float32), see README "Performance".
Result:   runs/cgan_fashion_mnist/samples/step_NNNNNN.png shows the ten classes, one per row;
          the generator is exported to export/cgan_fashion_mnist/<version>/.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config()
    config.name = "cgan_fashion_mnist"
    config.data.name = "fashion_mnist"
    config.model.variant = "cgan"
    config.model.loss = "hinge"
    return apply_arg(config, arg)
