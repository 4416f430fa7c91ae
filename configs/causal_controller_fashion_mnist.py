"""The causal controller of CausalGAN on the offline data of a known causal model
(tfgan_lab/data/causal_fashion.py): label vectors along the true graph, learnt by WGAN-GP with
the official code's networks, critic and penalty, and a faster schedule than its Adam 8e-5 at
batch 16 for 10000 steps (which stood at TVD 0.29 after 3000 steps here): Adam 2e-3 for both
players, decaying linearly to 0 over the second half of 6000 steps, batch 64. Its TVDs to the
true observational, interventional and conditional distributions are measured every
eval.every steps (metrics.csv, TensorBoard); benchmarks/causalgan.py runs it over seeds, then
the image stage on its exports.

    python main.py --config=configs/causal_controller_fashion_mnist.py --workdir=runs/cc

Another graph over the same labels: --config.model.graph="footwear; thick; bright; framed;
underline" (no edges), or CelebA's: --config.data.folder=CELEBA --config.model.graph=
celeba_graph1.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("causal_controller")
    config.name = "causal_controller_fashion_mnist"
    config.optimizer.update(g_learning_rate=2e-3, d_learning_rate=2e-3, decay_fraction=0.5)
    config.train.update(steps=6000, batch_size=64, steps_per_loop=20)
    config.eval.every = 1000
    return apply_arg(config, arg)
