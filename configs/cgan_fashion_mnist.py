"""CGAN with a projection discriminator on Fashion-MNIST: the default run.

Command:  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan_fashion_mnist
Time:     about 6 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   runs/cgan_fashion_mnist/samples/step_001500.png shows the ten classes, one per row
          (docs/results/cgan_fashion_mnist_samples.png); the generator is exported to
          export/cgan_fashion_mnist/<version>/ and its weights' average to
          export/cgan_fashion_mnist_ema/<version>/. With the reference classifiers trained
          (--mode=train_classifier), add --config.eval.every=250 for metrics while training.
Recipe:   chosen by python benchmarks/sweep.py --variants=cgan (docs/results/sweep_cgan.md):
          D learns 4x faster than G, G upsamples by resize-then-conv, G's weights averaged.
"""

from ml_collections import ConfigDict

from configs.common import conditional, recipe


def get_config(arg: str | None = None) -> ConfigDict:
    return recipe(conditional("cgan", "fashion_mnist", arg))
