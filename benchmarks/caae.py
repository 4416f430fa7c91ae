"""The conditional adversarial autoencoder and its two baselines, trained over seeds, exported
and measured, in one command.

    python benchmarks/caae.py          # Fashion-MNIST area groups, 3 seeds, about 3.5 h on 2 cores

Trains --config (default configs/caae_fashion_mnist.py) and, with the same data, steps and
networks, the two baselines the issue names: the conditional GAN without the encoder
(`model.encoder=False`: G reads z from the prior and is trained by the image adversary alone)
and the autoencoder without adversaries (image and z weights 0), each with seeds config.seed,
+1, ... (--seeds of them) in <run's workdir>/seed<seed>; every run resumes if interrupted. The
CAAE is exported (the first seed's into --export_dir, the others' into their workdir) and
measured through its serving signature; the baselines from their checkpoints; identity by both
reference classifiers. Writes --results/caae.md: the metrics as mean and spread over the seeds,
per target group, the bars on the means beside the baselines, the first seed's progression
figures and training curves; caae.json records every run's numbers with its config, machine
and judges as it finishes (--from_records reads a run whose workdir is gone back from it, so
that the runs can go on in separate sittings, or on other machines).
"""

import functools
import os
import sys

import numpy as np
from absl import app, flags
from ml_collections import ConfigDict, config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from benchmarks import reporting, seed_runs  # noqa: E402
from tfgan_lab import eval as eval_lib  # noqa: E402
from tfgan_lab import export, files, images  # noqa: E402
from tfgan_lab.data import images as image_files  # noqa: E402
from tfgan_lab.eval import progression  # noqa: E402
from tfgan_lab.gans import caae_eval, caae_serving  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "caae_fashion_mnist.py"), "A CAAE config.",
    lock_config=True)
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds to train: config.seed, config.seed + 1, ...",
                              lower_bound=1)
_WORKDIR = flags.DEFINE_string("workdir", "runs/caae", "Where the CAAE's runs live (seed<N>/ "
                               "each); the baselines' in <workdir>_without_encoder and "
                               "<workdir>_without_adversaries.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the first seed's CAAE export "
                                  "goes (the others' go into their workdir).")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_GRID_ROWS = flags.DEFINE_integer("grid_rows", 10, "Test images in each progression figure.")
_FROM_RECORDS = flags.DEFINE_boolean(
    "from_records", False, "Read a run whose workdir is gone from caae.json if it was recorded "
    "with the same config, instead of training it again.")

# The bars on the offline data: (metric, bound).
BARS = [("condition_accuracy", 0.70), ("identity", 0.85)]
COLUMNS = [("condition_accuracy", "condition accuracy"), ("condition_error", "group error"),
           ("condition_accuracy_of_output_class", "condition accuracy, output's class"),
           ("identity", "identity kept"), ("reconstruction_l1", "reconstruction L1"),
           ("prior_ks_mean", "KS to U(-1,1), mean"), ("prior_ks_max", "KS, worst dim")]


def baselines(config: ConfigDict) -> dict[str, ConfigDict]:
    """The runs to compare: the CAAE and the two baselines, each with its own name."""
    without_encoder = ConfigDict(config.to_dict())
    without_encoder.name = f"{config.name}_without_encoder"
    without_encoder.model.update(encoder=False, image_weight=1.0, z_weight=0.0,
                                 warmup_fraction=0.0, random_targets=False)
    without_adversaries = ConfigDict(config.to_dict())
    without_adversaries.name = f"{config.name}_without_adversaries"
    without_adversaries.model.update(image_weight=0.0, z_weight=0.0, random_targets=False)
    return {"CAAE": config, "conditional GAN without the encoder": without_encoder,
            "autoencoder without adversaries": without_adversaries}


def _workdir(config: ConfigDict, base: ConfigDict) -> str:
    return _WORKDIR.value + config.name[len(base.name):]


def _row(label: str, per_seed: list[dict]) -> str:
    cells = [reporting.seeds_cell(per_seed, key) if key in per_seed[0] else "-"
             for key, _ in COLUMNS]
    minutes = reporting.mean_spread([r["seconds"] / 60 for r in per_seed], 1)
    return f"| {label} | {' | '.join(cells)} | {minutes} |"


