"""CausalGAN on the data of a known causal model, over seeds, in one command: per seed the
causal controller, then the image stage drawing its label vectors, each trained, exported and
measured through its export against the exact distributions (labels read from the pixels).

    python benchmarks/causalgan.py                       # 3 seeds
    python benchmarks/causalgan.py --seeds=2 --from_records   # seed 0 read back, seed 1 run

Seed N trains --controller_config in --workdir/controller/seed<N> and --config (with
model.controller set to that seed's controller export) in --workdir/image/seed<N>, resuming
either if interrupted; the first seed's exports go into --export_dir. Writes
--results/causalgan.md: the controller's TVDs (observational, each do() and cond() against the
true distributions, beside how far the true answers are apart), the image stage's label
accuracy, each query's TVD of the labels measured on its images, do() against cond() on the
images, each do()'s effectiveness and minimality, the issue's bars on the means, the
controller's TVD against the step, and a seed's do-versus-cond rows; causalgan.json
records every run with its config and machine as it finishes (--from_records reads a run whose
workdir is gone back from it).
"""

import csv
import os
import sys

import numpy as np
from absl import flags
from ml_collections import ConfigDict, config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from tfgan_lab import export, files, images, models, workdir  # noqa: E402
from tfgan_lab.causal import sampling  # noqa: E402
from tfgan_lab.causal.exact import assignment_text  # noqa: E402
from tfgan_lab.data import causal_fashion  # noqa: E402
from tfgan_lab.eval import metrics  # noqa: E402

_CONTROLLER_CONFIG = config_flags.DEFINE_config_file(
    "controller_config", os.path.join(REPO, "configs", "causal_controller_fashion_mnist.py"),
    "The causal controller's config.", lock_config=True)
_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "causalgan_fashion_mnist.py"),
    "The image stage's config (model.controller is set per seed).", lock_config=False)
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds to run: config.seed, config.seed + 1, ...",
                              lower_bound=1)
_WORKDIR = flags.DEFINE_string("workdir", "runs/causalgan", "Where the runs live: "
                               "controller/seed<N> and image/seed<N>.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's exports go.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a run whose workdir is gone from causalgan.json if it was "
    "recorded with the same config, instead of training it again.")
_COLUMNS = flags.DEFINE_integer("columns", 10, "Columns of the do-versus-cond figure.")

# Issue 26's bars: (what, metric, bound, direction), on the means over the seeds.
BARS = [("the controller's joint within 0.03 TVD of the truth", "controller/tvd_truth", 0.03,
         "<"),
        ("images carry their labels >= 85% of the time", "image/label_accuracy", 0.85, ">=")]
BARS += [(f"do({assignment_text(q)})'s images within 0.05 TVD of the truth",
          f"image/tvd_images_do_{sampling.query_name('', q)}", 0.05, "<")
         for q in causal_fashion.MODEL.queries]


def _stage(seed: seed_runs.Seed, records: seed_runs.Records, stage: str, role: str) -> dict:
    """A stage's run of a seed: trained, exported, measured through its export (once:
    seed_runs.measured_once), recorded as `<stage>/seed<N>`."""
    def measure() -> dict:
        trained, seconds = seed_runs.train_timed(seed.config, seed.workdir)
        paths = export.export_model(trained.model, seed.export_dir, seed.config.name)
        return {"seed": seed.config.seed, "seconds": seconds, "exports": paths,
                "curve": _curve(seed.workdir, "tvd_truth" if role == "controller"
                                else "label_accuracy"),
                **models.of(seed.config).evaluate_export(seed.config, paths[role])}
    result = seed_runs.measured_once(seed, measure)
    records.put(f"{stage}/seed{seed.config.seed}", seed.config, result)
    return result


def _curve(workdir_path: str, key: str) -> list[tuple[int, float]]:
    """(step, `key`) of the run's metrics.csv, as evaluated while training."""
    with open(workdir.metrics_path(workdir_path)) as f:
        return [(int(row["step"]), float(row[key])) for row in csv.DictReader(f)]


