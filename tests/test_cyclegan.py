"""CycleGAN: networks, losses, the history pool, a train step of all four players, replicas,
exports through their signatures, and the translation metrics on known answers."""

import itertools
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_lab import export, losses, modes, translate
from tfgan_lab.data import domains
from tfgan_lab.errors import ConfigError
from tfgan_lab.eval import translation
from tfgan_lab.gans.cyclegan import CycleGAN
from tfgan_lab.gans.history_pool import HistoryPool
from tfgan_lab.nets import cyclegan as nets

from conftest import PRECISIONS, assert_mirrored_equals_default, smoke, training_setup


def _config(**train):
    config = smoke("cyclegan")
    config.data.update(load_size=0, crop_size=0, flip=False)
    config.train.update(**{"batch_size": 2, **train})
    config.eval.every = 0
    return config


@pytest.mark.parametrize("upsampling", nets.UPSAMPLINGS)
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_generator_keeps_the_shape_and_range(shape, upsampling):
    generator = nets.resnet_generator(shape, filters=4, blocks=2, upsampling=upsampling)
    images = np.random.default_rng(0).uniform(-1, 1, (3, *shape)).astype(np.float32)
    out = np.asarray(generator(images))
    assert out.shape == (3, *shape) and out.dtype == np.float32
    assert np.abs(out).max() <= 1.0
    assert generator.input.name == "images"
    assert (sum("block" in layer.name and layer.name.endswith("_add")
                for layer in generator.layers) == 2)


def test_patch_discriminator_has_one_logit_per_patch():
    discriminator = nets.patch_discriminator((32, 32, 3), filters=4, strided_layers=3)
    logits = discriminator(np.zeros((2, 32, 32, 3), np.float32))["logits"]
    assert logits.shape == (2, 4, 4)  # 32 / 2^3, kept by the stride-1 layers
    assert nets.default_blocks((128, 128, 3)) == 6 and nets.default_blocks((256, 256, 3)) == 9


def test_reflection_padding_mirrors_the_border():
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    padded = np.asarray(nets.ReflectionPadding2D(1)(x))[0, :, :, 0]
    np.testing.assert_array_equal(padded[0], [4, 3, 4, 5, 4])  # row 1 mirrored above row 0
    np.testing.assert_array_equal(padded[:, 0], [4, 1, 4, 7, 4])


def test_least_squares_loss_per_example_over_patches():
    real = tf.constant([[[1.0, 0.0]], [[2.0, 1.0]]])  # [2 examples, 1 x 2 patches]
    fake = tf.constant([[[0.0, 1.0]], [[0.5, 0.5]]])
    loss = losses.get("least_squares")
    # mean over patches of (real - 1)^2 + fake^2: [(0 + 1 + 0 + 1) / 2, (1 + 0 + 0.25 + 0.25) / 2]
    np.testing.assert_allclose(loss.discriminator(real, fake), [1.0, 0.75])
    np.testing.assert_allclose(loss.generator(fake), [0.5, 0.25])  # (fake - 1)^2
    np.testing.assert_allclose(losses.l1(tf.ones([2, 2, 2, 1]), -tf.ones([2, 2, 2, 1])), [2, 2])


def test_history_pool_fills_then_swaps_half_of_the_fakes():
    pool = HistoryPool(50, (1, 1, 1))
    first = tf.reshape(tf.range(50, dtype=tf.float32), [50, 1, 1, 1])
    ones = tf.ones([50])
    # While it fills, every fake is returned and stored, whatever the draws.
    np.testing.assert_array_equal(pool.query(first, ones, ones * 0.3), first)
    assert int(pool.count.numpy()) == 50
    stored, queries = set(range(50)), 4000
    new = tf.reshape(tf.range(1000, 1000 + queries, dtype=tf.float32), [queries, 1, 1, 1])
    swap = tf.random.stateless_uniform([queries], seed=[1, 2])
    slot = tf.random.stateless_uniform([queries], seed=[3, 4])
    returned = pool.query(new, swap, slot).numpy().ravel()
    from_pool = returned != new.numpy().ravel()
    assert abs(from_pool.mean() - 0.5) < 0.03, from_pool.mean()
    np.testing.assert_array_equal(from_pool, swap.numpy() >= 0.5)
    # What comes back from the pool was stored before: the first 50 or an earlier new fake.
    assert set(returned[from_pool][:20]) <= stored | set(new.numpy().ravel())
    assert int(pool.count.numpy()) == 50 and len(set(pool.images.numpy().ravel())) == 50


