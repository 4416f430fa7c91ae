"""Reference classifier, evaluator, eval during training and on exports."""

import json
import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import data, eval, export, train, workdir
from tfgan_lab.errors import EvaluationError, WorkdirError
from tfgan_lab.eval import classifier as classifier_lib

from conftest import REPO, tensorflow_lines, wait_until


@pytest.fixture(scope="module")
def classifier_config(trained_classifier):
    """A smoke config that scores with the session's reference classifier every 2 steps."""
    from tfgan_lab.config import apply_arg, base_config

    config = apply_arg(base_config("cgan"), "smoke")
    config.name = "eval_test"
    config.data.split = "train[:8000]"
    config.eval.update(classifier_dir=os.path.dirname(os.path.dirname(trained_classifier[0])),
                       num_samples=500, every=2)
    return config


def test_reference_classifier_is_cached_with_its_accuracy(classifier_config, trained_classifier):
    path, accuracy = trained_classifier
    assert path == os.path.join(classifier_config.eval.classifier_dir, "fashion_mnist",
                                "classifier.keras")
    assert accuracy > 0.6, "one epoch on 8000 real images is far above chance (0.1)"
    with open(os.path.join(os.path.dirname(path), "metrics.json")) as f:
        assert json.load(f)["test_accuracy"] == accuracy
    assert eval.load_classifier(classifier_config).output["logits"].shape[-1] == 10


def test_the_second_judge_differs_in_architecture_and_seed_and_is_read_too(classifier_config):
    first, second = (eval.load_classifier(classifier_config, judge) for judge in eval.JUDGES)
    assert first.name != second.name
    assert {layer.name for layer in second.layers if "conv" in layer.name}.isdisjoint(
        layer.name for layer in first.layers)
    seeds = []
    for judge in eval.JUDGES:
        with open(os.path.join(eval.cache_dir(classifier_config, judge), "metrics.json")) as f:
            stored = json.load(f)
        assert stored["test_accuracy"] > 0.6
        seeds.append(stored["seed"])
    assert seeds[0] != seeds[1]
    results = eval.make_evaluator(classifier_config)(
        lambda z, labels: np.zeros((len(labels), 28, 28, 1), np.float32))
    for name in eval.SCALARS:
        assert name in results
    # Blank images: each judge puts them all in one class, so conditional accuracy is 0.1.
    assert results["conditional_accuracy"] == results["conditional_accuracy_second"] == 0.1
    assert results["frechet_distance"] != results["frechet_distance_second"]


def test_the_second_judge_is_trained_by_another_recipe(classifier_config):
    first, second = (eval.JUDGES[judge].recipe for judge in ("first", "second"))
    assert not first.augment and second.augment
    assert (first.batch_size, first.epochs) != (second.batch_size, second.epochs)
    assert type(first.optimizer(100)) is not type(second.optimizer(100))
    for judge in eval.JUDGES:
        with open(os.path.join(eval.cache_dir(classifier_config, judge), "metrics.json")) as f:
            assert json.load(f)["recipe"] == eval.JUDGES[judge].recipe.name


def test_augmentation_acts_while_training_only_and_is_not_cached(classifier_config):
    second = eval.load_classifier(classifier_config, "second")
    assert not any(isinstance(layer, keras.layers.RandomTranslation) for layer in second.layers)
    trainer = classifier_lib._trainer(second, augment=True, seed=0)
    pixels = data.to_float(data.load("fashion_mnist", "test").images[:64]).numpy()
    logits = second(pixels, training=False)["logits"]
    np.testing.assert_allclose(trainer(pixels, training=False), logits, rtol=1e-6)
    assert not np.allclose(trainer(pixels, training=True), logits, atol=1e-3)


def test_a_judge_cached_by_another_recipe_counts_as_missing(classifier_config, tmp_path):
    config = classifier_config.copy_and_resolve_references()
    config.eval.classifier_dir = str(tmp_path)
    folder = eval.cache_dir(config, "second")
    os.makedirs(folder)
    (tmp_path / "fashion_mnist" / "second" / "classifier.keras").write_text("")
    legacy = {"test_accuracy": 0.9, "epochs": 10, "seed": 1}  # no recipe: Adam's, before it
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(legacy, f)
    assert eval.missing_judges(config) == ["first", "second"]
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump({**legacy, "recipe": eval.JUDGES["second"].recipe.name}, f)
    assert eval.missing_judges(config) == ["first"]


