"""The conditional adversarial autoencoder: its four networks and losses, a train step of every
player, the prior, the groups measured on Fashion-MNIST and parsed from UTKFace names, the
export and --mode=progress, and the metrics on known answers."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_lab import eval as eval_lib
from tfgan_lab import export, losses, train
from tfgan_lab.config import validate
from tfgan_lab.data import attributes, groups
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.eval import progression
from tfgan_lab.gans import caae_eval, caae_serving
from tfgan_lab.nets import caae as nets

from conftest import (
    PRECISIONS,
    REPO,
    assert_mirrored_equals_default,
    judges_env,
    rerun_from_records,
    smoke,
    training_setup,
)


def _config(**model):
    config = smoke("caae")
    config.train.update(batch_size=4, steps=10)
    config.model.update(**{"warmup_fraction": 0.0, "z_weight": 1e-4, **model})
    config.eval.every = 0
    return config


def _utkface_folder(folder, names, size=20):
    """Small JPEGs named as UTKFace's files, each a different grey level."""
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(names):
        Image.new("RGB", (size, size), (10 * i, 100, 200 - 10 * i)).save(
            os.path.join(folder, name), format="JPEG")
    return str(folder)


@pytest.mark.parametrize("shape,sizes,maps", [((28, 28, 1), (4,), False),
                                              ((32, 32, 3), (10, 2), True)])
def test_four_networks_shapes_and_ranges(shape, sizes, maps):
    depth = nets.default_layers(shape)
    encoder = nets.encoder(shape, z_dim=10, filters=4, depth=depth)
    generator = nets.generator(shape, 10, sizes, filters=16, depth=depth, condition_maps=maps)
    z_disc = nets.z_discriminator(10)
    image_disc = nets.image_discriminator(shape, sizes, filters=4, depth=3, dense=8)
    images = np.random.default_rng(0).uniform(-1, 1, (3, *shape)).astype(np.float32)
    conditions = {name: np.array([0, 1, size - 1], np.int32)
                  for name, size in zip(nets.CONDITION_INPUTS[:len(sizes)], sizes, strict=True)}
    z = np.asarray(encoder(images))
    assert z.shape == (3, 10) and np.abs(z).max() <= 1.0
    out = np.asarray(generator({"z": z, **conditions}))
    assert out.shape == (3, *shape) and np.abs(out).max() <= 1.0
    assert z_disc(z)["logits"].shape == (3,)
    assert image_disc({"images": images, **conditions})["logits"].shape == (3,)
    assert encoder.input.name == "images" and set(generator.input) == {"z", *conditions}
    # The official G reads the conditions at its input only; with maps, before every layer.
    maps_layers = [layer.name for layer in generator.layers if layer.name.startswith("maps")]
    assert maps_layers == ([f"maps{i}" for i in range(depth + 1)] if maps else [])


def test_depth_and_condition_codes():
    assert [nets.default_layers((s, s, 3)) for s in (28, 32, 64, 128, 256)] == [2, 3, 4, 5, 5]
    with pytest.raises(ConfigError, match="must divide by 8"):
        nets.encoder((28, 28, 1), 4, 4, depth=3)
    # +1 at the label, -1 elsewhere (the official concat_label) ...
    np.testing.assert_array_equal(nets.code(np.array([2, 0]), 3), [[-1, -1, 1], [1, -1, -1]])
    # ... repeated in G's input to weigh as much as z: 50 // 4 = 12 times, gender 25 times.
    generator = nets.generator((28, 28, 1), 50, (4, 2), filters=8, depth=2)
    assert generator.get_layer("label_tiled").output.shape[-1] == 48
    assert generator.get_layer("gender_tiled").output.shape[-1] == 50


