"""Translation on the English-German catalogue corpus, in one command: the baselines that need
no training (copying the input, the word-by-word model and its precision@1 against Ding), the
supervised translator on the small paired set and on every training pair (the ceiling), and
unsupervised MT with the adversary on (over --seeds) and off (over --ablation_seeds), each
trained, exported and scored through its exports on the test pairs.

    python benchmarks/translation.py                          # hours: run it seed by seed
    python benchmarks/translation.py --seeds=1 --rows=unsupervised
    python benchmarks/translation.py --seeds=2 --from_records  # seed 0 read back, seed 1 run

Run <row> of seed N trains in --workdir/<row>/seed<N>, resuming if interrupted; the first
seed's exports go into --export_dir as translation_<row>_en_de and _de_en. Writes
--results/translation.md (test BLEU and chrF both ways as mean ± sd over the seeds, training
minutes and tokens per second, unsupervised MT's dev and round-trip BLEU after each round, the
issue's bars, the papers' numbers beside ours, example translations); translation.json records
every run with its config and machine as it finishes (--from_records reads a run whose workdir
is gone back from it).
"""

import csv
import os
import sys

import numpy as np
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting  # noqa: E402
from tfgan_lab import export, files, models, workdir  # noqa: E402
from tfgan_lab.data import parallel_text  # noqa: E402
from tfgan_lab.eval import text_scores  # noqa: E402
from tfgan_lab.translation import word_by_word  # noqa: E402

# Row: (config file, overrides, what it is).
ROWS = {
    "supervised_paired": ("translator_catalogues", {"data.split": "paired"},
                          "supervised, the small paired set"),
    "supervised_all": ("translator_catalogues", {"data.split": "train"},
                       "supervised, every training pair (the ceiling)"),
    "unsupervised": ("unsupervised_translator_catalogues", {}, "unsupervised MT"),
    "unsupervised_no_adversary": ("unsupervised_translator_catalogues",
                                  {"model.adversary_weight": 0.0},
                                  "unsupervised MT, adversary off"),
}
ABLATIONS = ("unsupervised_no_adversary",)
DIRECTIONS = (("en", "de"), ("de", "en"))
# Lample et al. (2018), Table 2, Multi30k (de-en, en-de BLEU): ../shared/REFERENCES.md section 7.
PAPER = [("supervised", 38.38, 35.16), ("word by word", 15.72, 5.39),
         ("unsupervised, iteration 1", 23.69, 19.32), ("unsupervised, iteration 3", 26.26, 22.74),
         ("unsupervised, iteration 1, no adversary", 19.87, 15.13)]

_ROWS = flags.DEFINE_list("rows", list(ROWS), "Trained rows to run.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds of every row but the ablations.")
_ABLATION_SEEDS = flags.DEFINE_integer("ablation_seeds", 1, "Seeds of the adversary-off row.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/translation", "Where the runs live.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's exports go.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a run whose workdir is gone from translation.json if it was "
    "recorded with the same config, instead of training it again.")
_SMOKE = flags.DEFINE_boolean("smoke", False, "Every row at smoke size, a few steps (tests).")
_EXAMPLES = 6


def _config(row: str):
    name, overrides, _ = ROWS[row]
    config = reporting.experiment_file_config(name, overrides, 0, "smoke" if _SMOKE.value else None)
    config.name = f"translation_{row}"
    config.eval.num_samples = 8 if _SMOKE.value else config.eval.num_samples
    if "round_steps" in config.model:  # unsupervised MT is measured at every round's end
        config.model.round_steps = 2 if _SMOKE.value else config.model.round_steps
        config.eval.every = config.model.round_steps
    return config


