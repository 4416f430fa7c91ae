"""Scores progression and regression (the CAAE) on the test split: x re-generated under every
target group, G(E(x), target), for the first n test images (n = eval.num_samples).

- `condition_accuracy`: the share of re-generations whose measured group is the target
  (the measure and the edges of x's class, tfgan_lab/data/groups.py), over every target group;
  `condition_error`: the mean distance between measured and target group, in group steps;
- `identity`: the reference classifier's share of re-generations it assigns to x's class;
- `condition_accuracy_of_output_class`: the condition judged with the edges of the class the
  classifier assigns to the output, not x's: whether a model that changes the item (the
  conditional GAN baseline) meets the condition for what it draws;
- `reconstruction_l1`: mean |G(E(x), own group) - x| over pixels, images in [-1, 1];
- `prior_ks_mean` / `prior_ks_max`: the Kolmogorov-Smirnov statistic between each dimension of
  E(x) and U(-1, 1) (0: the codes fill the prior; 1: they miss it), mean and worst dimension.
Each of the first three is also given per target group (`..._per_group`). The classifier's
metrics are given once per judge, the second's with its suffix (`identity_second`,
`identity_per_group_second`). Without measured groups or classifiers (face folders), only
reconstruction and the prior's distance remain.
"""

from collections.abc import Callable

import keras
import numpy as np

from tfgan_lab.data import groups, images
from tfgan_lab.errors import EvaluationError
from tfgan_lab.eval.classifier import batched, predict

Transform = Callable[[np.ndarray, np.ndarray], object]  # (images, conditions [B, K]) -> images
Encode = Callable[[np.ndarray], object]  # images -> z [B, Z]


def uniform_ks(z: np.ndarray) -> np.ndarray:
    """Per dimension of z [N, Z], sup |F_n(t) - F(t)| against U(-1, 1)'s F(t) = (t + 1) / 2."""
    n = len(z)
    cdf = (np.clip(np.sort(z, axis=0), -1, 1) + 1) / 2
    steps = np.arange(1, n + 1)[:, None] / n
    return np.maximum(np.max(steps - cdf, axis=0), np.max(cdf - (steps - 1 / n), axis=0))


def retargeted(conditions: np.ndarray, group: int) -> np.ndarray:
    """The conditions with every example's group replaced by `group` (others kept)."""
    targets = np.array(conditions, np.int32, copy=True)
    targets[:, 0] = group
    return targets


class ProgressionEvaluator:
    """The first n test images, their conditions and classes, computed once; called with the
    model's `transform` (and `encode`, for the prior's distance). `judges` maps the suffix of a
    judge's metrics to its classifier (eval.load_judges)."""

    def __init__(self, test: groups.GroupedImages, num_samples: int,
                 judges: dict[str, keras.Model] | None = None):
        if len(test) < 2:
            raise EvaluationError(f"The test split holds {len(test)} image(s): the metrics need "
                                  "at least 2.")
        self.n = min(num_samples, len(test))
        self.images = images.first(test.images, self.n)
        self.conditions = test.conditions[:self.n]
        self.classes = test.classes[:self.n] if test.classes is not None else None
        self.info, self.judges = test.info, judges or {}

    def __call__(self, transform: Transform, encode: Encode | None = None) -> dict:
        results = {"test_images": self.n,
                   "reconstruction_l1": float(np.mean(np.abs(
                       batched(transform, self.images, self.conditions) - self.images)))}
        if encode is not None:
            ks = uniform_ks(batched(encode, self.images))
            results.update(prior_ks_mean=float(ks.mean()), prior_ks_max=float(ks.max()))
        per_group: dict[tuple[str, str], list[float]] = {}  # (metric, judge's suffix) -> values
        for group in range(self.info.num_groups):
            outputs = batched(transform, self.images, retargeted(self.conditions, group))
            if self.info.edges is not None and self.classes is not None:
                measured = self.info.measure_groups(outputs, self.classes)
                per_group.setdefault(("condition_accuracy", ""), []).append(
                    float(np.mean(measured == group)))
                per_group.setdefault(("condition_error", ""), []).append(
                    float(np.mean(np.abs(measured - group))))
            for suffix, judge in self.judges.items() if self.classes is not None else ():
                predicted = np.argmax(predict(judge, outputs)["probabilities"], -1)
                per_group.setdefault(("identity", suffix), []).append(
                    float(np.mean(predicted == self.classes)))
                if self.info.edges is not None:
                    judged = self.info.measure_groups(outputs, predicted)
                    per_group.setdefault(("condition_accuracy_of_output_class", suffix),
                                         []).append(float(np.mean(judged == group)))
        for (metric, suffix), values in per_group.items():
            results[f"{metric}{suffix}"] = float(np.mean(values))
            results[f"{metric}_per_group{suffix}"] = values
        return results


def grid(inputs: np.ndarray, conditions: np.ndarray, transform: Transform,
         num_groups: int) -> tuple[np.ndarray, int]:
    """(images, 1 + num_groups columns): per row an input, then it under every group."""
    cells = [inputs] + [np.asarray(transform(inputs, retargeted(conditions, group)))
                        for group in range(num_groups)]
    return np.stack(cells, axis=1).reshape(-1, *inputs.shape[1:]), 1 + num_groups