@pytest.mark.parametrize("precision", PRECISIONS)
def test_one_step_moves_all_four_players(fashion_mnist, precision):
    config = _config()
    config.runtime.precision = precision
    gan, step, batches = training_setup(config)
    before = {name: [v.numpy().copy() for v in player.network.trainable_variables]
              for name, player in gan.players.items()}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"g_loss", "d_loss", "g_adversarial", "cycle_l1", "identity_l1"}
    assert all(np.isfinite(list(logs.values())))
    for name, player in gan.players.items():
        moved = [not np.array_equal(b, v.numpy())
                 for b, v in zip(before[name], player.network.trainable_variables, strict=True)]
        assert all(moved), (name, moved)
        assert int(player.optimizer.iterations.numpy()) == 1
    assert int(gan.pool_a.count.numpy()) == 2 and int(gan.step.numpy()) == 1


@pytest.mark.slow
def test_mirrored_equals_default_pools_included():
    """Two replicas of one example each train like one device on batches of 2: the pools
    gather both replicas' fakes and swap the same ones."""
    config = _config(batch_size=2)
    config.model.pool_size = 2  # Full after the first step: the later steps swap.
    assert any("pool_a" in name for name in assert_mirrored_equals_default(config))


def test_data_domains_are_two_classes_from_disjoint_halves(fashion_mnist):
    config = _config()
    unpaired = domains.load(config.data, "train", train=True)
    middle = len(fashion_mnist) // 2
    assert len(unpaired.a) == np.sum(fashion_mnist.labels[:middle] == 7)
    assert len(unpaired.b) == np.sum(fashion_mnist.labels[middle:] == 9)
    assert unpaired.info.domain_names == ("Sneaker", "Ankle boot")
    a, b = next(iter(unpaired.batches(8, seed=0)))
    assert a.shape == (8, 28, 28, 1) and b.shape == (8, 28, 28, 1)
    sneakers = fashion_mnist.images[:middle][fashion_mnist.labels[:middle] == 7]
    pixels = np.round((a.numpy() + 1) * 127.5).astype(np.uint8)
    assert all(any(np.array_equal(p, s) for s in sneakers) for p in pixels[:2])
    # The step-indexed order holds per domain: starting at step 3 gives batch 3.
    third = list(unpaired.batches(8, seed=0).take(4))[3]
    resumed = next(iter(unpaired.batches(8, seed=0, start_step=3)))
    for x, y in zip(third, resumed, strict=True):
        np.testing.assert_array_equal(x, y)
    config.data.class_b = 7
    with pytest.raises(Exception, match="class_a and class_b are the same class"):
        domains.load(config.data, "train", train=True)


