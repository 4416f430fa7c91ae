"""Text batched by length (`data.bucket_steps`, data/pipeline.py) on the real monolingual
halves of the catalogue corpus: a window of steps holds the sentences it holds unbucketed,
every sentence once an epoch (a short last window too), the batches pad to far fewer pieces,
and a resumed or multi-replica pipeline yields the same batches. A max_length that cuts more
than a tenth of the sentences is warned of."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab.data import parallel_text
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import data as text_data

from conftest import PipelineContext

MAX_LENGTH = 64


@pytest.fixture(scope="module")
def halves():
    """{bucket_steps: the monolingual halves batched so}."""
    config = parallel_text.config()
    sets = {}
    for bucket_steps in (0, 10):
        config.bucket_steps = bucket_steps
        sets[bucket_steps] = text_data.load_monolingual(config, MAX_LENGTH)
    return sets


def _ids(dataset, steps: int) -> list[np.ndarray]:
    """The first language's ids [b, MAX_LENGTH] of each of `steps` batches."""
    return [batch[0]["ids"].numpy() for batch in dataset.take(steps)]


def _rows(batches) -> list[tuple]:
    return sorted(tuple(row) for batch in batches for row in batch)


def _width(batch) -> int:
    return int((batch != 0).sum(axis=1).max())


def test_a_window_holds_its_sentences_sorted_into_batches_that_pad_less(halves):
    drawn, bucketed = (_ids(halves[n].batches(32, seed=0), 20) for n in (0, 10))
    for window in (slice(0, 10), slice(10, 20)):
        assert _rows(bucketed[window]) == _rows(drawn[window])
    widths = {n: np.mean([_width(b) for b in batches])
              for n, batches in ((0, drawn), (10, bucketed))}
    assert widths[10] < 0.6 * widths[0], widths  # (32 against 13 pieces over a whole epoch)
    lengths = [(batch != 0).sum(axis=1) for batch in bucketed[:10]]
    spans = sorted((length.min(), length.max()) for length in lengths)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # sorted chunks


def test_every_sentence_once_an_epoch_with_a_short_last_window(halves):
    dataset = halves[10]
    steps = len(dataset.sides[0]) // 320  # 41 steps: windows of 10, 10, 10, 10 and 1
    epoch = _ids(dataset.batches(320, seed=0), steps)
    rows = _rows(epoch)
    assert len(set(rows)) == len(rows) == steps * 320


def test_resumed_and_replicated_pipelines_yield_the_same_batches(halves):
    dataset = halves[10]
    whole = _ids(dataset.batches(32, seed=0), 14)
    np.testing.assert_array_equal(_ids(dataset.batches(32, seed=0, start_step=13), 1)[0],
                                  whole[13])
    two = _ids(dataset.batches(32, seed=0, input_context=PipelineContext(1, 0, 2)), 2)
    np.testing.assert_array_equal(np.concatenate(two), whole[0])


def test_the_pieces_a_step_computes_per_piece_of_text(halves):
    """benchmarks/text_padding.py's measure, checked against the widths counted by hand."""
    drawn = _ids(halves[0].batches(32, seed=0), 5)
    text = sum(int((batch != 0).sum()) for batch in drawn)
    assert text_data.computed_per_piece([{"ids": ids} for ids in drawn], 5) == pytest.approx(
        sum(_width(batch) * 32 for batch in drawn) / text)
    both = {n: text_data.computed_per_piece(halves[n].batches(32, seed=0), 20) for n in (0, 10)}
    assert 1 < both[10] < 0.6 * both[0], both


def test_a_step_cuts_its_batch_after_the_longest_sentence_unless_xla_compiles_it(halves):
    batch = _ids(halves[0].batches(32, seed=0), 1)[0]
    cut = text_data.trimmed(tf.constant(batch)).numpy()
    assert cut.shape == (32, _width(batch)) and (cut[:, -1] != tokenizer.PAD).any()
    np.testing.assert_array_equal(cut, batch[:, :cut.shape[1]])
    assert (batch[:, cut.shape[1]:] == tokenizer.PAD).all()
    # Under XLA (static), the padded ids as they are: one shape, compiled once.
    assert text_data.trimmed(tf.constant(batch), static=True).shape == batch.shape


def test_a_max_length_that_cuts_a_tenth_of_the_sentences_is_warned_of(capsys):
    """At 8 pieces each half's warning counts the sentences cut (their ids at 128 pieces
    counted here); at the length it names, 99% fit, and nothing is said."""
    config = parallel_text.config()
    text_data.load_monolingual(config, 8)
    said = capsys.readouterr().err.splitlines()
    monolingual = parallel_text.load(config, "monolingual")
    words = tokenizer.Tokenizer(text_data.text_info(config, 8).vocabulary)
    suggested = []
    for language, sentences, line in zip(monolingual.languages,
                                         (monolingual.source, monolingual.target), said,
                                         strict=True):
        lengths = text_data.pieces(words.encode_padded(list(sentences), 128)).numpy()
        assert line.startswith(f"warning: {np.sum(lengths > 8)} of {len(sentences)} {language} "
                               "sentences are longer than config.model.max_length=8 pieces")
        suggested.append(int(line.rsplit("--config.model.max_length=", 1)[1].split()[0]))
        assert np.mean(lengths <= suggested[-1]) >= 0.99 > np.mean(lengths < suggested[-1])
    text_data.load_monolingual(config, max(suggested))
    assert capsys.readouterr().err == ""
