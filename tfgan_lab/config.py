"""The config of a run, and the checks every config passes before a run writes anything.

Configs are `ml_collections.ConfigDict`s. `base_config(model)` holds the groups every run has
(optimizer, train, eval, runtime) and the model's own groups, `model` and `data`, with the
defaults its module declares (`PlayerModel.config`); a package may add a group of its own
(`register_group`: continual learning's `continual`). Experiment files in `configs/` start from
`base_config` and change values; they may not add fields, so a typo such as
`config.train.step` stops the run with the list of valid names instead of being ignored.
"""

import re
from collections.abc import Callable

from ml_collections import ConfigDict

from tfgan_lab import checks, models, runtime
from tfgan_lab.errors import ConfigError, did_you_mean
from tfgan_lab.registry import Registry


def _common() -> ConfigDict:
    config = ConfigDict()
    config.name = "experiment"  # Model name under --export_dir, as TF Serving sees it.
    config.seed = 0  # Weights, data order and noise all follow from it.

    # Adam, one per player; each model adds its players' rates (players.learning_rates).
    config.optimizer = ConfigDict()
    config.optimizer.beta_1 = 0.5
    config.optimizer.beta_2 = 0.999
    config.optimizer.decay_fraction = 0.0  # The rates decay linearly to 0 over this last
    # share of train.steps (CycleGAN: 0.5); 0: constant.

    config.train = ConfigDict()
    config.train.steps = 2000
    config.train.batch_size = 128  # Global batch, split across replicas.
    config.train.log_every = 50  # Losses are read from the device (and checked) this often.
    config.train.sample_every = 500
    config.train.checkpoint_every = 500
    config.train.keep_checkpoints = 3
    config.train.sample_columns = 10  # Columns of the sample grids.
    config.train.steps_per_loop = 1  # Train steps per call into the device (one tf.function).

    config.eval = ConfigDict()
    config.eval.every = 0  # Steps between metric evaluations while training; 0: none.
    config.eval.num_samples = 5000  # Generated (and test) samples per evaluation.
    config.eval.k = 3  # Nearest neighbours for precision and recall.
    config.eval.classifier_dir = ""  # Empty: $TFGAN_LAB_CACHE/classifiers or ~/.cache/...
    config.eval.classifier_epochs = 0  # > 0: every judge trains this long; 0: its recipe's.
    config.eval.select_by = ""  # A metric of the evaluator: the run gives its state at the
    # evaluation that rated best by it (tfgan_lab/selection.py); empty (or no evaluations):
    # its last state.
    config.eval.select_mode = "max"  # max: select_by is better high; min: better low.

    config.runtime = ConfigDict()
    config.runtime.strategy = "default"
    config.runtime.num_cpu_devices = 0  # >1 splits the CPU into logical devices (tests).
    config.runtime.tpu = ""  # TPU name or address for strategy 'tpu'; empty: the local TPU.
    config.runtime.precision = "float32"
    config.runtime.jit_compile = False
    return config


def base_config(model: str) -> ConfigDict:
    """Every field a run of `model` understands, with its default."""
    config = _common()
    model_class = models.get(model)
    config.update(model_class.config())
    model_class.defaults(config)
    return config


class Group:
    """A top-level config group that a package adds (`register_group`): `schema(config)` gives
    its fields and defaults for `config`, `check(config)` raises ConfigError for bad values,
    `smoke(config)` shrinks it for a few-step run; `frozen` lists its fields that a workdir
    keeps (tfgan_lab/workdir.py)."""

    def __init__(self, schema: Callable[[ConfigDict], ConfigDict],
                 check: Callable[[ConfigDict], None], smoke: Callable[[ConfigDict], None],
                 frozen: tuple[str, ...]):
        self.schema, self.check, self.smoke, self.frozen = schema, check, smoke, frozen


GROUPS: Registry[Group] = Registry("config group")


def register_group(name: str, schema: Callable[[ConfigDict], ConfigDict],
                   check: Callable[[ConfigDict], None], smoke: Callable[[ConfigDict], None],
                   frozen: tuple[str, ...] = ()) -> None:
    """Lets configs carry the group `name` (e.g. `continual`), checked by its owner."""
    GROUPS.register(name)(Group(schema, check, smoke, frozen))


def added_groups(config: ConfigDict) -> list[Group]:
    """The registered groups that `config` carries."""
    return [GROUPS.get(name) for name in config.keys() if name in GROUPS.names()]


def schema(config: ConfigDict) -> ConfigDict:
    """The fields `config` may and must have: its model's, and those of its added groups."""
    if "model" not in config or "variant" not in config.model:
        raise ConfigError("config.model.variant is missing: start the config file from "
                          "tfgan_lab.config.base_config('<model>').")
    reference = base_config(config.model.variant)
    for name in config.keys():
        if name not in reference and name in GROUPS.names():
            reference[name] = GROUPS.get(name).schema(config)
    return reference


