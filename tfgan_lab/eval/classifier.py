"""Reference classifiers: one per dataset, trained once on real data and cached.

Every metric reads generated images through the same classifier, so numbers are comparable
across variants and runs. It is cached as `<cache>/<dataset>/classifier.keras` with its test
accuracy in `metrics.json`; `<cache>` is `config.eval.classifier_dir`, else
`$TFGAN_LAB_CACHE/classifiers`, else `~/.cache/tfgan_lab/classifiers`.
Train it with: python main.py --mode=train_classifier --config=configs/<experiment>.py
"""

import json
import os
import sys
from collections.abc import Callable

import keras
import numpy as np
from keras import layers
from ml_collections import ConfigDict

from tfgan_lab import data
from tfgan_lab.errors import EvaluationError

BATCH_SIZE = 128
LEARNING_RATE = 1e-3


def classifier_net(image_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """images -> {"logits", "probabilities", "features"}: two conv blocks (32, 64 filters,
    batch norm, max pooling), a 128-unit feature layer, dropout, a linear head."""
    images = keras.Input(image_shape, name="images")
    x = images
    for filters in (32, 64):
        for i in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                              name=f"conv{filters}_{i}")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"conv{filters}_{i}_bn")(x)
            x = layers.ReLU(name=f"conv{filters}_{i}_relu")(x)
        x = layers.MaxPooling2D(name=f"pool{filters}")(x)
    x = layers.Dropout(0.3, name="dropout_conv")(layers.Flatten(name="flatten")(x))
    features = layers.Dense(128, activation="relu", dtype="float32", name="features")(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(
        layers.Dropout(0.3, name="dropout_features")(features))
    probabilities = layers.Softmax(dtype="float32", name="probabilities")(logits)
    return keras.Model(images, {"logits": logits, "probabilities": probabilities,
                                "features": features}, name="classifier")


def cache_dir(config: ConfigDict) -> str:
    """The folder of `config.data.name`'s reference classifier."""
    root = config.eval.classifier_dir or os.path.join(
        os.environ.get("TFGAN_LAB_CACHE", os.path.expanduser("~/.cache/tfgan_lab")),
        "classifiers")
    return os.path.join(root, config.data.name)


def accuracy(classifier: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of `classifier` on uint8 images."""
    probabilities = predict(classifier, data.to_float(images).numpy())["probabilities"]
    return float(np.mean(np.argmax(probabilities, -1) == labels))


def batched(function: Callable[..., object], *arrays: np.ndarray,
            batch_size: int = 250) -> np.ndarray:
    """`function(*arrays)` computed batch by batch along the first axis and concatenated
    (translators, encoders and generators applied to a whole test set)."""
    return np.concatenate([np.asarray(function(*(a[i:i + batch_size] for a in arrays)))
                           for i in range(0, len(arrays[0]), batch_size)])


def predict(classifier: keras.Model, images: np.ndarray,
            batch_size: int = 500) -> dict[str, np.ndarray]:
    """The classifier's outputs for float images in [-1, 1], batch by batch."""
    outputs = [classifier(images[i:i + batch_size], training=False)
               for i in range(0, len(images), batch_size)]
    return {k: np.concatenate([np.asarray(o[k]) for o in outputs]) for k in outputs[0]}


def train_classifier(config: ConfigDict) -> tuple[str, float]:
    """Trains `config.data.name`'s reference classifier on `config.data.split` (the training
    split by default), caches it, and returns (path, test accuracy). Adam 1e-3, batch 128,
    `config.eval.classifier_epochs` epochs."""
    train_set = data.load(config.data.name, config.data.split, config.data.idx_dir,
                          config.data.tfds_dir)
    test_set = data.load(config.data.name, "test", config.data.idx_dir, config.data.tfds_dir)
    folder = cache_dir(config)
    os.makedirs(folder, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    classifier = classifier_net(train_set.info.image_shape, train_set.info.num_classes)
    trainer = keras.Model(classifier.input, classifier.output["logits"])
    trainer.compile(keras.optimizers.Adam(LEARNING_RATE),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    trainer.fit(data.train_batches(train_set, BATCH_SIZE, config.seed),
                steps_per_epoch=len(train_set.labels) // BATCH_SIZE,
                epochs=config.eval.classifier_epochs, shuffle=False,
                verbose=1 if sys.stdout.isatty() else 2)
    test_accuracy = accuracy(classifier, test_set.images, test_set.labels)
    path = os.path.join(folder, "classifier.keras")
    classifier.save(path + ".partial.keras")
    os.replace(path + ".partial.keras", path)
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump({"dataset": config.data.name, "test_accuracy": test_accuracy,
                   "epochs": config.eval.classifier_epochs, "seed": config.seed}, f, indent=2)
    return path, test_accuracy


def load_classifier(config: ConfigDict) -> keras.Model:
    """The cached reference classifier of `config.data.name`; EvaluationError if missing."""
    path = os.path.join(cache_dir(config), "classifier.keras")
    if not os.path.exists(path):
        raise EvaluationError(
            f"No reference classifier for {config.data.name} at {path}. Train it once with: "
            f"python main.py --mode=train_classifier --config=<this config> (a few minutes), "
            "or set --config.eval.every=0 to train without metrics.")
    return keras.models.load_model(path)