def test_total_variation_and_the_losses_warm_up():
    images = tf.constant([[[0.0], [2.0]], [[1.0], [2.0]]])[None]  # 2x2
    # vertical: (1 - 0)^2 + (2 - 2)^2 = 1; horizontal: (2 - 0)^2 + (2 - 1)^2 = 5; halves over 2
    np.testing.assert_allclose(losses.total_variation(images), [0.5 * 1 / 2 + 0.5 * 5 / 2])
    config = _config(warmup_fraction=0.5, image_weight=0.5, tv_weight=0.1)
    caae, _, batches = training_setup(config)
    images, conditions = next(batches)
    warm = caae.autoencoder_losses(images, conditions, training=False)
    np.testing.assert_allclose(warm["eg_loss"], warm["reconstruction_l1"]
                               + 0.1 * warm["total_variation"], rtol=1e-5)
    caae.step.assign(5)  # warmup_steps = 0.5 * 10: the adversaries are on
    on = caae.autoencoder_losses(images, conditions, training=False)
    np.testing.assert_allclose(on["eg_loss"], on["reconstruction_l1"] + 0.1 * on["total_variation"]
                               + 0.5 * on["image_adversarial"] + 1e-4 * on["z_adversarial"],
                               rtol=1e-5)
    assert np.all(on["image_adversarial"] > 0) and np.all(on["z_adversarial"] > 0)


def test_prior_discriminator_sees_uniform_samples():
    caae, _, _ = training_setup(_config())
    prior = caae.prior(4000, "prior_z").numpy()
    assert prior.min() >= -1 and prior.max() <= 1
    assert progression.uniform_ks(prior).max() < 0.05  # 4000 draws: KS ~ 0.02
    # Its loss takes this step's prior draws as real and the codes as fake.
    z = tf.fill([4, caae.z_dim], 0.9)
    logits = caae.z_discriminator(tf.concat([caae.prior(4, "prior_z"), z], 0),
                                  training=False)["logits"]
    expected = caae.adversarial_loss.discriminator(logits[:4], logits[4:])
    np.testing.assert_allclose(caae.z_discriminator_loss(z, training=False), expected,
                               rtol=1e-5)


def test_random_targets_and_mismatched_groups():
    caae, _, _ = training_setup(_config())
    own = np.tile(np.arange(4, dtype=np.int32), 1000)[:, None]
    targets = caae.targets(tf.constant(own)).numpy()[:, 0]
    mismatched = caae.mismatched(tf.constant(own)).numpy()[:, 0]
    np.testing.assert_allclose(np.bincount(targets, minlength=4) / 4000, 0.25, atol=0.03)
    assert np.all(mismatched != own[:, 0])  # never the own group, each other one alike
    for group in range(4):
        others = np.bincount(mismatched[own[:, 0] == group], minlength=4) / 1000
        np.testing.assert_allclose(np.delete(others, group), 1 / 3, atol=0.06)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_one_step_moves_every_player(precision):
    config = _config(random_targets=True, mismatched_reals=True, condition_maps=True)
    config.runtime.precision = precision
    caae, step, batches = training_setup(config)
    before = {name: [v.numpy().copy() for v in player.network.trainable_variables]
              for name, player in caae.players.items()}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"eg_loss", "reconstruction_l1", "image_adversarial", "z_adversarial",
                         "total_variation", "d_img_loss", "d_z_loss"}
    assert all(np.isfinite(list(logs.values())))
    for name, player in caae.players.items():
        moved = [not np.array_equal(b, v.numpy())
                 for b, v in zip(before[name], player.network.trainable_variables, strict=True)]
        assert all(moved), (name, moved)


@pytest.mark.slow
def test_mirrored_equals_default():
    """Two replicas of two examples each train like one device on batches of 4: the prior's
    draws, the random targets, the mismatched groups and the batch norms are those of the
    global batch."""
    assert_mirrored_equals_default(_config(random_targets=True, mismatched_reals=True))


@pytest.mark.parametrize("model,learners", [
    ({"encoder": False, "image_weight": 1.0}, {"g", "d_img"}),  # the conditional GAN baseline
    ({"image_weight": 0.0, "z_weight": 0.0}, {"e", "g"}),  # the autoencoder baseline
    ({}, {"e", "g", "d_img", "d_z"})])
