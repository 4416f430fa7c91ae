"""The translation baselines that need no training, on the English-German catalogue test pairs:
copying the input, and the word-by-word model unsupervised MT starts from (built from the
monolingual halves alone, tfgan_lab/translation/word_by_word.py), with the precision@1 of its
induced word translations against the Ding dictionary for 0 to --rounds rounds of
self-learning. The bars of issue 27 read unsupervised MT against these rows.

    python benchmarks/translation_baselines.py   # ~1 min: docs/results/translation_baselines.md
"""

import os
import sys
import time

from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import files, runtime  # noqa: E402
from tfgan_lab.data import parallel_text  # noqa: E402
from tfgan_lab.eval import text_scores  # noqa: E402
from tfgan_lab.translation import word_by_word  # noqa: E402

_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_ROUNDS = flags.DEFINE_integer("rounds", 3, "The most self-learning rounds to measure.")
_EXAMPLES = 6


def _scores(outputs: list[str], references: tuple[str, ...]) -> str:
    scores = text_scores.scores(outputs, references)
    return f"{scores['bleu'].value:.2f} | {scores['chrf'].value:.2f}"


def main(argv: list[str]) -> None:
    del argv
    data = parallel_text.config()
    test = parallel_text.load(data, "test")
    sides = dict(zip(test.languages, (test.source, test.target), strict=True))
    directions = (test.languages, test.languages[::-1])
    rows = ["# Translation baselines without training: copying, and word by word", "",
            "Command: `python benchmarks/translation_baselines.py`.",
            f"Machine: {runtime.machine_description()}.", "",
            f"On the {len(test.source)} English-German test pairs of the catalogue corpus "
            "(data.seed=0; docs/results/translation_data.md). sacreBLEU "
            f"({text_scores.scores(['a'], ['a'])['bleu'].signature}).", "",
            "| rounds of self-learning | built in | seed pairs (identical words) | dictionary "
            "pairs | p@1 de-en | p@1 en-de | " + " | ".join(
                f"{a}-{b} BLEU | {a}-{b} chrF" for a, b in directions) + " |",
            "|---:|---:|---:|---:|---:|---:|" + "---:|" * 4]
    copy = " | ".join(_scores(list(sides[a]), sides[b]) for a, b in directions)
    for rounds in range(_ROUNDS.value + 1):
        start = time.perf_counter()
        model = word_by_word.build(data, rounds)
        seconds = time.perf_counter() - start
        precision = model.precision_at_1()
        scores = " | ".join(_scores(model.translate((a, b), sides[a]), sides[b])
                            for a, b in directions)
        rows.append(f"| {rounds} | {seconds:.0f} s | {model.mapping.seed_pairs} | "
                    f"{len(model.mapping.dictionary)} | "
                    f"{100 * precision['de_en_precision_at_1']:.1f}% | "
                    f"{100 * precision['en_de_precision_at_1']:.1f}% | {scores} |")
        if rounds == 0:
            examples = model.translate(directions[0], sides["en"][:_EXAMPLES])
    rows += [f"| copy the input | | | | | | {copy} |", "",
             "p@1: of the induced translations (each word's CSLS nearest neighbour) whose "
             "source word the Ding dictionary holds, the share it lists; the word-by-word "
             "model replaces only the dictionary's words (mutual nearest neighbours) and keeps "
             "every other word and sign. The default is 0 rounds.", "",
             "## Word by word, English to German (0 rounds)", "",
             "| English | word by word | German reference |", "|---|---|---|"]
    rows += [f"| {e} | {w} | {g} |".replace("<", "&lt;")
             for e, w, g in zip(sides["en"], examples, sides["de"], strict=False)]
    path = os.path.join(_RESULTS.value, "translation_baselines.md")
    files.write_text(path, "\n".join(rows) + "\n")
    print(f"Wrote {path}")


if __name__ == "__main__":
    run_command(main)
