"""Shared fixtures. The CPU is split into 2 logical devices before TensorFlow starts, so the
MirroredStrategy tests can run two replicas on a machine without GPUs."""

import fcntl
import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tfgan_lab.console import quiet_tensorflow

_TF_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
quiet_tensorflow([])  # the suite's output without TensorFlow's C++ start-up lines

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from ml_collections import ConfigDict  # noqa: E402

from tfgan_lab import checkpoints, data, models, runtime, train, workdir  # noqa: E402
from tfgan_lab.config import apply_arg, base_config  # noqa: E402

runtime.split_cpu(2)  # (its cuInit line hidden too)
if _TF_LOG_LEVEL is None:  # the commands that tests start choose their own console
    os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A model's step in float32, and again in mixed_bfloat16 in the slow tier (docs/testing.md).
PRECISIONS = ["float32", pytest.param("mixed_bfloat16", marks=pytest.mark.slow)]
sys.path.insert(0, REPO)  # the config files import configs.common


@pytest.fixture(scope="session")
def fashion_mnist() -> data.LabeledImages:
    """The real Fashion-MNIST training split (Debian's dataset-fashion-mnist)."""
    return data.load("fashion_mnist", "train")


@pytest.fixture(scope="session")
def trained_classifier(tmp_path_factory) -> tuple[str, float]:
    """(path, test accuracy) of the first reference classifier for fashion_mnist, trained for one
    short epoch on 8000 real images and cached in a temporary classifier_dir (path's
    grandparent), where the second judge is trained by its own recipe for three (its
    augmentation slows the start: one epoch gives about 0.47, three 0.71). Trained once per
    test run: the first xdist worker to need them trains them, the other waits and reads them."""
    from tfgan_lab import eval

    shared = _run_folder(tmp_path_factory)
    config = apply_arg(base_config("cgan"), "smoke")
    config.data.split = "train[:8000]"
    config.eval.update(classifier_dir=str(shared / "classifiers"), classifier_epochs=3)
    with open(shared / "classifiers.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if eval.missing_judges(config):
            eval.train_classifier(config, "second")
            config.eval.classifier_epochs = 1
            eval.train_classifier(config, "first")
    return (os.path.join(eval.cache_dir(config), "classifier.keras"),
            eval.cached_metrics(config)["test_accuracy"])


def _run_folder(tmp_path_factory) -> Path:
    """A temporary folder of this test run that all its xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


TENSORFLOW_LOG = ("I0000", "E0000", "W0000", "WARNING: All log messages before absl")


def tensorflow_lines(stderr: str) -> list[str]:
    """The lines of a command's `stderr` that TensorFlow's C++ logging wrote (a progress bar's
    carriage returns split lines too): none, on the quiet console."""
    return [line for line in stderr.replace("\r", "\n").splitlines()
            if line.startswith(TENSORFLOW_LOG)]


def run_main(*args, cwd, **kwargs) -> subprocess.CompletedProcess:
    """`python main.py ARGS` in `cwd` as a user runs it, output captured (`input=` feeds its
    standard input)."""
    return subprocess.run([sys.executable, os.path.join(REPO, "main.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, **kwargs)


def wait_until(condition: Callable[[], bool], seconds: float, what: str,
               process: subprocess.Popen | None = None, every: float = 0.1) -> None:
    """Polls `condition` every `every` seconds until it holds; fails saying `what` after
    `seconds`, or, if `process` ends first, with the end of its standard error (a pipe)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the command ended first ({process.returncode}):\n"
                        f"{process.stderr.read()[-3000:]}")
        assert time.monotonic() < deadline, what
        time.sleep(every)


def judges_env(tmp_path: Path, trained_classifier: tuple[str, float]) -> dict[str, str]:
    """The environment of a results command run as a subprocess in `tmp_path` that finds the
    session's two judges (TFGAN_LAB_CACHE) instead of training its own."""
    cache = tmp_path / "cache"
    cache.mkdir()
    os.symlink(os.path.dirname(os.path.dirname(trained_classifier[0])), cache / "classifiers")
    return {**os.environ, "TFGAN_LAB_CACHE": str(cache)}


def smoke(variant: str = "cgan") -> ConfigDict:
    """The smoke config (a few steps of tiny networks) of model `variant`."""
    config = apply_arg(base_config(variant), "smoke")
    config.name = f"test_{variant}"
    return config


