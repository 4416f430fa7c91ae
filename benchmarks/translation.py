"""Translation on the English-German catalogue corpus, in one command: the baselines that need
no training (copying the input, the word-by-word model and its precision@1 against Ding), the
supervised translator on the small paired set and on every training pair (the ceiling),
unsupervised MT with the adversary on (over --seeds) and off (over --ablation_seeds), and dual
learning from the paired translator of its seed with language models of its own (and its
control, the game off, over --ablation_seeds), each trained, exported and scored through its
exports on the test pairs.

    python benchmarks/translation.py                          # hours: run it seed by seed
    python benchmarks/translation.py --seeds=1 --rows=unsupervised
    python benchmarks/translation.py --seeds=2 --from_records  # seed 0 read back, seed 1 run

Run <row> of seed N trains in --workdir/<row>/seed<N>, resuming if interrupted; the first
seed's exports go into --export_dir as translation_<row>_en_de and _de_en. Writes
--results/translation.md (test BLEU and chrF both ways as mean ± sd over the seeds, training
minutes and tokens per second, unsupervised MT's and dual learning's dev BLEU after each round,
the CPU-minutes each paid per BLEU point gained, the issues' bars, the papers' numbers beside
ours, example translations, and those the dual game changed); translation.json records
every run with its config and machine as it finishes (--from_records reads a run whose workdir
is gone back from it).
"""

import csv
import os
import sys
from collections.abc import Callable

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
    # Its warm start is supervised_paired's run of the same seed, trained first if needed.
    "dual": ("dual_translator_catalogues", {}, "dual learning, from the paired translator"),
    "dual_no_game": ("dual_translator_catalogues", {"model.game": False},
                     "the same, the game off (the pairs' step alone)"),
}
DUAL_ROWS = ("dual", "dual_no_game")
# Full-size schedules that differ from the config file's. The paired set's 3000 pairs: 1500
# steps of 64 are 32 epochs (the config's 4000 would be 85), measured every 250 steps.
SCHEDULES = {"supervised_paired": {"train.steps": 1500, "eval.every": 250}}
LANGUAGE_MODELS = "language_models_catalogues"  # dual learning's, one run per seed
CORES = 2  # CPU-minutes = minutes x the cores the runs had
ABLATIONS = ("unsupervised_no_adversary", "dual_no_game")
DIRECTIONS = (("en", "de"), ("de", "en"))
# Lample et al. (2018), Table 2, Multi30k (de-en, en-de BLEU): ../shared/REFERENCES.md section 7.
PAPER = [("supervised", 38.38, 35.16), ("word by word", 15.72, 5.39),
         ("unsupervised, iteration 1", 23.69, 19.32), ("unsupervised, iteration 3", 26.26, 22.74),
         ("unsupervised, iteration 1, no adversary", 19.87, 15.13)]
# Dual learning, REFERENCES section 6: (who, data, pair, warm start BLEU, dual BLEU).
DUAL_PAPERS = [("He et al. (2016)", "WMT14, warm start on 10% of the pairs", "en-fr", 25.3, 28.7),
               ("He et al. (2016)", "WMT14, warm start on 10% of the pairs", "fr-en", 22.3, 27.5),
               ("yistLin/pytorch-dual-learning", "WMT16, 450k-pair warm start, 900 steps",
                "en-de", 20.54, 21.49),
               ("yistLin/pytorch-dual-learning", "WMT16, 450k-pair warm start, 900 steps",
                "de-en", 24.69, 25.91)]

_ROWS = flags.DEFINE_list("rows", list(ROWS), "Trained rows to run.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds of every row but the ablations.")
_ABLATION_SEEDS = flags.DEFINE_integer("ablation_seeds", 1,
                                       "Seeds of the ablations: the adversary off, the game off.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/translation", "Where the runs live.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's exports go.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a run whose workdir is gone from translation.json if it was "
    "recorded with the same config, instead of training it again.")
_REPORT_ONLY = flags.DEFINE_boolean(
    "report_only", False, "Train nothing: write the report from translation.json alone, each "
    "row over its seeds recorded so far (of the first --seeds), while others still run.")
_SMOKE = flags.DEFINE_boolean("smoke", False, "Every row at smoke size, a few steps (tests).")
_EXAMPLES = 6


