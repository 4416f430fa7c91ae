"""Model selection (tfgan_lab/selection.py) on a real model and its real checkpoints, the
evaluations' numbers given by hand: the best one's state is what the run gives, ties keep the
earlier, it survives the checkpoints' rotation, a kill between a checkpoint and its selection
loses nothing, and a metric the evaluator lacks is named. (Unsupervised MT's results command
selects by its real round-trip BLEU: tests/test_unsupervised_translator.py.)"""

import json
import math
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import selection
from tfgan_lab.errors import ConfigError

from conftest import smoke, training_setup


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """A smoke CGAN's checkpoints after each of 4 steps (a copy kept of each), and its
    generator's weights then."""
    config = smoke("cgan")
    config.eval.update(every=1, select_by="score")
    model, step, batches = training_setup(config)
    checkpoint = tf.train.Checkpoint(**model.checkpoint_items())
    folder = str(tmp_path_factory.mktemp("checkpoints"))
    manager = tf.train.CheckpointManager(checkpoint, folder, max_to_keep=None)
    weights = {}
    for n in range(1, 5):
        step(batches)
        manager.save(checkpoint_number=n)
        weights[n] = [w.numpy().copy() for w in model.generator.weights]
    return config, model, checkpoint, folder, weights


def _checkpoint_of(folder: str, n: int, into) -> str:
    """A fresh copy of checkpoint n's files in `into` (a test may delete it), its path."""
    os.makedirs(into, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith(f"ckpt-{n}."):
            shutil.copy(os.path.join(folder, name), into)
    return os.path.join(into, f"ckpt-{n}")


def _generator_is(model, weights) -> None:
    for value, expected in zip(model.generator.weights, weights, strict=True):
        np.testing.assert_array_equal(value.numpy(), expected)


def test_the_best_evaluated_state_is_given_ties_keeping_the_earlier(steps, tmp_path):
    config, model, checkpoint, folder, weights = steps
    run, rotating = str(tmp_path / "run"), str(tmp_path / "rotating")
    for n, score in ((1, 2.0), (2, 5.0), (3, 5.0), (4, math.nan)):  # a tie; NaN never wins
        path = _checkpoint_of(folder, n, rotating)
        selection.record(config, run, n, {"score": score}, path)
        shutil.rmtree(rotating)  # as the run's checkpoint manager deletes its older ones
    kept = json.loads((tmp_path / "run" / "selected" / "selected.json").read_text())
    assert (kept["step"], kept["value"], kept["mode"]) == (2, 5.0, "max")
    assert sorted(os.listdir(tmp_path / "run" / "selected")) == [
        "ckpt-2.data-00000-of-00001", "ckpt-2.index", "selected.json"]  # step 1's removed
    selection.apply(config, run, checkpoint)
    _generator_is(model, weights[2])
    assert int(model.step.numpy()) == 2
    # min: another selection, started over from the next evaluation.
    config.eval.select_mode = "min"
    selection.record(config, run, 3, {"score": 3.0}, _checkpoint_of(folder, 3, rotating))
    selection.record(config, run, 4, {"score": 3.5}, _checkpoint_of(folder, 4, rotating))
    selection.apply(config, run, checkpoint)
    _generator_is(model, weights[3])
    # Without evaluations (eval.every 0) a run gives its last state: no selection applies.
    config.eval.every = 0
    checkpoint.restore(os.path.join(folder, "ckpt-4"))
    selection.apply(config, run, checkpoint)
    _generator_is(model, weights[4])
    config.eval.update(every=1, select_mode="max")


def test_a_kill_between_a_checkpoint_and_its_selection_is_caught_up(steps, tmp_path):
    """The resumed run (from ckpt-4) finds step 4's evaluation in metrics.csv and a selection
    of step 1 that lacks it."""
    config, model, checkpoint, folder, weights = steps
    run = str(tmp_path / "run")
    selection.record(config, run, 1, {"score": 2.0}, os.path.join(folder, "ckpt-1"))
    (tmp_path / "run" / "metrics.csv").write_text("step,score\n1,2.0\n4,9.0\n")
    selection.catch_up(config, run, 4, os.path.join(folder, "ckpt-4"))
    selection.apply(config, run, checkpoint)
    _generator_is(model, weights[4])
    selection.catch_up(config, run, 4, os.path.join(folder, "ckpt-4"))  # once only
    assert json.loads((tmp_path / "run" / "selected" / "selected.json").read_text())[
        "step"] == 4


def test_a_metric_the_evaluator_lacks_is_named(steps, tmp_path):
    config, _, _, folder, _ = steps
    with pytest.raises(ConfigError, match=r"select_by='score' is not a metric of cgan's "
                                          r"evaluator, which gives fid, recall: choose one"):
        selection.record(config, str(tmp_path), 4, {"recall": 0.5, "fid": 40.0},
                         os.path.join(folder, "ckpt-4"))
    assert not (tmp_path / "selected").exists()
