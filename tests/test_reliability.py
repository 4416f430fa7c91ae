"""Nothing is lost: several steps per device call, divergence inside a window, a run killed
with SIGKILL, a corrupt checkpoint, a workdir a live run holds; the solver's loss scaling."""

import os
import random
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import continual, data, train, workdir
from tfgan_lab.errors import TrainingDivergedError, WorkdirError

from conftest import REPO, wait_until


def _weights(model) -> dict[str, np.ndarray]:
    return {v.path: v.numpy() for v in model.weights}


def _checkpoint_values(path: str) -> dict[str, np.ndarray]:
    """Every variable of the checkpoint but its count of saves."""
    reader = tf.train.load_checkpoint(path)
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
            if n.endswith(".ATTRIBUTES/VARIABLE_VALUE") and not n.startswith("save_counter")}


def _assert_same(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys() and len(expected) > 20
    for name, value in expected.items():
        np.testing.assert_allclose(actual[name], value, rtol=1e-5, atol=1e-6, err_msg=name)


def test_steps_per_loop_1_and_4_give_the_same_weights(smoke_config, tmp_path):
    smoke_config.train.update(steps=8, log_every=8, sample_every=8, checkpoint_every=8)
    one = train.train(smoke_config, str(tmp_path / "one")).model
    smoke_config.train.steps_per_loop = 4
    four = train.train(smoke_config, str(tmp_path / "four")).model
    assert int(four.step.numpy()) == 8
    _assert_same(_weights(four), _weights(one))


def test_a_nan_inside_a_window_keeps_the_checkpoint_before_it(smoke_config, tmp_path):
    """Logs are read every 4 steps: the divergence is reported for the window, and no
    checkpoint of a step after the last good read exists."""
    run = str(tmp_path / "run")
    smoke_config.model.update(loss="non_saturating", spectral_norm=False)
    smoke_config.train.update(steps=4, log_every=4, checkpoint_every=4, sample_every=4,
                              steps_per_loop=2)
    train.train(smoke_config, run)
    smoke_config.train.steps = 80
    smoke_config.optimizer.update(g_learning_rate=1e30, d_learning_rate=1e30)
    with pytest.raises(TrainingDivergedError, match=r"diverged between steps \d+ and \d+") as e:
        train.train(smoke_config, run)
    first = int(str(e.value).split("between steps ")[1].split(" ")[0])
    latest = tf.train.latest_checkpoint(workdir.checkpoint_dir(run))
    assert int(latest.rsplit("-", 1)[1]) == first - 1 and f"{latest}, is kept" in str(e.value)


def _command(run: str, steps: int) -> list[str]:
    return [sys.executable, os.path.join(REPO, "main.py"),
            f"--config={os.path.join(REPO, 'configs', 'cgan_fashion_mnist.py')}:smoke",
            f"--workdir={run}", "--export_dir=export", f"--config.train.steps={steps}",
            "--config.train.checkpoint_every=1", "--config.train.sample_every=1000",
            "--config.runtime.precision=float32"]


@pytest.mark.slow
def test_a_run_killed_at_a_random_step_resumes_to_the_same_weights(tmp_path):
    """SIGKILL at a random moment after a random checkpoint k; meanwhile (the victim stopped,
    so it cannot finish first) a second run on the same workdir is refused, naming it; the
    killed run's lock does not block the restart, which ends with the weights of an
    uninterrupted run."""
    run, steps = str(tmp_path / "run"), 30
    k = random.Random(os.getpid()).randint(3, 15)
    victim = subprocess.Popen(_command(run, steps), cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    checkpoints = workdir.checkpoint_dir(run)
    wait_until(lambda: os.path.exists(os.path.join(checkpoints, f"ckpt-{k}.index")), 240,
               f"no checkpoint at step {k} in 4 minutes", victim, every=0.01)
    victim.send_signal(signal.SIGSTOP)  # Alive and holding its lock while we knock.
    try:
        config = workdir.load_config(run)
        with pytest.raises(WorkdirError,
                           match=f"in use by a live run: pid {victim.pid} on .*main.py"):
            train.train(config, run)
    finally:  # (not left stopped if the refusal failed)
        victim.send_signal(signal.SIGCONT)
    time.sleep(random.Random(k).uniform(0, 0.2))  # Anywhere inside a step or a save.
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    resumed = subprocess.run(_command(run, steps), cwd=tmp_path, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming from" in resumed.stdout
    straight = str(tmp_path / "straight")
    config.train.checkpoint_every = steps  # only its last checkpoint is compared
    train.train(config, straight)
    _assert_same(_checkpoint_values(os.path.join(checkpoints, f"ckpt-{steps}")),
                 _checkpoint_values(os.path.join(workdir.checkpoint_dir(straight),
                                                 f"ckpt-{steps}")))


def test_a_corrupt_latest_checkpoint_is_reported_and_the_previous_one_used(smoke_config,
                                                                          tmp_path, capsys):
    straight = train.train(smoke_config, str(tmp_path / "straight")).model
    run = str(tmp_path / "run")
    train.train(smoke_config, run)  # ckpt-2 and ckpt-4
    data_file = os.path.join(workdir.checkpoint_dir(run), "ckpt-4.data-00000-of-00001")
    with open(data_file, "r+b") as f:
        f.truncate(os.path.getsize(data_file) // 2)  # as if killed while writing it
    smoke_config.train.steps = 4
    resumed = train.train(smoke_config, run)
    assert "ckpt-4 cannot be read" in capsys.readouterr().err
    assert sorted(os.listdir(os.path.join(workdir.checkpoint_dir(run), "corrupt"))) == [
        "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    assert tf.train.latest_checkpoint(workdir.checkpoint_dir(run)).endswith("ckpt-4")
    _assert_same(_weights(resumed.model), _weights(straight))


def test_the_solver_scales_its_loss_under_mixed_float16(fashion_mnist):
    """Its one player goes through `minimize`: gradients are unscaled before Adam's update,
    so the first update is as large as in float32 (were the scale of 2^15 left in, Adam's
    epsilon would shrink it)."""
    images, labels = next(iter(data.train_batches(fashion_mnist, 16, seed=0)))
    changes = {}
    for policy in ("float32", "mixed_float16"):
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        solver = continual.Solver(continual.solver.classifier_net((28, 28, 1), 10), seed=0)
        solver.compile(optimizers={"solver": keras.optimizers.Adam(1e-3)})
        solver.build_for_training()
        kernel = solver.network.get_layer("logits").kernel
        before = kernel.numpy().copy()
        for _ in range(5):  # The loss scale may skip first steps until it fits float16.
            solver.train_step((images, labels))
            if int(solver.players["solver"].optimizer.iterations.numpy()):
                break
        assert int(solver.players["solver"].optimizer.iterations.numpy()) == 1
        changes[policy] = float(np.mean(np.abs(kernel.numpy() - before)))
    assert isinstance(solver.players["solver"].optimizer, keras.optimizers.LossScaleOptimizer)
    assert changes["mixed_float16"] == pytest.approx(changes["float32"], rel=0.3), changes
