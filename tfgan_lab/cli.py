"""The command line: train (then export), export, sample, evaluate, train a classifier.

  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan
  python main.py --mode=export --workdir=runs/cgan
  python main.py --mode=sample --config=configs/cgan_fashion_mnist.py --output=grid.png
  python main.py --mode=train_classifier --config=configs/cgan_fashion_mnist.py
  python main.py --mode=eval --workdir=runs/cgan          (or --model_path=export/cgan/1)
  python main.py --mode=continual --config=configs/continual_fashion_mnist.py:dgr \
      --workdir=runs/continual/dgr

Every config field can be overridden: --config.train.steps=200 --config.runtime.precision=...
"""

import json
import os
import shutil
import sys
import tempfile

import tensorflow as tf
from absl import app, flags, logging
from ml_collections import ConfigDict, config_flags

from tfgan_lab import continual, export, images, train, workdir
from tfgan_lab import eval as eval_lib
from tfgan_lab.config import check_field_path, validate
from tfgan_lab.errors import ConfigError, ExportError, TfganLabError, WorkdirError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file, e.g. configs/cgan_fashion_mnist.py (add :smoke "
    "for a few-step run). Optional for --mode=export, which reads the workdir's config.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory: config, checkpoints, "
                               "TensorBoard logs, sample grids. The same command resumes.")
_MODE = flags.DEFINE_enum(
    "mode", "train", ["train", "export", "sample", "eval", "train_classifier", "continual"],
    "train: train, then export. export: export the workdir's latest checkpoint. sample: write "
    "a PNG grid from an exported model. eval: sample-quality metrics of the workdir's latest "
    "checkpoint or of --model_path, printed and written as JSON. train_classifier: train and "
    "cache the reference classifier of config.data.name. continual: run "
    "config.continual.method through its task stream (exports and results.json per task "
    "under --workdir).")
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Exports go to "
                                  "<export_dir>/<config.name>/<version>/ (TF Serving layout).")
_MODEL_PATH = flags.DEFINE_string(
    "model_path", None, "sample, eval: one exported version folder. Default for sample: the "
    "latest version of config.name in --export_dir; for eval: the workdir's checkpoint.")
_OUTPUT = flags.DEFINE_string("output", None, "sample: the PNG to write (default "
                              "samples.png); eval: the JSON to write (default eval.json); in "
                              "--workdir if given, else here.")
_COLUMNS = flags.DEFINE_integer("columns", 10, "sample: columns of the grid (one row per class).",
                                lower_bound=1)


def _config() -> ConfigDict:
    config = _CONFIG.value
    if config is None:
        if not _WORKDIR.value:
            raise WorkdirError("Pass --config=configs/<experiment>.py (or --workdir of a run).")
        config = workdir.load_config(_WORKDIR.value)
    validate(config)
    return config


def _require_workdir() -> str:
    if not _WORKDIR.value:
        raise WorkdirError(f"--mode={_MODE.value} needs --workdir=DIR.")
    return _WORKDIR.value


def _export(trained: train.Trained, config: ConfigDict) -> None:
    """Exports on every worker (saving may need all of them); only the chief's copy is kept."""
    export_dir = _EXPORT_DIR.value if trained.chief else tempfile.mkdtemp()
    try:
        path = export.export_generator(
            trained.gan.generator, z_dim=config.model.z_dim,
            num_classes=trained.info.num_classes if trained.gan.conditional else None,
            export_dir=export_dir, name=config.name)
    finally:
        if not trained.chief:
            shutil.rmtree(export_dir, ignore_errors=True)
    if trained.chief:
        print(f"Exported {path}")


def _model_path(config: ConfigDict | None) -> str:
    if _MODEL_PATH.value:
        return _MODEL_PATH.value
    if config is None:
        raise ConfigError(f"--mode={_MODE.value} needs --model_path, or --config for the "
                          "model's name.")
    return export.latest(_EXPORT_DIR.value, config.name)


def _output(default_name: str) -> str:
    return _OUTPUT.value or os.path.join(_WORKDIR.value or ".", default_name)


