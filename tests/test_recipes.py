"""The conditional family's recipe options: DiffAugment, the averaged generator, both judges."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import augment, data, export, train
from tfgan_lab.config import validate
from tfgan_lab.errors import ConfigError
from tfgan_lab.players import moving_averages

from conftest import rewound, smoke, training_setup


@pytest.fixture(scope="module")
def real_images() -> tf.Tensor:
    test = data.load("fashion_mnist", "test")
    return data.to_float(test.images[:8])


def _draws(**columns: float) -> tf.Tensor:
    """[8, DRAWS_PER_IMAGE] draws: 0.5 everywhere but the given columns."""
    names = ("brightness", "saturation", "contrast", "shift_h", "shift_w", "cut_h", "cut_w")
    row = [columns.get(name, 0.5) for name in names]
    return tf.constant([row] * 8, tf.float32)


def test_translation_shifts_by_whole_pixels_and_pads_with_zeros(real_images):
    # 28 // 8 = 3 pixels at most; u = 1 - eps draws the largest shift, +3.
    shifted = augment.diff_augment(real_images, ("translation",), _draws(shift_h=0.999))
    np.testing.assert_array_equal(shifted[:, :-3], real_images[:, 3:])
    np.testing.assert_array_equal(shifted[:, -3:], 0.0)
    centred = augment.diff_augment(real_images, ("translation",), _draws())
    np.testing.assert_array_equal(centred, real_images)


def test_cutout_zeroes_one_square_of_half_the_size(real_images):
    cut = augment.diff_augment(real_images, ("cutout",), _draws(cut_h=0.0, cut_w=0.0))
    zeroed = np.asarray(cut != real_images)
    np.testing.assert_array_equal(cut[:, :7, :7], 0.0)  # corner square, centre at (0, 0)
    np.testing.assert_array_equal(cut[:, 7:], real_images[:, 7:])
    np.testing.assert_array_equal(cut[:, :, 7:], real_images[:, :, 7:])
    assert zeroed.any()


def test_color_at_its_neutral_draws_is_the_identity_and_gradients_flow(real_images):
    same = augment.diff_augment(real_images, ("color",), _draws(saturation=0.5, contrast=0.5))
    np.testing.assert_allclose(same, real_images, atol=1e-6)
    uniform = tf.random.stateless_uniform([8, augment.DRAWS_PER_IMAGE], seed=[1, 2])
    with tf.GradientTape() as tape:
        tape.watch(real_images)
        out = augment.diff_augment(real_images, augment.POLICIES, uniform)
        loss = tf.reduce_sum(out * out)
    gradient = tape.gradient(loss, real_images)
    assert float(tf.reduce_sum(tf.abs(gradient))) > 0
    assert not np.allclose(out, real_images)


@pytest.mark.parametrize("field, value, message", [
    ("augment", "color,flip", "unknown transformation 'flip'"),
    ("generator_ema", 1.5, "generator_ema"),
    ("upsampling", "bilinear", "upsampling"),
])
def test_bad_recipe_fields_are_refused(field, value, message):
    config = smoke("cgan")
    config.model[field] = value
    with pytest.raises(ConfigError, match=message):
        validate(config)


def _recipe(variant: str):
    config = smoke(variant)
    config.model.update(generator_ema=0.5, augment="color,translation,cutout")
    return config


def test_the_average_follows_the_generators_weights_step_by_step():
    """a_1 = w_1 (Keras starts the average at the first update), then a = d a + (1 - d) w."""
    model, step, batches = training_setup(_recipe("cgan"))
    expected = None
    for _ in range(3):
        step(batches)
        weights = [v.numpy() for v in model.generator.trainable_variables]
        expected = weights if expected is None else [
            0.5 * a + 0.5 * w for a, w in zip(expected, weights, strict=True)]
    for average, value in zip(moving_averages(model.g_optimizer), expected, strict=True):
        np.testing.assert_allclose(average.numpy(), value, rtol=1e-6, atol=1e-7)
    averaged = model.averaged_generator()
    assert not np.allclose(averaged.trainable_variables[0].numpy(),
                           model.generator.trainable_variables[0].numpy())


@pytest.mark.parametrize("variant, upsampling", [("cgan", "transpose"), ("fcgan", "resize")])
def test_augmented_averaged_runs_export_both_generators(variant, upsampling, tmp_path):
    config = _recipe(variant)
    config.model.upsampling = upsampling
    trained = train.train(config, str(tmp_path / "run"))
    layer_types = {type(layer).__name__ for layer in trained.model.generator.layers}
    assert ("Conv2DTranspose" in layer_types) == (upsampling == "transpose")
    paths = export.export_model(trained.model, str(tmp_path / "export"), config.name)
    assert {role: os.path.basename(os.path.dirname(p)) for role, p in paths.items()} == {
        "generator": config.name, "generator_ema": f"{config.name}_ema"}
    assert export.read_manifest(paths["generator_ema"]).role == "generator_ema"
    paths = paths.values()
    z = np.random.default_rng(0).standard_normal((4, config.model.z_dim)).astype(np.float32)
    labels = np.arange(4, dtype=np.int32)
    raw, averaged = (np.asarray(export.load_conditional_generator(p)(z, labels)) for p in paths)
    np.testing.assert_allclose(averaged, trained.model.generate(z, labels, averaged=True),
                               atol=1e-5)
    np.testing.assert_allclose(raw, trained.model.generate(z, labels), atol=1e-5)
    assert np.abs(raw - averaged).max() > 1e-4


def test_a_resumed_run_keeps_its_average(tmp_path, capsys):
    config = _recipe("cgan")
    whole = train.train(config, str(tmp_path / "whole")).model
    halves = rewound(str(tmp_path / "whole"), 2, str(tmp_path / "halves"))
    resumed = train.train(config, halves).model
    assert f"Resuming from {halves}/checkpoints/ckpt-2\n" in capsys.readouterr().out
    for a, b in zip(moving_averages(whole.g_optimizer), moving_averages(resumed.g_optimizer),
                    strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.slow
def test_mirrored_augments_and_averages_as_one_device():
    """Two replicas draw each image's augmentation as one device does: G's weights, hence
    their averages, end equal."""
    config = _recipe("acgan")
    averages = []
    for strategy in ("default", "mirrored"):
        config.runtime.strategy = strategy
        model, step, batches = training_setup(config)
        for _ in range(2):
            step(batches)
        averages.append([v.numpy() for v in moving_averages(model.g_optimizer)])
    for one, two in zip(*averages, strict=True):
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-5)
