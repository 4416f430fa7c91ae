"""The training loop: resume, outputs, divergence, workdir checks."""

import glob
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import runtime, samples, train, workdir
from tfgan_lab.errors import TrainingDivergedError, WorkdirError


def _weights(gan):
    return {v.path: v.numpy() for v in gan.weights}


def test_resumed_run_ends_like_an_uninterrupted_one(smoke_config, tmp_path):
    smoke_config.train.update(steps=6, checkpoint_every=3)
    straight = train.train(smoke_config, str(tmp_path / "straight")).model
    expected = _weights(straight)

    smoke_config.train.steps = 3  # "killed" after step 3's checkpoint ...
    train.train(smoke_config, str(tmp_path / "resumed"))
    smoke_config.train.steps = 6  # ... and the same command run again.
    resumed = train.train(smoke_config, str(tmp_path / "resumed")).model

    assert int(resumed.step.numpy()) == 6
    assert expected.keys() == _weights(resumed).keys()
    for name, value in _weights(resumed).items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    for name in ("g_optimizer", "d_optimizer"):
        assert int(getattr(resumed, name).iterations.numpy()) == 6


def test_an_auto_run_resumes_where_auto_picks_another_policy(smoke_config, tmp_path,
                                                             monkeypatch):
    """Precision 'auto' is mixed_bfloat16 on a CPU with AVX-512 BF16 and float32 on one without:
    a run checkpointed on the first goes on on the second (its variables are float32 in both)."""
    smoke_config.runtime.precision = "auto"
    smoke_config.train.update(steps=2, checkpoint_every=1)
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: {"avx2"})
    float32_only = _weights(train.train(smoke_config, str(tmp_path / "float32")).model)

    run = str(tmp_path / "run")
    smoke_config.train.steps = 1
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: {"avx2", "avx512_bf16"})
    train.train(smoke_config, run)
    assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: {"avx2"})
    smoke_config.train.steps = 2
    resumed = _weights(train.train(smoke_config, run).model)
    assert keras.mixed_precision.dtype_policy().name == "float32"
    assert workdir.load_config(run).runtime.precision == "auto"
    assert all(np.isfinite(value).all() for value in resumed.values())
    # Its first step was a bfloat16 one: it went on from it, not from scratch.
    assert any(not np.allclose(value, float32_only[name]) for name, value in resumed.items())


def test_a_run_leaves_checkpoints_samples_logs_and_config(smoke_config, tmp_path):
    run = str(tmp_path / "run")
    train.train(smoke_config, run)
    assert tf.train.latest_checkpoint(workdir.checkpoint_dir(run)).endswith("ckpt-4")
    assert sorted(os.listdir(os.path.join(run, "samples"))) == ["step_000002.png",
                                                                 "step_000004.png"]
    assert {"samples", "train/images_per_second", "train/d_loss"} <= set(_summaries(run))
    with open(os.path.join(run, "config.json")) as f:
        assert json.load(f)["train"]["steps"] == 4
    assert workdir.load_config(run) == smoke_config