def test_exports_load_through_their_signatures(fashion_mnist, trained_classifier, tmp_path):
    config = _config()
    gan, step, batches = training_setup(config)
    step(batches)
    paths = export.export_model(gan, str(tmp_path), "cg")
    assert {role: os.path.relpath(p, tmp_path) for role, p in paths.items()} == {
        "a2b": "cg_a2b/1", "b2a": "cg_b2a/1"}
    # The manifest beside each version names both, so either finds the other.
    assert sorted(os.listdir(tmp_path / "cg_b2a")) == ["1", "1.exports.json"]
    manifest = export.read_manifest(paths["b2a"])
    assert (manifest.role, manifest.model) == ("b2a", "cyclegan")
    assert manifest.require("a2b", "b2a") == [paths["a2b"], paths["b2a"]]
    config.eval.update(classifier_dir=os.path.dirname(os.path.dirname(trained_classifier[0])),
                       num_samples=20)
    from_b2a = CycleGAN.evaluate_export(config, paths["b2a"])
    assert from_b2a == CycleGAN.evaluate_export(config, paths["a2b"])
    assert from_b2a["a2b_cycle_l1"] > 0
    # The training run's evaluator scores the model as the exports score it; its sample grid
    # holds 6 rows (A, G_AB(A), its cycle; B, ...) of train.sample_columns translations.
    during = CycleGAN.make_evaluator(config)(gan)
    assert during == pytest.approx(from_b2a, rel=1e-4, abs=1e-5)
    grid = CycleGAN.make_sampler(config, CycleGAN.load_data(config, config.data.split))(gan)
    assert grid.images.shape == (6 * config.train.sample_columns, 28, 28, 1)
    os.remove(paths["a2b"] + export.MANIFEST_SUFFIX)
    with pytest.raises(export.ExportError, match="was not exported with a2b and b2a: it has "
                                                 "no manifest"):
        CycleGAN.evaluate_export(config, paths["a2b"])
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    for path, generator in zip(paths.values(), (gan.generator_ab, gan.generator_ba),
                               strict=True):
        loaded = tf.saved_model.load(path)
        signature = loaded.signatures["serving_default"]
        inputs = signature.structured_input_signature[1]
        assert list(inputs) == ["images"] and inputs["images"].shape.as_list() == [None, 28, 28, 1]
        assert list(signature.structured_outputs) == ["images"]
        translator = export.load_translator(path)
        np.testing.assert_allclose(translator(images), generator(images, training=False),
                                   atol=1e-5)
    with pytest.raises(Exception, match="is not a conditional generator"):
        export.load_conditional_generator(paths["a2b"])
    # --mode=translate on a folder of PNGs and on one file: each written as the export's output.
    folder = tmp_path / "coats"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(fashion_mnist.images[i, ..., 0]).save(folder / f"{i}.png")
    for source, output in ((folder, tmp_path / "out"), (folder / "1.png", tmp_path / "one")):
        translate.translate_mode(modes.Context("translate", None, None, str(tmp_path),
                                               paths["b2a"], str(source), str(output), 8))
    with pytest.raises(ConfigError, match="--mode=translate needs --input"):
        translate.translate_mode(modes.Context("translate", None, None, str(tmp_path),
                                               paths["b2a"], None, "x", 8))
    assert sorted(os.listdir(tmp_path / "out")) == ["0.png", "1.png", "2.png"]
    assert os.listdir(tmp_path / "one") == ["1.png"]
    real = fashion_mnist.images[1:2].astype(np.float32) / 127.5 - 1
    expected = (np.asarray(gan.generator_ba(real, training=False))[0, ..., 0] + 1) * 127.5
    for written in (tmp_path / "out" / "1.png", tmp_path / "one" / "1.png"):
        np.testing.assert_allclose(np.asarray(Image.open(written)), expected, atol=1.01)


def test_translation_metrics_on_known_translators(trained_classifier):
    """Identity translators: cycle and identity L1 are 0 and nothing looks like the other
    domain; translators that return real test images of the target domain score each judge's
    own accuracy there and a Frechet distance at its floor's scale."""
    config = _config()
    config.eval.classifier_dir = os.path.dirname(os.path.dirname(trained_classifier[0]))
    from tfgan_lab.eval import classifier as classifier_lib

    judges = classifier_lib.load_judges(config)
    test = domains.load(config.data, "test", train=False)
    evaluator = translation.TranslationEvaluator(test, 200, judges)
    assert evaluator.n == 200

    def same(x):
        return x

    results = evaluator(same, same)
    for direction, suffix in itertools.product(translation.DIRECTIONS, judges):
        assert results[f"{direction}_cycle_l1"] == 0 and results[f"{direction}_identity_l1"] == 0
        assert results[f"{direction}_accuracy{suffix}"] < 0.3
    real_b, real_a = evaluator.real["b"], evaluator.real["a"]

    def to_b(x):
        return real_b[200:200 + len(x)]

    def to_a(x):
        return real_a[200:200 + len(x)]

    swapped = evaluator(to_b, to_a)
    for suffix, judge in judges.items():
        probabilities = classifier_lib.predict(judge, real_b[200:400])["probabilities"]
        assert swapped[f"a2b_accuracy{suffix}"] == pytest.approx(
            np.mean(np.argmax(probabilities, -1) == 9))
        assert swapped[f"a2b_accuracy{suffix}"] > 0.6
        assert (swapped[f"a2b_frechet_distance{suffix}"]
                < 3 * swapped[f"a2b_frechet_distance_floor{suffix}"])
        assert results[f"a2b_frechet_distance{suffix}"] > 3 * swapped[
            f"a2b_frechet_distance{suffix}"]
    assert swapped["a2b_frechet_distance"] != swapped["a2b_frechet_distance_second"]
    grid, columns = translation.grid(real_a[:2], real_b[:2], same, same)
    assert grid.shape == (12, 28, 28, 1) and columns == 6
    np.testing.assert_array_equal(grid[3], real_b[0])
