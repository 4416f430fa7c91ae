"""The conditional adversarial autoencoder on Fashion-MNIST: each garment re-drawn with a smaller
or larger area, its class and look kept. The condition is the garment's area (the share of its
pixels brighter than 128) cut into 4 groups by the quartiles of its class (docs/caae.md).

Command:  python main.py --config=configs/caae_fashion_mnist.py --workdir=runs/caae
Time:     about 25 minutes on 2 CPU cores (9000 steps of batch 100, mixed_bfloat16).
Progress: python main.py --mode=progress --model_path=export/caae_fashion_mnist/1 \
              --input=DIR --output=progress.png
Result:   python benchmarks/caae.py trains this and the two baselines and writes
          docs/results/caae.md (condition accuracy, identity kept, per target group).

The official networks and recipe (batch 100, Adam 2e-4 (0.5, 0.999), L1, the first 20% of
steps a plain autoencoder, the codes +-1 and tiled), with the widths for 28 pixels, the image
and z adversaries at 1e-4 as the official code's older commits, and three changes that
measurably made G obey the condition (docs/caae.md): the condition maps before every layer of G
(as forks of the official code do), an image adversary of weight 0.03 that also judges
G(E(x), random target), and a matching-aware D_img (real images with a wrong group are fakes).
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("caae")
    config.name = "caae_fashion_mnist"
    config.model.update(g_filters=128,  # G 128 -> 64 -> 32 -> 16 channels at 28 pixels.
                        condition_maps=True, random_targets=True, mismatched_reals=True,
                        image_weight=0.03, z_weight=1e-4)
    config.train.update(steps=9000, sample_every=1000, checkpoint_every=1000, log_every=100)
    config.eval.every = 1000
    config.runtime.precision = "auto"  # configs/common.py says why
    return apply_arg(config, arg)