def _key(seed: seed_runs.Seed) -> str:
    """A run's key in caae.json: <its config's name>/seed<N>."""
    return f"{seed.config.name}/seed{seed.config.seed}"


def _measured_seed(label: str, seed: seed_runs.Seed, evaluator,
                   records: seed_runs.Records) -> dict:
    """Trains one seed of one run (resuming) and measures it, once (seed_runs.recorded_seed),
    the CAAE through its export: its metrics, training seconds and exports (the CAAE's)."""
    def measure() -> dict:
        trained, seconds = seed_runs.train_timed(seed.config, seed.workdir)
        model, exports = trained.model, {}
        transform = model.transform
        if label == "CAAE":  # measured through its serving signature
            exports = export.export_model(model, seed.export_dir, seed.config.name)
            transform = caae_serving.load(exports["progression"]).transform
        return {"seed": seed.config.seed, "seconds": seconds, "exports": exports,
                **evaluator(transform, model.encode if model.use_encoder else None)}
    return seed_runs.recorded_seed(seed, records, _FROM_RECORDS.value, measure, _key(seed),
                                   functools.partial(reporting.judge_accuracies, seed.config))


def _transform(label: str, seed: seed_runs.Seed, results: dict) -> progression.Transform:
    """What a measured run does to (images, conditions): the CAAE's export, a baseline's
    model from its last checkpoint."""
    if label == "CAAE":
        return caae_serving.load(results["exports"]["progression"]).transform
    return seed_runs.train_timed(seed.config, seed.workdir)[0].model.transform


