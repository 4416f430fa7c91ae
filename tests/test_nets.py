"""Network pieces whose arithmetic the variants' tests do not pin down."""

import keras
import numpy as np
import pytest

from tfgan_lab import nets


def test_conditional_batch_norm_is_batch_norm_then_the_label_s_scale_and_offset():
    x = np.random.default_rng(0).normal(3.0, 2.0, (6, 5, 5, 4)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2], np.int32)
    layer = nets.ConditionalBatchNorm(3)
    layer.build([x.shape, labels.shape])
    gamma = np.arange(12, dtype=np.float32).reshape(3, 4)
    beta = -np.arange(12, dtype=np.float32).reshape(3, 4)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    normalized = keras.layers.BatchNormalization(center=False, scale=False)(x, training=True)
    expected = (np.asarray(normalized) * gamma[labels][:, None, None, :]
                + beta[labels][:, None, None, :])
    np.testing.assert_allclose(layer([x, labels], training=True), expected, rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("conditioning", nets.CONDITIONINGS)
def test_the_label_changes_the_image_under_either_conditioning(conditioning):
    generator = nets.conditional_generator((28, 28, 1), 10, 16, filters=8,
                                           conditioning=conditioning)
    for layer in generator.layers:  # Away from the initial 1 and 0, so classes differ.
        if isinstance(layer, nets.ConditionalBatchNorm):
            layer.gamma.assign(np.random.default_rng(1).normal(1, 0.5, layer.gamma.shape))
    z = np.tile(np.random.default_rng(2).normal(size=(1, 16)).astype(np.float32), (2, 1))
    images = np.asarray(generator({"z": z, "label": np.array([3, 4], np.int32)}))
    assert images.shape == (2, 28, 28, 1)
    assert np.abs(images[0] - images[1]).max() > 1e-3
    has_embedding = any(layer.name == "label_embedding" for layer in generator.layers)
    assert has_embedding == (conditioning == "embedding")