def _config(row: str):
    name, overrides, _ = ROWS[row] if row in ROWS else (LANGUAGE_MODELS, {}, "")
    config = reporting.experiment_file_config(name, overrides, 0, "smoke" if _SMOKE.value else None)
    config.name = f"translation_{row}"
    if not _SMOKE.value:
        reporting.override(config, SCHEDULES.get(row, {}), config.seed)
    config.eval.num_samples = 8 if _SMOKE.value else config.eval.num_samples
    if "round_steps" in config.model:  # unsupervised MT is measured at every round's end
        config.model.round_steps = 2 if _SMOKE.value else config.model.round_steps
        config.eval.every = config.model.round_steps
    return config


def _seeds(row: str, count: int) -> list[reporting.Seed]:
    return reporting.seeded(_config(row), os.path.join(_WORKDIR.value, row), count,
                            _EXPORT_DIR.value)


class _NotRecorded(Exception):
    """--report_only met a seed that translation.json does not hold."""


def _run(row: str, seed: reporting.Seed, records: reporting.Records) -> dict:
    """A seed of `row` trained, exported and scored through its exports (read back if it was),
    recorded as <row>/seed<N>."""
    key = f"{row}/seed{seed.config.seed}"
    if _REPORT_ONLY.value:
        entry = records.get(key, seed.config)
        if entry is None:
            raise _NotRecorded(key)
        return entry["result"]

    def measure() -> dict:
        trained, seconds = reporting.train_timed(seed.config, seed.workdir)
        paths = export.export_model(trained.model, seed.export_dir, seed.config.name,
                                    seed.workdir)
        speeds = [v for _, v in reporting.scalars(seed.workdir)["train/tokens_per_second"]]
        result = {"seed": seed.config.seed, "seconds": seconds, "exports": paths,
                  "tokens_per_second": float(np.median(speeds)),
                  "evaluations": _evaluations(seed.workdir),
                  **models.of(seed.config).evaluate_export(seed.config, paths[
                      "en" if row == "language_models" else "en_de"])}
        if row != "language_models":
            result["examples"] = _translated_examples(paths)
        if row == "dual":
            result["changed"] = _changed_examples(seed.config.model.warm_start, paths)
        return result
    return reporting.recorded_seed(seed, records, _FROM_RECORDS.value, measure, key=key)


def _dual_run(row: str, index: int, seed: reporting.Seed, records: reporting.Records) -> dict:
    """A seed of `row` (dual learning or its control), after its warm start (supervised_paired
    of the same seed) and its language models, each trained only if neither its workdir nor
    its record holds it; the language models' minutes are counted in the dual row's."""
    warm = _run("supervised_paired", _seeds("supervised_paired", index + 1)[index], records)
    language_models = _run("language_models", _seeds("language_models", index + 1)[index],
                           records)
    seed.config.model.warm_start = warm["exports"]["en_de"]
    seed.config.model.language_models = language_models["exports"]["en"]
    result = _run(row, seed, records)
    return {**result, "warm_start": {k: v for k, v in warm.items() if k.endswith(("bleu", "chrf"))},
            "language_models": language_models}


def _evaluations(workdir_path: str) -> list[dict[str, float]]:
    """The run's metrics.csv: dev BLEU (and round-trip BLEU) at each evaluation."""
    with open(workdir.metrics_path(workdir_path)) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _cells(results: list[dict]) -> str:
    return " | ".join(reporting.mean_spread([r[f"{a}_{b}_{score}"] for r in results], 2)
                      for a, b in DIRECTIONS for score in ("bleu", "chrf"))


def _baselines(records: reporting.Records) -> dict:
    """The rows `copy the input` and `word by word` on the test pairs, their number
    (`test_pairs`) and the word-by-word model's precision@1 (`precision`); with --from_records
    or --report_only read back if they were recorded with unsupervised MT's config, whose
    word-by-word model they score."""
    config = _config("unsupervised")
    if _FROM_RECORDS.value or _REPORT_ONLY.value:
        entry = records.get("baselines", config)
        if entry:
            return entry["result"]
    sides = _test_sides()
    model = word_by_word.build(config.data, 0)  # the runs' own, cached
    rows = {}
    for label, translate in (("copy the input", lambda pair, s: list(s)),
                             ("word by word", model.translate)):
        rows[label] = {f"{a}_{b}_{name}": score.value for a, b in DIRECTIONS
                       for name, score in text_scores.scores(
                           translate((a, b), sides[a]), sides[b]).items()}
    return records.put("baselines", config, {
        "rows": rows, "test_pairs": len(next(iter(sides.values()))),
        "precision": model.precision_at_1()})["result"]


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
        for index, seed in enumerate(_seeds(row, seeds)):
            try:
                result = (_dual_run(row, index, seed, records) if row in DUAL_ROWS
                          else _run(row, seed, records))
            except _NotRecorded:  # --report_only: a seed still to run is left out
                continue
            results.setdefault(row, []).append(result)
            machines.append((seed.config.seed, records.get(
                f"{row}/seed{seed.config.seed}", seed.config)["machine"]))
    _write(results, _baselines(records), machines)


