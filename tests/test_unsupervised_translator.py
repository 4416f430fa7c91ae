"""Unsupervised MT on the real catalogue halves: a step moves the translator and the
discriminator but not the previous round's copy, the first round back-translates word by word
and the next with that copy, the adversary switches off, `mirrored` equals `default`, a run
resumed across a round's end ends with the same weights, and the exports translate strings."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import export, models, runtime, train, workdir
from tfgan_lab.errors import ConfigError
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import decoding

from conftest import (
    PRECISIONS,
    REPO,
    assert_mirrored_equals_default,
    rerun_from_records,
    rewound,
    smoke,
    training_setup,
)


def _config(**model):
    config = smoke("unsupervised_translator")
    config.model.update(**model)
    return config


def _weights(network) -> dict[str, np.ndarray]:
    return {v.path: v.numpy().copy() for v in network.weights}


def _moved(before: dict, network) -> bool:
    return all(not np.array_equal(before[v.path], v.numpy())
               for v in network.trainable_variables)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_step_moves_the_players_not_the_previous_rounds_copy(precision):
    config = _config()
    config.runtime.precision = precision
    model, step, batches = training_setup(config)
    before = {name: _weights(getattr(model, name))
              for name in ("network", "discriminator", "previous")}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert all(np.isfinite(v) for v in logs.values())
    assert logs["adversary"] > 0 and logs["discriminator"] > 0
    assert logs["loss"] == pytest.approx(logs["denoising"] + logs["back_translation"]
                                         + logs["adversary"], rel=1e-4)
    assert _moved(before["network"], model.network)
    assert _moved(before["discriminator"], model.discriminator)
    assert all(np.array_equal(before["previous"][v.path], v.numpy())
               for v in model.previous.weights)
    # Each language's sentences are written twice: from their noise and from their
    # back-translation's.
    dataset = model.load_data(config, config.data.split)
    batch = next(iter(dataset.batches(config.train.batch_size, config.seed)))
    assert logs["tokens"] == 2 * sum(int(np.sum(side["ids"] != tokenizer.PAD))
                                     for side in batch)


def test_rounds_back_translate_word_by_word_then_with_the_last_rounds_network():
    config = _config(round_steps=2)
    model, _, _ = training_setup(config)
    dataset = model.load_data(config, config.data.split)
    english, _ = next(iter(dataset.batches(config.train.batch_size, config.seed)))
    first = model.back_translated(english, "de")
    np.testing.assert_array_equal(first, english["first_translation"])
    assert not np.array_equal(first, english["ids"])  # the word-by-word model changed words
    model.network.get_layer("logits").bias.assign(tf.fill([model.network.get_layer(
        "logits").bias.shape[0]], 0.5))
    model.end_round(2)
    model.step.assign(2)
    assert all(np.array_equal(a.numpy(), b.numpy())
               for a, b in zip(model.previous.weights, model.network.weights, strict=True))
    second = model.back_translated(english, "de")
    np.testing.assert_array_equal(second, decoding.greedy(
        model.network, english["ids"], model.starts["de"], config.model.max_length))


def test_the_adversary_switches_off():
    model, step, batches = training_setup(_config(adversary_weight=0.0))
    before = _weights(model.discriminator)
    logs = {k: float(v) for k, v in step(batches).items()}
    assert logs["adversary"] == 0 and logs["discriminator"] == 0
    assert all(np.array_equal(before[v.path], v.numpy()) for v in model.discriminator.weights)


@pytest.mark.slow
def test_mirrored_equals_default_through_both_kinds_of_round():
    config = _config(round_steps=1, dropout=0.0)  # Keras's dropout is not the lab's streams.
    assert_mirrored_equals_default(config, steps=2)


def test_xla_is_refused_with_the_reason():
    config = _config()
    config.runtime.jit_compile = True
    with pytest.raises(ConfigError, match="decodes inside its train step"):
        models.of(config).check_config(config)


def _rounds_config() -> ConfigDict:
    """4 steps in rounds of 2, a checkpoint and an evaluation at each round's end."""
    config = _config(round_steps=2)
    config.train.update(steps=4, checkpoint_every=2, log_every=2, sample_every=100)
    config.eval.update(every=2, num_samples=8)
    return config


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    """The trained model and workdir of a run of `_rounds_config()`."""
    run = tmp_path_factory.mktemp("unmt") / "whole"
    return train.train(_rounds_config(), str(run)).model, run


def test_a_run_ends_its_rounds_and_is_evaluated_without_pairs(whole_run):
    """The trainer ends each round (the copy that back-translates takes the network) and logs
    the round-trip BLEU beside the dev pairs' at each evaluation."""
    model, run = whole_run
    rows = workdir.read_metrics(str(run))
    assert [row["step"] for row in rows] == [2, 4]
    assert all({"round_trip_bleu", "en_de_bleu"} <= set(row) for row in rows)
    for frozen, current in zip(model.previous.weights, model.network.weights, strict=True):
        np.testing.assert_array_equal(frozen.numpy(), current.numpy(), err_msg=frozen.path)


