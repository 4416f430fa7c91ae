"""The CGAN variant: train steps move both players under every precision and XLA setting."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import data, losses, runtime, train


def _setup(config, fashion_mnist):
    strategy = runtime.setup(config.runtime, config.seed)
    gan = train.build(config, fashion_mnist.info, strategy)
    batches = train.distributed_batches(fashion_mnist, config, strategy, 0)
    return gan, train.make_train_function(gan, strategy, config.runtime.jit_compile), batches


def _snapshot(model):
    return {v.path: v.numpy().copy() for v in model.trainable_variables}


def _changed(before, model):
    return {v.path for v in model.trainable_variables if not np.array_equal(before[v.path], v)}


@pytest.mark.parametrize("loss", losses.names())
@pytest.mark.parametrize("precision,jit_compile", [("float32", False),
                                                   ("mixed_bfloat16", False),
                                                   ("float32", True)])
def test_one_step_changes_every_weight_of_both_players(smoke_config, fashion_mnist, precision,
                                                       jit_compile, loss):
    smoke_config.model.loss = loss
    smoke_config.runtime.precision, smoke_config.runtime.jit_compile = precision, jit_compile
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    g_before, d_before = _snapshot(gan.generator), _snapshot(gan.discriminator)
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"d_loss", "g_loss"} and all(np.isfinite(list(logs.values())))
    # Every trainable variable moves: a weight without gradient (a broken branch) fails here.
    # One exception, by arithmetic: under the hinge loss, while every real and fake example is
    # inside the margin (as at the start), the gradients on D's output bias cancel (up to
    # rounding, which Adam may still turn into a step).
    inert = {"sn_psi/psi/bias"} if loss == "hinge" else set()
    assert _changed(g_before, gan.generator) == set(g_before)
    assert set(d_before) - inert <= _changed(d_before, gan.discriminator)
    assert int(gan.step.numpy()) == 1
    images = gan.generator(gan.generator_inputs(tf.zeros([2, 16]), tf.constant([0, 1])))
    assert images.dtype == tf.float32, "outputs stay float32 under mixed precision"


def test_mixed_float16_scales_the_loss(smoke_config, fashion_mnist):
    smoke_config.runtime.precision = "mixed_float16"
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.get_layer("project").compute_dtype == "float16"
    before = _snapshot(gan.generator)
    for _ in range(3):  # a first step may be skipped while the loss scale settles
        logs = step(batches)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert _changed(before, gan.generator)
    assert float(gan.g_optimizer.dynamic_scale) > 0


def test_test_step_reports_losses_without_training(smoke_config, fashion_mnist):
    gan, _, _ = _setup(smoke_config, fashion_mnist)
    before = _snapshot(gan)
    batch = next(iter(data.train_batches(fashion_mnist, 16, seed=0)))
    logs = gan.test_step(batch)
    assert np.isfinite(float(logs["d_loss"])) and np.isfinite(float(logs["g_loss"]))
    assert not _changed(before, gan)


def test_fit_trains_on_one_machine(smoke_config, fashion_mnist):
    gan, _, _ = _setup(smoke_config, fashion_mnist)
    before = _snapshot(gan.generator)
    history = gan.fit(data.train_batches(fashion_mnist, 16, seed=0), steps_per_epoch=2,
                      epochs=1, verbose=0, shuffle=False)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert _changed(before, gan.generator)
    assert int(gan.step.numpy()) == 2


def test_noise_depends_on_seed_and_step_only(smoke_config, fashion_mnist):
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    first = gan.noise(tf.constant(4), stream=0).numpy()
    np.testing.assert_array_equal(first, gan.noise(tf.constant(4), stream=0))
    assert not np.allclose(first, gan.noise(tf.constant(4), stream=1))
    step(batches)
    assert not np.allclose(first, gan.noise(tf.constant(4), stream=0))
