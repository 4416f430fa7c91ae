"""CausalGAN's image stage on the offline data of a known causal model
(tfgan_lab/data/causal_fashion.py): G(z, labels) for the five labels, with D, a Labeler and an
Anti-Labeler, the official DCGAN stage's settings (batch 64, Adam 2e-4 (0.5), k_t =
exp(-t / 3000)), 3000 steps. Label vectors for sampling come from a causal controller export
(configs/causal_controller_fashion_mnist.py): with one, the metrics score every documented
do() and cond() query on the images; benchmarks/causalgan.py runs both stages over seeds.

    python main.py --config=configs/causalgan_fashion_mnist.py --workdir=runs/causalgan \
        --config.model.controller=export/causal_controller_fashion_mnist/1
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("causalgan")
    config.name = "causalgan_fashion_mnist"
    config.train.steps = 3000
    config.eval.update(every=1000, num_samples=10000)  # 10000 per query: a TVD floor of 0.02
    config.runtime.precision = "auto"
    return apply_arg(config, arg)
