"""The conditional adversarial autoencoder and its two baselines, trained, exported and
measured, in one command.

    python benchmarks/caae.py          # Fashion-MNIST area groups, about 30 min on 2 cores

Trains --config (default configs/caae_fashion_mnist.py) and, with the same data, steps and
networks, the two baselines the issue names: the conditional GAN without the encoder
(`model.encoder=False`: G reads z from the prior and is trained by the image adversary alone)
and the autoencoder without adversaries (image and z weights 0). Every run resumes if
interrupted. The CAAE is exported and measured through its serving signature; the baselines
from their checkpoints. Writes --results/caae.md: the metrics per target group, the bars
beside the baselines, the progression figures and the training curves.
"""

import json
import os
import sys

from absl import app, flags
from ml_collections import ConfigDict, config_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks import reporting  # noqa: E402
from tfgan_lab import export, images, runtime  # noqa: E402
from tfgan_lab.data import images as image_files  # noqa: E402
from tfgan_lab.eval import progression  # noqa: E402
from tfgan_lab.gans import caae_serving  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", os.path.join(REPO, "configs", "caae_fashion_mnist.py"), "A CAAE config.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", "runs/caae", "The CAAE's run; the baselines' runs "
                               "are <workdir>_without_encoder and <workdir>_without_adversaries.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Where the CAAE's export goes.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_GRID_ROWS = flags.DEFINE_integer("grid_rows", 10, "Test images in each progression figure.")

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


def _row(label: str, results: dict, minutes: float) -> str:
    cells = [f"{results[key]:.3f}" if key in results else "-" for key, _ in COLUMNS]
    return f"| {label} | {' | '.join(cells)} | {minutes:.1f} |"


def main(argv: list[str]) -> None:
    del argv
    config = _CONFIG.value
    model_class = reporting.model_class_of(config, "caae")
    if config.data.folder:
        raise app.UsageError("Pass a CAAE config on a labelled set (its groups measured): the "
                             "bars and baselines are defined there.")
    reporting.ensure_classifier(config)
    os.makedirs(_RESULTS.value, exist_ok=True)
    test = model_class.load_data(config, config.data.test_split)
    inputs = image_files.first(test.images, _GRID_ROWS.value)
    conditions = test.conditions[:_GRID_ROWS.value]
    evaluator = model_class.progression_evaluator(config)  # the same test set for every run

    results, minutes, figures = {}, {}, {}
    for label, run_config in baselines(config).items():
        trained, seconds = reporting.train_timed(run_config, _workdir(run_config, config))
        minutes[label] = seconds / 60
        model = trained.model
        transform = model.transform
        if label == "CAAE":  # measured through its serving signature
            path, = export.export_model(model, _EXPORT_DIR.value, config.name)
            transform = caae_serving.load(path).transform
        results[label] = evaluator(transform, model.encode if model.use_encoder else None)
        figure = f"{run_config.name}_progression.png"
        images.write_png(os.path.join(_RESULTS.value, figure),
                         *progression.grid(inputs, conditions, transform, test.info.num_groups))
        figures[label] = figure

    series = reporting.scalars(_WORKDIR.value)
    reporting.plot_curves(os.path.join(_RESULTS.value, "caae_curves.png"), [
        ("losses", {t.split("/", 1)[1]: series[t] for t in series
                    if t.startswith("train/") and "loss" in t}),
        ("test metrics", {t.split("/", 1)[1]: series[t] for t in series
                          if t.split("/", 1)[1] in ("condition_accuracy", "identity",
                                                    "reconstruction_l1")})])

    caae = results["CAAE"]
    model, data = config.model, config.data
    command = " ".join(["python benchmarks/caae.py"] + sys.argv[1:])
    lines = [
        f"# CAAE: {data.name}, the garment's area in {data.groups} groups per class", "",
        f"Command: `{command}`  ", f"Machine: {runtime.machine_description()}  ",
        f"Training: {config.train.steps} steps of batch {config.train.batch_size} per run "
        f"({config.runtime.precision}, seed {config.seed}); z {model.z_dim}, E {model.e_filters}"
        f", G {model.g_filters}, D_img {model.d_filters} filters; weights: reconstruction "
        f"{model.reconstruction_weight:g}, image adversary {model.image_weight:g}, z adversary "
        f"{model.z_weight:g}, TV {model.tv_weight:g}; the first {100 * model.warmup_fraction:.0f}%"
        f" of steps a plain autoencoder; condition maps in G: {model.condition_maps}; D_img also "
        f"judges random targets: {model.random_targets}, and mismatched reals: "
        f"{model.mismatched_reals}.  ",
        f"Export (the CAAE's metrics are read through its serving signature): `{path}`.  ",
        f"Metrics on the first {caae['test_images']} test images, each re-generated under every "
        f"group; the condition is met when the area of the output (pixels brighter than "
        f"{data.threshold}) falls in the target group of the input's class; identity is the "
        "reference classifier's share of outputs it assigns to the input's class.", "",
        "| run | " + " | ".join(name for _, name in COLUMNS) + " | minutes |",
        "|---|" + "---:|" * (len(COLUMNS) + 1)]
    lines += [_row(label, values, minutes[label]) for label, values in results.items()]
    lines += ["", "Per target group (CAAE):", "",
              "| target group | condition accuracy | group error | identity kept |",
              "|---|---:|---:|---:|"]
    for group, name in enumerate(test.info.group_names):
        lines.append(f"| {name} | {caae['condition_accuracy_per_group'][group]:.3f} | "
                     f"{caae['condition_error_per_group'][group]:.3f} | "
                     f"{caae['identity_per_group'][group]:.3f} |")
    lines += ["", "Bars (issue 12), CAAE beside the baselines:", "",
              "| bar | CAAE | | " + " | ".join(list(results)[1:]) + " |",
              "|---|---:|---|" + "---:|" * (len(results) - 1)]
    for key, bound in BARS:
        others = " | ".join(f"{values[key]:.3f}" for values in list(results.values())[1:])
        lines.append(f"| {key} >= {bound:g} | {caae[key]:.3f} | "
                     f"{'met' if caae[key] >= bound else 'MISSED'} | {others} |")
    lines += ["", "Progression of test images: per row the input, then it re-generated under "
              "each group, smallest area to largest.", ""]
    for label, figure in figures.items():
        lines += [f"{label}:", "", f"![{label}]({figure})", ""]
    lines += ["![CAAE training curves](caae_curves.png)", ""]
    with open(os.path.join(_RESULTS.value, "caae.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(_RESULTS.value, "caae.json"), "w") as f:
        json.dump({label: {"minutes": minutes[label], **values}
                   for label, values in results.items()}, f, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)
