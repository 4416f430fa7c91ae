"""The default config, and the checks every config passes before a run writes anything.

Configs are `ml_collections.ConfigDict`s. Experiment files in `configs/` start from
`base_config()` and change values; they may not add fields, so a typo such as
`config.train.step` stops the run with the list of valid names instead of being ignored.
"""

import difflib
import math
import re

from ml_collections import ConfigDict

from tfgan_lab import data, gans, losses, nets, runtime
from tfgan_lab.errors import ConfigError

# Continual-learning methods: solvers (fine-tuning, joint training, Deep Generative Replay) and
# Memory Replay GAN generators (sequential fine-tuning, joint retraining, replay alignment).
MEMORY_REPLAY_METHODS = ("sft", "jtr", "ra")
CONTINUAL_METHODS = ("finetune", "joint", "dgr", *MEMORY_REPLAY_METHODS)


def base_config() -> ConfigDict:
    """Every field a run understands, with its default."""
    config = ConfigDict()
    config.name = "experiment"  # Model name under --export_dir, as TF Serving sees it.
    config.seed = 0  # Weights, data order and noise all follow from it.

    config.data = ConfigDict()
    config.data.name = "fashion_mnist"  # mnist, fashion_mnist or a TFDS image classification set.
    config.data.idx_dir = ""  # Folder of IDX files; empty: Debian's package, else TFDS.
    config.data.tfds_dir = ""  # TFDS data_dir; empty: TFDS's default.
    config.data.split = "train"

    config.model = ConfigDict()
    config.model.variant = "cgan"
    config.model.loss = "hinge"
    config.model.z_dim = 128
    config.model.g_filters = 64  # Width of the generator's last block; earlier blocks double it.
    config.model.d_filters = 64  # Width of the discriminator's first block.
    config.model.spectral_norm = True
    config.model.critic_steps = 1  # D updates per G update (WGAN-GP: 5); acgan and fcgan.
    config.model.gradient_penalty = 0.0  # WGAN-GP's weight (10 in the paper); acgan, fcgan.
    # acgan: D's class head also learns fakes as their class (Odena et al.); False: real images
    # only, as in Gulrajani et al.'s AC-WGAN-GP. fcgan always learns fakes (as class N).
    config.model.classify_fakes = True
    config.model.generator_class_weight = 1.0  # acgan, fcgan: G's class loss, times this.
    # Where G takes the label: "embedding" concatenated with z, or "batch_norm" (every BN's
    # scale and offset per class, as in Memory Replay GANs' code). Not for the plain GAN.
    config.model.generator_conditioning = "embedding"

    config.optimizer = ConfigDict()
    config.optimizer.g_learning_rate = 2e-4
    config.optimizer.d_learning_rate = 2e-4
    config.optimizer.beta_1 = 0.5
    config.optimizer.beta_2 = 0.999

    config.train = ConfigDict()
    config.train.steps = 2000
    config.train.batch_size = 128  # Global batch, split across replicas.
    config.train.log_every = 50
    config.train.sample_every = 500
    config.train.checkpoint_every = 500
    config.train.keep_checkpoints = 3
    config.train.sample_columns = 10  # Sample grids: one row per class, this many columns.

    config.eval = ConfigDict()
    config.eval.every = 0  # Steps between metric evaluations while training; 0: none.
    config.eval.num_samples = 5000  # Generated (and test) samples per evaluation.
    config.eval.k = 3  # Nearest neighbours for precision and recall.
    config.eval.classifier_dir = ""  # Empty: $TFGAN_LAB_CACHE/classifiers or ~/.cache/...
    config.eval.classifier_epochs = 10

    config.continual = ConfigDict()  # Read by --mode=continual only (tfgan_lab/continual).
    config.continual.method = "finetune"
    config.continual.classes_per_task = 2  # Tasks split the classes in order: {0,1}, {2,3}, ...
    config.continual.num_tasks = 0  # Train the first N tasks only; 0: all of them.
    config.continual.replay_ratio = 0.0  # Share r of new data in each batch; 0: 1/t at task t.
    config.continual.alignment_weight = 1e-3  # RA: weight of |G_t(z, c) - G_t-1(z, c)|^2.
    config.continual.generator_steps = 1000  # Generator training steps per task.
    config.continual.solver_steps = 500  # Solver steps per task (batch train.batch_size).
    config.continual.label_smoothing = 0.0  # Solver's cross-entropy target: (1-s) one-hot + s/K.
    config.continual.test_split = "test"  # Where solvers' task accuracies are measured.

    config.runtime = ConfigDict()
    config.runtime.strategy = "default"
    config.runtime.num_cpu_devices = 0  # >1 splits the CPU into logical devices (tests).
    config.runtime.tpu = ""  # TPU name or address for strategy 'tpu'; empty: the local TPU.
    config.runtime.precision = "float32"
    config.runtime.jit_compile = False
    return config


