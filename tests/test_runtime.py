import keras
import pytest
import tensorflow as tf

from tfgan_lab import runtime
from tfgan_lab.config import base_config
from tfgan_lab.errors import ConfigError


def test_default_and_mirrored_strategies():
    config = base_config().runtime
    assert runtime.make_strategy(config).num_replicas_in_sync == 1
    config.strategy, config.num_cpu_devices = "mirrored", 2
    mirrored = runtime.make_strategy(config)
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync == 2
    assert runtime.is_chief(mirrored)


def test_multi_worker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = base_config().runtime
    config.strategy = "multi_worker"
    with pytest.raises(ConfigError, match="TF_CONFIG"):
        runtime.make_strategy(config)


def test_cpu_split_after_start_up_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="came too late"):
        runtime.split_cpu(3)


@pytest.mark.parametrize("name", runtime.PRECISIONS)
def test_precision_policies(name):
    runtime.set_precision(name)
    assert keras.mixed_precision.dtype_policy().name == name


def test_unknown_precision():
    with pytest.raises(ConfigError, match="float32, mixed_bfloat16, mixed_float16"):
        runtime.set_precision("float64")


def test_setup_seeds_everything():
    config = base_config()
    runtime.setup(config.runtime, seed=5)
    a = keras.random.normal([3]).numpy()
    runtime.setup(config.runtime, seed=5)
    assert (a == keras.random.normal([3]).numpy()).all()