def test_missing_second_judge_says_how_to_train_it(smoke_config, tmp_path):
    smoke_config.eval.classifier_dir = str(tmp_path)
    with pytest.raises(EvaluationError, match="No second reference classifier.*train_classifier"):
        eval.load_classifier(smoke_config, "second")


def test_missing_classifier_says_how_to_train_it(smoke_config, tmp_path):
    smoke_config.eval.classifier_dir = str(tmp_path)
    with pytest.raises(EvaluationError, match="--mode=train_classifier"):
        eval.load_classifier(smoke_config)


def test_judges_agreement_on_hand_made_predictions():
    labels = np.array([0, 0, 1, 1, 2, 2])
    first = np.array([0, 0, 1, 2, 2, 0])
    second = np.array([0, 1, 1, 2, 1, 0])
    measured = eval.agreement(first, second, labels, 3)
    assert measured["first_accuracy"] == pytest.approx(4 / 6)
    assert measured["second_accuracy"] == pytest.approx(2 / 6)
    assert measured["agreement"] == pytest.approx(4 / 6)  # images 0, 2, 3, 5
    assert measured["both_right"] == pytest.approx(2 / 6)
    assert measured["agreement_per_class"] == [0.5, 1.0, 0.5]
    assert measured["second_accuracy_per_class"] == [0.5, 0.5, 0.0]


