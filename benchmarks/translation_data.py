"""The offline parallel corpus (tfgan_lab/data/parallel_text.py): how many pairs the named
Debian packages' gettext catalogues yield for each language, the parts of the default split,
example pairs of the test part and the Ding lexicon's size.

    python benchmarks/translation_data.py    # about 20 s; writes docs/results/translation_data.md
"""

import os
import sys

from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import files, runtime  # noqa: E402
from tfgan_lab.data import parallel_text  # noqa: E402
from tfgan_lab.text import catalogues, lexicon  # noqa: E402

_RESULTS = flags.DEFINE_string("results", "docs/results", "Where translation_data.md is written.")
_EXAMPLES = 8


def main(argv: list[str]) -> None:
    del argv
    data = parallel_text.config()
    names = catalogues.packages()
    rows = ["# The offline parallel corpus: gettext catalogues of named Debian packages", "",
            "Command: `python benchmarks/translation_data.py`.",
            f"Machine: {runtime.machine_description()}.", "",
            f"Packages ({len(names)}, tfgan_lab/text/catalogue_packages.txt): "
            f"{', '.join(names)}.", "",
            f"Pairs of {data.min_words} to {data.max_words} words on both sides, cleaned "
            "(placeholders and markup as `<arg>` and `<tag>`, accelerators removed), one "
            "translation per English sentence, split by data.seed=0 into parts that share no "
            "sentence:", "",
            "| English to | catalogues | pairs | test | dev | paired | monolingual English | "
            "monolingual other | all training pairs |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for language in parallel_text.GETTEXT_LANGUAGES:
        data.target_language = language
        parts = {split: parallel_text.load(data, split) for split in parallel_text.SPLITS}
        monolingual = parts["monolingual"]
        total = sum(len(parts[s].source) for s in ("test", "dev", "train"))
        paths = catalogues.catalogue_paths(language, names)
        rows.append(f"| {language} | {len(paths)} | {total} | {len(parts['test'].source)} | "
                    f"{len(parts['dev'].source)} | {len(parts['paired'].source)} | "
                    f"{len(monolingual.source)} | {len(monolingual.target)} | "
                    f"{len(parts['train'].source)} |")
        if language == "de":
            examples = parts["test"].pairs[:_EXAMPLES]
    rows += ["", "The monolingual English comes from one half of the training pairs and the "
             "other language from the other half, so no translation pair is seen by an "
             "unsupervised method; the paired set is the supervised baseline's (and dual "
             "learning's warm start), all training pairs the supervised ceiling's.", "",
             "## The first English-German test pairs", "", "| English | German |", "|---|---|"]
    rows += [f"| {english} | {german} |".replace("<", "&lt;") for english, german in examples]
    ding = lexicon.read_ding()
    rows += ["", "## The Ding dictionary (Debian's trans-de-en)", "",
             f"{len(ding)} German single words with an English single-word translation, "
             f"{len(lexicon.invert(ding))} English words the other way: the lexicon that "
             "scores induced word translations (precision@1), never used to train.", ""]
    path = os.path.join(_RESULTS.value, "translation_data.md")
    files.write_text(path, "\n".join(rows))
    print(f"Wrote {path}")


if __name__ == "__main__":
    run_command(main)
