"""FC-GAN (Li, Wang, Qi 2018) on Fashion-MNIST, with the CGAN's networks and budget.

Command:  python main.py --config=configs/fcgan_fashion_mnist.py --workdir=runs/fcgan_fashion_mnist
Time:     about 8 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   see docs/results/conditional_family.md (python benchmarks/conditional_family.py).
"""

from ml_collections import ConfigDict

from configs.common import conditional


def get_config(arg: str | None = None) -> ConfigDict:
    return conditional("fcgan", "fashion_mnist", arg)