@pytest.mark.slow
def test_a_run_that_needs_the_judges_trains_them_first(smoke_config, tmp_path, capfd):
    """Missing judges are trained once, in a process of their own (this one's seeds and
    precision untouched), then read from the cache; an unwritable cache is one clear error."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    smoke_config.data.split = "train[:2000]"
    smoke_config.eval.update(classifier_dir=str(tmp_path / "cache"), classifier_epochs=1)
    judges = eval.load_judges(smoke_config)
    out, err = capfd.readouterr()
    assert "No cached reference classifier (first and second judge) for fashion_mnist" in out
    assert tensorflow_lines(err) == [], err
    assert "they are trained once now" in out and "test accuracy" in out
    assert set(judges) == {"", eval.SECOND_SUFFIX}
    assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
    assert eval.missing_judges(smoke_config) == []
    eval.load_judges(smoke_config)
    assert "No cached" not in capfd.readouterr().out  # cached: not trained again
    (tmp_path / "file").write_text("")
    smoke_config.eval.classifier_dir = str(tmp_path / "file" / "cache")
    with pytest.raises(WorkdirError, match="classifier cache .* is not writable"):
        eval.load_judges(smoke_config)


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the process's name (state, parent pid, ...), or []
    when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def _state(pid: int) -> str:
    """A process's state letter ("Z" for a zombie), or "" when it is gone."""
    return (_stat(pid) or [""])[0]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (read from /proc/*/stat: every Linux kernel has it)."""
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and _stat(int(entry))[1:2] == [str(pid)]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_judges_end_with_the_run_that_started_them(smoke_config, tmp_path):
    """A run killed while its judges train (SIGKILL: no `finally` of its own runs) leaves no
    process training on."""
    smoke_config.eval.update(classifier_dir=str(tmp_path / "cache"), classifier_epochs=1)
    (tmp_path / "config.json").write_text(smoke_config.to_json())
    run = subprocess.Popen(
        [sys.executable, "-c", "import json, sys; from ml_collections import ConfigDict; "
         "from tfgan_lab import eval; eval.ensure_judges(ConfigDict(json.load(open(sys.argv[1]))))",
         str(tmp_path / "config.json")], cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: _children(run.pid), 120, "no judges process started")
        judges = _children(run.pid)[0]
        wait_until(lambda: b"tfgan_lab.judges" in open(f"/proc/{judges}/cmdline", "rb").read(),
                    30, "the judges process did not start")
        time.sleep(2)  # Past its start: importing TensorFlow.
        assert _state(judges) not in ("", "Z")
    finally:
        run.kill()
        run.wait()
    wait_until(lambda: _state(judges) in ("", "Z"), 30, "the judges went on without their run")


@pytest.mark.slow
def test_a_judge_trains_in_float32_whatever_the_run_set(smoke_config, tmp_path):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    smoke_config.data.split = "train[:1000]"
    smoke_config.eval.update(classifier_dir=str(tmp_path), classifier_epochs=1)
    path, _ = eval.train_classifier(smoke_config)
    assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"  # the run's, restored
    judge = keras.models.load_model(path)
    computing = [layer for layer in judge.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert {layer.dtype_policy.name for layer in computing} == {"float32"}


def test_real_images_score_the_classifiers_own_accuracy(classifier_config):
    test = data.load("fashion_mnist", "test")
    evaluator = eval.make_evaluator(classifier_config)
    by_class = [test.images[test.labels == c] for c in range(10)]
    served = {c: 0 for c in range(10)}

    def real_images(z, labels):  # a "generator" that returns real test images of each label
        out = []
        for label in labels:
            out.append(by_class[label][served[label]])
            served[label] += 1
        return data.to_float(np.stack(out)).numpy()

    results = evaluator(real_images)
    classifier = eval.load_classifier(classifier_config)
    expected = np.mean([classifier_lib.accuracy(classifier, by_class[c][:50],
                                                np.full(50, c)) for c in range(10)])
    assert results["conditional_accuracy"] == pytest.approx(expected)
    assert results["precision"] > 0.5 and results["recall"] > 0.5
    assert 1.0 < results["classifier_score"] <= 10.0
    assert results["frechet_distance_floor"] > 0


def test_training_logs_metrics_and_resume_forgets_later_rows(classifier_config, tmp_path):
    run = str(tmp_path / "run")
    train.train(classifier_config, run)
    rows = workdir.read_metrics(run)
    assert [row["step"] for row in rows] == [2, 4]
    assert set(rows[0]) == {"step", *eval.SCALARS}
    assert 0.0 <= rows[-1]["conditional_accuracy"] <= 1.0
    workdir.drop_metrics_after(run, 2)
    assert [row["step"] for row in workdir.read_metrics(run)] == [2]
    # Measuring does not change what is trained.
    classifier_config.eval.every = 0
    try:
        train.train(classifier_config, str(tmp_path / "unmeasured"))
    finally:
        classifier_config.eval.every = 2
    measured, unmeasured = (tf.train.load_checkpoint(os.path.join(path, "checkpoints", "ckpt-4"))
                            for path in (run, str(tmp_path / "unmeasured")))
    names = [n for n in unmeasured.get_variable_to_shape_map() if n.endswith("VARIABLE_VALUE")]
    assert len(names) > 40  # weights, batch-norm statistics, optimizer slots, step
    for name in names:
        np.testing.assert_array_equal(measured.get_tensor(name), unmeasured.get_tensor(name),
                                      err_msg=name)


def test_an_export_is_evaluated_through_its_serving_signature(classifier_config, tmp_path):
    trained = train.train(classifier_config, str(tmp_path / "run"))
    path = export.export_generator(
        trained.model.generator, z_dim=16, num_classes=10, export_dir=str(tmp_path / "export"),
        name="eval_test")
    evaluator = eval.make_evaluator(classifier_config)
    in_memory = evaluator(lambda z, labels: trained.model.generator(
        trained.model.generator_inputs(z, labels), training=False))
    served = evaluator(export.load_conditional_generator(path))
    for name in eval.SCALARS:
        assert served[name] == pytest.approx(in_memory[name], rel=1e-3, abs=1e-4), name

    run = subprocess.run(
        [sys.executable, os.path.join(REPO, "main.py"), "--mode=eval", f"--model_path={path}",
         f"--config={os.path.join(REPO, 'configs', 'cgan_fashion_mnist.py')}:smoke",
         f"--config.eval.classifier_dir={classifier_config.eval.classifier_dir}",
         "--config.eval.num_samples=500", "--output=eval.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp_path / "eval.json") as f:
        results = json.load(f)
    assert results["source"] == path and results["split"] == "test"
    assert results["conditional_accuracy"] == pytest.approx(served["conditional_accuracy"])
    assert "measured against the test split" in run.stdout
    assert "conditional_accuracy" in run.stdout
