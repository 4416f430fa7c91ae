import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import losses

REAL = tf.constant([2.0, 0.5, -1.0])
FAKE = tf.constant([-2.0, 0.5, 3.0])


def test_hinge_against_hand_computed_values():
    # max(0, 1 - real) + max(0, 1 + fake): [0 + 0, 0.5 + 1.5, 2 + 4]
    np.testing.assert_allclose(losses.hinge_discriminator_loss(REAL, FAKE), [0.0, 2.0, 6.0])
    np.testing.assert_allclose(losses.hinge_generator_loss(FAKE), [2.0, -0.5, -3.0])


def test_non_saturating_against_hand_computed_values():
    softplus = lambda x: math.log1p(math.exp(x))  # noqa: E731
    expected_d = [softplus(-2.0) + softplus(-2.0), softplus(-0.5) + softplus(0.5),
                  softplus(1.0) + softplus(3.0)]
    np.testing.assert_allclose(losses.non_saturating_discriminator_loss(REAL, FAKE), expected_d,
                               rtol=1e-6)
    # At logit 0, D = 1/2 and -log D = log 2.
    np.testing.assert_allclose(losses.non_saturating_generator_loss(tf.zeros([2])),
                               [math.log(2.0)] * 2, rtol=1e-6)


def test_losses_are_per_example():
    for name in losses.names():
        loss = losses.get(name)
        assert loss.discriminator(REAL, FAKE).shape == [3]
        assert loss.generator(FAKE).shape == [3]


def test_unknown_loss_lists_the_valid_names():
    with pytest.raises(KeyError, match="hinge, |non_saturating"):
        losses.get("relativistic")


def test_wasserstein_against_hand_computed_values():
    np.testing.assert_allclose(losses.wasserstein_discriminator_loss(REAL, FAKE), [-4.0, 0.0, 4.0])
    np.testing.assert_allclose(losses.wasserstein_generator_loss(FAKE), [2.0, -0.5, -3.0])


def test_gradient_penalty_of_linear_critics():
    """D(x) = w . x has gradient w everywhere: the penalty is (|w| - 1)^2 for any epsilon."""
    real = tf.random.normal([4, 2, 2, 1], seed=1)
    fake = tf.random.normal([4, 2, 2, 1], seed=2)
    epsilon = tf.constant([0.0, 0.3, 0.7, 1.0])
    for w, expected in ((0.5, 0.0), (1.0, 1.0), (2.0, 9.0)):  # |w| = 2|w_i| over 4 pixels
        def critic(x, w=w):
            return tf.reduce_sum(w * x, axis=[1, 2, 3])
        np.testing.assert_allclose(losses.gradient_penalty(critic, real, fake, epsilon),
                                   [expected] * 4, atol=1e-5)


def test_classification_loss_without_smoothing_is_plain_cross_entropy():
    logits = tf.constant([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    expected = [-math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))), math.log(3)]
    np.testing.assert_allclose(losses.classification_loss(logits, [2, 0]), expected, rtol=1e-6)


def test_label_smoothing_bounds_the_logits():
    """With smoothing s over K classes the loss is minimal at the finite logit gap
    log(1 + K(1 - s)/s) and rises beyond it; without smoothing it keeps falling."""
    smoothing, num_classes = 0.1, 10
    optimum = math.log(1 + num_classes * (1 - smoothing) / smoothing)

    def loss_and_gradient(gap, label_smoothing):
        logits = tf.Variable([[gap] + [0.0] * (num_classes - 1)])
        with tf.GradientTape() as tape:
            loss = losses.classification_loss(logits, [0], label_smoothing)[0]
        return float(loss), tape.gradient(loss, logits).numpy()[0, 0]

    at_optimum, gradient = loss_and_gradient(optimum, smoothing)
    assert abs(gradient) < 1e-5
    for gap in (optimum / 2, 2 * optimum, 1000.0):
        assert loss_and_gradient(gap, smoothing)[0] > at_optimum + 1e-3
    assert loss_and_gradient(1000.0, 0.0)[0] < loss_and_gradient(2 * optimum, 0.0)[0]
