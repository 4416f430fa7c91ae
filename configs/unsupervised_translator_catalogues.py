"""Unsupervised English-German MT on the offline catalogue corpus (Debian's gettext catalogues,
tfgan_lab/data/parallel_text.py): the shared-encoder Transformer trained by denoising and
back-translation on the two monolingual halves, never on a pair, the first round
back-translating with the word-by-word model, the adversary on. Round-trip BLEU (no pairs) and
dev BLEU every eval.every steps.

    python main.py --config=configs/unsupervised_translator_catalogues.py --workdir=runs/unmt
    python main.py ... --config.model.adversary_weight=0      # the adversary off

Seed 0 measured: docs/results/translation.md (benchmarks/translation.py --rows=unsupervised).
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("unsupervised_translator")
    config.name = "unsupervised_translator_catalogues"
    config.eval.every = 1000
    config.runtime.precision = "auto"
    return apply_arg(config, arg)
