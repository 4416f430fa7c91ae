"""Scores an unpaired image translator (CycleGAN's two directions) on the test domains.

For each direction X -> Y, on the first n test images of X (n = eval.num_samples, at most half
of either test domain, so every distance compares sets of equal size):
- `accuracy`: the reference classifier's share of translations it assigns to Y's class;
- `cycle_l1`: mean |F(G(x)) - x| over pixels, images in [-1, 1];
- `identity_l1`: mean |G(y) - y| on Y's images (a translator should leave Y alone);
- `frechet_distance` between the classifier's features of the translations and of n test
  images of Y, beside its `floor`: the same distance between two disjoint sets of n images of Y.
The classifier's metrics are given once per judge, the second's with its suffix
(`a2b_accuracy_second`). Without reference classifiers (domains from folders), only the L1
metrics are given.
"""

from collections.abc import Callable

import keras
import numpy as np

from tfgan_lab.data import domains, images
from tfgan_lab.errors import EvaluationError
from tfgan_lab.eval import metrics
from tfgan_lab.eval.classifier import batched, predict

Translate = Callable[[np.ndarray], object]  # images -> images, both in [-1, 1]
DIRECTIONS = ("a2b", "b2a")


class TranslationEvaluator:
    """The test images of both domains and each judge's view of them, computed once; called
    with the two translators. `judges` maps the suffix of a judge's metrics to its classifier
    (eval.load_judges)."""

    def __init__(self, test: domains.UnpairedImages, num_samples: int,
                 judges: dict[str, keras.Model] | None = None):
        smallest = min(len(test.a), len(test.b))
        if smallest < 4:
            raise EvaluationError(f"The test domains hold {len(test.a)} and {len(test.b)} "
                                  "images: the metrics need at least 4 of each.")
        self.n = min(num_samples, smallest // 2)
        self.real = {"a": images.first(test.a, 2 * self.n), "b": images.first(test.b, 2 * self.n)}
        self.judges = judges or {}
        self.classes = dict(zip("ab", test.info.reference_classes, strict=True))
        self.features = {suffix: {d: predict(judge, x)["features"] for d, x in self.real.items()}
                         for suffix, judge in self.judges.items()}

    def __call__(self, translate_ab: Translate, translate_ba: Translate) -> dict:
        results = {"test_images": self.n}
        for direction, forward, backward in (("a2b", translate_ab, translate_ba),
                                             ("b2a", translate_ba, translate_ab)):
            source, target = direction[0], direction[2]
            inputs = self.real[source][:self.n]
            translated = batched(forward, inputs)
            results[f"{direction}_cycle_l1"] = float(np.mean(np.abs(
                batched(backward, translated) - inputs)))
            results[f"{direction}_identity_l1"] = float(np.mean(np.abs(
                batched(forward, self.real[target][:self.n]) - self.real[target][:self.n])))
            for suffix, judge in self.judges.items():
                outputs = predict(judge, translated)
                results[f"{direction}_accuracy{suffix}"] = float(np.mean(
                    np.argmax(outputs["probabilities"], -1) == self.classes[target]))
                reference = self.features[suffix][target]
                results[f"{direction}_frechet_distance{suffix}"] = metrics.frechet_distance(
                    outputs["features"], reference[:self.n])
                results[f"{direction}_frechet_distance_floor{suffix}"] = (
                    metrics.frechet_distance(reference[:self.n], reference[self.n:2 * self.n]))
        return results


def grid(inputs_a: np.ndarray, inputs_b: np.ndarray, translate_ab: Translate,
         translate_ba: Translate) -> tuple[np.ndarray, int]:
    """(images, 6 columns): per row an image of A, its translation and its reconstruction,
    then an image of B, its translation and its reconstruction."""
    cells = []
    for inputs, forward, backward in ((inputs_a, translate_ab, translate_ba),
                                      (inputs_b, translate_ba, translate_ab)):
        translated = batched(forward, inputs)
        cells.append(np.stack([inputs, translated, batched(backward, translated)], axis=1))
    return np.concatenate(cells, axis=1).reshape(-1, *cells[0].shape[2:]), 6
