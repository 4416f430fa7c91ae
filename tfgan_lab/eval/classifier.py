"""Reference classifiers: two per dataset, the judges, trained once on real data and cached.

Every metric reads generated images through the same classifiers, so numbers are comparable
across variants and runs. Settings are chosen on the first judge; the second, of another
architecture, seed and training recipe (optimizer, batch, epochs, augmentation), is one nobody
tuned on, so a result that holds on both is not an artefact of the first's blind spots. The
first is cached as `<cache>/<dataset>/classifier.keras`, the second as
`<cache>/<dataset>/second/classifier.keras`, each with its test accuracy and recipe in
`metrics.json` (a judge cached by another recipe is trained again); `<cache>` is
`config.eval.classifier_dir`, else `$TFGAN_LAB_CACHE/classifiers`, else
`~/.cache/tfgan_lab/classifiers`.
A run that needs them and finds them missing trains them first, once (`ensure_judges`), as
TFDS downloads a data set on first use; to train them ahead:
    python main.py --mode=train_classifier --config=configs/<experiment>.py
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import NamedTuple

import keras
import numpy as np
from keras import layers
from ml_collections import ConfigDict

from tfgan_lab import data, files, judges, workdir
from tfgan_lab.errors import EvaluationError


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
    return _with_head(images, x, num_classes, "relu", 0.3, "classifier")


def _with_head(images, x, num_classes: int, activation: str, dropout: float,
               name: str) -> keras.Model:
    """The model images -> {"logits", "probabilities", "features"}: `x` -> the 128-unit
    feature layer (the features of Frechet distances and precision/recall) -> dropout ->
    linear head, in float32."""
    features = layers.Dense(128, activation=activation, dtype="float32", name="features")(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(
        layers.Dropout(dropout, name="dropout_features")(features))
    probabilities = layers.Softmax(dtype="float32", name="probabilities")(logits)
    return keras.Model(images, {"logits": logits, "probabilities": probabilities,
                                "features": features}, name=name)


def second_classifier_net(image_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """images -> {"logits", "probabilities", "features"}: the second judge, unlike the first
    in every part it can be: stride-2 5x5 convolutions (48, 96, 192 filters) without batch
    norm, GELU, global average pooling (the first flattens a max-pooled map), a 128-unit
    feature layer, a linear head."""
    images = keras.Input(image_shape, name="images")
    x = images
    for filters in (48, 96, 192):
        x = layers.Conv2D(filters, 5, strides=2, padding="same", activation="gelu",
                          name=f"conv{filters}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return _with_head(images, x, num_classes, "gelu", 0.2, "second_classifier")


class Recipe(NamedTuple):
    """How a judge is trained; `name` is recorded in its metrics.json."""
    name: str
    optimizer: Callable[[int], keras.optimizers.Optimizer]  # training steps -> optimizer
    batch_size: int
    epochs: int  # config.eval.classifier_epochs > 0 overrides it (short test runs)
    augment: bool  # random horizontal flips and shifts of up to 3 pixels, while training


def _adam(steps: int) -> keras.optimizers.Optimizer:
    del steps
    return keras.optimizers.Adam(1e-3)


def _sgd_cosine(steps: int) -> keras.optimizers.Optimizer:
    return keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(0.05, steps),
                                momentum=0.9, nesterov=True, weight_decay=5e-4)


ADAM = Recipe("adam 1e-3, batch 128", _adam, 128, 10, False)
SGD_AUGMENTED = Recipe("sgd nesterov 0.05 cosine, weight decay 5e-4, batch 64, flips and shifts",
                       _sgd_cosine, 64, 15, True)
LEGACY_RECIPE = ADAM.name  # of a metrics.json written before recipes were recorded


class Judge(NamedTuple):
    network: Callable[[tuple[int, int, int], int], keras.Model]
    seed_offset: int  # Added to config.seed: the judges start from different weights.
    folder: str  # Under the dataset's cache folder.
    recipe: Recipe


JUDGES = {"first": Judge(classifier_net, 0, "", ADAM),
          "second": Judge(second_classifier_net, 1, "second", SGD_AUGMENTED)}
SECOND_SUFFIX = "_second"  # Metrics read through the second judge carry it.
SUFFIXES = {"first": "", "second": SECOND_SUFFIX}  # judge -> suffix of the metrics it reads


def load_judges(config: ConfigDict) -> dict[str, keras.Model]:
    """Both judges of `config.data.name` (trained first if not cached), keyed by the suffix of
    their metrics."""
    ensure_judges(config)
    return {suffix: load_classifier(config, judge) for judge, suffix in SUFFIXES.items()}


def ensure_judges(config: ConfigDict) -> None:
    """Trains the judges of `config.data.name` that are not cached, once, in a process of their
    own: the run that needs them then seeds, sets its precision and builds its networks exactly
    as if they had been cached."""
    missing = missing_judges(config)
    if not missing:
        return
    for judge in missing:
        workdir.ensure_writable(cache_dir(config, judge), "classifier cache", create=False)
    print(f"No cached reference classifier ({' and '.join(missing)} judge) for "
          f"{config.data.name}: every metric of generated images reads them, so they are "
          f"trained once now (about 15 minutes on 2 cores) and kept in {cache_dir(config)}.",
          flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as config_file:
        config_file.write(config.to_json())
        config_file.flush()
        trained = subprocess.run([sys.executable, "-m", "tfgan_lab.judges",
                                  config_file.name, *missing],
                                 env={**os.environ, judges.PARENT: str(os.getpid())})
    if trained.returncode or missing_judges(config):
        raise EvaluationError(
            f"Training the reference classifiers of {config.data.name} failed (its output is "
            "above); train them alone with: python main.py --mode=train_classifier "
            "--config=<this config>.")


def cache_dir(config: ConfigDict, judge: str = "first") -> str:
    """The folder of `config.data.name`'s reference classifier `judge`."""
    root = config.eval.classifier_dir or os.path.join(
        os.environ.get("TFGAN_LAB_CACHE", os.path.expanduser("~/.cache/tfgan_lab")),
        "classifiers")
    folder = os.path.join(root, config.data.name)
    return os.path.join(folder, JUDGES[judge].folder) if JUDGES[judge].folder else folder