def learning_rate_fields(config: ConfigDict) -> list[str]:
    """The `optimizer` fields that are a player's learning rate: g_learning_rate, ..."""
    return [name for name in config.optimizer.keys() if name.endswith("_learning_rate")]


def validate(config: ConfigDict) -> None:
    """Raises ConfigError naming the first unknown field or bad value, and the valid choices."""
    _check_known_fields(config, schema(config), "config")
    _check_name(config.name)
    checks.choice(config, "runtime.strategy", runtime.STRATEGIES)
    checks.choice(config, "runtime.precision", runtime.PRECISIONS)
    checks.positive(config, "train.steps", "train.batch_size", "train.log_every",
                    "train.sample_every", "train.checkpoint_every", "train.keep_checkpoints",
                    "train.sample_columns", "train.steps_per_loop", "eval.num_samples", "eval.k",
                    *(f"optimizer.{name}" for name in learning_rate_fields(config)))
    checks.at_least_zero(config, "seed", "runtime.num_cpu_devices", "eval.every",
                         "eval.classifier_epochs")
    for path in ("optimizer.beta_1", "optimizer.beta_2", "optimizer.decay_fraction"):
        checks.unit_interval(config, path)
    checks.choice(config, "eval.select_mode", ("max", "min"))
    if config.runtime.jit_compile and config.runtime.strategy not in ("default", "tpu"):
        raise ConfigError(
            "config.runtime.jit_compile=True works with runtime.strategy 'default' only (TPUs "
            "always compile): Keras turned XLA off under distribution strategies (keras#19005). "
            "Set --config.runtime.jit_compile=False or --config.runtime.strategy=default.")
    models.of(config).check_config(config)
    for group in added_groups(config):
        group.check(config)


def _check_known_fields(config: ConfigDict, reference: ConfigDict, prefix: str) -> None:
    for key in config.keys():
        if key not in reference:
            raise _unknown_field(prefix, key, reference)
        if isinstance(reference[key], ConfigDict):
            if not isinstance(config[key], ConfigDict):
                raise ConfigError(f"{prefix}.{key} must be a group of fields, not {config[key]!r}.")
            _check_known_fields(config[key], reference[key], f"{prefix}.{key}")
    missing = sorted(set(reference.keys()) - set(config.keys()))
    if missing:
        start = (f"base_config({reference.variant!r})" if prefix == "config.model"
                 else "base_config('<model>')")
        raise ConfigError(f"{prefix} lacks fields {', '.join(missing)}: start the config file "
                          f"from tfgan_lab.config.{start}, which holds the model's fields.")


def _unknown_field(prefix: str, key: str, reference: ConfigDict) -> ConfigError:
    model = (f" (the fields of model {reference.variant!r}; another model's fields come with "
             f"its own config file)" if prefix == "config.model" else "")
    return ConfigError(
        f"Unknown config field {prefix}.{key}{did_you_mean(key, reference.keys())}. "
        f"Valid fields of {prefix}: {', '.join(sorted(reference.keys()))}{model}.")


def check_field_path(path: str, config: ConfigDict) -> None:
    """Raises ConfigError if `path` (e.g. 'train.steps') names no field of `config`'s schema."""
    node, prefix = schema(config), "config"
    for key in path.split("."):
        if not isinstance(node, ConfigDict) or key not in node:
            raise _unknown_field(prefix, key, node if isinstance(node, ConfigDict) else {})
        node, prefix = node[key], f"{prefix}.{key}"


def resolve_stored(stored: dict) -> ConfigDict:
    """A config read from an older workdir: fields the library has added since take their
    defaults, fields it has dropped since (another model's, from the days of one flat `model`
    group) are left out."""
    config = ConfigDict(stored)
    reference = schema(config)

    def merge(node: ConfigDict, values: dict) -> None:
        for key, value in values.items():
            if key in node and isinstance(node[key], ConfigDict) and isinstance(value, dict):
                merge(node[key], value)
            elif key in node:
                node[key] = value

    merge(reference, stored)
    return reference


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"config.name={name!r} is not valid: use letters, digits, '_', '.' "
                          "and '-' (it names the export folder that TF Serving serves).")


def apply_arg(config: ConfigDict, arg: str | None) -> ConfigDict:
    """Applies the config-file argument (`--config=configs/x.py:ARG`): '' or 'smoke'.

    'smoke' shrinks the run to a few steps of a small batch that exercise every code path
    (checkpoints, samples, logs) in seconds, and lets the model shrink its networks
    (`smoke(model_group)` of its class, if it has one); tests and quick checks use it.
    """
    if arg in (None, ""):
        return config
    if arg != "smoke":
        raise ConfigError(f"Unknown config argument {arg!r}: the only one is 'smoke' "
                          "(--config=configs/<file>.py:smoke).")
    models.of(config).smoke(config)
    config.train.update(steps=4, batch_size=16, log_every=1, sample_every=2,
                        checkpoint_every=2, sample_columns=4)
    for group in added_groups(config):
        group.smoke(config)
    return config