def _runs(records: seed_runs.Records) -> list[dict]:
    """Per seed {"controller/<metric>": ..., "image/<metric>": ..., "seed", "seconds"}."""
    controllers = seed_runs.seeded(_CONTROLLER_CONFIG.value,
                                   os.path.join(_WORKDIR.value, "controller"), _SEEDS.value,
                                   _EXPORT_DIR.value)
    stages = seed_runs.seeded(_CONFIG.value, os.path.join(_WORKDIR.value, "image"),
                              _SEEDS.value, _EXPORT_DIR.value)
    runs = []
    for controller_seed, image_seed in zip(controllers, stages, strict=True):
        key = f"seed{controller_seed.config.seed}"
        controller = records.get(f"controller/{key}", controller_seed.config)
        if controller:
            image_seed.config.model.controller = controller["result"]["exports"]["controller"]
        image = records.get(f"image/{key}", image_seed.config)
        gone = not (os.path.isdir(controller_seed.workdir) or os.path.isdir(image_seed.workdir))
        if _FROM_RECORDS.value and controller and image and gone:
            controller, image = controller["result"], image["result"]
        else:  # the image stage needs its controller's export: both are run (or resumed)
            controller = _stage(controller_seed, records, "controller", "controller")
            image_seed.config.model.controller = controller["exports"]["controller"]
            image = _stage(image_seed, records, "image", "generator")
        runs.append({"seed": controller["seed"],
                     "record": records.get(f"image/{key}", image_seed.config),
                     "seconds": controller["seconds"] + image["seconds"],
                     **{f"controller/{k}": v for k, v in controller.items()},
                     **{f"image/{k}": v for k, v in image.items()}})
    return runs


def _figure(runs: list[dict]) -> str:
    """Per query a do row and a cond row, the same noise in each column, drawn by the first
    seed whose exports are still there; says which rows and which seed. With none (a report
    rebuilt from the records elsewhere), the figure last drawn stays."""
    queries = [(kind, query) for query in causal_fashion.MODEL.queries for kind in ("do", "cond")]
    names = ", ".join(f"{kind}({assignment_text(query)})" for kind, query in queries)
    run = next((r for r in runs if all(
        os.path.exists(os.path.join(r[key][role], "saved_model.pb"))
        for key, role in (("image/exports", "generator"), ("controller/exports", "controller"))
    )), None)
    if run is None:
        return (f"The figure as last drawn, a row per query ({names}), the same noise in each "
                "column (no seed's exports are on this machine to draw it again):")
    generator = export.load(run["image/exports"]["generator"])
    controller = export.load(run["controller/exports"]["controller"], "causal_controller")
    columns = _COLUMNS.value
    z = np.random.default_rng(run["seed"]).standard_normal(
        (columns, generator.z_dim)).astype(np.float32)
    rows = []
    for kind, query in queries:
        labels = sampling.sample_labels(controller, controller.names, controller.noise_dim,
                                        columns, run["seed"], **{kind: query})
        rows.append(np.asarray(generator(z, labels)))
    images.write_png(os.path.join(_RESULTS.value, "causalgan_do_cond.png"),
                     np.concatenate(rows), columns)
    return f"Seed {run['seed']}'s images, a row per query ({names}), the same noise in each column:"


def _settings(controller: ConfigDict, image: ConfigDict) -> str:
    c, m = controller.model, image.model
    return (f"controller: graph `{c.graph}`, {c.layers} layers of {c.width} per node, "
            f"{'factorized ' if c.factorized_critic else ''}critics of {c.critic_layers} x "
            f"{c.critic_width}, {c.critic_steps} critic updates per step, penalty "
            f"{c.gradient_penalty:g}, {controller.train.steps} steps of batch "
            f"{controller.train.batch_size}, Adam {controller.optimizer.g_learning_rate:g}"
            + (f" decaying to 0 over the last {100 * controller.optimizer.decay_fraction:.0f}%"
               if controller.optimizer.decay_fraction else "")
            + f"; image stage: {image.train.steps} steps of batch {image.train.batch_size}, z "
            f"{m.z_dim}, {m.loss} loss, Adam {image.optimizer.g_learning_rate:g}, labeler weight "
            f"{m.labeler_weight:g}, k_t = {m.anti_labeler_weight:g} exp(-t / "
            f"{m.anti_labeler_decay:g})")