def test_players_that_learn(model, learners):
    """A discriminator whose weight is 0 is not trained; without an encoder E and D_z rest."""
    caae, step, batches = training_setup(_config(**model))
    step(batches)
    updates = {name: int(p.optimizer.iterations.numpy()) for name, p in caae.players.items()}
    assert updates == {name: int(name in learners) for name in caae.PLAYERS}
    if not model.get("encoder", True):
        assert caae.exports() == {}  # nothing to serve: a baseline
        images, _ = next(batches)
        codes = caae.encode(images).numpy()  # the prior's, the same at every evaluation
        assert codes.shape == (len(images), caae.z_dim) and np.abs(codes).max() <= 1.0
        np.testing.assert_array_equal(codes, caae.encode(images))


def test_groups_cut_by_class_quantiles():
    values = np.array([0, 1, 2, 3, 4, 5, 6, 7, 10, 20], np.float32)
    classes = np.array([0] * 8 + [1] * 2)
    edges = groups.quantile_edges(values, classes, 2, groups=2)
    np.testing.assert_allclose(edges, [[3.5], [15.0]])
    np.testing.assert_array_equal(groups.cut(values, classes, edges),
                                  [0, 0, 0, 0, 1, 1, 1, 1, 0, 1])
    with pytest.raises(DataError, match="too few"):
        groups.quantile_edges(values, classes, 2, groups=3)


def test_fashion_mnist_groups_are_measured_quartiles_of_each_class():
    config = smoke("caae")
    train_set, test_set = (groups.load(config.data, split) for split in ("train", "test"))
    assert train_set.info.group_names == ("area q0-25", "area q25-50", "area q50-75",
                                          "area q75-100")
    area = attributes.ink(train_set.images.images, 128)
    for c in range(10):
        counts = np.bincount(train_set.conditions[train_set.classes == c, 0], minlength=4)
        assert counts.max() - counts.min() <= 0.02 * counts.sum(), (c, counts)  # quartiles
        mine = train_set.classes == c
        means = [area[mine & (train_set.conditions[:, 0] == g)].mean() for g in range(4)]
        assert means == sorted(means)  # the groups are ordered by area
    # The test split is cut by the training split's edges, and re-measuring agrees.
    np.testing.assert_array_equal(test_set.info.edges, train_set.info.edges)
    measured = test_set.info.measure_groups(test_set.images.images, test_set.classes)
    np.testing.assert_array_equal(measured, test_set.conditions[:, 0])
    floats = (test_set.images.images[:100].astype(np.float32) / 127.5) - 1
    np.testing.assert_array_equal(test_set.info.measure_groups(floats, test_set.classes[:100]),
                                  measured[:100])


DATE = "20170110174525125"


@pytest.mark.parametrize("name,age,gender,group", [
    (f"25_0_2_{DATE}.jpg", 25, 0, 4), (f"1_1_0_{DATE}.jpg", 1, 1, 0),
    (f"5_0_0_{DATE}.jpg", 5, 0, 0), (f"6_1_3_{DATE}.jpg", 6, 1, 1),
    (f"20_0_1_{DATE}.png", 20, 0, 3), (f"61_1_0_{DATE}.jpg.chip.jpg", 61, 1, 8),
    (f"70_0_0_{DATE}.jpg", 70, 0, 8), (f"71_0_0_{DATE}.jpg", 71, 0, 9),
    (f"116_1_0_{DATE}.jpg", 116, 1, 9), (f"39_1_{DATE}.jpg.chip.jpg", 39, 1, 5)])
def test_utkface_names_parse_to_age_groups(name, age, gender, group):
    assert groups.parse_utkface(name) == (age, gender)
    assert groups.age_group(age) == group


@pytest.mark.parametrize("name", ["face.jpg", f"25_2_0_{DATE}.jpg", "25_0.jpg",
                                  f"x_0_0_{DATE}.jpg", "25_0_0_x.jpg", f"250_0_0_{DATE}.jpg"])
def test_utkface_bad_names_are_refused(name):
    with pytest.raises(DataError, match=name):
        groups.parse_utkface(name)