def _run(row: str, seed: reporting.Seed, records: reporting.Records) -> dict:
    def measure() -> dict:
        trained, seconds = reporting.train_timed(seed.config, seed.workdir)
        paths = export.export_model(trained.model, seed.export_dir, seed.config.name,
                                    seed.workdir)
        speeds = [v for _, v in reporting.scalars(seed.workdir)["train/tokens_per_second"]]
        return {"seed": seed.config.seed, "seconds": seconds, "exports": paths,
                "tokens_per_second": float(np.median(speeds)), "evaluations": _evaluations(
                    seed.workdir), "examples": _translated_examples(paths),
                **models.of(seed.config).evaluate_export(seed.config, paths["en_de"])}
    return reporting.recorded_seed(seed, records, _FROM_RECORDS.value, measure,
                                   key=f"{row}/seed{seed.config.seed}")


def _evaluations(workdir_path: str) -> list[dict[str, float]]:
    """The run's metrics.csv: dev BLEU (and round-trip BLEU) at each evaluation."""
    with open(workdir.metrics_path(workdir_path)) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _cells(results: list[dict]) -> str:
    return " | ".join(reporting.mean_spread([r[f"{a}_{b}_{score}"] for r in results], 2)
                      for a, b in DIRECTIONS for score in ("bleu", "chrf"))


def _baselines(test) -> tuple[dict[str, dict], word_by_word.WordByWord]:
    sides = dict(zip(test.languages, (test.source, test.target), strict=True))
    model = word_by_word.build(_config("unsupervised").data, 0)  # the runs' own, cached
    rows = {}
    for label, translate in (("copy the input", lambda pair, s: list(s)),
                             ("word by word", model.translate)):
        rows[label] = {f"{a}_{b}_{name}": score.value for a, b in DIRECTIONS
                       for name, score in text_scores.scores(
                           translate((a, b), sides[a]), sides[b]).items()}
    return rows, model


def main(argv: list[str]) -> None:
    del argv
    unknown = set(_ROWS.value) - set(ROWS)
    if unknown:
        raise app.UsageError(f"Unknown rows {sorted(unknown)}: choose from {list(ROWS)}.")
    for row in _ROWS.value:  # every config checked before the first run trains
        config = _config(row)
        reporting.model_class_of(config, config.model.variant)
    os.makedirs(_RESULTS.value, exist_ok=True)
    records = reporting.Records(os.path.join(_RESULTS.value, "translation.json"))
    results: dict[str, list[dict]] = {}
    machines = []
    for row in _ROWS.value:
        seeds = _ABLATION_SEEDS.value if row in ABLATIONS else _SEEDS.value
        for seed in reporting.seeded(_config(row), os.path.join(_WORKDIR.value, row), seeds,
                                     _EXPORT_DIR.value):
            results.setdefault(row, []).append(_run(row, seed, records))
            machines.append((seed.config.seed, records.get(
                f"{row}/seed{seed.config.seed}", seed.config)["machine"]))
    test = parallel_text.load(parallel_text.config(), "test")
    baselines, first_model = _baselines(test)
    _write(results, baselines, first_model, machines, test)


def _write(results, baselines, first_model, machines, test) -> None:
    header = " | ".join(f"{a}-{b} BLEU | {a}-{b} chrF" for a, b in DIRECTIONS)
    lines = ["# Translation: English-German catalogues, baselines, supervised and unsupervised",
             "", "Command: `python benchmarks/translation.py` (seed by seed: `--seeds=N "
             "--from_records`).", reporting.machines_line(machines), "",
             f"On the {len(test.source)} test pairs (data.seed=0), sacreBLEU "
             f"({text_scores.scores(['a'], ['a'])['bleu'].signature}); each trained cell is the "
             "mean ± sd over the seeds named, scored through the exports.", "",
             f"| row | seeds | {header} | minutes | tokens/s |", "|---|---|" + "---:|" * 6]
    for label, scores in baselines.items():
        lines.append(f"| {label} | | {_cells([scores])} | | |")
    for row, runs in results.items():
        lines.append(f"| {ROWS[row][2]} | {', '.join(str(r['seed']) for r in runs)} | "
                     f"{_cells(runs)} | "
                     f"{reporting.mean_spread([r['seconds'] / 60 for r in runs], 0)} | "
                     f"{reporting.mean_spread([r['tokens_per_second'] for r in runs], 0)} |")
    precision = first_model.precision_at_1()
    lines += ["", f"The word-by-word model's induced translations: precision@1 "
              f"{100 * precision['de_en_precision_at_1']:.1f}% de-en and "
              f"{100 * precision['en_de_precision_at_1']:.1f}% en-de against the Ding "
              "dictionary (docs/results/translation_baselines.md)."]
    lines += _rounds(results) + _bars(results, baselines) + _paper() + _examples(results)
    path = os.path.join(_RESULTS.value, "translation.md")
    files.write_text(path, "\n".join(lines) + "\n")
    print(f"Wrote {path}")