def _summaries(run: str) -> dict[str, list]:
    """TensorBoard's records of `run`: tag -> the values written under it, in order."""
    tags: dict[str, list] = {}
    for path in glob.glob(os.path.join(workdir.tensorboard_dir(run), "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(tf.make_ndarray(value.tensor))
    return tags


def test_a_model_that_shows_sentences_gets_a_table_and_its_own_throughput(
        smoke_config, tmp_path, monkeypatch):
    """The loop writes whatever a sampler returns (here a table, as a text model's) and counts
    throughput in the model's own unit, as its `processed` says."""
    from tfgan_lab import models

    model_class = models.of(smoke_config)

    def make_sampler(cls, config, dataset):
        return lambda model: samples.SentenceTable(
            ("source", "output"), ((f"step {int(model.step)}", "a | b"),))

    monkeypatch.setattr(model_class, "make_sampler", classmethod(make_sampler))
    monkeypatch.setattr(model_class, "UNIT", "tokens")
    monkeypatch.setattr(model_class, "processed", lambda self, steps, batch, logs: 1000.0 * steps)
    run = str(tmp_path / "run")
    train.train(smoke_config, run)
    assert sorted(os.listdir(os.path.join(run, "samples"))) == ["step_000002.md",
                                                                 "step_000004.md"]
    with open(os.path.join(run, "samples", "step_000004.md")) as f:
        assert f.read() == "| source | output |\n|---|---|\n| step 4 | a \\| b |\n"
    logged = _summaries(run)
    assert "train/images_per_second" not in logged
    assert len(logged["train/tokens_per_second"]) == len(logged["train/d_loss"]) == 4
    assert all(rate > 0 for rate in logged["train/tokens_per_second"])
    assert logged["samples"][-1].item().decode().startswith("| source | output |")


def test_finished_run_is_not_retrained(smoke_config, tmp_path):
    run = str(tmp_path / "run")
    train.train(smoke_config, run)
    before = os.path.getmtime(os.path.join(run, "samples", "step_000004.png"))
    gan = train.train(smoke_config, run).model
    assert int(gan.step.numpy()) == 4
    assert os.path.getmtime(os.path.join(run, "samples", "step_000004.png")) == before


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(smoke_config, tmp_path):
    run = str(tmp_path / "run")
    smoke_config.model.update(loss="non_saturating", spectral_norm=False)
    smoke_config.train.update(steps=2, checkpoint_every=1)
    train.train(smoke_config, run)
    # Resume with an absurd learning rate: the weights overflow within a few steps.
    smoke_config.train.steps = 50
    smoke_config.optimizer.update(g_learning_rate=1e30, d_learning_rate=1e30)
    with pytest.raises(TrainingDivergedError) as error:
        train.train(smoke_config, run)
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(run))
    message = str(error.value)
    assert "diverged at step" in message and f"{latest}, is kept" in message
    # What to try comes from the config: its players' rates, and the spectral norm left off.
    assert message.endswith("Try lower learning rates (--config.optimizer.d_learning_rate, "
                            "--config.optimizer.g_learning_rate) or "
                            "--config.model.spectral_norm=True."), message
    step = int(message.split("diverged at step ")[1].split(":")[0])
    assert 2 < step < 50 and latest.endswith(f"ckpt-{step - 1}")
    reader = tf.train.load_checkpoint(latest)
    for name, dtype in reader.get_variable_to_dtype_map().items():
        if dtype.is_floating:
            assert np.isfinite(reader.get_tensor(name)).all(), name


def test_a_workdir_keeps_its_model(smoke_config, tmp_path):
    run = str(tmp_path / "run")
    train.train(smoke_config, run)
    smoke_config.model.loss = "non_saturating"
    with pytest.raises(WorkdirError, match="other settings.*model.loss: 'hinge' in the workdir, "
                                           "'non_saturating' now"):
        train.train(smoke_config, run)


def test_a_workdir_from_before_a_new_field_keeps_working(smoke_config, tmp_path):
    """A config.json written before train.steps_per_loop existed had its default value, and
    fields of the old flat `model` group that CGAN no longer has are left out."""
    run = str(tmp_path / "run")
    workdir.prepare(run, smoke_config)
    with open(os.path.join(run, "config.json")) as f:
        stored = json.load(f)
    del stored["train"]["steps_per_loop"]
    stored["model"]["critic_steps"] = 1  # the old schema: every variant's fields
    stored["continual"] = {"method": "finetune"}
    with open(os.path.join(run, "config.json"), "w") as f:
        json.dump(stored, f)
    workdir.prepare(run, smoke_config)
    smoke_config.model.d_filters = 4
    with pytest.raises(WorkdirError, match="model.d_filters: 8 in the workdir, 4 now"):
        workdir.prepare(run, smoke_config)


def test_restore_latest_needs_a_checkpoint(smoke_config, tmp_path):
    with pytest.raises(WorkdirError, match="holds no checkpoint"):
        train.restore_latest(smoke_config, str(tmp_path))


def test_unwritable_workdir(smoke_config, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(WorkdirError, match="workdir .* is not writable"):
        train.train(smoke_config, str(blocker / "run"))


def test_a_workdir_in_use_is_refused_naming_the_run_that_holds_it(smoke_config, tmp_path):
    """The lock is flock's, per open file: a second run on the workdir (here in this process)
    is refused while the first holds it, and takes it once the first has ended."""
    run = str(tmp_path / "run")
    with workdir.lock(run):
        with pytest.raises(WorkdirError, match=f"in use by a live run: pid {os.getpid()} on "):
            train.train(smoke_config, run)
    with workdir.lock(run):
        pass
