"""Decoding a translator network inside the graph, so an export maps strings to strings.

Greedy decoding (Lample et al. 2018 decode greedily): from the language token, the most likely
next piece, again and again, up to `max_length` pieces or until every sentence has written EOS
(after which it writes PAD). Beam search keeps the `size` most likely prefixes instead, and
chooses among them by length-normalised log-probability at the end. Both run the encoder once
and the decoder one piece a step, keeping every block's past keys and values
(nets/translator.IncrementalDecoder): a step's cost does not grow with the prefix.
"""

import contextlib
import warnings
import weakref

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.errors import ConfigError
from tfgan_lab.nets.translator import IncrementalDecoder
from tfgan_lab.text.tokenizer import EOS, PAD


@contextlib.contextmanager
def _one_key_attention():
    """The first step attends to one target piece, a softmax over one key, which Keras warns
    about as if it were a mistake: it is not, so that warning is not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="You are using a softmax over axis",
                                category=UserWarning)
        yield


def refuse_xla(config: ConfigDict, decoding: str) -> None:
    """ConfigError if config.runtime.jit_compile is set for a model that decodes inside its
    train step (`decoding`: what it decodes for), a loop of growing shapes."""
    if config.runtime.jit_compile:
        raise ConfigError(f"config.runtime.jit_compile=True: {config.model.variant} decodes "
                          f"inside its train step ({decoding}), a loop whose shapes grow step "
                          "by step, which XLA cannot compile; set it to False.")


def _decoder(network) -> IncrementalDecoder:
    """The network's incremental decoder, made once (it builds the encoder's sub-model); a
    `network` that is itself a decoder (with `start` and `step`) is used as it is."""
    if hasattr(network, "step"):
        return network
    if network not in _DECODERS:
        _DECODERS[network] = IncrementalDecoder(network)
    return _DECODERS[network]


_DECODERS: "weakref.WeakKeyDictionary[keras.Model, IncrementalDecoder]" = (
    weakref.WeakKeyDictionary())


def _any_shape(state: tuple) -> tuple:
    """Shape invariants for a decoder state whose past keys and values grow each step."""
    return tuple(tf.TensorShape([None] * t.shape.rank) for t in state)


def _padded(written: tf.TensorArray, batch: tf.Tensor, max_length: int) -> tf.Tensor:
    """The pieces written so far, [B, max_length], PAD after the last."""
    ids = tf.reshape(tf.transpose(written.stack()), [batch, -1])
    return tf.pad(ids, [[0, 0], [0, max_length - tf.shape(ids)[1]]], constant_values=PAD)


def greedy(network: keras.Model | IncrementalDecoder, source: tf.Tensor, start: tf.Tensor | int,
           max_length: int) -> tf.Tensor:
    """Ids int32 [B, max_length] that `network` writes for `source` [B, S] from the token
    `start`: each the argmax given those before it, PAD after EOS."""
    source = tf.convert_to_tensor(source, tf.int32)
    batch, decoder = tf.shape(source)[0], _decoder(network)
    finished = tf.zeros([batch], tf.bool)
    previous = tf.fill([batch], tf.cast(start, tf.int32))
    written = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[None])

    def step(position, previous, finished, written, state):
        logits, state = decoder.step(state, previous, position)
        best = tf.argmax(logits, axis=-1, output_type=tf.int32)
        best = tf.where(finished, tf.constant(PAD, tf.int32), best)
        return (position + 1, best, finished | tf.equal(best, EOS),
                written.write(position, best), state)

    with _one_key_attention():
        state = decoder.start(source)
        *_, written, _ = tf.while_loop(
            lambda position, previous, finished, written, state: tf.logical_and(
                position < max_length, tf.logical_not(tf.reduce_all(finished))),
            step, (tf.constant(0), previous, finished, written, state),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None]),
                              tf.TensorShape([None]), None, _any_shape(state)))
    return _padded(written, batch, max_length)


def beam(network: keras.Model | IncrementalDecoder, source: tf.Tensor,
         start: tf.Tensor | int, max_length: int, size: int,
         length_penalty: float = 1.0) -> tf.Tensor:
    """Ids int32 [B, max_length] of the best of `size` hypotheses kept at each step (beam
    search), ranked at the end by log-probability / length ** `length_penalty`; PAD after
    EOS. A finished hypothesis goes on with PAD at no cost. `size` 1 is `greedy`."""
    return beam_hypotheses(network, source, start, max_length, size, length_penalty)[:, 0]


def beam_hypotheses(network: keras.Model | IncrementalDecoder, source: tf.Tensor,
                    start: tf.Tensor | int, max_length: int, size: int,
                    length_penalty: float = 1.0) -> tf.Tensor:
    """Ids int32 [B, size, max_length]: every hypothesis of `beam`'s search, best first (dual
    learning's K middle translations)."""
    source = tf.convert_to_tensor(source, tf.int32)
    batch, decoder = tf.shape(source)[0], _decoder(network)
    # Hypothesis k of sentence b at row bK+k; only the first of each sentence is alive at first.
    scores = tf.tile(tf.concat([[0.0], tf.fill([size - 1], -1e9)], 0), [batch])
    finished = tf.zeros([batch * size], tf.bool)
    written = tf.fill([batch * size, 0], 0)
    previous = tf.fill([batch * size], tf.cast(start, tf.int32))

    def step(position, previous, scores, finished, written, state):
        logits, state = decoder.step(state, previous, position)
        log_probs = tf.nn.log_softmax(logits)
        vocabulary = tf.shape(log_probs)[1]
        after_end = tf.where(tf.range(vocabulary) == PAD, 0.0, -1e9)  # PAD, at no cost
        log_probs = tf.where(finished[:, None], after_end[None, :], log_probs)
        totals = tf.reshape(scores[:, None] + log_probs, [batch, size * vocabulary])
        best, index = tf.math.top_k(totals, k=size)
        rows = tf.reshape(tf.range(batch)[:, None] * size + index // vocabulary, [-1])
        token = tf.reshape(index % vocabulary, [-1])
        state = tuple(tf.gather(t, rows) for t in state)
        return (position + 1, token, tf.reshape(best, [-1]),
                tf.gather(finished, rows) | tf.equal(token, EOS),
                tf.concat([tf.gather(written, rows), token[:, None]], axis=1), state)

    with _one_key_attention():
        state = decoder.start(tf.repeat(source, size, axis=0))
        _, _, scores, _, written, _ = tf.while_loop(
            lambda position, previous, scores, finished, written, state: tf.logical_and(
                position < max_length, tf.logical_not(tf.reduce_all(finished))),
            step, (tf.constant(0), previous, scores, finished, written, state),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None]),
                              tf.TensorShape([None]), tf.TensorShape([None]),
                              tf.TensorShape([None, None]), _any_shape(state)))
    ids = tf.reshape(written, [batch, size, -1])
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(ids, PAD), tf.float32), axis=-1)
    ranked = tf.reshape(scores, [batch, size]) / tf.maximum(lengths, 1.0) ** length_penalty
    order = tf.argsort(ranked, axis=1, direction="DESCENDING", stable=True)
    return tf.pad(tf.gather(ids, order, batch_dims=1),
                  [[0, 0], [0, 0], [0, max_length - tf.shape(ids)[2]]], constant_values=PAD)