def _rounds(results) -> list[str]:
    lines = []
    for row in (r for r in ("unsupervised", "unsupervised_no_adversary") if r in results):
        lines += ["", f"## {ROWS[row][2]}: dev BLEU and round-trip BLEU after each round", "",
                  "| seed | step | en-de BLEU | de-en BLEU | round-trip BLEU |",
                  "|---:|---:|---:|---:|---:|"]
        lines += [f"| {run['seed']} | {e['step']:.0f} | {e['en_de_bleu']:.2f} | "
                  f"{e['de_en_bleu']:.2f} | {e['round_trip_bleu']:.2f} |"
                  for run in results[row] for e in run["evaluations"]]
    return lines


def _bars(results, baselines) -> list[str]:
    if "unsupervised" not in results:
        return []
    lines = ["", "## Issue 27's bars (unsupervised MT, mean over its seeds)", ""]
    for a, b in DIRECTIONS:
        ours = np.mean([r[f"{a}_{b}_bleu"] for r in results["unsupervised"]])
        for label, scores in baselines.items():
            margin = ours - scores[f"{a}_{b}_bleu"]
            lines.append(f"- {a}-{b}: {ours:.2f} BLEU, {margin:+.2f} over {label} "
                         f"(bar: +3): {'met' if margin >= 3 else 'missed'}")
    return lines


def _paper() -> list[str]:
    return ["", "## Lample et al. (2018), Multi30k, beside ours", "",
            "| their row | de-en BLEU | en-de BLEU |", "|---|---:|---:|"] + [
        f"| {label} | {de_en:.2f} | {en_de:.2f} |" for label, de_en, en_de in PAPER] + [
        "", "What differs: Multi30k's image captions (29k pairs cut in halves of 14.5k "
        "monolingual sentences a side, 1k test captions) against software messages "
        "(about 13k sentences a side, placeholders and names that copying keeps); their LSTM "
        "of 300 units against our Transformer; their GPU hours against two CPU cores."]


def _test_sides() -> dict[str, tuple[str, ...]]:
    test = parallel_text.load(parallel_text.config(), "test")
    return dict(zip(test.languages, (test.source, test.target), strict=True))


def _translated_examples(paths: dict[str, str]) -> dict[str, list[str]]:
    """Each direction's export's translations of the first test sentences (recorded, so a
    report rebuilt from the records needs no export)."""
    sides = _test_sides()
    return {f"{a}_{b}": export.load_text_translator(paths[f"{a}_{b}"])(
        list(sides[a][:_EXAMPLES])) for a, b in DIRECTIONS}


def _examples(results) -> list[str]:
    row = next((r for r in ("unsupervised", "supervised_all") if r in results), None)
    if row is None:
        return []
    run, sides = results[row][0], _test_sides()
    lines = ["", f"## Example translations ({ROWS[row][2]}, seed {run['seed']})", "",
             "| direction | source | output | reference |", "|---|---|---|---|"]
    for a, b in DIRECTIONS:
        lines += [f"| {a}-{b} | {s} | {o} | {r} |".replace("<", "&lt;")
                  for s, o, r in zip(sides[a], run["examples"][f"{a}_{b}"], sides[b],
                                     strict=False)]
    return lines


if __name__ == "__main__":
    app.run(main)
