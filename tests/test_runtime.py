import keras
import pytest
import tensorflow as tf

from tfgan_lab import runtime
from tfgan_lab.config import base_config
from tfgan_lab.errors import ConfigError


def test_default_and_mirrored_strategies():
    config = base_config("cgan").runtime
    assert runtime.make_strategy(config).num_replicas_in_sync == 1
    config.strategy, config.num_cpu_devices = "mirrored", 2
    mirrored = runtime.make_strategy(config)
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync == 2
    assert runtime.is_chief(mirrored)


def test_multi_worker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = base_config("cgan").runtime
    config.strategy = "multi_worker"
    with pytest.raises(ConfigError, match="TF_CONFIG"):
        runtime.make_strategy(config)


def test_cpu_split_after_start_up_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="came too late"):
        runtime.split_cpu(3)


@pytest.mark.parametrize("name", ["float32", "mixed_bfloat16", "mixed_float16"])
def test_precision_policies(name):
    assert runtime.set_precision(name) == name
    assert keras.mixed_precision.dtype_policy().name == name


@pytest.mark.parametrize("flags, policy", [
    ({"avx2", "fma"}, "float32"),  # AMD EPYC of these machines: bfloat16 emulated
    ({"avx2", "avx512f", "avx512_bf16"}, "mixed_bfloat16"),
    ({"avx512f", "amx_bf16", "amx_tile"}, "mixed_bfloat16"),
    ({"fp", "asimd", "bf16"}, "mixed_bfloat16"),  # Arm with the BF16 extension
])
def test_auto_precision_is_bfloat16_only_where_it_is_native(monkeypatch, flags, policy):
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: flags)
    assert runtime.set_precision("auto") == policy
    assert keras.mixed_precision.dtype_policy().name == policy
    assert runtime.policy_name("auto", strategy="tpu") == "mixed_bfloat16"
    assert (", bfloat16 emulated, " in runtime.machine_description()) == (policy == "float32")


def test_cpu_flags_are_read_from_this_machine():
    flags = runtime._cpu_flags()
    assert {"sse2", "fp"} & flags, "neither an x86 nor an Arm CPU's flags in /proc/cpuinfo"
    assert runtime.policy_name("auto") == (
        "mixed_bfloat16" if set(runtime.BFLOAT16_CPU_FLAGS) & flags else "float32")


def test_unknown_precision():
    with pytest.raises(ConfigError, match="auto, float32, mixed_bfloat16, mixed_float16"):
        runtime.set_precision("float64")


def test_setup_seeds_everything():
    config = base_config("cgan")
    runtime.setup(config.runtime, seed=5)
    a = keras.random.normal([3]).numpy()
    runtime.setup(config.runtime, seed=5)
    assert (a == keras.random.normal([3]).numpy()).all()


def test_a_record_s_machine_line_gives_the_policy_auto_picked_there():
    here = runtime.machine_description()
    assert runtime.recorded_policy("auto", here) == runtime.policy_name("auto")
    assert runtime.recorded_policy("mixed_float16", here) == "mixed_float16"
    zen3, zen4 = ("AMD EPYC, 2 cores visible, no GPUs, bfloat16 emulated, Python 3.11.7",
                  "AMD EPYC, 2 cores visible, no GPUs, native bfloat16 (CPU (avx512_bf16)), "
                  "Python 3.11.7")
    assert runtime.recorded_policy("auto", zen3) == "float32"
    assert runtime.recorded_policy("auto", zen4) == "mixed_bfloat16"
    # A record older than the machine line's bfloat16 words: not guessed.
    assert runtime.recorded_policy("auto", "Intel Xeon, 2 cores visible") == "precision auto"
