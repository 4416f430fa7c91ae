"""The command line: python main.py --mode=MODE --config=configs/<experiment>.py --workdir=DIR.

  python main.py --config=configs/cgan_fashion_mnist.py --workdir=runs/cgan
  python main.py --mode=export --workdir=runs/cgan
  python main.py --mode=sample --config=configs/cgan_fashion_mnist.py --output=grid.png
  python main.py --mode=train_classifier --config=configs/cgan_fashion_mnist.py
  python main.py --mode=eval --workdir=runs/cgan          (or --model_path=export/cgan/1)
  python main.py --mode=translate --model_path=export/cyclegan_fashion_mnist_a2b/1 \\
      --input=DIR --output=DIR
  python main.py --mode=continual --config=configs/continual_fashion_mnist.py:dgr \\
      --workdir=runs/continual/dgr

Every config field can be overridden: --config.train.steps=200 --config.runtime.precision=...
The modes come from a registry (tfgan_lab/modes.py); tfgan_lab/cli.py names none of them.
"""

import importlib.util
import os
import sys

import tensorflow as tf
from absl import app, flags, logging
from ml_collections import config_flags

from tfgan_lab import commands, console, continual, modes, translate  # noqa: F401 (register modes, --tf_log)
from tfgan_lab.config import check_field_path
from tfgan_lab.errors import TfganLabError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file, e.g. configs/cgan_fashion_mnist.py (add :smoke "
    "for a few-step run). Optional for modes that read the workdir's config, or that of "
    "the run a --model_path export came from.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory: config, checkpoints, "
                               "TensorBoard logs, sample grids. The same command resumes.")
_MODE = flags.DEFINE_string("mode", "train", "What to do. " + " ".join(
    f"{name}: {modes.MODES.get(name).help}" for name in modes.MODES.names()))
_EXPORT_DIR = flags.DEFINE_string("export_dir", "export", "Every mode exports to "
                                  "<export_dir>/<config.name><suffix>/<version>/ (TF Serving "
                                  "layout).")
_MODEL_PATH = flags.DEFINE_string("model_path", None, "One exported version folder, "
                                  "export/<name>/<version>, for the modes that read an export.")
_INPUT = flags.DEFINE_string("input", None, "translate: an image file or a folder of them "
                             "(image-to-image exports), a text file or - for standard input "
                             "(translators).")
_OUTPUT = flags.DEFINE_string("output", None, "Where a mode writes: sample's PNG (default "
                              "samples.png), eval's JSON (default eval.json), translate's "
                              "folder (images) or file (text; default standard output); in "
                              "--workdir if given, else here.")
_COLUMNS = flags.DEFINE_integer("columns", 10, "sample: columns of the grid.", lower_bound=1)


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if not flags.FLAGS["verbosity"].present:  # TensorFlow's INFO lines drown the run's output.
        logging.set_verbosity(logging.WARNING)
        tf.get_logger().setLevel("WARNING")
    context = modes.Context(_MODE.value, _CONFIG.value, _WORKDIR.value, _EXPORT_DIR.value,
                            _MODEL_PATH.value, _INPUT.value, _OUTPUT.value, _COLUMNS.value)
    modes.MODES.get(_MODE.value).run(context)


def _load_config_file(argv: list[str]):
    """The config that --config names (with its :ARG), loaded as the flag parser loads it."""
    arg = next((a[len("--config="):] for a in argv if a.startswith("--config=")), None)
    if arg is None:
        return None
    path, _, config_arg = arg.partition(":")
    spec = importlib.util.spec_from_file_location("tfgan_lab_config_file", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(config_arg) if config_arg else module.get_config()


def _parse_flags(argv: list[str]) -> list[str]:
    """absl's parser, reporting bad flags and overrides of unknown config fields cleanly."""
    try:
        remaining = flags.FLAGS(argv)
        if _CONFIG.value is not None:  # the config file, loaded now: its errors are the flags'
            _CONFIG.value.keys()
        return remaining
    except flags.Error as e:
        message = str(e)
    except TfganLabError as e:  # the config file's :ARG, or its values
        message = str(e)
    except OSError as e:  # the config file cannot be loaded
        message = _config_file_error(argv, e)
    except (AttributeError, KeyError) as e:  # ml_collections: an override of an unknown field
        message = str(e)
        try:
            check_overrides(argv)
        except TfganLabError as unknown:
            message = str(unknown)
    console.flag_error(message)


def check_overrides(argv: list[str]) -> None:
    """Raises ConfigError naming the first `--config.<field>=` override in `argv` that the
    config file's schema lacks, with the fields it has (ml_collections' own error is a bare
    KeyError or AttributeError)."""
    config = _load_config_file(argv)
    for arg in argv if config is not None else ():
        if arg.startswith("--config."):
            check_field_path(arg[len("--config."):].split("=")[0], config)


def _config_file_error(argv: list[str], error: OSError) -> str:
    """What is wrong with the --config file: missing, or failing (with its own error)."""
    arg = next(a[len("--config="):] for a in argv if a.startswith("--config="))
    path = arg.partition(":")[0]
    if not os.path.isfile(path):
        return (f"--config={arg}: there is no file {path!r}; name a config file, e.g. "
                "configs/cgan_fashion_mnist.py.")
    cause = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, TfganLabError):
        return str(cause)
    return f"--config={arg} failed to load: {type(cause).__name__}: {cause}"


def _importable_config_package(argv: list[str]) -> None:
    """Config files import their shared defaults as `configs.common`: put the folder above
    the config file's folder on sys.path, so that they load from any working directory."""
    for arg in argv:
        if arg.startswith("--config="):
            path = arg[len("--config="):].split(":")[0]
            sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(path))))


def _help_of_this_module() -> None:
    """`--help` prints this module's docstring and the command's flags. absl prints the
    __main__ module's (main.py's one line, the console script's none) and the flags defined
    there (none: they are defined here, in the modes' modules and in console.py)."""
    sys.modules["__main__"].__doc__ = __doc__
    for module, defined in flags.FLAGS.flags_by_module_dict().items():
        for flag in defined if module.startswith("tfgan_lab") else ():
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)


def run() -> None:
    """The command line, once TensorFlow is imported (tfgan_lab/console.py's `run` first)."""
    _importable_config_package(sys.argv)
    _help_of_this_module()
    app.run(console.reported(main), flags_parser=_parse_flags)