def main(argv: list[str]) -> None:
    del argv
    reporting.model_class_of(_CONTROLLER_CONFIG.value, "causal_controller")
    reporting.model_class_of(_CONFIG.value, "causalgan")
    os.makedirs(_RESULTS.value, exist_ok=True)
    runs = _runs(seed_runs.Records(os.path.join(_RESULTS.value, "causalgan.json")))
    seeds = [r["seed"] for r in runs]
    _, cells = reporting.seeds_text(seeds)
    per_seed = ", ".join(f"seed {r['seed']} {r['seconds'] / 60:.1f}" for r in runs)
    mean, truth = reporting.mean_over_seeds(runs), causal_fashion.MODEL
    recorded = [("", r["seed"], r["record"]) for r in runs]
    names = truth.graph.nodes

    def cell(key: str) -> str:
        return reporting.seeds_cell(runs, key, 3) if key in runs[0] else "-"

    lines = [
        "# CausalGAN on the data of a known causal model", "",
        f"Command: `{' '.join(['python benchmarks/causalgan.py'] + sys.argv[1:])}`  ",
        reporting.machines_line(recorded),
        f"Training: {reporting.mean_spread([r['seconds'] / 60 for r in runs], 1)} min per seed "
        f"for both stages ({per_seed}); {_settings(_CONTROLLER_CONFIG.value, _CONFIG.value)}, "
        f"{reporting.precision_text(recorded)}.  ",
        f"Measured through the exports: {_CONTROLLER_CONFIG.value.eval.num_samples} label "
        f"vectors and {_CONFIG.value.eval.num_samples} images per query, every label of an "
        "image read from its pixels (docs/causal.md). The TVD floor, the same number of draws "
        f"from the exact model against it: {_floor(_CONTROLLER_CONFIG.value.eval.num_samples)} "
        f"for the vectors, {_floor(_CONFIG.value.eval.num_samples)} for the images. {cells}.",
        "", "## Bars (issue 26), on the means", "", "| bar | measured | |", "|---|---:|---|"]
    for text, key, bound, direction in BARS:
        if key in mean:
            held = mean[key] < bound if direction == "<" else mean[key] >= bound
            lines.append(f"| {text} | {mean[key]:.4f} | {'met' if held else 'MISSED'} |")
    lines += ["", "## Images carry their labels", "",
              "| all | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names),
              f"| {cell('image/label_accuracy')} | "
              + " | ".join(cell(f"image/label_accuracy_{n}") for n in names) + " |", "",
              "## Queries against the truth (TVD)", "",
              "| query | controller do | controller cond | images do | images cond | images do "
              "vs cond | true do vs cond | do effective | do minimal |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| observational | {cell('controller/tvd_truth')} | | | | | | | |"]
    for query in truth.queries:
        q = sampling.query_name("", query)
        apart = metrics.total_variation(truth.distribution(do=query),
                                        truth.distribution(cond=query))
        lines.append(
            f"| {assignment_text(query)} | {cell(f'controller/tvd_do_{q}')} | "
            f"{cell(f'controller/tvd_cond_{q}')} | {cell(f'image/tvd_images_do_{q}')} | "
            f"{cell(f'image/tvd_images_cond_{q}')} | {cell(f'image/tvd_images_do_vs_cond_{q}')}"
            f" | {apart:.3f} | {cell(f'image/effective_do_{q}')} | "
            f"{cell(f'image/minimal_do_{q}')} |")
    steps = [step for step, _ in runs[0]["controller/curve"]]
    lines += ["", "The controller's TVD to the true joint against the step:", "",
              "| seed | " + " | ".join(str(step) for step in steps) + " |",
              "|---|" + "---:|" * len(steps)]
    lines += [f"| {run['seed']} | " + " | ".join(f"{v:.3f}" for _, v in run["controller/curve"])
              + " |" for run in runs] + [""]
    lines += [_figure(runs), "", "![do and cond](causalgan_do_cond.png)", ""]
    files.write_text(os.path.join(_RESULTS.value, "causalgan.md"), "\n".join(lines))
    print("\n".join(lines))


def _floor(count: int) -> str:
    """The TVD of `count` draws from the exact model to it (seed 0): sampling noise alone."""
    samples = causal_fashion.MODEL.sample(count, np.random.default_rng(0))
    tvd = metrics.total_variation(metrics.label_distribution(samples),
                                  causal_fashion.MODEL.distribution())
    return f"{tvd:.3f}"


if __name__ == "__main__":
    run_command(main)
