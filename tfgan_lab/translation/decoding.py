"""Decoding a translator network inside the graph, so an export maps strings to strings.

Greedy decoding (Lample et al. 2018 decode greedily): from the language token, the most likely
next piece, again and again, up to `max_length` pieces or until every sentence has written EOS
(after which it writes PAD). Beam search keeps the `size` most likely prefixes instead, and
chooses among them by length-normalised log-probability at the end. The network is run on the
whole prefix at each step: no cache of past keys and values yet, which costs O(T^2) for
sentences of T pieces (25 words here).
"""

import contextlib
import warnings

import keras
import tensorflow as tf

from tfgan_lab.text.tokenizer import EOS, PAD


@contextlib.contextmanager
def _one_key_attention():
    """The first step attends to one target piece, a softmax over one key, which Keras warns
    about as if it were a mistake: it is not, so that warning is not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="You are using a softmax over axis",
                                category=UserWarning)
        yield


def greedy(network: keras.Model, source: tf.Tensor, start: tf.Tensor | int,
           max_length: int) -> tf.Tensor:
    """Ids int32 [B, max_length] that `network` writes for `source` [B, S] from the token
    `start`: each the argmax given those before it, PAD after EOS."""
    source = tf.convert_to_tensor(source, tf.int32)
    batch = tf.shape(source)[0]
    written = tf.fill([batch, 1], tf.cast(start, tf.int32))
    finished = tf.zeros([batch], tf.bool)

    def step(written, finished):
        logits = network({"source": source, "target": written}, training=False)[:, -1]
        best = tf.argmax(logits, axis=-1, output_type=tf.int32)
        best = tf.where(finished, tf.constant(PAD, tf.int32), best)
        return tf.concat([written, best[:, None]], axis=1), finished | tf.equal(best, EOS)

    with _one_key_attention():
        written, _ = tf.while_loop(
            lambda written, finished: tf.logical_and(tf.shape(written)[1] <= max_length,
                                                     tf.logical_not(tf.reduce_all(finished))),
            step, (written, finished),
            shape_invariants=(tf.TensorShape([None, None]), tf.TensorShape([None])))
    ids = written[:, 1:]
    return tf.pad(ids, [[0, 0], [0, max_length - tf.shape(ids)[1]]],
                  constant_values=PAD)


def beam(network: keras.Model, source: tf.Tensor, start: tf.Tensor | int, max_length: int,
         size: int, length_penalty: float = 1.0) -> tf.Tensor:
    """Ids int32 [B, max_length] of the best of `size` hypotheses kept at each step (beam
    search), ranked at the end by log-probability / length ** `length_penalty`; PAD after
    EOS. A finished hypothesis goes on with PAD at no cost. `size` 1 is `greedy`."""
    source = tf.convert_to_tensor(source, tf.int32)
    batch = tf.shape(source)[0]
    sources = tf.repeat(source, size, axis=0)  # [B * K, S], hypothesis k of sentence b at bK+k
    written = tf.fill([batch * size, 1], tf.cast(start, tf.int32))
    # Only the first hypothesis of each sentence is alive at the start.
    scores = tf.tile(tf.concat([[0.0], tf.fill([size - 1], -1e9)], 0), [batch])
    finished = tf.zeros([batch * size], tf.bool)

    def step(written, scores, finished):
        logits = network({"source": sources, "target": written}, training=False)[:, -1]
        log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
        vocabulary = tf.shape(log_probs)[1]
        after_end = tf.where(tf.range(vocabulary) == PAD, 0.0, -1e9)  # PAD, at no cost
        log_probs = tf.where(finished[:, None], after_end[None, :], log_probs)
        totals = tf.reshape(scores[:, None] + log_probs, [batch, size * vocabulary])
        best, index = tf.math.top_k(totals, k=size)
        rows = tf.reshape(tf.range(batch)[:, None] * size + index // vocabulary, [-1])
        token = tf.reshape(index % vocabulary, [-1])
        return (tf.concat([tf.gather(written, rows), token[:, None]], axis=1),
                tf.reshape(best, [-1]), tf.gather(finished, rows) | tf.equal(token, EOS))

    with _one_key_attention():
        written, scores, _ = tf.while_loop(
            lambda written, scores, finished: tf.logical_and(
                tf.shape(written)[1] <= max_length, tf.logical_not(tf.reduce_all(finished))),
            step, (written, scores, finished),
            shape_invariants=(tf.TensorShape([None, None]), tf.TensorShape([None]),
                              tf.TensorShape([None])))
    ids = tf.reshape(written[:, 1:], [batch, size, -1])
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(ids, PAD), tf.float32), axis=-1)
    ranked = tf.reshape(scores, [batch, size]) / tf.maximum(lengths, 1.0) ** length_penalty
    chosen = tf.gather(ids, tf.argmax(ranked, axis=1, output_type=tf.int32), batch_dims=1)
    return tf.pad(chosen, [[0, 0], [0, max_length - tf.shape(chosen)[1]]],
                  constant_values=PAD)
