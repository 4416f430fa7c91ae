"""CGAN with a projection discriminator on Fashion-MNIST: the default run.

Command:  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan_fashion_mnist
Time:     about 9 minutes on 2 CPU cores (1500 steps of batch 128, mixed_bfloat16).
Result:   runs/cgan_fashion_mnist/samples/step_001500.png shows the ten classes, one per row
          (docs/results/cgan_fashion_mnist_samples.png); the generator is exported to
          export/cgan_fashion_mnist/<version>/.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config()
    config.name = "cgan_fashion_mnist"
    config.data.name = "fashion_mnist"
    config.model.variant = "cgan"
    config.model.loss = "hinge"
    config.train.steps = 1500
    config.train.sample_every = 250
    # bfloat16 is the fastest precision on CPUs with AVX-512 BF16, TPUs and Ampere or newer
    # GPUs; on older GPUs pass --config.runtime.precision=float32 (or mixed_float16).
    config.runtime.precision = "mixed_bfloat16"
    return apply_arg(config, arg)
