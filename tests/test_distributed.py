"""Two replicas (MirroredStrategy on 2 logical CPUs) train exactly like one device."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import runtime, train, workdir

from conftest import REPO


def _train(config, fashion_mnist, steps, steps_per_call=1):
    strategy = runtime.setup(config.runtime, config.seed)
    gan = train.build(config, fashion_mnist.info, strategy)
    step = train.make_train_function(gan, strategy, jit_compile=False)
    batches = train.distributed_batches(fashion_mnist, gan, config, strategy, 0)
    losses = [{k: float(v) for k, v in step(batches, steps_per_call).items()}
              for _ in range(steps // steps_per_call)]
    for metric in gan.metrics:
        metric.reset_state()
    return strategy, losses, {v.path: v.numpy() for v in gan.weights}


def test_mirrored_on_two_devices_matches_one_device(smoke_config, fashion_mnist):
    _, one_losses, one_weights = _train(smoke_config, fashion_mnist, steps=3)
    smoke_config.runtime.strategy = "mirrored"
    strategy, two_losses, two_weights = _train(smoke_config, fashion_mnist, steps=3)
    assert strategy.num_replicas_in_sync == 2
    for one, two in zip(one_losses, two_losses, strict=True):
        for name in one:
            np.testing.assert_allclose(two[name], one[name], rtol=1e-4, atol=1e-5)
    assert one_weights.keys() == two_weights.keys()
    for name, value in one_weights.items():
        np.testing.assert_allclose(two_weights[name], value, rtol=1e-4, atol=1e-5, err_msg=name)
    # Several steps per device call (train.steps_per_loop) under the strategy: the same again.
    _, _, looped = _train(smoke_config, fashion_mnist, steps=3, steps_per_call=3)
    for name, value in one_weights.items():
        np.testing.assert_allclose(looped[name], value, rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_two_workers_train_and_only_the_chief_keeps_outputs(tmp_path):
    """MultiWorkerMirroredStrategy with two worker processes on localhost, as on two machines."""
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("localhost", 0))
            ports.append(s.getsockname()[1])
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    workers = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen(
            [sys.executable, os.path.join(REPO, "main.py"),
             f"--config={os.path.join(REPO, 'configs', 'cgan_fashion_mnist.py')}:smoke",
             "--workdir=run", "--export_dir=export", "--config.runtime.strategy=multi_worker",
             "--config.runtime.precision=float32"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr[-3000:]
    assert "Exported export/cgan_fashion_mnist/1" in outputs[0][0]
    assert "Exported" not in outputs[1][0]
    assert sorted(os.listdir(tmp_path / "export" / "cgan_fashion_mnist")) == [
        "1", "1.exports.json"]

    # The two workers (one replica each) trained exactly like one device on the same batches.
    config = workdir.load_config(str(tmp_path / "run"))
    config.runtime.strategy = "default"
    train.train(config, str(tmp_path / "single"))
    two = tf.train.load_checkpoint(str(tmp_path / "run" / "checkpoints" / "ckpt-4"))
    one = tf.train.load_checkpoint(str(tmp_path / "single" / "checkpoints" / "ckpt-4"))
    names = [n for n in one.get_variable_to_shape_map() if "/.ATTRIBUTES/VARIABLE_VALUE" in n]
    assert len(names) > 40 and set(names) <= set(two.get_variable_to_shape_map())
    for name in names:
        np.testing.assert_allclose(two.get_tensor(name), one.get_tensor(name), rtol=1e-4,
                                   atol=1e-5, err_msg=name)
