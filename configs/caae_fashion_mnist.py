"""The conditional adversarial autoencoder on Fashion-MNIST: each garment re-drawn smaller or
larger, its class and look kept. The condition is the garment's area (the share of its pixels
brighter than 128) cut into 4 groups by the quartiles of its class (docs/caae.md).

Command:  python main.py --config=configs/caae_fashion_mnist.py --workdir=runs/caae
Progress: python main.py --mode=progress --model_path=export/caae_fashion_mnist/1 \
              --input=DIR --output=progress.png
Result:   python benchmarks/caae.py trains this and two baselines and writes
          docs/results/caae.md.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("caae")
    config.name = "caae_fashion_mnist"
    config.model.g_filters = 128  # G 128 -> 64 -> 32 -> 16 channels at 28 pixels (1024 at 128).
    config.train.update(steps=3000, sample_every=500, checkpoint_every=500, log_every=50)
    config.eval.every = 500
    config.runtime.precision = "mixed_bfloat16"
    return apply_arg(config, arg)
