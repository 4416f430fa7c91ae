"""A supervised English-German translator on the offline catalogue corpus (Debian's gettext
catalogues, tfgan_lab/data/parallel_text.py): the shared-encoder Transformer trained on every
training pair, both directions each step, BLEU and chrF on the dev pairs every eval.every
steps. Issue 27's ceiling; `--config.data.split=paired` trains on the small paired set (the
supervised baseline, and dual learning's warm start).

    python main.py --config=configs/translator_catalogues.py --workdir=runs/translator
    echo "cannot open file" | python main.py --mode=translate \
        --model_path=export/translator_catalogues_en_de/1 --input=-

On the paired set, seed 0: 24.8 BLEU en-de and 24.4 de-en in 31 minutes on the Zen 4 EPYC
(docs/results/translation.md); on every training pair (the default), seeds 0 and 1: 47.3 and
53.2 in float32 on the Zen 3 EPYC.
"""

from ml_collections import ConfigDict

from tfgan_lab.config import apply_arg, base_config


def get_config(arg: str | None = None) -> ConfigDict:
    config = base_config("translator")
    config.name = "translator_catalogues"
    config.eval.every = 1000
    config.runtime.precision = "auto"
    return apply_arg(config, arg)
