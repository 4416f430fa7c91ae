"""Scores a conditional generator with the reference classifier against the test split."""

from collections.abc import Callable

import keras
import numpy as np
from ml_collections import ConfigDict

from tfgan_lab import data
from tfgan_lab.errors import EvaluationError
from tfgan_lab.eval import metrics
from tfgan_lab.eval.classifier import load_classifier, predict

Generate = Callable[[np.ndarray, np.ndarray], object]  # (z, labels) -> images


class Evaluator:
    """Fixed noise and labels, and the test split's classifier features, computed once.

    `num_samples` images are generated, num_samples / num_classes per class; they are
    compared with the first `num_samples` test images, and the Frechet distance's floor is the
    distance between those and the next `num_samples` (so all sizes are equal).
    """

    def __init__(self, classifier: keras.Model, test: data.LabeledImages, z_dim: int,
                 num_samples: int, k: int, seed: int):
        num_classes = test.info.num_classes
        if 2 * num_samples > len(test.labels) or num_samples % num_classes:
            raise EvaluationError(
                f"config.eval.num_samples={num_samples} must be a multiple of {num_classes} and "
                f"at most half the test split ({len(test.labels) // 2}).")
        self.num_classes, self.k, self.image_shape = num_classes, k, test.info.image_shape
        self.classifier = classifier
        real = predict(classifier, data.to_float(test.images[:2 * num_samples]).numpy())
        self.real_features = real["features"][:num_samples]
        self.frechet_floor = metrics.frechet_distance(self.real_features,
                                                      real["features"][num_samples:])
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
        """All metrics for `generate(z, labels) -> images in [-1, 1]`."""
        fake = predict(self.classifier, self.generate(generate))
        accuracy, per_class = metrics.conditional_accuracy(fake["probabilities"], self.labels,
                                                           self.num_classes)
        precision, recall = metrics.precision_recall(self.real_features, fake["features"],
                                                     self.k)
        return {
            "conditional_accuracy": accuracy,
            "frechet_distance": metrics.frechet_distance(fake["features"], self.real_features),
            "frechet_distance_floor": self.frechet_floor,
            "classifier_score": metrics.classifier_score(fake["probabilities"]),
            "precision": precision,
            "recall": recall,
            "per_class_accuracy": [float(a) for a in per_class],
        }


SCALARS = ("conditional_accuracy", "frechet_distance", "frechet_distance_floor",
           "classifier_score", "precision", "recall")


def make_evaluator(config: ConfigDict, z_dim: int | None = None) -> Evaluator:
    """The Evaluator for `config`: its dataset's cached classifier and test split, its
    `config.eval` sizes; `z_dim` defaults to `config.model.z_dim`."""
    classifier = load_classifier(config)
    test = data.load(config.data.name, "test", config.data.idx_dir, config.data.tfds_dir)
    return Evaluator(classifier, test, z_dim or config.model.z_dim, config.eval.num_samples,
                     config.eval.k, config.seed)
