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
    python benchmarks/translation.py --seeds=3 --report_only   # what is recorded so far

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
import functools
import os
import sys

import numpy as np
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs, translation_report  # noqa: E402
from benchmarks.translation_report import DIRECTIONS  # noqa: E402
from tfgan_lab import export, models, workdir  # noqa: E402
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
ABLATIONS = ("unsupervised_no_adversary", "dual_no_game")

_ROWS = flags.DEFINE_list("rows", list(ROWS), "Trained rows to run.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds of every row but the ablations.",
                              lower_bound=1)
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


def _seeds(row: str, count: int) -> list[seed_runs.Seed]:
    return seed_runs.seeded(_config(row), os.path.join(_WORKDIR.value, row), count,
                            _EXPORT_DIR.value)


class _NotRecorded(Exception):
    """--report_only met a seed that translation.json does not hold (said on stdout)."""


def _run(row: str, seed: seed_runs.Seed, records: seed_runs.Records) -> dict:
    """A seed of `row` trained, exported and scored through its exports (read back if it was),
    recorded as <row>/seed<N>."""
    key = f"{row}/seed{seed.config.seed}"
    if _REPORT_ONLY.value:
        entry = records.recorded(key, seed.config)
        if entry is None:
            raise _NotRecorded(key)
        return entry["result"]

    def measure() -> dict:
        trained, seconds = seed_runs.train_timed(seed.config, seed.workdir)
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
    return seed_runs.recorded_seed(seed, records, _FROM_RECORDS.value, measure, key=key)


def _dual_run(row: str, index: int, seed: seed_runs.Seed, records: seed_runs.Records) -> dict:
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


def _baselines(records: seed_runs.Records) -> dict:
    """The rows `copy the input` and `word by word` on the test pairs and the word-by-word
    model's precision@1 (`precision`); with --from_records or --report_only read back if they
    were recorded with unsupervised MT's config, whose word-by-word model they score."""
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
    return records.put("baselines", config, {"rows": rows,
                                             "precision": model.precision_at_1()})["result"]


def main(argv: list[str]) -> None:
    del argv
    unknown = set(_ROWS.value) - set(ROWS)
    if unknown:
        raise app.UsageError(f"Unknown rows {sorted(unknown)}: choose from {list(ROWS)}.")
    for row in _ROWS.value:  # every config checked before the first run trains
        config = _config(row)
        reporting.model_class_of(config, config.model.variant)
    if not _REPORT_ONLY.value:  # which reads the folder's records, and writes only beside them
        os.makedirs(_RESULTS.value, exist_ok=True)
    records = seed_runs.Records(os.path.join(_RESULTS.value, "translation.json"))
    results: dict[str, list[dict]] = {}
    recorded = []  # (row, seed, record entry)
    for row in _ROWS.value:
        seeds = _ABLATION_SEEDS.value if row in ABLATIONS else _SEEDS.value
        for index, seed in enumerate(_seeds(row, seeds)):
            try:
                result = (_dual_run(row, index, seed, records) if row in DUAL_ROWS
                          else _run(row, seed, records))
            except _NotRecorded:  # --report_only: a seed still to run (or the run it needs)
                continue
            results.setdefault(row, []).append(result)
            recorded.append((row, seed.config.seed, records.get(
                f"{row}/seed{seed.config.seed}", seed.config)))
    if not results:
        raise records.none_of(f"the rows {_ROWS.value}")
    translation_report.write(os.path.join(_RESULTS.value, "translation.md"), results,
                             {row: ROWS[row][2] for row in results}, _baselines(records),
                             recorded, _test_sides())


@functools.cache  # the test pairs, read once a run
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


if __name__ == "__main__":
    run_command(main)