def missing_judges(config: ConfigDict) -> list[str]:
    """The judges of `config.data.name` that are not cached yet, or were cached by another
    recipe than theirs (a judge cached before recipes were recorded was trained by Adam's)."""
    return [judge for judge in JUDGES
            if not os.path.exists(os.path.join(cache_dir(config, judge), "classifier.keras"))
            or cached_metrics(config, judge).get("recipe", LEGACY_RECIPE)
            != JUDGES[judge].recipe.name]


def cached_metrics(config: ConfigDict, judge: str = "first") -> dict:
    """What the cached judge's metrics.json holds: test accuracy, recipe, epochs, seed."""
    with open(os.path.join(cache_dir(config, judge), "metrics.json")) as f:
        return json.load(f)


def epochs(config: ConfigDict, judge: str) -> int:
    """The epochs `judge` trains for: its recipe's, unless config.eval.classifier_epochs > 0."""
    return config.eval.classifier_epochs or JUDGES[judge].recipe.epochs


def accuracy(classifier: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of `classifier` on uint8 images."""
    probabilities = predict(classifier, data.to_float(images).numpy())["probabilities"]
    return float(np.mean(np.argmax(probabilities, -1) == labels))


def agreement(first: np.ndarray, second: np.ndarray, labels: np.ndarray,
              num_classes: int) -> dict[str, list[float] | float]:
    """How the two judges' predicted classes `first` and `second` compare on images of classes
    `labels`: each one's accuracy, the share of images both put in one class (`agreement`),
    the share both get right, and the same per class (lists indexed by class)."""
    first, second, labels = (np.asarray(a) for a in (first, second, labels))

    def per_class(hits: np.ndarray) -> list[float]:
        return [float(np.mean(hits[labels == c])) if np.any(labels == c) else float("nan")
                for c in range(num_classes)]

    hits = {"first_accuracy": first == labels, "second_accuracy": second == labels,
            "agreement": first == second, "both_right": (first == labels) & (second == labels)}
    return {**{name: float(np.mean(h)) for name, h in hits.items()},
            **{f"{name}_per_class": per_class(h) for name, h in hits.items()}}


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


def train_classifier(config: ConfigDict, judge: str = "first") -> tuple[str, float]:
    """Trains `config.data.name`'s reference classifier `judge` on `config.data.split` (the
    training split by default) by the judge's recipe, seed `config.seed` + the judge's offset,
    caches it, and returns (path, test accuracy)."""
    train_set = data.load(config.data.name, config.data.split, config.data.idx_dir,
                          config.data.tfds_dir)
    test_set = data.load(config.data.name, "test", config.data.idx_dir, config.data.tfds_dir)
    folder = cache_dir(config, judge)
    os.makedirs(folder, exist_ok=True)
    seed = config.seed + JUDGES[judge].seed_offset
    keras.utils.set_random_seed(seed)
    run_policy = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_global_policy("float32")  # A judge is float32, whatever a run set.
    try:
        classifier = JUDGES[judge].network(train_set.info.image_shape,
                                           train_set.info.num_classes)
    finally:
        keras.mixed_precision.set_global_policy(run_policy)
    recipe, num_epochs = JUDGES[judge].recipe, epochs(config, judge)
    steps_per_epoch = len(train_set.labels) // recipe.batch_size
    trainer = _trainer(classifier, recipe.augment, seed)
    trainer.compile(recipe.optimizer(steps_per_epoch * num_epochs),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    trainer.fit(data.train_batches(train_set, recipe.batch_size, seed),
                steps_per_epoch=steps_per_epoch, epochs=num_epochs, shuffle=False,
                verbose=1 if sys.stdout.isatty() else 2)
    test_accuracy = accuracy(classifier, test_set.images, test_set.labels)
    # metrics.json first: a judge whose classifier.keras exists is complete.
    files.write_json(os.path.join(folder, "metrics.json"), {
        "dataset": config.data.name, "test_accuracy": test_accuracy,
        "recipe": recipe.name, "epochs": num_epochs, "seed": seed,
        "architecture": classifier.name})
    path = os.path.join(folder, "classifier.keras")
    with files.written_whole(path) as partial:
        classifier.save(partial)
    return path, test_accuracy


def _trainer(classifier: keras.Model, augment: bool, seed: int) -> keras.Model:
    """images -> the classifier's logits, through random flips and shifts when `augment` (they
    act in training only, and the cached classifier holds none of them)."""
    images = keras.Input(classifier.input.shape[1:], name="images")
    x = images
    if augment:
        x = layers.RandomFlip("horizontal", seed=seed, name="flip")(x)
        # 3 of 28 pixels, the background (-1) filling what moves in.
        x = layers.RandomTranslation(3 / 28, 3 / 28, fill_mode="constant", fill_value=-1.0,
                                     seed=seed, name="shift")(x)
    return keras.Model(images, classifier(x)["logits"], name=f"{classifier.name}_trainer")


def load_classifier(config: ConfigDict, judge: str = "first") -> keras.Model:
    """The cached reference classifier `judge` of `config.data.name`; EvaluationError if
    missing."""
    path = os.path.join(cache_dir(config, judge), "classifier.keras")
    if not os.path.exists(path):
        raise EvaluationError(
            f"No {judge} reference classifier for {config.data.name} at {path}. Train the "
            f"judges once with: python main.py --mode=train_classifier --config=<this config> "
            "(about 15 minutes on 2 cores).")
    return keras.models.load_model(path)
