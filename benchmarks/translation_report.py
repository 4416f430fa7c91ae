"""The report of benchmarks/translation.py, written from its runs' results alone (trained or
read back from translation.json): the table of every row, dev BLEU after each round, issue 27's
bars, dual learning against its warm start (issue 28's bar, the papers beside it), what a BLEU
point cost, Lample et al.'s numbers and example translations."""

from collections.abc import Callable

import numpy as np

from benchmarks import reporting
from tfgan_lab import files
from tfgan_lab.eval import text_scores

CORES = 2  # CPU-minutes = minutes x the cores the runs had
DIRECTIONS = (("en", "de"), ("de", "en"))
ROUND_ROWS = ("unsupervised", "unsupervised_no_adversary", "dual", "dual_no_game")
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


def write(path: str, results: dict[str, list[dict]], labels: dict[str, str], measured: dict,
          recorded: list[tuple[str, int, dict]], sides: dict[str, tuple[str, ...]]) -> None:
    """translation.md at `path`: `results` {row: its seeds' results}, `labels` {row: what it
    is}, `measured` the baselines' record (their rows, the word-by-word model's precision),
    `recorded` the runs' (row, seed, record entry), `sides` the test pairs {language:
    sentences}."""
    baselines, precision = measured["rows"], measured["precision"]
    header = " | ".join(f"{a}-{b} BLEU | {a}-{b} chrF" for a, b in DIRECTIONS)
    lines = ["# Translation: English-German catalogues, baselines, supervised and unsupervised",
             "", "Command: `python benchmarks/translation.py` (seed by seed: `--seeds=N "
             "--from_records`; what is recorded so far: `--report_only`).",
             reporting.machines_line(recorded),
             f"Training: {reporting.precision_text(recorded)}.", "",
             f"On the {len(sides[DIRECTIONS[0][0]])} test pairs (data.seed=0), sacreBLEU "
             f"({text_scores.scores(['a'], ['a'])['bleu'].signature}); each trained cell is the "
             "mean ± sd over the seeds named, scored through the exports; minutes and tokens/s are "
             "the fastest seed's, as a shared or paused machine only slows a run.", "",
             f"| row | seeds | {header} | minutes | tokens/s |",
             "|---|---|" + "---:|" * 6]
    for label, scores in baselines.items():
        lines.append(f"| {label} | | {_cells([scores])} | | |")
    for row, runs in results.items():
        lines.append(f"| {labels[row]} | {', '.join(str(r['seed']) for r in runs)} | "
                     f"{_cells(runs)} | "
                     f"{_minutes(runs):.0f} | "
                     f"{max(r['tokens_per_second'] for r in runs):.0f} |")
    lines += ["", f"The word-by-word model's induced translations: precision@1 "
              f"{100 * precision['de_en_precision_at_1']:.1f}% de-en and "
              f"{100 * precision['en_de_precision_at_1']:.1f}% en-de against the Ding "
              "dictionary (docs/results/translation_baselines.md)."]
    lines += (_rounds(results, labels) + _bars(results, baselines) + _dual(results)
              + _costs(results, baselines) + _paper() + _examples(results, labels, sides))
    files.write_text(path, "\n".join(lines) + "\n")
    print(f"Wrote {path}")


def _cells(results: list[dict]) -> str:
    return " | ".join(reporting.mean_spread([r[f"{a}_{b}_{score}"] for r in results], 2)
                      for a, b in DIRECTIONS for score in ("bleu", "chrf"))


def _rounds(results, labels) -> list[str]:
    """Dev BLEU at each evaluation of the rows trained in rounds or games (and round-trip
    BLEU where it was measured: unsupervised MT's model selection, its best marked)."""
    lines = []
    for row in (r for r in ROUND_ROWS if r in results):
        round_trip = any("round_trip_bleu" in e for e in results[row][0]["evaluations"])
        lines += ["", f"## {labels[row]}: dev BLEU{' and round-trip BLEU' * round_trip} "
                  "after each round", "",
                  f"| seed | step | en-de BLEU | de-en BLEU |{' round-trip BLEU |' * round_trip}",
                  "|---:|---:|---:|---:|" + "---:|" * round_trip]
        for run in results[row]:
            selected = (max(run["evaluations"], key=lambda e: e["round_trip_bleu"])
                        if round_trip else None)  # (max keeps the first of ties, as the run)
            lines += [f"| {run['seed']} | {e['step']:.0f} | {e['en_de_bleu']:.2f} | "
                      f"{e['de_en_bleu']:.2f} |"
                      + (f" {e['round_trip_bleu']:.2f}{' (selected)' * (e is selected)} |"
                         if round_trip else "")
                      for e in run["evaluations"]]
        if round_trip:
            lines += ["", "The model scored on the test pairs and exported is each seed's "
                      "state at its best round-trip BLEU (`eval.select_by`), which needs no "
                      "pairs."]
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
                     _gain, _with_language_models))
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


def _examples(results, labels, sides) -> list[str]:
    row = next((r for r in ("unsupervised", "supervised_all") if r in results), None)
    if row is None:
        return []
    run = results[row][0]
    lines = ["", f"## Example translations ({labels[row]}, seed {run['seed']})", "",
             "| direction | source | output | reference |", "|---|---|---|---|"]
    for a, b in DIRECTIONS:
        lines += [f"| {a}-{b} | {s} | {o} | {r} |".replace("<", "&lt;")
                  for s, o, r in zip(sides[a], run["examples"][f"{a}_{b}"], sides[b],
                                     strict=False)]
    return lines
