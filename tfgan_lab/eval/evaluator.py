"""Scores a conditional generator with the two reference classifiers against the test split."""

from collections.abc import Callable

import keras
import numpy as np
from ml_collections import ConfigDict

from tfgan_lab import data
from tfgan_lab.errors import EvaluationError
from tfgan_lab.eval import metrics
from tfgan_lab.eval.classifier import SECOND_SUFFIX, load_judges, predict

Generate = Callable[[np.ndarray, np.ndarray], object]  # (z, labels) -> images


class Judge:
    """One reference classifier and the test split's features in it, computed once."""

    def __init__(self, classifier: keras.Model, test_images: np.ndarray, num_samples: int):
        self.classifier = classifier
        real = predict(classifier, data.to_float(test_images[:2 * num_samples]).numpy())
        self.real_features = real["features"][:num_samples]
        self.frechet_floor = metrics.frechet_distance(self.real_features,
                                                      real["features"][num_samples:])

    def __call__(self, images: np.ndarray, labels: np.ndarray, num_classes: int,
                 k: int) -> dict[str, float | list[float]]:
        fake = predict(self.classifier, images)
        accuracy, per_class = metrics.conditional_accuracy(fake["probabilities"], labels,
                                                           num_classes)
        precision, recall = metrics.precision_recall(self.real_features, fake["features"], k)
        return {
            "conditional_accuracy": accuracy,
            "frechet_distance": metrics.frechet_distance(fake["features"], self.real_features),
            "frechet_distance_floor": self.frechet_floor,
            "classifier_score": metrics.classifier_score(fake["probabilities"]),
            "precision": precision,
            "recall": recall,
            "per_class_accuracy": [float(a) for a in per_class],
        }


class Evaluator:
    """Fixed noise and labels, and each judge's features of the test split, computed once.

    `num_samples` images are generated, num_samples / num_classes per class; they are
    compared with the first `num_samples` test images, and the Frechet distance's floor is the
    distance between those and the next `num_samples` (so all sizes are equal). Every metric
    is computed by each judge (`classifiers`: {metric name suffix: classifier}; the first
    judge's suffix is "").
    """

    def __init__(self, classifiers: dict[str, keras.Model], test: data.LabeledImages,
                 z_dim: int, num_samples: int, k: int, seed: int):
        num_classes = test.info.num_classes
        if 2 * num_samples > len(test.labels) or num_samples % num_classes:
            raise EvaluationError(
                f"config.eval.num_samples={num_samples} must be a multiple of {num_classes} and "
                f"at most half the test split ({len(test.labels) // 2}).")
        self.num_classes, self.k, self.image_shape = num_classes, k, test.info.image_shape
        self.judges = {suffix: Judge(classifier, test.images, num_samples)
                       for suffix, classifier in classifiers.items()}
        rng = np.random.default_rng(seed)
        self.z = rng.standard_normal((num_samples, z_dim)).astype(np.float32)
        self.labels = np.repeat(np.arange(num_classes, dtype=np.int32), num_samples // num_classes)

    def generate(self, generate: Generate, batch_size: int = 500) -> np.ndarray:
        images = np.concatenate([np.asarray(generate(self.z[i:i + batch_size],
                                                     self.labels[i:i + batch_size]))
                                 for i in range(0, len(self.z), batch_size)])
        if images.shape[1:] != self.image_shape:
            raise EvaluationError(f"The generator makes images of shape {images.shape[1:]}; the "
                                  f"reference classifier expects {self.image_shape}.")
        return images

    def __call__(self, generate: Generate) -> dict[str, float | list[float]]:
        """All metrics, by every judge, for `generate(z, labels) -> images in [-1, 1]`."""
        images = self.generate(generate)
        return {f"{name}{suffix}": value
                for suffix, judge in self.judges.items()
                for name, value in judge(images, self.labels, self.num_classes, self.k).items()}


METRICS = ("conditional_accuracy", "frechet_distance", "frechet_distance_floor",
           "classifier_score", "precision", "recall")
SCALARS = METRICS + tuple(f"{name}{SECOND_SUFFIX}" for name in METRICS)


def make_evaluator(config: ConfigDict, z_dim: int | None = None) -> Evaluator:
    """The Evaluator for `config`: its dataset's two cached judges and test split, its
    `config.eval` sizes; `z_dim` defaults to `config.model.z_dim`."""
    classifiers = load_judges(config)
    test = data.load(config.data.name, "test", config.data.idx_dir, config.data.tfds_dir)
    return Evaluator(classifiers, test, z_dim or config.model.z_dim, config.eval.num_samples,
                     config.eval.k, config.seed)
