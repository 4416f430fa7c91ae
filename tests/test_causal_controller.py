"""The causal controller: do() and cond() on a hand-made controller of a known graph, train
steps under every precision and strategy, its export and errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import commands, contracts, export, models, modes, train
from tfgan_lab.causal import graph, sampling
from tfgan_lab.errors import ConfigError
from tfgan_lab.gans.causal_controller import NetworkController
from tfgan_lab.nets import causal as nets

from conftest import REPO, assert_mirrored_equals_default, smoke, training_setup


def _copying_controller() -> NetworkController:
    """A -> B, A a fair coin and B a copy of A: one dense layer per node, set by hand."""
    g = graph.parse("A -> B")
    network = nets.controller(g, noise_dim=1, layers=1, width=1)
    a, b = network.get_layer("mechanisms").nodes
    a.set_weights([np.array([[10.0]]), np.array([0.0])])  # A = round(sigmoid(10 z))
    b.set_weights([np.array([[0.0], [20.0]]), np.array([-10.0])])  # B = A
    return NetworkController(network, g.nodes, 1)


def test_do_leaves_the_ancestors_as_they_were_and_cond_does_not():
    controller = _copying_controller()
    observed = sampling.sample_labels(controller, controller.names, 1, 4000, seed=0)
    assert 0.45 < observed[:, 0].mean() < 0.55
    np.testing.assert_array_equal(observed[:, 0], observed[:, 1])
    intervened = sampling.sample_labels(controller, controller.names, 1, 4000, seed=0,
                                        do={"B": 1})
    # At the same noise, do(B=1) leaves A exactly as it was, and clamps B.
    np.testing.assert_array_equal(intervened[:, 0], observed[:, 0])
    assert intervened[:, 1].min() == 1
    conditioned = sampling.sample_labels(controller, controller.names, 1, 4000, seed=0,
                                         cond={"B": 1})
    # Conditioning on the copy selects A = 1.
    assert conditioned[:, 0].min() == 1 and conditioned[:, 1].min() == 1
    # do on the cause moves its effect.
    caused = sampling.sample_labels(controller, controller.names, 1, 100, seed=0, do={"A": 0})
    assert caused.max() == 0


def test_an_impossible_condition_is_an_error_that_says_how_rare_it_is():
    controller = _copying_controller()
    with pytest.raises(ConfigError, match="cond\\(A=1, B=0\\) is \\(nearly\\) impossible under "
                                          "this controller: 0 of 8192 sampled"):
        sampling.sample_labels(controller, controller.names, 1, 10, seed=0,
                               cond={"A": 1, "B": 0}, max_draws=8000)
    with pytest.raises(ConfigError, match="do: 'C' is not a node of the causal graph"):
        sampling.sample_labels(controller, controller.names, 1, 10, seed=0, do={"C": 1})
    assert sampling.parse_assignments("A=1, B=0", ("A", "B"), "do") == {"A": 1, "B": 0}
    with pytest.raises(ConfigError, match="--cond='A=yes': 'A=yes' is not NODE=0 or NODE=1"):
        sampling.parse_assignments("A=yes", ("A", "B"), "cond")


def _weights(network):
    return {v.path: v.numpy().copy() for v in network.trainable_variables}


@pytest.mark.parametrize("precision,factorized", [("float32", False), ("mixed_bfloat16", True)])
def test_one_step_moves_every_weight_of_both_players(precision, factorized):
    """With a critic per node and its parents, and with one critic over the whole vector
    (model.factorized_critic=False)."""
    config = smoke("causal_controller")
    config.data.size = 256
    config.runtime.precision = precision
    config.model.factorized_critic = factorized
    cc, step, batches = training_setup(config)
    before = {name: _weights(p.network) for name, p in cc.players.items()}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"critic_loss", "controller_loss", "gradient_penalty"}
    assert all(np.isfinite(list(logs.values())))
    for name, player in cc.players.items():
        moved = {v.path for v in player.network.trainable_variables
                 if not np.array_equal(before[name][v.path], v.numpy())}
        # The critics' output bias gets +1 per real and -1 per fake label vector from the
        # Wasserstein loss: its gradient cancels, by arithmetic.
        inert = {v.path for v in player.network.trainable_variables
                 if v.path.endswith(f"bias{config.model.critic_layers - 1}")}
        assert set(before[name]) - inert <= moved, name
    labels = cc.controller_network({"z": tf.zeros([2, 50]), "do_mask": tf.zeros([2, 5]),
                                    "do_values": tf.zeros([2, 5])})
    assert labels["probabilities"].dtype == tf.float32
    kernel, = [v for v in cc.players["critic"].network.trainable_variables
               if v.path == "critics/kernel0"]
    assert kernel.shape[0] == (5 if factorized else 1)  # the critics: one per node, or one


@pytest.mark.slow
def test_mirrored_equals_default():
    """With one critic over the whole vector (model.factorized_critic=False)."""
    config = smoke("causal_controller")
    config.data.size = 256
    config.model.factorized_critic = False
    weights = assert_mirrored_equals_default(config)
    assert any("critics/kernel0" in name and value.shape[0] == 1
               for name, value in weights.items())


@pytest.fixture(scope="module")
def trained_controller(tmp_path_factory):
    """A smoke controller trained for 4 steps and exported."""
    config = smoke("causal_controller")
    config.data.size = 512
    config.eval.num_samples = 2000
    root = tmp_path_factory.mktemp("controller")
    trained = train.train(config, str(root / "run"))
    paths = export.export_model(trained.model, str(root / "export"), config.name)
    return config, trained.model, paths["controller"]


def test_the_export_samples_with_interventions_through_its_signature(trained_controller):
    config, cc, path = trained_controller
    loaded = export.load(path)
    assert loaded.names == cc.graph.nodes == ("footwear", "thick", "bright", "framed",
                                              "underline")
    signature = loaded.module.signatures[contracts.SIGNATURE]
    assert set(signature.structured_input_signature[1]) == {"z", "do_mask", "do_values"}
    z = np.random.default_rng(0).uniform(-1, 1, (64, 5 * loaded.noise_dim)).astype(np.float32)
    free = np.zeros((64, 5), np.float32)
    clamp = free.copy()
    clamp[:, 1] = 1  # do(thick = 1)
    served = loaded({"z": z, "do_mask": free, "do_values": free})
    np.testing.assert_array_equal(
        served["labels"], cc.controller_network({"z": z, "do_mask": free, "do_values": free})
        ["labels"].numpy())
    intervened = loaded({"z": z, "do_mask": clamp, "do_values": clamp})["labels"]
    assert intervened[:, 1].min() == 1
    np.testing.assert_array_equal(intervened[:, 0], served["labels"][:, 0])  # footwear: a root
    np.testing.assert_array_equal(intervened[:, 4], served["labels"][:, 4])  # independent
    with pytest.raises(tf.errors.InvalidArgumentError, match="do_mask must be 0"):
        loaded({"z": z, "do_mask": free + 0.5, "do_values": free})


def test_the_export_is_scored_as_the_model_is(trained_controller, tmp_path):
    """As --mode=eval scores it, against the training labels (which its JSON names)."""
    config, cc, path = trained_controller
    in_memory = models.of(config).make_evaluator(config)(cc)
    commands.eval_mode(modes.Context("eval", config, None, "export", path, None,
                                     str(tmp_path / "eval.json"), 10))
    from_export = json.loads((tmp_path / "eval.json").read_text())
    assert from_export.pop("split") == config.data.split == "train"
    assert set(in_memory) == {"tvd", "tvd_truth"} | {
        f"tvd_{kind}_{n}{v}" for kind in ("do", "cond")
        for n, v in (("thick", 1), ("thick", 0), ("bright", 1), ("framed", 1),
                     ("footwear", 1))}
    for name, value in in_memory.items():
        assert 0 <= value <= 1
        assert from_export[name] == pytest.approx(value, abs=0.01), name


def test_a_graph_over_labels_the_data_lacks_is_named():
    config = smoke("causal_controller")
    config.model.graph = "footwear -> heel; thick"
    with pytest.raises(ConfigError, match="node\\(s\\) heel are not labels of "
                                          "causal_fashion_mnist"):
        models.of(config).load_data(config, "test")


def test_the_command_line_samples_an_export_under_do_and_cond(trained_controller, tmp_path):
    _, _, path = trained_controller
    run = subprocess.run(
        [sys.executable, os.path.join(REPO, "main.py"), "--mode=causal_sample",
         f"--model_path={path}", "--do=thick=1", "--cond=footwear=1", "--count=300",
         "--output=labels.csv"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "300 label vectors" in run.stdout and "do(thick=1) cond(footwear=1)" in run.stdout
    rows = (tmp_path / "labels.csv").read_text().splitlines()
    assert rows[0] == "footwear,thick,bright,framed,underline" and len(rows) == 301
    values = np.array([[int(v) for v in row.split(",")] for row in rows[1:]])
    assert values[:, 0].min() == 1 and values[:, 1].min() == 1
    bad = subprocess.run(
        [sys.executable, os.path.join(REPO, "main.py"), "--mode=causal_sample",
         f"--model_path={path}", "--do=thik=1"], cwd=tmp_path, capture_output=True, text=True,
        timeout=600)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1] == (
        "error: --do: 'thik' is not a node of the causal graph (did you mean 'thick'?); its "
        "nodes are footwear, thick, bright, framed, underline.")
