"""Metrics on inputs with known answers."""

import numpy as np
import pytest

from tfgan_lab.eval import metrics


def _rotation(angle):
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def test_frechet_distance_between_two_gaussians_is_analytic():
    # Commuting covariances R diag(a) R^T, R diag(b) R^T: the distance is
    # |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2 = (1 + 4) + ((1 - 2)^2 + (2 - 3)^2) = 7.
    r = _rotation(0.7)
    s1, s2 = r @ np.diag([1.0, 4.0]) @ r.T, r @ np.diag([4.0, 9.0]) @ r.T
    mu1, mu2 = np.zeros(2), np.array([1.0, 2.0])
    assert metrics.frechet_distance_from_moments(mu1, s1, mu2, s2) == pytest.approx(7.0)
    assert metrics.frechet_distance_from_moments(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)
    # From samples, the same number up to sampling noise.
    rng = np.random.default_rng(0)
    a = rng.multivariate_normal(mu1, s1, 200_000)
    b = rng.multivariate_normal(mu2, s2, 200_000)
    assert metrics.frechet_distance(a, b) == pytest.approx(7.0, rel=0.02)


def test_frechet_distance_of_identical_sets_is_zero():
    features = np.random.default_rng(1).normal(size=(2000, 64))
    assert abs(metrics.frechet_distance(features, features)) < 1e-6


def test_conditional_accuracy_per_class_and_mean():
    probabilities = np.eye(3)[[0, 0, 1, 2, 2, 2]]
    labels = np.array([0, 1, 1, 2, 2, 0])
    mean, per_class = metrics.conditional_accuracy(probabilities, labels, num_classes=4)
    np.testing.assert_allclose(per_class[:3], [0.5, 0.5, 1.0])
    assert np.isnan(per_class[3])  # no sample of class 3
    assert mean == pytest.approx(2 / 3)


def test_classifier_score_bounds():
    uniform = np.full((100, 10), 0.1)
    confident_and_balanced = np.eye(10)[np.arange(100) % 10]
    confident_one_class = np.eye(10)[np.zeros(100, int)]
    assert metrics.classifier_score(uniform) == pytest.approx(1.0)
    assert metrics.classifier_score(confident_and_balanced) == pytest.approx(10.0, rel=1e-6)
    assert metrics.classifier_score(confident_one_class) == pytest.approx(1.0)


def test_precision_and_recall():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(600, 8))
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    far = rng.normal(size=(600, 8)) + 100.0
    assert metrics.precision_recall(real, far) == (0.0, 0.0)
    # Fakes from one of two real clusters: as precise as fresh samples of a single cluster
    # (k-NN balls of 300 points in 8-D cover about 90% of their distribution), half the recall.
    cluster = rng.normal(size=(300, 8))
    same_precision, same_recall = metrics.precision_recall(cluster, rng.normal(size=(300, 8)))
    two_clusters = np.concatenate([cluster, rng.normal(size=(300, 8)) + 50])
    precision, recall = metrics.precision_recall(two_clusters, rng.normal(size=(300, 8)))
    assert same_precision > 0.8 and same_recall > 0.8
    assert precision == pytest.approx(same_precision, abs=0.05)
    assert recall == pytest.approx(same_recall / 2, abs=0.05)
