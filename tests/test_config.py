import glob
import importlib.util
import os

import pytest

from tfgan_lab.config import apply_arg, base_config, check_field_path, validate
from tfgan_lab.errors import ConfigError

from conftest import REPO

CONFIG_FILES = sorted(p for p in glob.glob(os.path.join(REPO, "configs", "*.py"))
                      if os.path.basename(p) not in ("__init__.py", "common.py",
                                                "continual_fashion_mnist.py"))  # test_continual


def _load(path, arg=""):
    spec = importlib.util.spec_from_file_location("experiment_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(arg)


def test_defaults_are_valid():
    validate(base_config("cgan"))
    validate(apply_arg(base_config("cgan"), "smoke"))


@pytest.mark.parametrize("path", CONFIG_FILES, ids=os.path.basename)
def test_every_config_file_is_valid(path):
    config = _load(path)
    validate(config)
    assert config.name == os.path.basename(path)[:-3], "export name = config file name"
    smoke = _load(path, "smoke")
    validate(smoke)
    assert smoke.train.steps < 10


def test_unknown_field_names_it_and_the_valid_ones():
    config = base_config("cgan")
    config.train.unlock()
    config.train.step = 100
    with pytest.raises(ConfigError, match=r"config\.train\.step \(did you mean 'steps'\?\).*"
                                          r"batch_size.*steps"):
        validate(config)


def test_override_paths_are_checked_against_the_fields():
    config = base_config("acgan")
    check_field_path("train.steps", config)
    check_field_path("model.critic_steps", config)
    with pytest.raises(ConfigError, match=r"config\.trian \(did you mean 'train'\?\)"):
        check_field_path("trian.steps", config)
    with pytest.raises(ConfigError, match="Unknown config field config.seed.value"):
        check_field_path("seed.value", config)
    with pytest.raises(ConfigError, match="config.model.critic_steps"):
        check_field_path("model.critic_steps", base_config("cgan"))


def test_missing_field():
    config = base_config("cgan")
    del config.model["loss"]
    with pytest.raises(ConfigError, match="config.model lacks fields loss"):
        validate(config)


@pytest.mark.parametrize("path,value,message", [
    ("runtime.precision", "float64", "auto, float32, mixed_bfloat16, mixed_float16"),
    ("runtime.strategy", "mirored", "did you mean 'mirrored'"),
    ("model.variant", "dcgan", "choose one of .*cgan"),
    ("model.loss", "hinj", "did you mean 'hinge'"),
    ("data.name", "fashion_mnits", "did you mean 'fashion_mnist'"),
    ("train.steps", 0, "must be a number > 0"),
    ("optimizer.d_learning_rate", float("nan"), "must be a number > 0"),
    ("optimizer.beta_1", 1.0, r"in \[0, 1\)"),
    ("model.generator_conditioning", "batchnorm", "did you mean 'batch_norm'"),
    ("continual.label_smoothing", 1.0, r"in \[0, 1\)"),
    ("continual.label_smoothing", -0.1, r"in \[0, 1\)"),
    ("continual.method", "dgrr", "did you mean .dgr."),
    ("optimizer.decay_fraction", 1.0, r"in \[0, 1\)"),
    ("train.steps_per_loop", 0, "must be a number > 0"),
    ("name", "my model", "letters, digits"),
])
def test_bad_values_name_the_field_and_the_choices(path, value, message):
    from tfgan_lab import continual

    config = (continual.base_config("finetune") if path.startswith("continual")
              else base_config("cgan"))
    group, _, key = path.rpartition(".")
    (config[group] if group else config)[key] = value
    with pytest.raises(ConfigError, match=message) as error:
        validate(config)
    assert f"config.{path}" in str(error.value)


def test_jit_with_a_distribution_strategy_is_refused():
    config = base_config("cgan")
    config.runtime.jit_compile, config.runtime.strategy = True, "mirrored"
    with pytest.raises(ConfigError, match="jit_compile=True works with runtime.strategy "
                                          "'default' only"):
        validate(config)


def test_unknown_config_argument():
    with pytest.raises(ConfigError, match="only one is 'smoke'"):
        apply_arg(base_config("cgan"), "tiny")


def test_each_model_names_its_players_learning_rates():
    """The common optimizer group holds what players share; each model adds its own players'
    rates, which are checked like any field."""
    from tfgan_lab import models

    for name in models.names():
        rates = [field for field in base_config(name).optimizer.keys()
                 if field.endswith("_learning_rate")]
        assert rates, name
    config = base_config("cyclegan")
    assert set(config.optimizer.keys()) == {"beta_1", "beta_2", "decay_fraction", "g_learning_rate",
                                        "d_learning_rate"}
    config.optimizer.g_learning_rate = -1.0
    with pytest.raises(ConfigError, match="optimizer.g_learning_rate"):
        validate(config)
