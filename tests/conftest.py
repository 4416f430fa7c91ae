"""Shared fixtures. The CPU is split into 2 logical devices before TensorFlow starts, so the
MirroredStrategy tests can run two replicas on a machine without GPUs."""

import itertools
import os
import sys

import keras
import pytest
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import data, models, runtime, train
from tfgan_lab.config import apply_arg, base_config

runtime.split_cpu(2)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # the config files import configs.common


@pytest.fixture(scope="session")
def fashion_mnist() -> data.LabeledImages:
    """The real Fashion-MNIST training split (Debian's dataset-fashion-mnist)."""
    return data.load("fashion_mnist", "train")


@pytest.fixture(scope="session")
def trained_classifier(tmp_path_factory) -> tuple[str, float]:
    """(path, test accuracy) of a reference classifier for fashion_mnist, trained for one short
    epoch on 8000 real images and cached in a temporary classifier_dir (path's grandparent)."""
    from tfgan_lab import eval

    config = apply_arg(base_config(), "smoke")
    config.data.split = "train[:8000]"
    config.eval.update(classifier_dir=str(tmp_path_factory.mktemp("classifiers")),
                       classifier_epochs=1)
    return eval.train_classifier(config)


def smoke(variant: str = "cgan") -> ConfigDict:
    """The smoke config (a few steps of tiny networks) of model `variant`."""
    config = apply_arg(base_config(variant), "smoke")
    config.name = f"test_{variant}"
    return config


def training_setup(config: ConfigDict):
    """(model, train function, batch iterator) of `config`, built as `train.train` builds them;
    the train function takes one step per call."""
    strategy = runtime.setup(config.runtime, config.seed)
    dataset = models.of(config).load_data(config, config.data.split)
    model = train.build(config, dataset.info, strategy)
    batches = train.distributed_batches(dataset, model, config, strategy, 0)
    return model, train.make_train_function(model, strategy, config.runtime.jit_compile), batches


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
