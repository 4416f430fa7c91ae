"""CycleGAN, trained over seeds, exported, translated and measured through its exports, in one
command.

    python benchmarks/cyclegan.py             # sneakers <-> ankle boots, 3 seeds, ~80 min
    python benchmarks/cyclegan.py --config.data.folder=DIR --config.data.crop_size=64 \
        --seeds=1 --workdir=runs/cyclegan_folder --results=runs/cyclegan_folder/report

Trains --config (default configs/cyclegan_fashion_mnist.py) with seeds config.seed, +1, ...
(--seeds of them), each in --workdir/seed<seed> (resuming if interrupted); exports both
directions (the first seed's into --export_dir, the others' into their workdir), reads them
back through their serving signatures to translate the test images and compute the metrics,
by both reference classifiers where the domains are two of their classes (for folders, the
first seed also translates every image of testA/ and testB/ into translated_a2b/ and
translated_b2a/ in --results), and writes --results/cyclegan.md: the metrics as mean and
spread over the seeds, the bars of the sneaker <-> ankle boot pair on the means, the first
seed's test grid (input | translated | reconstructed) and training curves; cyclegan.json
records every seed's numbers with its config, machine and judges as it finishes
(--from_records reads a seed whose workdir is gone back from it, so that the seeds can run in
separate sittings, or on other machines).
"""

import functools
import os
import sys

import numpy as np
from absl import flags
from ml_collections import config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from tfgan_lab import eval as eval_lib  # noqa: E402
from tfgan_lab import export, files, images, models, translate  # noqa: E402
from tfgan_lab.data import images as image_files  # noqa: E402
from tfgan_lab.eval import translation  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "cyclegan_fashion_mnist.py"), "A CycleGAN config.",
    lock_config=True)
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds to train: config.seed, config.seed + 1, ...",
                              lower_bound=1)
_WORKDIR = flags.DEFINE_string("workdir", "runs/cyclegan", "Where the runs live: seed<N>/ each.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's two exports "
                                  "go (the others' go into their workdir).")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_GRID_ROWS = flags.DEFINE_integer("grid_rows", 8, "Test images per domain in the grid.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a seed whose workdir is gone from cyclegan.json if it was "
    "recorded with the same config, instead of training it again.")

# The bars for sneakers <-> ankle boots: (metric, bound, direction).
BARS = [("a2b_accuracy", 0.85, ">="), ("b2a_accuracy", 0.85, ">="),
        ("a2b_cycle_l1", 0.10, "<"), ("b2a_cycle_l1", 0.10, "<")]
LABELS = {"accuracy": "classified as the target class", "cycle_l1": "cycle L1",
          "identity_l1": "identity L1", "frechet_distance": "Frechet distance to the target",
          "frechet_distance_floor": "its floor (two sets of real targets)"}


def _curves(path: str, workdir_path: str) -> None:
    """Training losses and (if measured) translation accuracies against the step."""
    series = reporting.scalars(workdir_path)
    losses = {t.split("/", 1)[1]: series[t] for t in series
              if t.startswith("train/") and "per_second" not in t}
    metrics = {t.split("/", 1)[1]: series[t] for t in series
               if t.startswith("eval/") and t.endswith(("accuracy", "l1"))}
    reporting.plot_curves(path, [("losses", losses), ("translation metrics", metrics)])


def _table(per_seed: list[dict], bars: bool) -> list[str]:
    lines = ["| metric | sneaker -> ankle boot (a2b) | ankle boot -> sneaker (b2a) |"
             if bars else "| metric | A -> B (a2b) | B -> A (b2a) |", "|---|---:|---:|"]
    for key, label in LABELS.items():
        if f"a2b_{key}" in per_seed[0]:
            lines.append(f"| {label} | {reporting.seeds_cell(per_seed, f'a2b_{key}', 4)} | "
                         f"{reporting.seeds_cell(per_seed, f'b2a_{key}', 4)} |")
    return lines


def _bars(per_seed: list[dict]) -> list[str]:
    """Each bar on the mean over the seeds; the accuracies' by both judges."""
    lines = ["| bar | judge | mean over the seeds | |", "|---|---|---:|---|"]
    for key, bound, direction in BARS:
        for judge, suffix in eval_lib.SUFFIXES.items():
            if f"{key}{suffix}" not in per_seed[0]:  # the L1 metrics need no judge
                continue
            value = float(np.mean([r[f"{key}{suffix}"] for r in per_seed]))
            held = value >= bound if direction == ">=" else value < bound
            lines.append(f"| {key} {direction} {bound:g} | {judge if 'accuracy' in key else '-'}"
                         f" | {value:.4f} | {'met' if held else 'MISSED'} |")
    return lines


def _measured_seed(seed: seed_runs.Seed, records: seed_runs.Records, judged: bool) -> dict:
    """Trains the seed's run (resuming), exports it and measures it through its exports, once
    (seed_runs.recorded_seed): its metrics, training seconds and two export paths."""
    def measure() -> dict:
        trained, seconds = seed_runs.train_timed(seed.config, seed.workdir)
        paths = export.export_model(trained.model, seed.export_dir, seed.config.name)
        return {"seed": seed.config.seed, "seconds": seconds, "exports": paths,
                **models.of(seed.config).evaluate_export(seed.config, paths["a2b"])}
    judges = functools.partial(reporting.judge_accuracies, seed.config) if judged else None
    return seed_runs.recorded_seed(seed, records, _FROM_RECORDS.value, measure, judges=judges)


