"""The language models of dual learning, on the real catalogue halves: a sentence's
log-probability is what the network gives it piece by piece (no piece sees those after it),
a step moves both languages' models, and the exports score strings as the models do, with the
dev perplexity through them equal to the model's."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import commands, export, modes, train
from tfgan_lab.errors import ExportError
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import language_model

from conftest import assert_runtimes_agree, smoke, training_setup

SENTENCES = ["cannot open file", "Datei nicht gefunden", "the file <arg> was not found"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(config, model, its exports, what the model computed): a later test's runtime set-up
    frees the model's tokenizer, so what needs it is computed here."""
    root = tmp_path_factory.mktemp("language_models")
    config = smoke("language_model")
    config.eval.num_samples = 8
    model = train.train(config, str(root / "run")).model
    computed = {"metrics": type(model).make_evaluator(config)(model), **{
        language: scoring(tf.constant(SENTENCES))["log_probability"].numpy()
        for language, scoring in model.scoring.items()}}
    return config, model, export.export_model(model, str(root / "export"), "lm"), computed


# The first prefix is the start token alone: Keras warns that its attention's softmax runs
# over one key, which is what scoring a one-token prefix means.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")
def test_a_sentences_log_probability_is_its_pieces_one_by_one(trained):
    _, model, _, _ = trained
    scoring = model.scoring["en"]
    words = tokenizer.Tokenizer(model.info.vocabulary)  # not the model's: see `trained`
    ids = words.encode_padded(tf.constant(SENTENCES), model.info.max_length)
    log_p, pieces = language_model.log_probabilities(scoring.network, ids, scoring.start)
    for row, sentence_ids in enumerate(ids.numpy()):
        written = [int(t) for t in sentence_ids if t != tokenizer.PAD]
        prefix, expected = [scoring.start], 0.0
        for piece in written:  # each piece from the prefix alone: nothing later can leak in
            logits = scoring.network(tf.constant([prefix]))[0, -1]
            expected += float(tf.nn.log_softmax(logits)[piece])
            prefix.append(piece)
        assert pieces[row] == len(written)
        assert float(log_p[row]) == pytest.approx(expected, rel=1e-4, abs=1e-3)


def test_a_step_moves_both_languages_models():
    model, step, batches = training_setup(smoke("language_model"))
    before = {v.path: v.numpy().copy() for v in model.trainable_variables}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert np.isfinite(logs["loss"]) and logs["tokens"] > 0
    for network in (model.source_network, model.target_network):
        assert all(not np.array_equal(before[v.path], v.numpy())
                   for v in network.trainable_variables), network.name


@pytest.mark.slow
def test_xla_equals_default():
    """Under XLA a step keeps the batches' full length (one compiled shape, not one a batch)."""
    config = smoke("language_model")
    config.model.dropout = 0.0  # Keras's dropout draws are not the lab's named streams.
    assert_runtimes_agree(config, "jit_compile", (False, True))


def test_the_exports_score_strings_as_the_models_do(trained, tmp_path):
    """Each export scores what its model does; --mode=eval on either scores both languages'
    dev sentences as the model did."""
    config, model, paths, computed = trained
    assert set(paths) == {"en", "de"}
    for language, path in paths.items():
        loaded = language_model.load(path, language, model.info.vocabulary,
                                     model.info.max_length)
        np.testing.assert_allclose(loaded(SENTENCES), computed[language], rtol=1e-5)
    commands.eval_mode(modes.Context("eval", config, None, "export", paths["en"], None,
                                     str(tmp_path / "eval.json"), 10))
    through_exports = json.loads((tmp_path / "eval.json").read_text())
    assert through_exports["split"] == "dev" and through_exports["role"] == "en"
    assert set(computed["metrics"]) == {"en_perplexity", "de_perplexity"}
    for name, value in computed["metrics"].items():
        assert value > 1 and through_exports[name] == pytest.approx(value, rel=1e-5)


def test_language_models_of_another_vocabulary_or_length_are_refused(trained):
    _, model, paths, _ = trained
    with pytest.raises(ExportError, match="another vocabulary"):
        language_model.load(paths["de"], "de", b"not this vocabulary", model.info.max_length)
    with pytest.raises(ExportError, match="at most 24 pieces"):
        language_model.load(paths["de"], "de", model.info.vocabulary, 64)