def _write(results, measured, machines) -> None:
    """The report: `measured` is _baselines(), `machines` the runs' (seed, machine)."""
    baselines, precision = measured["rows"], measured["precision"]
    header = " | ".join(f"{a}-{b} BLEU | {a}-{b} chrF" for a, b in DIRECTIONS)
    lines = ["# Translation: English-German catalogues, baselines, supervised and unsupervised",
             "", "Command: `python benchmarks/translation.py` (seed by seed: `--seeds=N "
             "--from_records`; what is recorded so far: `--report_only`).",
             reporting.machines_line(machines), "",
             f"On the {measured['test_pairs']} test pairs (data.seed=0), sacreBLEU "
             f"({text_scores.scores(['a'], ['a'])['bleu'].signature}); each trained cell is the "
             "mean ± sd over the seeds named, scored through the exports; minutes and tokens/s are "
             "the fastest seed's, as a shared or paused machine only slows a run.", "",
             f"| row | seeds | {header} | minutes | tokens/s |",
             "|---|---|" + "---:|" * 6]
    for label, scores in baselines.items():
        lines.append(f"| {label} | | {_cells([scores])} | | |")
    for row, runs in results.items():
        lines.append(f"| {ROWS[row][2]} | {', '.join(str(r['seed']) for r in runs)} | "
                     f"{_cells(runs)} | "
                     f"{_minutes(runs):.0f} | "
                     f"{max(r['tokens_per_second'] for r in runs):.0f} |")
    lines += ["", f"The word-by-word model's induced translations: precision@1 "
              f"{100 * precision['de_en_precision_at_1']:.1f}% de-en and "
              f"{100 * precision['en_de_precision_at_1']:.1f}% en-de against the Ding "
              "dictionary (docs/results/translation_baselines.md)."]
    lines += (_rounds(results) + _bars(results, baselines) + _dual(results)
              + _costs(results, baselines) + _paper() + _examples(results))
    path = os.path.join(_RESULTS.value, "translation.md")
    files.write_text(path, "\n".join(lines) + "\n")
    print(f"Wrote {path}")


def _rounds(results) -> list[str]:
    lines = []
    for row in (r for r in ("unsupervised", "unsupervised_no_adversary", *DUAL_ROWS)
                if r in results):
        round_trip = row not in DUAL_ROWS
        lines += ["", f"## {ROWS[row][2]}: dev BLEU{' and round-trip BLEU' * round_trip} "
                  "after each round", "",
                  f"| seed | step | en-de BLEU | de-en BLEU |{' round-trip BLEU |' * round_trip}",
                  "|---:|---:|---:|---:|" + "---:|" * round_trip]
        lines += [f"| {run['seed']} | {e['step']:.0f} | {e['en_de_bleu']:.2f} | "
                  f"{e['de_en_bleu']:.2f} |"
                  + (f" {e['round_trip_bleu']:.2f} |" if round_trip else "")
                  for run in results[row] for e in run["evaluations"]]
    return lines