class PipelineContext:
    """The fields of tf.distribute.InputContext that the data pipeline reads."""

    def __init__(self, pipelines: int, pipeline_id: int, replicas: int):
        self.num_input_pipelines = pipelines
        self.input_pipeline_id = pipeline_id
        self.num_replicas_in_sync = replicas


def training_setup(config: ConfigDict):
    """(model, train function, batch iterator) of `config`, built as `train.train` builds them;
    the train function takes one step per call."""
    strategy = runtime.setup(config.runtime, config.seed)
    dataset = models.of(config).load_data(config, config.data.split)
    model = train.build(config, dataset.info, strategy)
    batches = train.distributed_batches(dataset, model, config, strategy, 0)
    return model, train.make_train_function(model, strategy, config.runtime.jit_compile), batches


def rewound(run: str, step: int, copy: str) -> str:
    """`copy`: the finished workdir `run` as it stood after its checkpoint at `step`, the
    later checkpoints set aside, as a run killed there leaves it. Training it again to the same
    steps resumes from `step`, so comparing with `run` tests an exact resume with two
    trainings, not three."""
    shutil.copytree(run, copy)
    directory = workdir.checkpoint_dir(copy)
    paths = list(tf.train.get_checkpoint_state(directory).all_model_checkpoint_paths)
    kept = [path for path in paths if int(path.rsplit("-", 1)[1]) <= step]
    assert kept and len(kept) < len(paths), f"{run} has no checkpoint at {step} and after"
    checkpoints.set_aside(directory, paths[len(kept):], kept)
    return copy


def rerun_from_records(command: list[str], cwd: Path, *gone: str,
                       **kwargs) -> subprocess.CompletedProcess:
    """A results `command` run again with --from_records in `cwd` after the folders `gone`
    (its runs, its exports) are deleted, as on a fresh machine: it succeeds without training
    again (no folder of `gone` comes back)."""
    for folder in gone:
        shutil.rmtree(cwd / folder)
    again = subprocess.run([*command, "--from_records"], cwd=cwd, capture_output=True,
                           text=True, timeout=900, **kwargs)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not any((cwd / folder).exists() for folder in gone)  # nothing trained again
    return again


def assert_mirrored_equals_default(config: ConfigDict, steps: int = 2) -> dict:
    """Trains `config` for `steps` steps under `default` and under `mirrored` (2 replicas) and
    asserts equal losses at every step and equal variables at the end; returns the
    variables."""
    return assert_runtimes_agree(config, "strategy", ("default", "mirrored"), steps)


def assert_runtimes_agree(config: ConfigDict, field: str, values: tuple, steps: int = 2) -> dict:
    """Trains `config` for `steps` steps with each of two `values` of `config.runtime.<field>`
    and asserts equal losses at every step and equal variables at the end; returns the
    variables."""
    results = []
    for value in values:
        config.runtime[field] = value
        model, step, batches = training_setup(config)
        logs = [{k: float(v) for k, v in step(batches).items()} for _ in range(steps)]
        results.append((logs, {v.path: v.numpy() for v in model.weights}))
    (one_logs, one), (two_logs, two) = results
    for a, b in zip(one_logs, two_logs, strict=True):
        for name in a:
            np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-5, err_msg=name)
    assert one.keys() == two.keys()
    for name, value in one.items():
        np.testing.assert_allclose(two[name], value, rtol=1e-4, atol=1e-5, err_msg=name)
    return one


@pytest.fixture
def smoke_config() -> ConfigDict:
    return smoke("cgan")


@pytest.fixture(autouse=True)
def float32_policy():
    """Tests that change the global precision policy do not leak it into the next test."""
    yield
    keras.mixed_precision.set_global_policy("float32")


_KEY_BASES = itertools.count(1)


@pytest.fixture(autouse=True)
def separate_collective_keys():
    """TensorFlow keeps collective ops' parameters per (group, instance) key for the whole
    process, and every MirroredStrategy numbers its keys from the same base: two tests that
    train different models under `mirrored` would clash. Each test's strategies get their own
    keys, as TensorFlow's own tests do (`_collective_key_base`, "only set this in tests")."""
    tf.distribute.MirroredStrategy._collective_key_base = 100_000 * next(_KEY_BASES)
    yield
