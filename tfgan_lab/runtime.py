"""Where and how a run computes: distribution strategy, precision policy, seeds.

The XLA switch (`config.runtime.jit_compile`) is applied by the training loop, which compiles
each replica's train step with it.
"""

import os
import platform

import keras
import tensorflow as tf
from absl import logging
from ml_collections import ConfigDict

from tfgan_lab.errors import ConfigError

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
# CPU flags of native bfloat16 arithmetic: AVX-512 BF16 and AMX (x86), the BF16 extension (Arm).
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")
# How machine_description says which, and recorded_policy reads it back from a record.
NATIVE_BFLOAT16, EMULATED_BFLOAT16 = "native bfloat16", "bfloat16 emulated"


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
        return _tpu_strategy(runtime.tpu or "local")
    raise ConfigError(f"Unknown strategy {runtime.strategy!r}: choose one of "
                      f"{', '.join(STRATEGIES)}.")


def _tpu_strategy(tpu: str) -> tf.distribute.TPUStrategy:
    """TPUStrategy on `tpu` ("local": this machine's); ConfigError when there is none."""
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, OSError, tf.errors.OpError) as e:  # (OSError: a Cloud
        # TPU's name looked up offline.) Its first sentence; the rest is TensorFlow's op dump.
        reason = str(e).strip().splitlines()[0].split(". ")[0].rstrip(".")
        raise ConfigError(f"runtime.strategy='tpu' found no TPU at runtime.tpu={tpu!r} ({reason})"
                          ". Name a Cloud TPU (--config.runtime.tpu=NAME or grpc://HOST:PORT) "
                          "or run where one is attached; on CPUs and GPUs choose "
                          "runtime.strategy=default or mirrored.") from None
    return tf.distribute.TPUStrategy(resolver)


def _cpuinfo(*keys: str) -> list[str]:
    """The values of /proc/cpuinfo's lines that start with one of `keys`; none off Linux."""
    if not os.path.exists("/proc/cpuinfo"):
        return []
    with open("/proc/cpuinfo") as f:
        return [line.split(":", 1)[1].strip() for line in f if line.startswith(keys)]


def _cpu_flags() -> set[str]:
    return {flag for value in _cpuinfo("flags", "Features") for flag in value.split()}


def native_bfloat16(strategy: str = "default") -> str | None:
    """What computes bfloat16 natively here (a TPU, a GPU of compute capability 8.0 or newer,
    or the CPU flag that does), or None: then bfloat16 is emulated, and on a CPU several times
    slower than float32 (docs/distributed.md)."""
    if strategy == "tpu":
        return "TPU"
    for gpu in tf.config.list_physical_devices("GPU"):
        if tf.config.experimental.get_device_details(gpu).get("compute_capability",
                                                               (0, 0)) >= (8, 0):
            return "GPU"
    flags = [flag for flag in BFLOAT16_CPU_FLAGS if flag in _cpu_flags()]
    return f"CPU ({flags[0]})" if flags else None


def policy_name(precision: str, strategy: str = "default") -> str:
    """The Keras dtype policy of `precision`: 'auto' is mixed_bfloat16 where bfloat16 is native
    and float32 elsewhere (never mixed_float16, whose loss scaling changes the checkpoint)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"Unknown precision {precision!r}: choose one of "
                          f"{', '.join(PRECISIONS)}.")
    if precision != "auto":
        return precision
    return "mixed_bfloat16" if native_bfloat16(strategy) else "float32"


def recorded_policy(precision: str, machine: str) -> str:
    """The policy that `precision` resolved to on `machine`, a machine_description (which says
    whether bfloat16 was native there): what a recorded run trained in."""
    if precision != "auto":
        return precision
    if NATIVE_BFLOAT16 in machine:
        return "mixed_bfloat16"
    return "float32" if EMULATED_BFLOAT16 in machine else "precision auto"


def set_precision(precision: str, strategy: str = "default") -> str:
    """Sets the Keras dtype policy of `precision` for every layer built afterwards, and returns
    its name.

    Under mixed_float16 the variants wrap their optimizers in LossScaleOptimizer themselves
    (see players.py); model outputs (images, logits) stay float32 either way.
    """
    name = policy_name(precision, strategy)
    keras.mixed_precision.set_global_policy(name)
    return name


def setup(runtime: ConfigDict, seed: int) -> tf.distribute.Strategy:
    """Seeds everything, sets the precision policy and returns the strategy."""
    keras.utils.set_random_seed(seed)
    policy = set_precision(runtime.precision, runtime.strategy)
    logging.info("Precision %s: the %s policy", runtime.precision, policy)
    return make_strategy(runtime)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this worker writes checkpoints, summaries, samples and exports."""
    return bool(strategy.extended.should_checkpoint)


def machine_description() -> str:
    """CPU model, visible cores, GPUs, whether bfloat16 is native (what precision 'auto'
    picks) and Python version: the 'Machine' line of results."""
    names = _cpuinfo("model name")
    cpu = names[0] if names else platform.processor() or "unknown CPU"
    gpus = len(tf.config.list_physical_devices("GPU"))
    bfloat16 = native_bfloat16()
    return (f"{cpu}, {os.cpu_count()} cores visible, {gpus or 'no'} GPU{'s' * (gpus != 1)}, "
            f"{f'{NATIVE_BFLOAT16} ({bfloat16})' if bfloat16 else EMULATED_BFLOAT16}, "
            f"Python {platform.python_version()}")
