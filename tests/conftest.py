"""Shared fixtures. The CPU is split into 2 logical devices before TensorFlow starts, so the
MirroredStrategy tests can run two replicas on a machine without GPUs."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402
from ml_collections import ConfigDict  # noqa: E402

from tfgan_lab import data, runtime  # noqa: E402
from tfgan_lab.config import apply_arg, base_config  # noqa: E402

runtime.split_cpu(2)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def fashion_mnist() -> data.LabeledImages:
    """The real Fashion-MNIST training split (Debian's dataset-fashion-mnist)."""
    return data.load("fashion_mnist", "train")


@pytest.fixture
def smoke_config() -> ConfigDict:
    config = apply_arg(base_config(), "smoke")
    config.name = "test_cgan"
    return config


@pytest.fixture(autouse=True)
def float32_policy():
    """Tests that change the global precision policy do not leak it into the next test."""
    yield
    keras.mixed_precision.set_global_policy("float32")
