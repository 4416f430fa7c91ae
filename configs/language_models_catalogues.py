"""English and German language models on the offline catalogue corpus's monolingual halves
(Debian's gettext catalogues, tfgan_lab/data/parallel_text.py), in the translators' vocabulary:
dual learning's reward for how natural a translation reads (configs/dual_translator_catalogues.py
reads their export). Dev perplexity of each every eval.every steps.

    python main.py --config=configs/language_models_catalogues.py --workdir=runs/lm
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("language_model")
    config.name = "language_models_catalogues"
    config.eval.every = 500
    config.runtime.precision = "auto"
    return apply_arg(config, arg)
