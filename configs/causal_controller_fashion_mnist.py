"""The causal controller of CausalGAN on the offline data of a known causal model
(tfgan_lab/data/causal_fashion.py): label vectors along the true graph, learnt by WGAN-GP with
the official code's settings; its TVDs to the true observational, interventional and
conditional distributions are measured every eval.every steps (metrics.csv, TensorBoard).

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
    config.eval.every = 1000
    return apply_arg(config, arg)