def validate(config: ConfigDict) -> None:
    """Raises ConfigError naming the first unknown field or bad value, and the valid choices."""
    _check_known_fields(config, base_config(), "config")
    _check_name(config.name)
    _check_choice(config, "data.name", data.names(), open_ended=data.is_known)
    _check_choice(config, "model.variant", gans.names())
    _check_choice(config, "model.loss", losses.names())
    _check_choice(config, "runtime.strategy", runtime.STRATEGIES)
    _check_choice(config, "runtime.precision", runtime.PRECISIONS)
    _check_choice(config, "continual.method", CONTINUAL_METHODS)
    _check_choice(config, "model.generator_conditioning", nets.CONDITIONINGS)
    for path in ("model.z_dim", "model.g_filters", "model.d_filters", "train.steps",
                 "train.batch_size", "train.log_every", "train.sample_every",
                 "train.checkpoint_every", "train.keep_checkpoints", "train.sample_columns",
                 "optimizer.g_learning_rate", "optimizer.d_learning_rate", "eval.num_samples",
                 "eval.k", "eval.classifier_epochs", "model.critic_steps",
                 "continual.classes_per_task", "continual.generator_steps",
                 "continual.solver_steps"):
        _check_positive(config, path)
    _check_variant_options(config)
    if not 0.0 <= config.continual.replay_ratio <= 1.0:
        raise ConfigError(f"config.continual.replay_ratio={config.continual.replay_ratio!r} is "
                          "not valid: it is the share of new data in a batch, in [0, 1] (0: 1/t).")
    if not 0.0 <= config.continual.label_smoothing < 1.0:
        raise ConfigError(f"config.continual.label_smoothing={config.continual.label_smoothing!r} "
                          "is not valid: it is the target's share spread over all classes, in "
                          "[0, 1) (0: plain one-hot cross-entropy).")
    if min(config.continual.num_tasks, config.continual.alignment_weight) < 0:
        raise ConfigError("config.continual.num_tasks and config.continual.alignment_weight "
                          "must be >= 0.")
    for path in ("optimizer.beta_1", "optimizer.beta_2"):
        value = _get(config, path)
        if not 0.0 <= value < 1.0:
            raise ConfigError(f"config.{path}={value!r} is not valid: it must be in [0, 1).")
    if min(config.seed, config.runtime.num_cpu_devices, config.eval.every) < 0:
        raise ConfigError("config.seed, config.runtime.num_cpu_devices and config.eval.every "
                          "must be >= 0.")
    if config.runtime.jit_compile and config.runtime.strategy not in ("default", "tpu"):
        raise ConfigError(
            "config.runtime.jit_compile=True works with runtime.strategy 'default' only (TPUs "
            "always compile): Keras turned XLA off under distribution strategies (keras#19005). "
            "Set --config.runtime.jit_compile=False or --config.runtime.strategy=default.")