def test_utkface_folder_splits_and_conditions(tmp_path):
    names = [f"{age}_{age % 2}_0_2017{age:04d}1234.jpg" for age in range(1, 90, 4)]
    folder = _utkface_folder(tmp_path / "faces", names)
    train_set = groups.utkface(folder, False, 30, 16, gender=True)
    test_set = groups.utkface(folder, True, 30, 16, gender=True)
    assert len(train_set) + len(test_set) == len(names) and len(test_set) > 0
    assert train_set.info.condition_sizes == (10, 2)
    paths = train_set.images.paths + test_set.images.paths
    conditions = np.concatenate([train_set.conditions, test_set.conditions])
    for path, (group, gender) in zip(paths, conditions, strict=True):
        age = int(os.path.basename(path).split("_")[0])
        assert (group, gender) == (groups.age_group(age), age % 2)
    images, _ = train_set.gather(tf.constant([0, 1]), tf.zeros([2, 2], tf.int64))
    assert images.shape == (2, 16, 16, 3)
    _utkface_folder(tmp_path / "faces", ["selfie.jpg"])
    with pytest.raises(DataError, match="selfie.jpg"):
        groups.utkface(folder, False, 30, 16, gender=True)


def test_config_errors():
    config = smoke("caae")
    config.data.groups = 1
    with pytest.raises(ConfigError, match="groups=1"):
        validate(config)
    config = smoke("caae")
    config.data.name = "utkface"
    with pytest.raises(ConfigError, match="config.data.folder"):
        validate(config)
    config = smoke("caae")
    config.model.update(encoder=False, image_weight=0.0)
    with pytest.raises(ConfigError, match="image_weight"):
        validate(config)


def test_export_round_trips_and_the_target_changes_the_output(tmp_path):
    caae, step, batches = training_setup(_config())
    for _ in range(3):
        step(batches)
    path, = export.export_model(caae, str(tmp_path), "caae").values()
    progress = caae_serving.load(path)
    assert (progress.num_groups, progress.image_shape, progress.gender) == (4, (28, 28, 1), False)
    images, _ = next(batches)
    labels = np.array([0, 1, 2, 3], np.int32)
    served = progress(images, labels).numpy()
    direct = caae.transform(images, labels[:, None]).numpy()
    np.testing.assert_allclose(served, direct, atol=1e-5)
    other = progress(images, (labels + 2) % 4).numpy()
    assert np.abs(other - served).mean() > 1e-4
    with pytest.raises(tf.errors.InvalidArgumentError, match="number of groups"):
        progress(images, labels + 1)
    with pytest.raises(export.ExportError, match="is not an image-to-image model"):
        export.load_translator(path)


