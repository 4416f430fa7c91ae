"""The supervised translator on the real catalogue corpus: a train step under each precision
and strategy, tokens counted, a run that shows sentences, exports both directions with the
translator contract, and translates and scores through them."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import commands, export, modes, train, workdir
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import serving

from conftest import (
    PRECISIONS,
    assert_mirrored_equals_default,
    assert_runtimes_agree,
    run_main,
    smoke,
    tensorflow_lines,
    training_setup,
)


def _config():
    config = smoke("translator")
    config.data.split = "paired"
    return config


@pytest.mark.parametrize("precision", PRECISIONS)
def test_one_step_moves_every_weight_and_counts_the_tokens(precision):
    config = _config()
    config.runtime.precision = precision
    translator, step, batches = training_setup(config)
    before = {v.path: v.numpy().copy() for v in translator.network.trainable_variables}
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == {"loss", "tokens"} and np.isfinite(logs["loss"])
    assert all(not np.array_equal(before[v.path], v.numpy())
               for v in translator.network.trainable_variables)
    # The tokens are the target pieces of both directions: every non-PAD id of the batch.
    dataset = translator.load_data(config, config.data.split)
    batch = next(iter(dataset.batches(config.train.batch_size, config.seed)))
    assert logs["tokens"] == sum(int(np.sum(batch[side] != tokenizer.PAD))
                                 for side in ("source", "target"))


@pytest.mark.slow
def test_mirrored_equals_default():
    config = _config()
    config.model.dropout = 0.0  # Keras's dropout draws are not the lab's named streams.
    assert_mirrored_equals_default(config)


@pytest.mark.slow
def test_xla_equals_default():
    """Under XLA a step keeps the batches' full length (one compiled shape, not one a batch)."""
    config = _config()
    config.model.dropout = 0.0
    assert_runtimes_agree(config, "jit_compile", (False, True))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A smoke run's workdir, evaluated at its last step, and its exports (both directions)."""
    root = tmp_path_factory.mktemp("translator")
    config = _config()
    config.eval.every = config.train.steps
    trained = train.train(config, str(root / "run"))
    paths = export.export_model(trained.model, str(root / "export"), config.name)
    return root, config, trained.model, paths


def test_the_run_shows_a_table_of_translated_sentences(run):
    root, config, _, _ = run
    table = (root / "run" / "samples" / f"step_{config.train.steps:06d}.md").read_text()
    lines = table.splitlines()
    assert lines[0] == "| direction | source | output | reference |"
    assert len(lines) == 2 + 2 * config.train.sample_columns
    assert lines[2].startswith("| en-de | ") and lines[-1].startswith("| de-en | ")
    # The evaluation on the dev pairs, both directions, logged at the last step.
    row, = workdir.read_metrics(str(root / "run"))
    assert row["step"] == config.train.steps and 0 <= row["en_de_bleu"] <= 100
    assert {"de_en_bleu", "en_de_chrf", "de_en_chrf"} <= set(row)


def test_both_directions_export_strings_to_strings_as_the_model_translates(run):
    root, config, translator, paths = run
    assert set(paths) == {"en_de", "de_en"}
    sentences = ["cannot open file", "Datei nicht gefunden"]
    for (a, b), translate in translator.translators().items():
        loaded = export.load_text_translator(paths[f"{a}_{b}"])
        assert loaded(sentences) == translate(sentences)
    # --mode=eval on either export scores both directions on the test pairs.
    output = root / "eval.json"
    commands.eval_mode(modes.Context("eval", config, None, "export", paths["de_en"], None,
                                     str(output), 10))
    scores = json.loads(output.read_text())
    assert scores["role"] == "de_en" and "dataset" not in scores and scores["split"] == "test"
    names = {"en_de_bleu", "en_de_chrf", "de_en_bleu", "de_en_chrf"}
    assert names <= set(scores) and all(0 <= scores[name] <= 100 for name in names)
    # On the workdir, by the command (a model rebuilt in this process would reset the text ops
    # the fixture's model holds): the dev pairs, as the run scored its last step.
    scored = run_main("--mode=eval", "--workdir=run", "--output=dev.json", cwd=root)
    assert scored.returncode == 0, scored.stderr[-3000:]
    assert "measured against the dev split" in scored.stdout
    scores = json.loads((root / "dev.json").read_text())
    logged, = workdir.read_metrics(str(root / "run"))
    assert scores["split"] == "dev" and scores["source"] == f"run at step {int(logged['step'])}"
    assert {name: scores[name] for name in names} == pytest.approx(
        {name: logged[name] for name in names})


def test_translate_mode_reads_standard_input_with_the_export(run):
    """A line longer than the translator reads is translated up to there, and named."""
    root, config, translator, paths = run
    long = " ".join(["disk full"] * config.model.max_length)
    assert export.load_text_translator(paths["en_de"]).cut(["disk full", long]) == (
        [False, True], config.model.max_length)
    piped = run_main("--mode=translate", f"--model_path={paths['en_de']}", "--input=-",
                     cwd=root, input=f"disk full\n{long}\n")
    assert piped.returncode == 0, piped.stderr
    assert tensorflow_lines(piped.stderr) == [], piped.stderr
    assert piped.stdout.splitlines() == translator.translators()[("en", "de")](
        ["disk full", long])
    assert (f"warning: 1 line(s) longer than the translator reads ({config.model.max_length} "
            "pieces, end of sentence included) were translated up to there: line(s) 2.") in (
        piped.stderr)


def test_a_beam_search_export_serves_what_it_computes(run, tmp_path):
    _, _, translator, _ = run
    module = serving.Translating(translator.network, translator.words, "de",
                                 translator.info.max_length, beam_size=3)
    path = export.write(export.Export("translator", module), str(tmp_path), "beam")
    sentences = ["cannot open file", "disk full"]
    served = export.load_text_translator(path)(sentences)
    assert served == [s.decode() for s in module(tf.constant(sentences)).numpy()]