def _first_seed_figures(config, run: str, paths: dict[str, str]) -> str:
    """The first seed's test grid and curves; for folders, its translations of the test
    domains. A seed read back from the records (its run and exports elsewhere) draws nothing:
    the figures last drawn stay, and the returned note says so."""
    if not os.path.isdir(run) or not all(os.path.isdir(path) for path in paths.values()):
        return (" (as last drawn: this seed's run and exports are not on this machine to "
                "draw them again)")
    test = models.of(config).load_data(config, config.data.test_split)
    translators = export.load_translator(paths["a2b"]), export.load_translator(paths["b2a"])
    grid, columns = translation.grid(image_files.first(test.a, _GRID_ROWS.value),
                                     image_files.first(test.b, _GRID_ROWS.value), *translators)
    images.write_png(os.path.join(_RESULTS.value, "cyclegan_test_grid.png"), grid, columns)
    if config.data.folder:
        for direction, translator in zip(translation.DIRECTIONS, translators, strict=True):
            domain = f"{config.data.test_split}{direction[0].upper()}"
            source = os.path.join(config.data.folder, domain)
            paths = image_files.list_images(source)
            outputs = translate.output_paths(
                paths, os.path.join(_RESULTS.value, f"translated_{direction}"))
            translate.translate_files(translator, paths, outputs)
    _curves(os.path.join(_RESULTS.value, "cyclegan_curves.png"), run)
    return ""


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    reporting.model_class_of(config, "cyclegan")
    if not config.data.folder:
        eval_lib.ensure_judges(config)
    os.makedirs(_RESULTS.value, exist_ok=True)
    records = seed_runs.Records(os.path.join(_RESULTS.value, "cyclegan.json"))
    runs = seed_runs.seeded(config, _WORKDIR.value, _SEEDS.value, _EXPORT_DIR.value)
    per_seed = [_measured_seed(run, records, not config.data.folder) for run in runs]
    entries = [records.get(f"seed{run.config.seed}", run.config) for run in runs]
    as_drawn = _first_seed_figures(runs[0].config, runs[0].workdir, per_seed[0]["exports"])
    fashion_pair = not config.data.folder and not config.data.name.startswith("cycle_gan/")
    command = " ".join(["python benchmarks/cyclegan.py"] + sys.argv[1:])
    model, data = config.model, config.data
    judged = "a2b_accuracy_second" in per_seed[0]
    seeds = [r["seed"] for r in per_seed]
    seeds_label, cells = reporting.seeds_text(seeds)
    recorded = [("", seed, entry) for seed, entry in zip(seeds, entries, strict=True)]
    judges = reporting.judges_text(recorded) if judged else {}
    lines = [
        "# CycleGAN: " + (f"{data.name} classes {data.class_a} <-> {data.class_b}" if fashion_pair
                          else data.folder or data.name), "",
        f"Command: `{command}`  ",
        reporting.machines_line(recorded),
        f"Training: {config.train.steps} steps of batch {config.train.batch_size} per seed in "
        f"{reporting.mean_spread([r['seconds'] / 60 for r in per_seed], 1)} min "
        f"({reporting.precision_text(recorded)}, {seeds_label}); ResNet "
        f"generators (ngf {model.g_filters}, {model.blocks or 'default'} blocks, "
        f"{model.upsampling} upsampling), PatchGANs (ndf {model.d_filters}, {model.d_layers} "
        f"strided layers), {model.loss}, cycle weight {model.cycle_weight:g}, identity "
        f"{model.identity_weight:g} of it, D loss x{model.discriminator_weight:g}, pool "
        f"{model.pool_size}, Adam {config.optimizer.g_learning_rate:g} "
        f"({config.optimizer.beta_1:g}, {config.optimizer.beta_2:g}), the last "
        f"{100 * config.optimizer.decay_fraction:.0f}% of steps decaying to 0.  ",
        "Exports (measured through their serving signatures): "
        + "; ".join(f"seed {r['seed']}: `{r['exports']['a2b']}`, `{r['exports']['b2a']}`"
                    for r in per_seed) + ".  ",
        f"Metrics on the first n = {per_seed[0]['test_images']} test images of each domain "
        "(eval.num_samples, at most half a domain, so that the Frechet distance and its floor "
        f"compare sets of n), images in [-1, 1]. {cells}"
        + ("; the classifiers' metrics by the first judge (test accuracy "
           f"{judges['first']}) / the second ({reporting.SECOND_JUDGE}, "
           f"{judges['second']}; docs/evaluation.md)" if judged else "") + ".", ""]
    lines += _table(per_seed, fashion_pair) + [""]
    if fashion_pair:
        lines += ["Bars (issue 11), on the means over the seeds:" if len(seeds) > 1 else
                  "Bars (issue 11):", ""] + _bars(per_seed) + [""]
    lines += [f"Test images (seed {seeds[0]}{as_drawn}): per row a sneaker (A), its translation, "
              "its reconstruction; then an ankle boot (B), its translation, its reconstruction."
              if fashion_pair else
              f"Test images (seed {seeds[0]}{as_drawn}): per row A, A -> B, back to A; B, B -> A, "
              "back to B.", "", "![test grid](cyclegan_test_grid.png)", "",
              f"Training curves (seed {seeds[0]}{as_drawn}):", "",
              "![training curves](cyclegan_curves.png)", ""]
    files.write_text(os.path.join(_RESULTS.value, "cyclegan.md"), "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    run_command(main)
