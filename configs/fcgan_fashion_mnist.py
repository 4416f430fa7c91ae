"""FC-GAN (Li, Wang, Qi 2018) on Fashion-MNIST, with the CGAN's networks and budget.

Command:  python main.py --config=configs/fcgan_fashion_mnist.py --workdir=runs/fcgan_fashion_mnist
Time:     about 6 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   docs/results/conditional_family.md (python benchmarks/conditional_family.py).
Recipe:   chosen by python benchmarks/sweep.py --variants=fcgan,acgan (docs/results/sweep_fcgan.md):
          D learns 4x faster than G, G upsamples by resize-then-conv, G's weights averaged.
"""

from ml_collections import ConfigDict

from configs.common import conditional, recipe


def get_config(arg: str | None = None) -> ConfigDict:
    return recipe(conditional("fcgan", "fashion_mnist", arg))
