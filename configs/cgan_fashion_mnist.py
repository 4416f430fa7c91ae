"""CGAN with a projection discriminator on Fashion-MNIST: the default run.

Command:  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan_fashion_mnist
Time:     about 8 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   runs/cgan_fashion_mnist/samples/step_001500.png shows the ten classes, one per row
          (docs/results/cgan_fashion_mnist_samples.png); the generator is exported to
          export/cgan_fashion_mnist/<version>/. With a reference classifier trained
          (--mode=train_classifier), add --config.eval.every=250 for metrics while training.
"""

from ml_collections import ConfigDict

from configs.common import conditional


def get_config(arg: str | None = None) -> ConfigDict:
    return conditional("cgan", "fashion_mnist", arg)
