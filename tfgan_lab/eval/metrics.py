"""Sample-quality metrics as pure functions of classifier outputs (activations, probabilities).

They take arrays, not networks (as TF-GAN's `*_from_activations`), so that they are easy to
test and reuse. Frechet distances and precision/recall depend on the sample size: compare
them only at equal sizes, and read a Frechet distance beside its floor (the same distance
between two halves of real data).
"""

import numpy as np


def conditional_accuracy(probabilities: np.ndarray, labels: np.ndarray,
                         num_classes: int) -> tuple[float, np.ndarray]:
    """Share of samples that the classifier assigns to the label they were generated for.

    Returns (mean over classes, per-class accuracy [num_classes]); a class with no sample
    gets NaN. Fed real images and their true labels, this is the classifier's accuracy.
    """
    hits = np.argmax(probabilities, axis=-1) == labels
    per_class = np.array([hits[labels == c].mean() if np.any(labels == c) else np.nan
                          for c in range(num_classes)])
    return float(np.nanmean(per_class)), per_class


def frechet_distance_from_moments(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                                  sigma2: np.ndarray) -> float:
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), the Frechet (2-Wasserstein) distance
    between two Gaussians (Dowson & Landau 1982; Heusel et al. 2017).

    tr((S1 S2)^(1/2)) is computed as tr((S1^(1/2) S2 S1^(1/2))^(1/2)), a symmetric PSD matrix,
    which keeps the eigenvalues real.
    """
    w, v = np.linalg.eigh(sigma1)
    sqrt_sigma1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(sqrt_sigma1 @ sigma2 @ sqrt_sigma1)
    trace_sqrt = np.sum(np.sqrt(np.clip(inner, 0, None)))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2)
                 - 2.0 * trace_sqrt)


def frechet_distance(features1: np.ndarray, features2: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two sets of activations [N, D]."""
    f1, f2 = np.asarray(features1, np.float64), np.asarray(features2, np.float64)
    return frechet_distance_from_moments(f1.mean(0), np.cov(f1, rowvar=False),
                                         f2.mean(0), np.cov(f2, rowvar=False))


def classifier_score(probabilities: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))): the Inception Score (Salimans et al. 2016) with the
    reference classifier in place of Inception. 1 for uninformative predictions, at most
    the number of classes for confident predictions spread evenly over the classes."""
    p = np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0)
    marginal = p.mean(axis=0, keepdims=True)
    return float(np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1))))


def _pairwise_distances(a: np.ndarray, b: np.ndarray, chunk: int = 1024):
    """Yields (start, distances [chunk, len(b)]) of Euclidean distances, chunk by chunk."""
    b_squared = np.sum(b * b, axis=1)
    for start in range(0, len(a), chunk):
        rows = a[start:start + chunk]
        squared = np.sum(rows * rows, axis=1)[:, None] - 2.0 * rows @ b.T + b_squared[None]
        yield start, np.sqrt(np.clip(squared, 0, None))


def _knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest neighbour in the same set (not itself)."""
    radii = np.empty(len(features))
    for start, distances in _pairwise_distances(features, features):
        radii[start:start + len(distances)] = np.partition(distances, k, axis=1)[:, k]
    return radii


def _coverage(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    """Share of `points` inside at least one ball (centre, radius)."""
    inside = np.zeros(len(points), bool)
    for start, distances in _pairwise_distances(points, centres):
        inside[start:start + len(distances)] = np.any(distances <= radii[None], axis=1)
    return float(inside.mean())


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray,
                     k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    Each set's manifold is the union of balls around its points reaching their k-th nearest
    neighbour. Precision: share of fakes inside the real manifold (quality); recall: share of
    reals inside the fake manifold (coverage).
    """
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    precision = _coverage(fake, real, _knn_radii(real, k))
    recall = _coverage(real, fake, _knn_radii(fake, k))
    return precision, recall


def label_distribution(labels: np.ndarray) -> np.ndarray:
    """The empirical joint distribution of binary label vectors [N, L] (values 0 or 1, or
    probabilities rounded at 0.5) over the 2^L states, float64 [2^L]: state s has label i
    equal to bit L - 1 - i of s (the first label is the most significant bit)."""
    bits = (np.asarray(labels) >= 0.5).astype(np.int64)
    weights = 1 << np.arange(bits.shape[1] - 1, -1, -1)
    counts = np.bincount(bits @ weights, minlength=1 << bits.shape[1])
    return counts / max(len(bits), 1)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """1/2 sum |p - q| between two distributions over the same states: 0 when equal, 1 when
    disjoint (the CausalGAN paper's measure of a label distribution)."""
    return float(0.5 * np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64)).sum())
