"""AC-GAN (Odena et al. 2017) on Fashion-MNIST, with the CGAN's networks and budget.

Command:  python main.py --config=configs/acgan_fashion_mnist.py --workdir=runs/acgan_fashion_mnist
Time:     about 8 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   see docs/results/conditional_family.md (python benchmarks/conditional_family.py).
"""

from ml_collections import ConfigDict

from configs.common import conditional


def get_config(arg: str | None = None) -> ConfigDict:
    return conditional("acgan", "fashion_mnist", arg)
