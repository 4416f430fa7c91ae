"""Where and how a run computes: distribution strategy, precision policy, seeds.

The XLA switch (`config.runtime.jit_compile`) is applied by the training loop, which compiles
each replica's train step with it.
"""

import os
import platform

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.errors import ConfigError

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def split_cpu(num_devices: int) -> None:
    """Splits the CPU into `num_devices` logical devices, so that MirroredStrategy can be
    exercised without GPUs. Must run before TensorFlow initialises its devices."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu) or [None]
    if len(current) == num_devices:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)])
    except RuntimeError:
        raise ConfigError(
            f"runtime.num_cpu_devices={num_devices} came too late: TensorFlow has already "
            f"initialised {len(current)} CPU device(s). Split the CPU before any TensorFlow op "
            "runs (tfgan_lab.runtime.split_cpu at start-up).") from None


def make_strategy(runtime: ConfigDict) -> tf.distribute.Strategy:
    """The tf.distribute strategy named by `runtime.strategy`."""
    if runtime.num_cpu_devices > 1:
        split_cpu(runtime.num_cpu_devices)
    if runtime.strategy == "default":
        return tf.distribute.get_strategy()
    if runtime.strategy == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if runtime.strategy == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ConfigError(
                "runtime.strategy='multi_worker' reads the cluster from the TF_CONFIG "
                "environment variable, which is not set. Set it on every worker, e.g. "
                '{"cluster": {"worker": ["host1:port", "host2:port"]}, '
                '"task": {"type": "worker", "index": 0}}.')
        return tf.distribute.MultiWorkerMirroredStrategy()
    if runtime.strategy == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=runtime.tpu or "local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ConfigError(f"Unknown strategy {runtime.strategy!r}: choose one of "
                      f"{', '.join(STRATEGIES)}.")


def set_precision(name: str) -> None:
    """Sets the Keras dtype policy for every layer built afterwards.

    Under mixed_float16 the variants wrap their optimizers in LossScaleOptimizer themselves
    (see players.py); model outputs (images, logits) stay float32 either way.
    """
    if name not in PRECISIONS:
        raise ConfigError(f"Unknown precision {name!r}: choose one of {', '.join(PRECISIONS)}.")
    keras.mixed_precision.set_global_policy(name)


def setup(runtime: ConfigDict, seed: int) -> tf.distribute.Strategy:
    """Seeds everything, sets the precision policy and returns the strategy."""
    keras.utils.set_random_seed(seed)
    set_precision(runtime.precision)
    return make_strategy(runtime)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this worker writes checkpoints, summaries, samples and exports."""
    return bool(strategy.extended.should_checkpoint)


def machine_description() -> str:
    """CPU model, visible cores, GPUs and Python version: the 'Machine' line of results."""
    cpu = platform.processor() or "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    gpus = len(tf.config.list_physical_devices("GPU"))
    return (f"{cpu}, {os.cpu_count()} cores visible, {gpus or 'no'} GPU{'s' * (gpus != 1)}, "
            f"Python {platform.python_version()}")
