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
        losses.get("least_squares")


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
