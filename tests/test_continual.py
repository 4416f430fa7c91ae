"""Continual learning: task streams, metrics, replay from exported SavedModels, and a two-task
run of every method on real Fashion-MNIST."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks import reporting
from tfgan_lab import continual, data, export, runtime, train
from tfgan_lab.config import validate
from tfgan_lab.continual import report, runner
from tfgan_lab.errors import ConfigError
from tfgan_lab.eval import classifier as classifier_lib
from tfgan_lab.eval import continual as metrics

from conftest import REPO, judges_env, rerun_from_records, smoke


def test_tasks_split_the_classes_in_order(fashion_mnist):
    assert continual.task_classes(10, 2) == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    assert continual.task_classes(10, 1, num_tasks=3) == [(0,), (1,), (2,)]
    with pytest.raises(ConfigError, match="choose a divisor of 10"):
        continual.task_classes(10, 3)
    with pytest.raises(ConfigError, match="make 5 tasks"):
        continual.task_classes(10, 2, num_tasks=6)
    task = fashion_mnist.select((2, 3))
    assert set(np.unique(task.labels)) == {2, 3}
    assert len(task.labels) == np.isin(fashion_mnist.labels, [2, 3]).sum() == 12000


def test_metrics_on_hand_made_matrices():
    forgetting = [[0.9, 0.1, 0.0],
                  [0.5, 0.8, 0.1],
                  [0.4, 0.6, 0.7]]
    assert metrics.average_accuracy(forgetting) == pytest.approx((0.4 + 0.6 + 0.7) / 3)
    assert metrics.backward_transfer(forgetting) == pytest.approx(((0.4 - 0.9) + (0.6 - 0.8)) / 2)
    assert metrics.seen_accuracy(forgetting) == pytest.approx([0.9, 0.65, 1.7 / 3])
    # Rows not yet trained are ignored; learning later tasks may also help earlier ones.
    helping = [[0.5, 0.0], [0.7, 0.9]]
    assert metrics.backward_transfer(helping) == pytest.approx(0.2)
    assert metrics.average_accuracy(helping[:1]) == 0.5
    assert np.isnan(metrics.backward_transfer(helping[:1]))


def _config(method: str, tmp_path, trained_classifier):
    from configs.continual_fashion_mnist import get_config

    config = get_config(f"{method},smoke")
    config.data.split = "train[:3000]"
    config.continual.update(num_tasks=2, solver_steps=20)
    config.eval.update(classifier_dir=os.path.dirname(os.path.dirname(trained_classifier[0])),
                       num_samples=100)
    if "critic_steps" in config.model:  # MeRGAN's 5 critic updates: 2 take the same code path
        config.model.critic_steps = 2
    validate(config)
    return config


METHODS = continual.METHODS.names()


def _exported(root, method: str, task: int, role: str) -> str:
    """Where a two-task run's export of `role` at `task` lands: --export_dir's rule."""
    return str(root / "export" / f"continual_fashion_mnist_{method}_task{task}_{role}" / "1")


@pytest.fixture(scope="module")
def two_task_runs(tmp_path_factory, trained_classifier):
    """Every method through tasks {0, 1} and {2, 3}, with the Replay objects each built; the
    exports of all of them in one export folder, root/export. JTR's generator keeps an
    averaged copy (two exports of its model: the task takes the raw one, by role)."""
    root = tmp_path_factory.mktemp("continual")
    built = {}

    class RecordingReplay(continual.Replay):
        def __init__(self, generator_path, **kwargs):
            super().__init__(generator_path, **kwargs)
            built.setdefault(method, []).append((generator_path, kwargs.get("solver_path")))

    summaries = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "Replay", RecordingReplay)
        for method in METHODS:
            config = _config(method, root, trained_classifier)
            if method == "jtr":
                config.model.generator_ema = 0.99
            summaries[method] = continual.run(config, str(root / method), str(root / "export"))
    return root, summaries, built


def test_every_method_runs_two_tasks_and_writes_its_report(two_task_runs):
    root, summaries, _ = two_task_runs
    for method, summary in summaries.items():
        with open(root / method / "results.json") as f:
            assert json.load(f) == json.loads(json.dumps(summary))
        assert [row["classes"] for row in summary["rows"]] == [[0, 1], [2, 3]]
        for t, row in enumerate(summary["rows"], 1):  # each task's time, kept across resumes
            with open(root / method / f"task_{t}" / "seconds.json") as f:
                assert json.load(f) == {"seconds": row["seconds"]} and row["seconds"] > 0
        solver = method in ("finetune", "joint", "dgr")
        assert ("solver_matrix" in summary) == solver
        assert ("generator_matrix" in summary) == (method in ("sft", "jtr", "ra"))
        # Generators are judged by both reference classifiers, every class by each.
        assert ("generator_matrix_second" in summary) == ("generator_matrix" in summary)
        for row in summary["rows"] if "generator_matrix" in summary else ():
            assert len(row["generator_class_accuracy"]) == 10
            assert len(row["generator_class_accuracy_second"]) == 10
        matrix = np.array(summary.get("solver_matrix") or summary["generator_matrix"])
        assert matrix.shape == (2, 2) and np.all((matrix >= 0) & (matrix <= 1))
        for t in (1, 2):
            task = root / method / f"task_{t}"
            assert os.path.exists(task / "result.json")
            names = {"solver"} if method in ("finetune", "joint") else {"generator"}
            names |= {"solver"} if solver else set()
            for name in names:
                path = _exported(root, method, t, name)
                assert summary["rows"][t - 1][name] == path
                assert export.versions(os.path.dirname(path)) == [1]
    # With an averaged G beside the raw one, the task still exports (and replays) one: G's.
    with open(root / "jtr" / "config.json") as f:
        assert json.load(f)["model"]["generator_ema"] == 0.99
    assert not [name for name in os.listdir(root / "export") if "ema" in name]
    # Task 1's solver learned its two classes from real images: far above chance on them.
    assert summaries["finetune"]["solver_matrix"][0][0] > 0.6
    results = root / "report"
    report.plot(list(summaries.values()), str(results / "continual.png"))
    text = "\n".join(report.markdown(list(summaries.values())))
    assert os.path.getsize(results / "continual.png") > 10_000
    for method in METHODS:
        assert report.title(method) in text
    # A report of solvers only has no (empty) generator table.
    solvers_only = "\n".join(report.markdown([summaries["finetune"], summaries["joint"]]))
    assert "## Solvers" in solvers_only and "## Generators" not in solvers_only
    assert "## Generators" in text
    ra = summaries["ra"]
    assert (f"| {report.title('ra')} | {100 * ra['generator_seen_accuracy'][-1]:.1f} | "
            f"{100 * ra['generator_seen_accuracy_second'][-1]:.1f} |") in text


def test_the_mean_of_two_seeds_averages_every_measure_and_keeps_the_tasks(
        two_task_runs):
    _, summaries, _ = two_task_runs
    ra, other = summaries["ra"], json.loads(json.dumps(summaries["ra"]))
    other["generator_matrix"] = [[1.0, 0.0], [0.5, 0.25]]
    other["generator_seen_accuracy"] = [1.0, 0.375]
    mean = reporting.mean_over_seeds([ra, other])
    np.testing.assert_allclose(mean["generator_matrix"], (np.array(ra["generator_matrix"])
                                                          + other["generator_matrix"]) / 2)
    assert mean["generator_seen_accuracy"][-1] == pytest.approx(
        (ra["generator_seen_accuracy"][-1] + 0.375) / 2)
    assert mean["generator_matrix_second"] == ra["generator_matrix_second"]
    assert mean["tasks"] == ra["tasks"] and mean["method"] == "ra"
    finetune = summaries["finetune"]
    assert reporting.mean_over_seeds([finetune])["average_accuracy"] == pytest.approx(
        finetune["average_accuracy"])


def test_a_finished_run_is_not_trained_again(two_task_runs, trained_classifier):
    root, summaries, _ = two_task_runs
    before = os.path.getmtime(root / "finetune" / "task_2" / "solver.weights.h5")
    again = continual.run(_config("finetune", root, trained_classifier), str(root / "finetune"),
                          str(root / "export"))
    assert again == json.loads(json.dumps(summaries["finetune"]))
    assert os.path.getmtime(root / "finetune" / "task_2" / "solver.weights.h5") == before


def test_replay_reads_the_previous_tasks_exports_from_disk(two_task_runs):
    root, _, built = two_task_runs
    # DGR: task 2's generator and solver both replay task 1's generator, labelled by task 1's
    # solver; JTR and RA replay task 1's conditional generator; the others replay nothing.
    assert built["dgr"] == [(_exported(root, "dgr", 1, "generator"),
                             _exported(root, "dgr", 1, "solver"))] * 2
    for method in ("jtr", "ra"):
        assert built[method] == [(_exported(root, method, 1, "generator"), None)]
    assert not set(built) - {"dgr", "jtr", "ra"}


def test_label_use_reads_how_much_the_label_moves_an_exported_generator(two_task_runs):
    from benchmarks import label_use

    root, _, _ = two_task_runs
    generator = export.load_conditional_generator(
        runner.task_export(str(root / "ra"), 2, "generator"))
    by_label, by_noise = label_use.pixel_changes(generator, samples=8)
    z = np.random.default_rng(0).standard_normal((8, generator.z_dim)).astype(np.float32)
    one = generator(z, np.zeros(8, np.int32)).numpy()
    assert by_label == pytest.approx(np.mean([
        np.abs(one - generator(z, np.full(8, c, np.int32)).numpy()).mean() for c in range(1, 10)]))
    assert 0 < by_label < 2 and 0 < by_noise < 2


def test_replayed_samples_carry_the_old_solvers_predictions(two_task_runs, fashion_mnist):
    root, _, _ = two_task_runs
    task_1 = root / "dgr" / "task_1"
    replay = continual.Replay(_exported(root, "dgr", 1, "generator"), classes=[0, 1],
                              new_fraction=0.5, solver_path=_exported(root, "dgr", 1, "solver"))
    assert not replay.generator.conditional
    z = tf.random.stateless_normal([64, replay.z_dim], seed=[1, 2])
    images, labels = replay(z, tf.random.stateless_uniform([64], seed=[3, 4]))
    assert images.shape == (64, 28, 28, 1) and labels.dtype == tf.int32
    # The labels are the old solver's predictions, whether it is read back from its export or
    # rebuilt from the weights file it was trained into.
    network = classifier_lib.classifier_net((28, 28, 1), 10)
    network.load_weights(str(task_1 / "solver.weights.h5"))
    np.testing.assert_array_equal(labels, np.argmax(network(images)["logits"], -1))
    np.testing.assert_array_equal(labels, np.argmax(
        export.load_classifier(_exported(root, "dgr", 1, "solver"))(images)["logits"], -1))


def test_replay_mixes_a_share_r_of_new_data(two_task_runs, fashion_mnist):
    root, _, _ = two_task_runs
    replay = continual.Replay(_exported(root, "jtr", 1, "generator"), classes=[0, 1],
                              new_fraction=0.25)
    gan = train.build(smoke("acgan"), fashion_mnist.info, tf.distribute.get_strategy())
    gan.hook = replay
    images, labels = next(iter(data.train_batches(fashion_mnist.select((2, 3)), 16, seed=0)))
    mixed_images, mixed_labels = gan.real_batch(images, labels)
    np.testing.assert_array_equal(mixed_images[:4], images[:4])  # r * 16 = 4 new examples
    assert set(mixed_labels[:4].numpy()) <= {2, 3} and set(mixed_labels[4:].numpy()) <= {0, 1}
    expected = replay.generate(gan.noise(12, "replay_z"), mixed_labels[4:])
    np.testing.assert_allclose(mixed_images[4:], expected, atol=1e-6)


def test_replay_alignment_is_zero_for_the_same_generator(fashion_mnist, tmp_path):
    config = smoke("acgan")
    gan = train.build(config, fashion_mnist.info, runtime.setup(config.runtime, config.seed))
    path = export.export_generator(gan.generator, z_dim=16, num_classes=10,
                                   export_dir=str(tmp_path / "export"), name="old")
    gan.hook = continual.Alignment(continual.Replay(path, classes=[0, 1, 2], new_fraction=1.0),
                                   weight=1.0)
    np.testing.assert_allclose(gan.generator_penalty(tf.constant(8), training=False), 0,
                               atol=1e-6)
    # Any change to the new generator shows up in the loss.
    kernel = gan.generator.get_layer("to_image").kernel
    kernel.assign(kernel * 1.5)
    assert float(tf.reduce_min(gan.generator_penalty(tf.constant(8), training=False))) > 1e-3


def test_label_smoothing_keeps_a_one_class_solver_s_logits_finite(fashion_mnist, tmp_path):
    """On a task of one class, plain cross-entropy pushes that class's logit on and on; the
    smoothed loss (s = 0.1, 10 classes) stops near the gap log(1 + 90) = 4.5."""
    from configs.continual_fashion_mnist import get_config

    task = fashion_mnist.select((0,))
    images = data.to_float(task.images[:256])
    gaps = {}
    for smoothing in (0.0, 0.1):
        config = get_config("finetune")
        config.continual.update(solver_steps=30, label_smoothing=smoothing)
        config.train.batch_size = 16
        network = continual.train_solver(config, task, str(tmp_path / f"{smoothing}.weights.h5"))
        logits = network(images)["logits"].numpy()
        gaps[smoothing] = float(np.mean(logits[:, 0] - np.delete(logits, 0, axis=1).max(-1)))
    assert gaps[0.1] < np.log(91) + 1.0 < gaps[0.0], gaps


@pytest.mark.slow
def test_the_solver_trains_in_its_config_s_precision_whatever_ran_before(fashion_mnist,
                                                                         tmp_path):
    """The benchmark runs every method in one process: a solver's policy is its config's, not
    the one the last generator's training left set."""
    from configs.continual_fashion_mnist import get_config

    config = get_config("finetune")
    config.continual.solver_steps = 1
    config.train.batch_size = 8
    for precision, left_set, compute in (("mixed_bfloat16", "float32", "bfloat16"),
                                         ("float32", "mixed_bfloat16", "float32")):
        keras.mixed_precision.set_global_policy(left_set)
        config.runtime.precision = precision
        network = continual.train_solver(config, fashion_mnist.select((0,)),
                                         str(tmp_path / f"{precision}.weights.h5"))
        convolutions = [layer for layer in network.layers
                        if isinstance(layer, keras.layers.Conv2D)]
        assert convolutions and {layer.compute_dtype for layer in convolutions} == {compute}


