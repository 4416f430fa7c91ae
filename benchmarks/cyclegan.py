"""CycleGAN, trained, exported, translated and measured through its exports, in one command.

    python benchmarks/cyclegan.py                        # sneakers <-> ankle boots, ~30 min
    python benchmarks/cyclegan.py --config.data.folder=DIR --config.data.crop_size=64 \
        --workdir=runs/cyclegan_folder --results=runs/cyclegan_folder/report

Trains --config (default configs/cyclegan_fashion_mnist.py; the run resumes if interrupted),
exports both directions, reads them back through their serving signatures to translate the
test images (for folders, also every image of testA/ and testB/ into translated_a2b/ and
translated_b2a/ in --results) and to compute the metrics, and writes --results/cyclegan.md:
the metrics table with the bars of the sneaker <-> ankle boot pair, the test grids (input |
translated | reconstructed) and the training curves.
"""

import json
import os
import sys

from absl import app, flags
from ml_collections import config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks import reporting  # noqa: E402
from tfgan_lab import export, images, runtime, translate  # noqa: E402
from tfgan_lab.data import images as image_files  # noqa: E402
from tfgan_lab.eval import translation  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "cyclegan_fashion_mnist.py"), "A CycleGAN config.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", "runs/cyclegan", "The training run.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the two exports go.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_GRID_ROWS = flags.DEFINE_integer("grid_rows", 8, "Test images per domain in the grid.")

# The bars for sneakers <-> ankle boots: (metric, bound, direction).
BARS = [("a2b_accuracy", 0.85, ">="), ("b2a_accuracy", 0.85, ">="),
        ("a2b_cycle_l1", 0.10, "<"), ("b2a_cycle_l1", 0.10, "<")]
LABELS = {"accuracy": "classified as the target class", "cycle_l1": "cycle L1",
          "identity_l1": "identity L1", "frechet_distance": "Frechet distance to the target",
          "frechet_distance_floor": "its floor (two sets of real targets)"}


def _curves(path: str) -> None:
    """Training losses and (if measured) translation accuracies against the step."""
    series = reporting.scalars(_WORKDIR.value)
    losses = {t.split("/", 1)[1]: series[t] for t in series
              if t.startswith("train/") and "per_second" not in t}
    metrics = {t.split("/", 1)[1]: series[t] for t in series
               if t.startswith("eval/") and t.endswith(("accuracy", "l1"))}
    reporting.plot_curves(path, [("losses", losses), ("translation metrics", metrics)])


def _table(results: dict, bars: bool) -> list[str]:
    lines = ["| metric | sneaker -> ankle boot (a2b) | ankle boot -> sneaker (b2a) |"
             if bars else "| metric | A -> B (a2b) | B -> A (b2a) |", "|---|---:|---:|"]
    for key, label in LABELS.items():
        if f"a2b_{key}" in results:
            lines.append(f"| {label} | {results[f'a2b_{key}']:.4f} | "
                         f"{results[f'b2a_{key}']:.4f} |")
    return lines


def _bars(results: dict) -> list[str]:
    lines = ["| bar | measured | |", "|---|---:|---|"]
    for key, bound, direction in BARS:
        value = results[key]
        held = value >= bound if direction == ">=" else value < bound
        lines.append(f"| {key} {direction} {bound:g} | {value:.4f} | "
                     f"{'met' if held else 'MISSED'} |")
    return lines


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    model_class = reporting.model_class_of(config, "cyclegan")
    if not config.data.folder:
        reporting.ensure_classifier(config)
    os.makedirs(_RESULTS.value, exist_ok=True)
    trained, seconds = reporting.train_timed(config, _WORKDIR.value)
    a2b, b2a = export.export_model(trained.model, _EXPORT_DIR.value, config.name)
    results = model_class.evaluate_export(config, a2b)
    test = model_class.load_data(config, config.data.test_split)
    translators = export.load_translator(a2b), export.load_translator(b2a)
    grid, columns = translation.grid(image_files.first(test.a, _GRID_ROWS.value),
                                     image_files.first(test.b, _GRID_ROWS.value), *translators)
    images.write_png(os.path.join(_RESULTS.value, "cyclegan_test_grid.png"), grid, columns)
    if config.data.folder:
        for direction, translator in zip(translation.DIRECTIONS, translators, strict=True):
            domain = f"{config.data.test_split}{direction[0].upper()}"
            source = os.path.join(config.data.folder, domain)
            translate.translate_files(translator, image_files.list_images(source),
                                      os.path.join(_RESULTS.value, f"translated_{direction}"))
    _curves(os.path.join(_RESULTS.value, "cyclegan_curves.png"))
    fashion_pair = not config.data.folder and not config.data.name.startswith("cycle_gan/")
    command = " ".join(["python benchmarks/cyclegan.py"] + sys.argv[1:])
    model, data = config.model, config.data
    lines = [
        "# CycleGAN: " + (f"{data.name} classes {data.class_a} <-> {data.class_b}" if fashion_pair
                          else data.folder or data.name), "",
        f"Command: `{command}`  ", f"Machine: {runtime.machine_description()}  ",
        f"Training: {config.train.steps} steps of batch {config.train.batch_size} in "
        f"{seconds / 60:.1f} min ({config.runtime.precision}, seed {config.seed}); ResNet "
        f"generators (ngf {model.g_filters}, {model.blocks or 'default'} blocks, "
        f"{model.upsampling} upsampling), PatchGANs (ndf {model.d_filters}, {model.d_layers} "
        f"strided layers), {model.loss}, cycle weight {model.cycle_weight:g}, identity "
        f"{model.identity_weight:g} of it, D loss x{model.discriminator_weight:g}, pool "
        f"{model.pool_size}, Adam {config.optimizer.g_learning_rate:g} "
        f"({config.optimizer.beta_1:g}, {config.optimizer.beta_2:g}), the last "
        f"{100 * config.optimizer.decay_fraction:.0f}% of steps decaying to 0.  ",
        f"Exports (measured through their serving signatures): `{a2b}`, `{b2a}`.  ",
        f"Metrics on the first n = {results['test_images']} test images of each domain "
        "(eval.num_samples, at most half a domain, so that the Frechet distance and its floor "
        "compare sets of n), images in [-1, 1].", ""]
    lines += _table(results, fashion_pair) + [""]
    if fashion_pair:
        lines += ["Bars (issue 11):", ""] + _bars(results) + [""]
    lines += ["Test images: per row a sneaker (A), its translation, its reconstruction; then an "
              "ankle boot (B), its translation, its reconstruction." if fashion_pair else
              "Test images: per row A, A -> B, back to A; B, B -> A, back to B.", "",
              "![test grid](cyclegan_test_grid.png)", "",
              "![training curves](cyclegan_curves.png)", ""]
    with open(os.path.join(_RESULTS.value, "cyclegan.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(_RESULTS.value, "cyclegan.json"), "w") as f:
        json.dump({"seconds": seconds, **results}, f, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)
