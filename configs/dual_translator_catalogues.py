"""Dual learning, English-German, on the offline catalogue corpus (Debian's gettext catalogues,
tfgan_lab/data/parallel_text.py): two translators warm-started from the supervised translator
trained on the small paired set, playing the dual game on the monolingual halves, half of each
step's sentences pairs (the soft landing). Dev BLEU of both directions every eval.every steps.
It reads two exports, made first:

    python main.py --config=configs/translator_catalogues.py --config.data.split=paired \
        --config.name=translator_paired --workdir=runs/translator_paired
    python main.py --config=configs/language_models_catalogues.py --workdir=runs/lm
    python main.py --config=configs/dual_translator_catalogues.py --workdir=runs/dual

(other exports: --config.model.warm_start=... --config.model.language_models=...).
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("dual_translator")
    config.name = "dual_translator_catalogues"
    config.model.warm_start = "export/translator_paired_en_de/1"
    config.model.language_models = "export/language_models_catalogues_en/1"
    config.eval.every = 500
    config.runtime.precision = "auto"
    return apply_arg(config, arg)