def test_the_config_file_needs_a_known_method():
    from configs.continual_fashion_mnist import get_config

    with pytest.raises(ConfigError, match="dgr, sft, jtr, ra"):
        get_config("")
    for method in METHODS:
        validate(get_config(method))


@pytest.mark.slow
def test_the_results_command_reports_the_mean_and_spread_over_seeds(tmp_path, trained_classifier):
    """benchmarks/continual.py over 2 seeds of a 2-task stream: each seed in its own workdir, the
    second's exports in it, the measure as mean ± sd over the seeds and the tables of their
    means."""
    env = judges_env(tmp_path, trained_classifier)
    run = subprocess.run(
        [sys.executable, os.path.join(REPO, "benchmarks", "continual.py"), "--methods=finetune",
         "--seeds=2", "--classes_per_task=5", "--smoke", "--workdir=runs",
         "--export_dir=export", "--results=report"], cwd=tmp_path, capture_output=True,
        text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    accuracies = []
    for seed in (0, 1):
        with open(tmp_path / "runs" / f"seed{seed}" / "finetune" / "results.json") as f:
            accuracies.append(json.load(f)["average_accuracy"])
    text = (tmp_path / "report" / "continual.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| Fine-tuning | "))
    mean, spread = 100 * np.mean(accuracies), 100 * np.std(accuracies, ddof=1)
    assert row.startswith(f"| Fine-tuning | {mean:.1f} ± {spread:.1f}% (no bar")
    assert "seeds 0, 1" in text and f"| Fine-tuning | {mean:.1f} | " in text  # the ACC table
    assert "the reference classifier's network, 4 steps per task" in text  # --smoke's
    task = "continual_fashion_mnist_finetune_task2_solver"
    assert (tmp_path / "export" / task / "1").is_dir()
    assert (tmp_path / "runs" / "seed1" / "export" / task / "1").is_dir()

    # On a fresh machine, with --from_records, both seeds are read back from continual.json
    # (tests/test_reporting.py checks that a record of another config is not) into the report.
    records = json.loads((tmp_path / "report" / "continual.json").read_text())
    assert [records[f"seed{s}/finetune"]["result"]["average_accuracy"] for s in (0, 1)] == (
        accuracies)
    rerun = rerun_from_records(run.args, tmp_path, "runs", env=env)
    assert "seed1/finetune: read from report/continual.json" in rerun.stdout
    reread = (tmp_path / "report" / "continual.md").read_text()
    assert reread.replace(" --from_records", "") == text

    # --report_only trains nothing: each method over the seeds recorded so far, the rest named.
    args = [a for a in run.args if not a.startswith(("--methods=", "--seeds="))]
    partial = subprocess.run(args + ["--methods=finetune,joint", "--seeds=3", "--report_only"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert partial.returncode == 0, partial.stderr[-3000:]
    for key in ("seed2/finetune", "seed0/joint", "seed1/joint", "seed2/joint"):
        assert f"{key} is not recorded with this config: left out" in partial.stdout
    assert not (tmp_path / "runs").exists()
    reported = (tmp_path / "report" / "continual.md").read_text()
    assert "seeds 0, 1" in reported and "Joint training" not in reported
    assert f"| Fine-tuning | {mean:.1f} ± {spread:.1f}% (no bar" in reported
    # Nothing recorded where --results points: one error line, and no folder made there.
    nothing = subprocess.run(
        [a for a in args if not a.startswith("--results=")] + ["--results=elsewhere",
                                                                "--report_only"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert nothing.returncode == 1 and "records no seed" in nothing.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "elsewhere").exists()
