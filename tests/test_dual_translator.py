"""Dual learning on the real catalogue text, from a supervised translator trained on the paired
set and language models trained on the monolingual halves (smoke size): the reward and its
standardisation on hand-made numbers, both translators start from the warm start, a game step
moves both and not the language models, the soft landing's batches hold the configured mix,
`mirrored` equals `default`, a run resumed after its first step ends as an uninterrupted one,
and both exports translate strings."""

import os
import runpy

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import export, models, train
from tfgan_lab.errors import ConfigError, ExportError
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import data as text_data
from tfgan_lab.translation import dual

from conftest import REPO, assert_mirrored_equals_default, rewound, smoke, training_setup

SENTENCES = ["cannot open file", "Datei nicht gefunden"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """The exports a dual run reads, and the supervised translator's weights."""
    root = tmp_path_factory.mktemp("dual_inputs")
    config = smoke("translator")
    config.data.split = "paired"
    supervised = train.train(config, str(root / "supervised")).model
    language_models = train.train(smoke("language_model"), str(root / "lm")).model
    return {"warm_start": export.export_model(supervised, str(root / "export"),
                                              "paired")["de_en"],
            "language_models": export.export_model(language_models, str(root / "export"),
                                                   "lm")["en"],
            "supervised": [v.numpy() for v in supervised.network.weights],
            "scoring": language_models.scoring}


def _config(inputs, **model):
    config = smoke("dual_translator")
    config.model.update({"warm_start": inputs["warm_start"],
                         "language_models": inputs["language_models"], **model})
    return config


def test_the_reward_of_a_hand_made_case():
    # LM log-probabilities -6 and -3 over 3 pieces each; log P(s | m) -10 and -4.
    reward = dual.rewards(tf.constant([-6.0, -3.0]), tf.constant([3.0, 3.0]),
                          tf.constant([-10.0, -4.0]), alpha=0.5)
    np.testing.assert_allclose(reward, [0.5 * -2 + 0.5 * -10, 0.5 * -1 + 0.5 * -4])
    reward = dual.rewards(tf.constant([-6.0]), tf.constant([3.0]), tf.constant([-10.0]),
                          alpha=0.005)
    np.testing.assert_allclose(reward, [0.005 * -2 + 0.995 * -10], rtol=1e-6)


def test_rewards_are_standardised_within_each_beam():
    np.testing.assert_allclose(dual.standardised(tf.constant([1.0, 3.0, 5.0, 5.0, -2.0, 4.0]), 2),
                               [-1, 1, 0, 0, -1, 1], atol=1e-5)
    values = tf.constant([1.0, 2.0, 6.0, -3.0, 0.0, 30.0])
    beams = dual.standardised(values, 3).numpy().reshape(2, 3)
    np.testing.assert_allclose(beams.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(beams.std(axis=1), 1, atol=1e-5)
    assert list(np.argsort(beams[1])) == [0, 1, 2]  # the order within a beam is kept


def test_a_game_step_moves_both_translators_from_the_warm_start_not_the_language_models(inputs):
    config = _config(inputs)
    model, step, batches = training_setup(config)
    for network in (model.network, model.backward):
        for value, warm in zip(network.weights, inputs["supervised"], strict=True):
            np.testing.assert_array_equal(value.numpy(), warm)
    before = {v.path: v.numpy().copy() for v in model.weights}
    scores = {language: lm.score_ids(model.words.encode_padded(tf.constant(SENTENCES), 24))
              ["log_probability"].numpy() for language, lm in model.language_models.items()}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert all(np.isfinite(v) for v in logs.values()) and logs["tokens"] > 0
    assert logs["reward"] == pytest.approx(config.model.alpha * logs["language_model"]
                                           + (1 - config.model.alpha) * logs["reconstruction"],
                                           rel=1e-4)
    for network in (model.network, model.backward):
        assert all(not np.array_equal(before[v.path], v.numpy())
                   for v in network.trainable_variables), network.name
    assert not any("language_model" in v.path for v in model.weights)  # not the model's
    for language, lm in model.language_models.items():
        after = lm.score_ids(model.words.encode_padded(tf.constant(SENTENCES), 24))
        np.testing.assert_array_equal(after["log_probability"].numpy(), scores[language])


def test_soft_landing_batches_hold_the_configured_mix(inputs):
    config = _config(inputs, paired_fraction=0.25)
    data = models.of(config).load_data(config, config.data.split)
    english, german, pairs = next(iter(data.batches(16, config.seed)))
    assert english["ids"].shape[0] == german["ids"].shape[0] == 12
    assert pairs["source"].shape[0] == pairs["target"].shape[0] == 4
    words = tokenizer.Tokenizer(data.info.vocabulary)
    paired_english = {s.decode() for s in words.decode(pairs["source"]).numpy()}
    assert paired_english <= set(data.pairs.text.source)
    config.model.paired_fraction = 0.0
    halves = models.of(config).load_data(config, config.data.split).batches(16, config.seed)
    assert [side["ids"].shape[0] for side in next(iter(halves))] == [16, 16]
    assert isinstance(data, text_data.PairsAndHalves)


def test_with_the_game_off_a_step_trains_both_translators_on_the_pairs_alone(inputs):
    """The control run: the soft landing's supervised step, no beam, no reward."""
    model, step, batches = training_setup(_config(inputs, game=False))
    before = {v.path: v.numpy().copy() for v in model.trainable_variables}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"paired", "tokens"} and np.isfinite(logs["paired"])
    assert all(not np.array_equal(before[v.path], v.numpy()) for v in model.trainable_variables)


@pytest.mark.slow
def test_mirrored_equals_default(inputs):
    """With one middle translation per sentence: at smoke size the K of a beam are near
    copies whose rewards differ by less than float noise, which standardising blows up to +-1
    (and Adam's first steps to +-lr), so K 2 agrees only to that noise; K 1 leaves every other
    part of the game: the beam, the rewards, both players' updates and the pairs' step."""
    assert_mirrored_equals_default(_config(inputs, dropout=0.0, game_beam_size=1), steps=1)


def test_bad_configs_are_refused_with_the_fix(inputs, tmp_path):
    missing = str(tmp_path / "export" / "paired_en_de" / "1")
    with pytest.raises(ExportError, match=r"model.warm_start=.* holds no export: train and "
                                          r"export configs/translator_catalogues.py with"):
        train.train(_config(inputs, warm_start=missing), str(tmp_path / "dual"))
    assert not (tmp_path / "dual").exists()  # the refused run left no workdir behind
    with pytest.raises(ExportError, match=r"names de, en \(a 'language_model' model's\)\. Pass "
                                          r"an export of a model that writes en_de and de_en"):
        training_setup(_config(inputs, warm_start=inputs["language_models"]))
    config = _config(inputs, game=False, paired_fraction=0.0)
    with pytest.raises(ConfigError, match="model.game=False .* trains nothing"):
        models.of(config).check_config(config)
    config = _config(inputs, warm_start="")
    with pytest.raises(ConfigError, match="model.warm_start is empty"):
        models.of(config).check_config(config)
    config = _config(inputs)
    config.runtime.jit_compile = True
    with pytest.raises(ConfigError, match="decodes inside its train step"):
        models.of(config).check_config(config)
    with pytest.raises(ExportError, match="incompatible tensor .*the same config.model sizes"):
        training_setup(_config(inputs, width=48))  # the warm start is 32 wide


@pytest.mark.parametrize("field,role", [("warm_start", "_en_de"), ("language_models", "_en")])
def test_a_missing_export_s_remedy_exports_where_the_config_file_reads(field, role):
    """The command that the missing-export error names (a config file, then its overrides)
    writes its first export where configs/dual_translator_catalogues.py looks for it."""
    made_by = dual.DualTranslator.INPUT_EXPORTS[field]
    config_file, *overrides = made_by.replace(" with ", " ").split()
    config = runpy.run_path(os.path.join(REPO, config_file))["get_config"]()
    config.update_from_flattened_dict(dict(o.removeprefix("--config.").split("=")
                                           for o in overrides))
    reads = runpy.run_path(os.path.join(REPO, "configs", "dual_translator_catalogues.py"))
    assert os.path.join("export", config.name + role, "1") == reads["get_config"]().model[field]


@pytest.mark.slow
def test_a_resumed_run_ends_as_one_run_and_both_exports_translate(inputs, tmp_path, capsys):
    def config(steps):
        c = _config(inputs)
        c.train.update(steps=steps, checkpoint_every=1, log_every=1, sample_every=100)
        return c

    whole = train.train(config(2), str(tmp_path / "whole")).model
    parts = rewound(str(tmp_path / "whole"), 1, str(tmp_path / "parts"))
    resumed = train.train(config(2), parts).model
    assert f"Resuming from {parts}/checkpoints/ckpt-1\n" in capsys.readouterr().out
    for name in ("network", "backward"):
        for a, b in zip(getattr(whole, name).weights, getattr(resumed, name).weights,
                        strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{name}: {a.path}")
    paths = export.export_model(resumed, str(tmp_path / "export"), "dual")
    assert set(paths) == {"en_de", "de_en"}
    for (a, b), translate in resumed.translators().items():
        assert export.load_text_translator(paths[f"{a}_{b}"])(SENTENCES) == translate(SENTENCES)
