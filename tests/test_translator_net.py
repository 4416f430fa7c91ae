"""The translator network and its greedy decoding: masks that hide what they must (the future
on the target side, padding on both), and decoding inside the graph equal to a step-by-step
argmax written in Python."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_lab.nets import translator
from tfgan_lab.text.tokenizer import EOS, PAD
from tfgan_lab.translation import decoding

VOCABULARY = 64


def _network(**kwargs):
    keras_seed = kwargs.pop("seed", 0)
    keras.utils.set_random_seed(keras_seed)
    return translator.transformer(VOCABULARY, 32, width=32, heads=2, layers=2, hidden=64,
                                  dropout=0.0, **kwargs)


def test_position_t_sees_neither_later_targets_nor_padding():
    network = _network()
    source = np.array([[5, 6, 7, EOS, PAD, PAD]], np.int32)
    target = np.array([[4, 9, 10, 11]], np.int32)
    logits = network({"source": source, "target": target}).numpy()
    assert logits.shape == (1, 4, VOCABULARY) and logits.dtype == np.float32
    later = target.copy()
    later[0, 3] = 20  # the last target: earlier positions cannot see it
    changed = network({"source": source, "target": later}).numpy()
    np.testing.assert_allclose(changed[:, :3], logits[:, :3], atol=1e-5)
    assert np.abs(changed[:, 3] - logits[:, 3]).max() > 1e-3
    # More padding after the source changes nothing; another source token does.
    padded = np.pad(source, [[0, 0], [0, 3]])
    np.testing.assert_allclose(network({"source": padded, "target": target}).numpy(), logits,
                               atol=1e-5)
    other = source.copy()
    other[0, 1] = 30
    assert np.abs(network({"source": other, "target": target}).numpy() - logits).max() > 1e-3


def test_greedy_decoding_in_the_graph_is_the_step_by_step_argmax():
    network = _network(seed=3)
    source = np.array([[5, 6, 7, EOS], [8, EOS, PAD, PAD]], np.int32)
    decoded = tf.function(lambda s: decoding.greedy(network, s, 4, 12))(source).numpy()
    assert decoded.shape == (2, 12)
    for row, ids in zip(source, decoded, strict=True):
        written = [4]
        for _ in range(12):
            logits = network({"source": row[None], "target": np.array([written], np.int32)})
            written.append(int(np.argmax(logits[0, -1])))
            if written[-1] == EOS:
                break
        expected = written[1:] + [PAD] * (13 - len(written))
        assert ids.tolist() == expected


def test_beam_1_is_greedy():
    network = _network(seed=5)
    source = np.array([[5, 6, 7, EOS], [8, EOS, PAD, PAD], [9, 9, 9, EOS]], np.int32)
    greedy = decoding.greedy(network, source, 4, 10).numpy()
    np.testing.assert_array_equal(decoding.beam(network, source, 4, 10, size=1).numpy(), greedy)


class _Lure:
    """A hand-made decoder over PAD, UNK, BOS, EOS, X (4), Y (5): from BOS, X 0.6 and Y 0.4;
    after X, EOS 0.4 (X, Y 0.3 each); after Y, EOS 0.99. Greedy takes X then EOS (0.24);
    the best sentence is Y EOS (0.396)."""
    table = tf.math.log(tf.constant([
        [1e-9] * 6, [1e-9] * 6,
        [1e-9, 1e-9, 1e-9, 1e-9, 0.6, 0.4],          # after BOS
        [1.0, 1e-9, 1e-9, 1e-9, 1e-9, 1e-9],         # after EOS: PAD
        [1e-9, 1e-9, 1e-9, 0.4, 0.3, 0.3],           # after X
        [1e-9, 1e-9, 1e-9, 0.99, 0.005, 0.005]]))    # after Y

    def start(self, source):
        return (source,)

    def step(self, state, ids, position):
        del position
        return tf.gather(self.table, ids), state


_lure = _Lure()


def test_the_cached_decoder_computes_what_the_network_computes():
    """One piece at a time with past keys and values kept: the teacher-forced logits."""
    network = _network(seed=7)
    source = np.array([[5, 6, 7, 8, EOS], [8, EOS, PAD, PAD, PAD]], np.int32)
    target = np.array([[4, 9, 10, 11, 12, 13], [4, 14, 15, 16, 17, 18]], np.int32)
    expected = network({"source": source, "target": target}, training=False).numpy()
    decoder = translator.IncrementalDecoder(network)
    state, steps = decoder.start(source), []
    for position in range(target.shape[1]):
        logits, state = decoder.step(state, target[:, position], position)
        steps.append(logits.numpy())
    np.testing.assert_allclose(np.stack(steps, axis=1), expected, atol=1e-5)


def test_beam_finds_the_likelier_sentence_that_greedy_misses():
    source = np.array([[6, EOS]], np.int32)
    assert decoding.greedy(_lure, source, 2, 4).numpy().tolist() == [[4, EOS, PAD, PAD]]
    assert decoding.beam(_lure, source, 2, 4, size=2).numpy().tolist() == [[5, EOS, PAD, PAD]]