def _sample(config: ConfigDict | None) -> None:
    path = _model_path(config)
    generator = export.load_generator(path)
    if generator.conditional and generator.num_classes is None:
        raise ExportError(f"{path} does not record its number of classes (not exported by "
                          "tfgan_lab): sample it from Python with "
                          "tfgan_lab.export.load_conditional_generator.")
    seed = config.seed if config is not None else 0
    rows = generator.num_classes if generator.conditional else _COLUMNS.value
    z, labels = images.grid_inputs(generator.z_dim, rows, _COLUMNS.value, seed,
                                   same_noise_per_column=generator.conditional)
    output = _output("samples.png")
    images.write_png(output, generator(z, labels).numpy(), _COLUMNS.value)
    what = "classes" if generator.conditional else "samples"
    print(f"Wrote {output}: {rows} rows ({what}) x {_COLUMNS.value} from {path}")


def _evaluate(config: ConfigDict) -> None:
    """Metrics of an export (read through its serving signature) or of a workdir's model."""
    if _MODEL_PATH.value:
        generate = export.load_conditional_generator(_MODEL_PATH.value)
        source, z_dim = _MODEL_PATH.value, generate.z_dim
    else:
        gan = train.restore_latest(config, _require_workdir()).gan
        if not gan.conditional:
            raise ConfigError(f"The metrics score a conditional generator (they need the class "
                              f"of each sample); {_WORKDIR.value} holds an unconditional GAN.")
        source, z_dim = f"{_WORKDIR.value} at step {int(gan.step.numpy())}", config.model.z_dim

        def generate(z, labels):
            return gan.generator(gan.generator_inputs(z, labels), training=False)

    results = {"source": source, "dataset": config.data.name,
               **eval_lib.make_evaluator(config, z_dim)(generate)}
    output = _output("eval.json")
    with open(output, "w") as f:
        json.dump(results, f, indent=2)
    for name in eval_lib.SCALARS:
        print(f"{name:24s} {results[name]:.4f}")
    print(f"Wrote {output} ({source})")


def _train_classifier(config: ConfigDict) -> None:
    workdir.ensure_writable(eval_lib.cache_dir(config), "classifier cache")
    path, accuracy = eval_lib.train_classifier(config)
    print(f"Reference classifier for {config.data.name}: test accuracy {accuracy:.4f}, "
          f"saved to {path}")


def _continual(config: ConfigDict, workdir_path: str) -> None:
    summary = continual.run(config, workdir_path)
    for key in ("average_accuracy", "backward_transfer"):
        if key in summary:
            print(f"solver {key:20s} {summary[key]:.4f}")
    if "generator_seen_accuracy" in summary:
        print(f"generator accuracy over the classes seen, after each task: "
              f"{', '.join(f'{a:.3f}' for a in summary['generator_seen_accuracy'])}")
    print(f"Wrote {os.path.join(workdir_path, 'results.json')}")


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if not flags.FLAGS["verbosity"].present:  # TensorFlow's INFO lines drown the run's output.
        logging.set_verbosity(logging.WARNING)
        tf.get_logger().setLevel("WARNING")
    try:
        if _MODE.value == "sample":
            _sample(_config() if (_CONFIG.value or _WORKDIR.value) else None)
            return
        config = _config()
        if _MODE.value in ("eval", "train_classifier"):
            (_evaluate if _MODE.value == "eval" else _train_classifier)(config)
            return
        workdir_path = _require_workdir()
        if _MODE.value == "continual":
            _continual(config, workdir_path)
            return
        workdir.ensure_writable(_EXPORT_DIR.value, "export directory")
        if _MODE.value == "train":
            trained = train.train(config, workdir_path)
        else:
            trained = train.restore_latest(config, workdir_path)
        _export(trained, config)
    except TfganLabError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


def _parse_flags(argv: list[str]) -> list[str]:
    """absl's parser, reporting bad flags and overrides of unknown config fields cleanly."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        message = str(e)
    except (AttributeError, KeyError) as e:  # ml_collections: an override of an unknown field
        message = str(e)
        overrides = [a[len("--config."):].split("=")[0] for a in argv if a.startswith("--config.")]
        try:
            for path in overrides:
                check_field_path(path)
        except ConfigError as unknown:
            message = str(unknown)
    print(f"error: {message}\nSee --helpfull for the flags.", file=sys.stderr)
    sys.exit(1)


def _importable_config_package(argv: list[str]) -> None:
    """Config files import their shared defaults as `configs.common`: put the folder above
    the config file's folder on sys.path, so that they load from any working directory."""
    for arg in argv:
        if arg.startswith("--config="):
            path = arg[len("--config="):].split(":")[0]
            sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(path))))


def run() -> None:
    """Console-script entry point (`tfgan-lab`)."""
    _importable_config_package(sys.argv)
    app.run(main, flags_parser=_parse_flags)