def test_gender_export_and_progress_mode(tmp_path):
    names = [f"{age}_{age % 2}_0_2017{age:04d}1234.jpg" for age in range(2, 80, 7)]
    folder = _utkface_folder(tmp_path / "faces", names, size=24)
    config = _config()
    config.data.update(folder=folder, gender=True, image_size=16, test_percent=20)
    caae, step, batches = training_setup(config)
    step(batches)
    path, = export.export_model(caae, str(tmp_path / "export"), "faces").values()
    progress = caae_serving.load(path)
    assert progress.gender and progress.num_groups == 10
    run = subprocess.run([sys.executable, os.path.join(REPO, "main.py"), "--mode=progress",
                          f"--model_path={path}", f"--input={folder}",
                          f"--output={tmp_path / 'progress.png'}"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    grid = np.asarray(Image.open(tmp_path / "progress.png"))
    # One row per input, the input then its 10 age groups, 16 + 2 pixels per cell.
    assert grid.shape == (len(names) * 18 - 2, 11 * 18 - 2, 3)


def test_metrics_on_known_answers(trained_classifier):
    config = smoke("caae")
    config.eval.update(num_samples=400,
                       classifier_dir=os.path.dirname(os.path.dirname(trained_classifier[0])))
    evaluator = caae_eval.progression_evaluator(config)
    share = np.bincount(evaluator.conditions[:, 0], minlength=4) / evaluator.n

    def unchanged(images, conditions):
        return images

    results = evaluator(unchanged, lambda x: np.zeros((len(x), 3), np.float32))
    assert results["reconstruction_l1"] == 0
    # The input meets target g exactly when its own group is g.
    np.testing.assert_allclose(results["condition_accuracy_per_group"], share, atol=1e-9)
    assert results["condition_accuracy"] == pytest.approx(0.25)
    # Judged by the class each judge sees, each input is in exactly one group as well.
    assert results["condition_accuracy_of_output_class"] == pytest.approx(0.25)
    assert results["condition_accuracy_of_output_class_second"] == pytest.approx(0.25)
    assert abs(results["identity"] - trained_classifier[1]) < 0.06  # the classifier's accuracy
    for suffix, judge in eval_lib.load_judges(config).items():  # each judge's own accuracy
        predicted = np.argmax(eval_lib.predict(judge, evaluator.images)["probabilities"], -1)
        assert results[f"identity{suffix}"] == pytest.approx(
            np.mean(predicted == evaluator.classes))
        assert results[f"identity_per_group{suffix}"] == [results[f"identity{suffix}"]] * 4
    assert results["prior_ks_mean"] == pytest.approx(0.5)  # all codes at the prior's median
    uniform = np.random.default_rng(0).uniform(-1, 1, (400, 3)).astype(np.float32)
    assert evaluator(unchanged, lambda x: uniform[:len(x)])["prior_ks_max"] < 0.1


def test_training_logs_condition_identity_and_reconstruction(tmp_path, trained_classifier):
    config = _config()
    config.train.update(steps=2, log_every=1)
    config.eval.update(every=2, num_samples=40,
                       classifier_dir=os.path.dirname(os.path.dirname(trained_classifier[0])))
    train.train(config, str(tmp_path))
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"condition_accuracy", "condition_error", "identity", "reconstruction_l1",
            "prior_ks_mean"} <= set(header)
    assert (tmp_path / "samples" / "step_000002.png").exists()


@pytest.mark.slow
def test_the_results_command_measures_the_caae_and_its_baselines_once(tmp_path,
                                                                     trained_classifier):
    """benchmarks/caae.py at smoke size, one seed: the CAAE and both baselines trained and
    measured, the CAAE through its export; the report's cells are caae.json's records; with
    the runs gone, --from_records rebuilds the report's tables from them (a rerun measuring
    nothing again is seed_runs.measured_once's, tests/test_reporting.py)."""
    command = [sys.executable, os.path.join(REPO, "benchmarks", "caae.py"),
               f"--config={os.path.join(REPO, 'configs', 'caae_fashion_mnist.py')}:smoke",
               "--seeds=1", "--workdir=runs/caae", "--export_dir=export", "--results=report",
               "--grid_rows=2"]
    env = judges_env(tmp_path, trained_classifier)
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(os.listdir(tmp_path / "export" / "caae_fashion_mnist")) == [
        "1", "1.exports.json"]  # the CAAE's alone
    records = json.loads((tmp_path / "report" / "caae.json").read_text())
    names = ["caae_fashion_mnist", "caae_fashion_mnist_without_encoder",
             "caae_fashion_mnist_without_adversaries"]
    assert list(records) == [f"{name}/seed0" for name in names]
    entry = records["caae_fashion_mnist/seed0"]
    caae = entry["result"]
    assert caae["exports"] == {"progression": os.path.join("export", "caae_fashion_mnist", "1")}
    assert entry["judges"]["first"] == pytest.approx(trained_classifier[1])
    text = (tmp_path / "report" / "caae.md").read_text()
    row = (f"| CAAE | {caae['condition_accuracy']:.3f} | {caae['condition_error']:.3f} | "
           f"{caae['condition_accuracy_of_output_class']:.3f} / "
           f"{caae['condition_accuracy_of_output_class_second']:.3f} | "
           f"{caae['identity']:.3f} / {caae['identity_second']:.3f} |")
    assert row in text and f"first judge (test accuracy {trained_classifier[1]:.4f})" in text
    for name in names:
        assert (tmp_path / "runs" / name.replace("_fashion_mnist", "") / "seed0"
                / "measured.json").is_file()
    assert "One seed" in text and (tmp_path / "report" / "caae_curves.png").is_file()
    # With the runs and the export gone, --from_records writes the same rows from caae.json.
    rerun_from_records(command, tmp_path, "runs", "export", env=env)
    rebuilt = (tmp_path / "report" / "caae.md").read_text()
    assert row in rebuilt and "as last drawn" in rebuilt
    assert [line for line in rebuilt.splitlines() if line.startswith("|")] == [
        line for line in text.splitlines() if line.startswith("|")]