def _dual(results) -> list[str]:
    """Dual learning against its own warm start, seed by seed, and issue 28's bar."""
    if "dual" not in results:
        return []
    runs = results["dual"]
    lines = ["", "## Dual learning against its warm start (test BLEU)", "",
             "| seed | " + " | ".join(f"{a}-{b} warm start | {a}-{b} dual | gain"
                                     for a, b in DIRECTIONS)
             + " | language models' dev perplexity (en, de) |", "|---:|" + "---:|" * 7]
    def gains(run: dict) -> str:
        return " | ".join(f"{run['warm_start'][f'{a}_{b}_bleu']:.2f} | {run[f'{a}_{b}_bleu']:.2f}"
                          f" | {_gain(run, a, b):+.2f}" for a, b in DIRECTIONS)

    for run in runs:
        perplexity = run["language_models"]
        lines.append(f"| {run['seed']} | {gains(run)} | {perplexity['en_perplexity']:.1f}, "
                     f"{perplexity['de_perplexity']:.1f} |")
    lines += [f"| {control['seed']}, the game off | {gains(control)} | |"
              for control in results.get("dual_no_game", [])]
    lines += ["", "Issue 28's bar: dual learning beats its own warm start in both directions, "
              "the mean gain over the seeds above its standard deviation."]
    for a, b in DIRECTIONS:
        gains = [_gain(run, a, b) for run in runs]
        spread = float(np.std(gains, ddof=1)) if len(gains) > 1 else float("nan")
        met = len(gains) > 1 and np.mean(gains) > spread
        lines.append(f"- {a}-{b}: gain {reporting.mean_spread(gains, 2)} BLEU: "
                     f"{'met' if met else 'missed' if len(gains) > 1 else 'one seed: not judged'}")
    lines += ["", "Beside the papers' (REFERENCES section 6):", "",
              "| who | data | pair | warm start BLEU | dual BLEU |", "|---|---|---|---:|---:|"]
    lines += [f"| {who} | {data} | {pair} | {warm:.2f} | {ours:.2f} |"
              for who, data, pair, warm, ours in DUAL_PAPERS]
    minutes = _minutes(runs, _with_language_models)
    lines += ["", "What differs: their warm starts learned from 10% of WMT14 (about 1.2M "
              "pairs) or 450k pairs, ours from 3000 catalogue pairs; their models are GRU or "
              "LSTM translators of 1000 units trained for days on GPUs, ours a small "
              f"Transformer on {CORES} CPU cores for {minutes:.0f} minutes a seed (its language "
              "models included)."]
    changed = runs[0].get("changed", {})
    lines += ["", f"## Sentences the dual game changed (seed {runs[0]['seed']}, the first test "
              "sentences whose translation differs)", "",
              "| direction | source | warm start | dual | reference |", "|---|---|---|---|---|"]
    lines += [f"| {direction.replace('_', '-')} | {' | '.join(row)} |".replace("<", "&lt;")
              for direction, rows in changed.items() for row in rows]
    return lines


def _gain(run: dict, a: str, b: str) -> float:
    return run[f"{a}_{b}_bleu"] - run["warm_start"][f"{a}_{b}_bleu"]


def _seconds(run: dict) -> float:
    return run["seconds"]


def _with_language_models(run: dict) -> float:
    return run["seconds"] + run["language_models"]["seconds"]


def _minutes(runs: list[dict], seconds: Callable[[dict], float] = _seconds) -> float:
    """A row's wall minutes: its fastest seed's. A shared or paused machine only ever adds
    wall time (a seed's run paused while the test suite had the cores, say), so the least of
    the seeds is the best estimate of the work, as timeit takes its best repeat (and the most
    tokens a second, of the speed)."""
    return min(seconds(run) for run in runs) / 60


def _costs(results, baselines) -> list[str]:
    """CPU-minutes per BLEU point gained: dual learning over its warm start (its language
    models' minutes included), unsupervised MT over the word-by-word model it starts from."""
    rows = []
    if "dual" in results:
        rows.append(("dual learning over its warm start", results["dual"],
                     lambda run, a, b: _gain(run, a, b),
                     _with_language_models))
    if "unsupervised" in results:
        first = baselines["word by word"]
        rows.append(("unsupervised MT over word by word", results["unsupervised"],
                     lambda run, a, b: run[f"{a}_{b}_bleu"] - first[f"{a}_{b}_bleu"],
                     _seconds))
    if not rows:
        return []
    lines = ["", "## What a BLEU point cost (CPU-minutes per point gained: the mean gain over the "
             f"seeds, the fastest seed's minutes on {CORES} cores)", "", "| method | " + " | ".join(
                 f"{a}-{b} gain | {a}-{b} CPU-min per point" for a, b in DIRECTIONS) + " |",
             "|---|" + "---:|" * 4]
    for label, runs, gain, seconds in rows:
        cells = []
        for a, b in DIRECTIONS:
            gained = float(np.mean([gain(run, a, b) for run in runs]))
            minutes = CORES * _minutes(runs, seconds)
            cells.append(f"{gained:+.2f} | "
                         + (f"{minutes / gained:.1f}" if gained > 0 else "no gain"))
        lines.append(f"| {label} | {' | '.join(cells)} |")
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


def _changed_examples(warm_start: str, paths: dict[str, str], read: int = 200,
                      keep: int = 6) -> dict[str, list[list[str]]]:
    """Of the first `read` test sentences, the first `keep` each way whose translation by the
    dual exports differs from the warm start's: [source, warm start, dual, reference]."""
    sides, warm = _test_sides(), export.read_manifest(warm_start)
    changed = {}
    for a, b in DIRECTIONS:
        source = list(sides[a][:read])
        before = export.load_text_translator(warm.require(f"{a}_{b}")[0])(source)
        after = export.load_text_translator(paths[f"{a}_{b}"])(source)
        changed[f"{a}_{b}"] = [[s, x, y, r] for s, x, y, r in zip(
            source, before, after, sides[b], strict=False) if x != y][:keep]
    return changed


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