@pytest.mark.slow
def test_a_run_resumed_across_a_rounds_end_ends_as_one_run(whole_run, tmp_path, capsys):
    """Stopped at step 2, the end of round 1, and resumed to step 4 (round 2 back-translates
    with the copy the checkpoint holds, and dropout's seeds): the weights of an uninterrupted
    run."""
    whole, run = whole_run
    parts = rewound(str(run), 2, str(tmp_path / "parts"))
    resumed = train.train(_rounds_config(), parts).model
    assert f"Resuming from {parts}/checkpoints/ckpt-2\n" in capsys.readouterr().out
    for name in ("network", "previous", "discriminator"):
        for a, b in zip(getattr(whole, name).weights, getattr(resumed, name).weights,
                        strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{name}: {a.path}")
    paths = export.export_model(resumed, str(tmp_path / "export"), "unmt")
    sentences = ["cannot open file", "Datei nicht gefunden"]
    for (a, b), translate in resumed.translators().items():
        assert export.load_text_translator(paths[f"{a}_{b}"])(sentences) == translate(sentences)


def test_the_evaluator_reports_round_trip_bleu():
    config = _config()
    config.eval.num_samples = 8
    model, _, _ = training_setup(config)
    metrics = type(model).make_evaluator(config)(model)
    assert {"en_round_trip_bleu", "de_round_trip_bleu", "round_trip_bleu", "en_de_bleu",
            "de_en_chrf"} <= set(metrics)
    assert metrics["round_trip_bleu"] == pytest.approx(
        (metrics["en_round_trip_bleu"] + metrics["de_round_trip_bleu"]) / 2)


@pytest.mark.slow
def test_the_results_command_reports_and_rebuilds_from_its_records(tmp_path):
    """benchmarks/translation.py at smoke size, unsupervised MT and dual learning (with its
    warm start and language models) and its control: the baselines, the rows, their rounds,
    bars and costs; with the runs and exports gone, --from_records writes the same report, and
    --report_only one over the seeds recorded (or none, and says so, if none is)."""
    command = [sys.executable, os.path.join(REPO, "benchmarks", "translation.py"), "--smoke",
               "--seeds=1", "--rows=unsupervised,dual,dual_no_game", "--workdir=runs",
               "--export_dir=export", "--results=results"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "retracing" not in first.stderr  # five translators traced, each once
    report = (tmp_path / "results" / "translation.md").read_text()
    assert "| copy the input | | 22.71 | 28.34 | 22.64 | 32.58 | | |" in report
    assert f"\nTraining: {runtime.policy_name('auto')}.\n" in report  # what auto picked here
    assert "| unsupervised MT | 0 |" in report and "| 0 | 4 |" in report
    assert "over word by word (bar: +3): missed" in report  # 4 smoke steps: far below
    assert "| dual learning, from the paired translator | 0 |" in report
    assert "## Dual learning against its warm start (test BLEU)" in report
    assert "- en-de: gain" in report and "one seed: not judged" in report
    assert "| dual learning over its warm start |" in report
    assert "| 0, the game off |" in report
    assert "| the same, the game off (the pairs' step alone) | 0 |" in report
    assert "| unsupervised MT over word by word |" in report
    assert os.path.isdir(tmp_path / "runs" / "supervised_paired" / "seed0")  # its warm start
    # Unsupervised MT's model is its state at the round with the best round-trip BLEU.
    run = tmp_path / "runs" / "unsupervised" / "seed0"
    selected = json.loads((run / "selected" / "selected.json").read_text())
    best = max(workdir.read_metrics(str(run)), key=lambda row: row["round_trip_bleu"])
    assert selected["metric"] == "round_trip_bleu" and selected["step"] == best["step"]
    assert f"Selected step {selected['step']} by eval.select_by=round_trip_bleu" in first.stdout
    rerun_from_records(command, tmp_path, "runs", "export")
    assert (tmp_path / "results" / "translation.md").read_text() == report
    # While seed 1 would still run: the report of what is recorded, its seeds 0 alone.
    (tmp_path / "results" / "translation.md").unlink()
    recorded = subprocess.run([*command[:3], "--seeds=2", "--rows=dual", "--report_only",
                               *command[5:]], cwd=tmp_path, capture_output=True, text=True,
                              timeout=900)
    assert recorded.returncode == 0, recorded.stderr[-3000:]
    assert "supervised_paired/seed1 is not recorded with this config: left out" in (
        recorded.stdout)  # seed 1's dual run, the one it would start from
    assert not (tmp_path / "runs").exists()
    only = (tmp_path / "results" / "translation.md").read_text()
    assert "| dual learning, from the paired translator | 0 |" in only
    assert "| unsupervised MT |" not in only  # a row not asked for
    nothing = subprocess.run([*command[:3], "--rows=unsupervised_no_adversary", "--report_only",
                              *command[5:]], cwd=tmp_path, capture_output=True, text=True,
                             timeout=900)
    # One `error:` line, as main.py's, not absl's usage text (console.run_command).
    last = nothing.stderr.strip().splitlines()[-1]
    assert nothing.returncode == 1 and last.startswith("error: ") and "records no seed" in last
    assert "--[no]report_only" not in nothing.stderr and "Traceback" not in nothing.stderr
    assert (tmp_path / "results" / "translation.md").read_text() == only  # not overwritten
