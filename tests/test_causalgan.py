"""CausalGAN's image stage: train steps of its four players under every precision and
strategy, its export, and its metrics on known answers."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_lab import export, models
from tfgan_lab.causal import graph
from tfgan_lab.data import attributes
from tfgan_lab.errors import EvaluationError
from tfgan_lab.gans.causalgan import CausalGAN, image_evaluator
from tfgan_lab.nets import causal as causal_nets

from conftest import (
    PRECISIONS,
    REPO,
    assert_mirrored_equals_default,
    rerun_from_records,
    smoke,
    training_setup,
)


def _config():
    config = smoke("causalgan")
    config.data.size = 512
    config.eval.num_samples = 300
    return config


@pytest.mark.parametrize("precision", PRECISIONS)
def test_one_step_moves_every_weight_of_the_four_players(precision):
    config = _config()
    config.runtime.precision = precision
    gan, step, batches = training_setup(config)
    before = {name: {v.path: v.numpy().copy() for v in p.network.trainable_variables}
              for name, p in gan.players.items()}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"d_loss", "g_loss", "labeler_loss", "anti_labeler_loss", "k_t"}
    assert all(np.isfinite(list(logs.values()))) and logs["k_t"] == 1.0
    for name, player in gan.players.items():
        unmoved = {v.path for v in player.network.trainable_variables
                   if np.array_equal(before[name][v.path], v.numpy())}
        assert unmoved == set(), (name, unmoved)
    assert gan.generate(tf.zeros([2, 16]), tf.ones([2, 5])).dtype == tf.float32


@pytest.mark.slow
def test_mirrored_equals_default():
    assert_mirrored_equals_default(_config())


def test_k_t_decays_from_its_start():
    gan = models.build(_config(), attributes.load(_config().data, "test").info)
    gan.step.assign(3000)
    assert float(gan.k_t()) == pytest.approx(np.exp(-1.0))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """An untrained image stage and an untrained controller of the same graph, exported."""
    config = _config()
    root = tmp_path_factory.mktemp("causalgan")
    gan = models.build(config, attributes.load(config.data, "test").info)
    generator = export.export_model(gan, str(root), config.name)["generator"]
    g = graph.named_or_parsed(config.model.graph)
    controller = export.write(export.Export(
        "causal_controller", causal_nets.controller(g, 10, 2, 4),
        {"names": g.nodes, "noise_dim": 10}), str(root), "controller")
    return config, gan, generator, controller


def test_the_training_grid_is_a_row_per_label_vector_a_column_per_code(exported):
    config, gan, _, _ = exported
    test = attributes.load(config.data, "test")
    grid = type(gan).make_sampler(config, test)(gan)
    columns = config.train.sample_columns
    assert grid.columns == columns and grid.images.shape == (columns * columns, 28, 28, 1)
    rows = grid.images.reshape(columns, columns, -1)
    assert not np.allclose(rows[0, 0], rows[0, 1])  # each column its own z


def test_the_export_generates_what_the_model_does(exported):
    _, gan, path, _ = exported
    loaded = export.load(path)
    assert (loaded.z_dim, loaded.num_labels) == (16, 5)
    z = np.random.default_rng(0).standard_normal((4, 16)).astype(np.float32)
    labels = np.eye(5, dtype=np.float32)[:4]
    np.testing.assert_allclose(loaded(z, labels), gan.generate(z, labels), atol=1e-5)
    assert not np.allclose(loaded(z, labels), loaded(z, 1 - labels))


def test_the_metrics_read_the_labels_from_the_pixels(exported):
    """The test images themselves, 'generated' for their own labels, carry them as often as
    the pixel rules read them (>= 98%); the export's metrics come out for every query of the
    known model when a controller samples the labels."""
    config, _, path, controller = exported
    test = attributes.load(config.data, "test")
    real = test.images.images[:config.eval.num_samples].astype(np.float32) / 127.5 - 1
    served = [0]

    def the_test_images(z, labels):  # in order, batch after batch
        served[0] += len(labels)
        return real[served[0] - len(labels):served[0]]

    by_pixels = image_evaluator(config)(the_test_images)
    assert by_pixels["label_accuracy"] > 0.98 and by_pixels["labels_read_by_labeler"] == 0
    config.model.controller = controller
    scored = image_evaluator(config)(export.load(path))
    assert {"tvd_images_do_thick1", "tvd_images_cond_framed1", "effective_do_thick1",
            "minimal_do_thick1", "minimal_do_footwear1"} <= set(scored)
    assert all(0 <= v <= 1 + 1e-9 for v in scored.values()), scored  # shares, TVDs (float sums)


def test_effectiveness_and_minimality_on_known_answers():
    """do(thick=1) on made-up measured labels: thick shows in 3 of 4 images; of the labels
    outside thick and its descendants (footwear, underline), 7 of 8 stay as they were."""
    from tfgan_lab.gans.causalgan import _counterfactual

    g = graph.named_or_parsed("causal_fashion_mnist")
    plain = np.zeros((4, 5), np.int64)
    intervened = plain.copy()
    intervened[:3, 1] = 1  # thick shown by three
    intervened[:, 2] = 1  # bright, a descendant: free to change
    intervened[0, 4] = 1  # underline changed once: not minimal
    scores = _counterfactual({"thick": 1}, intervened, plain, g, g.nodes)
    assert scores == {"effective_do_thick1": 0.75, "minimal_do_thick1": 7 / 8}


def test_on_celeba_the_labeler_reads_the_labels(tmp_path):
    """CelebA's labels cannot be read from the pixels: without a Labeler the metrics say so;
    with one, an image stage is scored by its own Labeler in training and, through its
    export, by the Labeler exported beside G (found by the manifest), alike."""
    from test_causal_data import _celeba_folder

    config = _config()
    config.data.folder = _celeba_folder(tmp_path)
    config.model.graph = "Male -> Smiling"
    config.data.test_split = "train"
    with pytest.raises(EvaluationError, match="cannot be read from the pixels, and no Labeler"):
        image_evaluator(config)(lambda z, labels: None)
    gan = models.build(config, CausalGAN.load_data(config, "train").info)
    paths = export.export_model(gan, str(tmp_path / "export"), config.name)
    in_training = CausalGAN.make_evaluator(config)(gan)
    assert in_training["labels_read_by_labeler"] == 1.0
    assert {"label_accuracy", "label_accuracy_Male", "label_accuracy_Smiling"} <= set(in_training)
    assert CausalGAN.evaluate_export(config, paths["generator"]) == pytest.approx(in_training)
    labeler = export.load(paths["labeler"])  # known by its contract alone
    images = np.zeros((3, *gan.generator.output.shape[1:]), np.float32)
    read = labeler(images)
    assert labeler.num_labels == 2 and read["label_probabilities"].shape == (3, 2)
    np.testing.assert_allclose(read["logits"], gan.labeler({"images": images})["logits"],
                               atol=1e-5)


def test_the_command_line_draws_do_and_cond_rows(exported, tmp_path):
    _, _, generator, controller = exported
    run = subprocess.run(
        [sys.executable, os.path.join(REPO, "main.py"), "--mode=causal_sample",
         f"--model_path={generator}", f"--controller={controller}", "--do=thick=1",
         "--cond=thick=1", "--columns=5", "--output=rows.png"], cwd=tmp_path,
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Row 1: do(thick=1)" in run.stdout and "Row 2: cond(thick=1)" in run.stdout
    grid = np.asarray(Image.open(tmp_path / "rows.png"))
    assert grid.shape[:2] == (2 * 28 + 2, 5 * 28 + 4 * 2)


@pytest.mark.slow
def test_the_results_command_runs_both_stages_and_rebuilds_from_records(tmp_path):
    """benchmarks/causalgan.py at smoke size: the controller, then the image stage on its
    export, measured and reported; with the runs gone, --from_records rebuilds the report."""
    configs = os.path.join(REPO, "configs")
    command = [sys.executable, os.path.join(REPO, "benchmarks", "causalgan.py"), "--seeds=1",
               f"--controller_config={configs}/causal_controller_fashion_mnist.py:smoke",
               f"--config={configs}/causalgan_fashion_mnist.py:smoke",
               "--controller_config.eval.num_samples=200", "--config.eval.num_samples=200",
               "--controller_config.data.size=512", "--config.data.size=512",
               "--workdir=runs", "--export_dir=export", "--results=results", "--columns=4"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = (tmp_path / "results" / "causalgan.md").read_text()
    assert "| images carry their labels >= 85% of the time |" in report
    assert "| thick=1 |" in report and "causalgan_do_cond.png" in report
    assert (tmp_path / "results" / "causalgan_do_cond.png").exists()
    rerun_from_records(command, tmp_path, "runs")
    table = [line for line in report.splitlines() if line.startswith("| thick=1 |")]
    assert table[0] in (tmp_path / "results" / "causalgan.md").read_text()
