"""CycleGAN on Fashion-MNIST: sneakers (class 7, domain A) <-> ankle boots (class 9, domain B),
each domain from its own half of the training split, so no pair exists.

Command:  python main.py --config=configs/cyclegan_fashion_mnist.py --workdir=runs/cyclegan
Time:     about 25 minutes on 2 CPU cores (5000 steps of batch 16, mixed_bfloat16).
Result:   python benchmarks/cyclegan.py trains this, measures it through its exports and writes
          docs/results/cyclegan.md: 98.6% / 95.0% of the translated test images classified as
          the target class, cycle L1 0.080 / 0.102 (docs/cyclegan.md).
Folders:  add --config.data.folder=DIR (DIR/trainA, trainB, testA, testB, any RGB images) and
          --config.data.crop_size=N to translate your own domains with the same recipe.

The official recipe (docs/cyclegan.md) at 28x28 grey: ResNet generators with 6 blocks, 70x70
PatchGANs (whole-image at 28 pixels), instance norm, LSGAN, cycle weight 10, identity 0.5 of
it, a pool of 50 fakes, Adam 2e-4 (0.5, 0.999), constant then linear decay to 0 over the second
half. Two changes for 2 CPU cores and 30 minutes: batch 16 (not 1) and ngf = ndf = 32 (not 64).
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("cyclegan")
    config.name = "cyclegan_fashion_mnist"
    config.data.update(name="fashion_mnist", class_a=7, class_b=9, load_size=0, crop_size=0,
                       flip=False)
    config.model.update(g_filters=32, d_filters=32)
    config.train.update(steps=5000, batch_size=16, sample_every=500, checkpoint_every=500,
                        log_every=50)
    config.eval.every = 500
    config.runtime.precision = "auto"  # configs/common.py says why
    return apply_arg(config, arg)