def _figures(transforms: dict[str, progression.Transform], figures: dict[str, str], test,
             caae_run: str) -> None:
    """The progression figure of each run's first seed (into {label: file}), and the CAAE's
    curves."""
    inputs = image_files.first(test.images, _GRID_ROWS.value)
    conditions = test.conditions[:_GRID_ROWS.value]
    for label, transform in transforms.items():
        images.write_png(os.path.join(_RESULTS.value, figures[label]),
                         *progression.grid(inputs, conditions, transform, test.info.num_groups))
    series = reporting.scalars(caae_run)
    reporting.plot_curves(os.path.join(_RESULTS.value, "caae_curves.png"), [
        ("losses", {t.split("/", 1)[1]: series[t] for t in series
                    if t.startswith("train/") and "loss" in t}),
        ("test metrics", {t.split("/", 1)[1]: series[t] for t in series
                          if t.split("/", 1)[1] in ("condition_accuracy", "identity",
                                                    "reconstruction_l1")})])
    return figures


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    model_class = reporting.model_class_of(config, "caae")
    if config.data.folder:
        raise app.UsageError("Pass a CAAE config on a labelled set (its groups measured): the "
                             "bars and baselines are defined there.")
    eval_lib.ensure_judges(config)
    os.makedirs(_RESULTS.value, exist_ok=True)
    test = model_class.load_data(config, config.data.test_split)
    evaluator = caae_eval.progression_evaluator(config)  # the same test set for every run

    records = seed_runs.Records(os.path.join(_RESULTS.value, "caae.json"))
    results, firsts, entries = {}, {}, []
    for label, run_config in baselines(config).items():
        runs = seed_runs.seeded(run_config, _workdir(run_config, config), _SEEDS.value,
                                _EXPORT_DIR.value)
        results[label] = [_measured_seed(label, run, evaluator, records) for run in runs]
        entries += [(label, run.config.seed, records.get(_key(run), run.config)) for run in runs]
        firsts[label] = runs[0]
    drawn = all(os.path.isdir(seed.workdir) for seed in firsts.values())
    figures = {label: f"{seed.config.name}_progression.png" for label, seed in firsts.items()}
    if drawn:  # (runs read back from the records leave the figures last drawn)
        _figures({label: _transform(label, seed, results[label][0])
                  for label, seed in firsts.items()}, figures, test, firsts["CAAE"].workdir)

    caae = results["CAAE"]
    seeds_label, cells = reporting.seeds_text([r["seed"] for r in caae])
    model, data = config.model, config.data
    command = " ".join(["python benchmarks/caae.py"] + sys.argv[1:])
    judges = reporting.judges_text(entries)
    lines = [
        f"# CAAE: {data.name}, the garment's area in {data.groups} groups per class", "",
        f"Command: `{command}`  ",
        reporting.machines_line(entries),
        f"Training: {config.train.steps} steps of batch {config.train.batch_size} per run "
        f"({reporting.precision_text(entries)}, {seeds_label}); z {model.z_dim}, "
        f"E {model.e_filters}, G {model.g_filters}, D_img {model.d_filters} filters; weights: "
        f"reconstruction {model.reconstruction_weight:g}, image adversary "
        f"{model.image_weight:g}, z adversary {model.z_weight:g}, TV {model.tv_weight:g}; the "
        f"first {100 * model.warmup_fraction:.0f}% of steps a plain autoencoder; condition maps "
        f"in G: {model.condition_maps}; D_img also judges random targets: "
        f"{model.random_targets}, and mismatched reals: "
        f"{model.mismatched_reals}.  ",
        "Exports (the CAAE's metrics are read through its serving signature): "
        + ", ".join(f"`{r['exports']['progression']}`" for r in caae) + ".  ",
        f"Metrics on the first {caae[0]['test_images']} test images, each re-generated under "
        f"every group; the condition is met when the area of the output (pixels brighter than "
        f"{data.threshold}) falls in the target group of the input's class; identity is a "
        f"reference classifier's share of outputs it assigns to the input's class. {cells}; "
        f"the classifiers' metrics by the first judge (test accuracy {judges['first']}) / the "
        f"second ({reporting.SECOND_JUDGE}, {judges['second']}; docs/evaluation.md).", "",
        "| run | " + " | ".join(name for _, name in COLUMNS) + " | minutes |",
        "|---|" + "---:|" * (len(COLUMNS) + 1)]
    lines += [_row(label, per_seed) for label, per_seed in results.items()]
    mean = reporting.mean_over_seeds(caae)
    lines += ["", "Per target group (CAAE" + (", mean over the seeds" if len(caae) > 1 else "")
              + "):", "",
              "| target group | condition accuracy | group error | identity kept (first / "
              "second judge) |", "|---|---:|---:|---:|"]
    for group, name in enumerate(test.info.group_names):
        lines.append(f"| {name} | {mean['condition_accuracy_per_group'][group]:.3f} | "
                     f"{mean['condition_error_per_group'][group]:.3f} | "
                     f"{mean['identity_per_group'][group]:.3f} / "
                     f"{mean['identity_per_group_second'][group]:.3f} |")
    lines += ["", "Bars (issue 12)" + (" on the means over the seeds" if len(caae) > 1 else "")
              + ", CAAE beside the baselines:", "",
              "| bar | judge | CAAE | | " + " | ".join(list(results)[1:]) + " |",
              "|---|---|---:|---|" + "---:|" * (len(results) - 1)]
    for key, bound in BARS:
        for judge, suffix in eval_lib.SUFFIXES.items():
            if f"{key}{suffix}" not in caae[0]:  # the condition needs no judge
                continue
            means = [float(np.mean([r[f"{key}{suffix}"] for r in per_seed]))
                     for per_seed in results.values()]
            lines.append(f"| {key} >= {bound:g} | {judge if key == 'identity' else '-'} | "
                         f"{means[0]:.3f} | {'met' if means[0] >= bound else 'MISSED'} | "
                         + " | ".join(f"{m:.3f}" for m in means[1:]) + " |")
    as_drawn = "" if drawn else (" (as last drawn: the first seed's runs are not on this "
                                 "machine to draw them again)")
    lines += ["", f"Progression of test images (seed {caae[0]['seed']}{as_drawn}): per row the "
              "input, then it re-generated under each group, smallest area to largest.", ""]
    for label, figure in figures.items():
        lines += [f"{label}:", "", f"![{label}]({figure})", ""]
    lines += [f"CAAE training curves (seed {caae[0]['seed']}{as_drawn}):", "",
              "![CAAE training curves](caae_curves.png)", ""]
    files.write_text(os.path.join(_RESULTS.value, "caae.md"), "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    run_command(main)