def _check_variant_options(config: ConfigDict) -> None:
    model = config.model
    for field in ("gradient_penalty", "generator_class_weight"):
        if model[field] < 0:
            raise ConfigError(f"config.model.{field}={model[field]!r} must be >= 0.")
    if ((model.critic_steps != 1 or model.gradient_penalty)
            and not gans.has_auxiliary_classifier(model.variant)):
        raise ConfigError(f"config.model.critic_steps and gradient_penalty are implemented for "
                          f"acgan and fcgan, not {model.variant!r}: leave them at 1 and 0.")
    if model.generator_class_weight != 1.0 and not gans.has_auxiliary_classifier(model.variant):
        raise ConfigError(f"config.model.generator_class_weight applies to acgan and fcgan, not "
                          f"{model.variant!r} (no class head): leave it at 1.")
    if model.generator_conditioning != "embedding" and model.variant == "gan":
        raise ConfigError("config.model.generator_conditioning applies to the conditional "
                          "variants, not 'gan' (its generator takes no label): leave it at "
                          "'embedding'.")
    if not model.classify_fakes and model.variant != "acgan":
        raise ConfigError(f"config.model.classify_fakes=False applies to acgan only, not "
                          f"{model.variant!r} (FC-GAN's class head learns every fake as class N; "
                          "the others have no class head): leave it True.")
    if model.variant == "gan" and config.eval.every:
        raise ConfigError("The metrics score a conditional generator (they need each sample's "
                          "class); set --config.eval.every=0 for model.variant='gan'.")


def _get(config: ConfigDict, path: str):
    value = config
    for key in path.split("."):
        value = value[key]
    return value


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
        raise ConfigError(f"{prefix} lacks fields {', '.join(missing)}: start the config file "
                          "from tfgan_lab.config.base_config().")


def _unknown_field(prefix: str, key: str, reference: ConfigDict) -> ConfigError:
    return ConfigError(
        f"Unknown config field {prefix}.{key}{_did_you_mean(key, reference.keys())}. "
        f"Valid fields of {prefix}: {', '.join(sorted(reference.keys()))}.")


def check_field_path(path: str) -> None:
    """Raises ConfigError if `path` (e.g. 'train.steps') names no field of base_config()."""
    node, prefix = base_config(), "config"
    for key in path.split("."):
        if not isinstance(node, ConfigDict) or key not in node:
            raise _unknown_field(prefix, key, node if isinstance(node, ConfigDict) else {})
        node, prefix = node[key], f"{prefix}.{key}"


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"config.name={name!r} is not valid: use letters, digits, '_', '.' "
                          "and '-' (it names the export folder that TF Serving serves).")


def _check_choice(config: ConfigDict, path: str, choices, open_ended=None) -> None:
    value = _get(config, path)
    if value in choices or (open_ended is not None and open_ended(value)):
        return
    more = " or any TFDS image classification dataset" if open_ended else ""
    raise ConfigError(f"config.{path}={value!r} is not valid{_did_you_mean(value, choices)}: "
                      f"choose one of {', '.join(choices)}{more}.")


def _check_positive(config: ConfigDict, path: str) -> None:
    value = _get(config, path)
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ConfigError(f"config.{path}={value!r} is not valid: it must be a number > 0.")


def _did_you_mean(value, choices) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def apply_arg(config: ConfigDict, arg: str | None) -> ConfigDict:
    """Applies the config-file argument (`--config=configs/x.py:ARG`): '' or 'smoke'.

    'smoke' shrinks networks, batch and run to a few steps that exercise every code path
    (checkpoints, samples, logs) in seconds; tests and quick checks use it.
    """
    if arg in (None, ""):
        return config
    if arg != "smoke":
        raise ConfigError(f"Unknown config argument {arg!r}: the only one is 'smoke' "
                          "(--config=configs/<file>.py:smoke).")
    config.model.z_dim, config.model.g_filters, config.model.d_filters = 16, 8, 8
    config.train.update(steps=4, batch_size=16, log_every=1, sample_every=2,
                        checkpoint_every=2, sample_columns=4)
    config.continual.update(generator_steps=4, solver_steps=4)
    return config
