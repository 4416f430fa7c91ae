"""Decoding a translator network inside the graph, so an export maps strings to strings.

Greedy decoding (Lample et al. 2018 decode greedily): from the language token, the most likely
next piece, again and again, up to `max_length` pieces or until every sentence has written EOS
(after which it writes PAD). The network is run on the whole prefix at each step: no cache of
past keys and values yet, which costs O(T^2) for sentences of T pieces (25 words here).
"""

import keras
import tensorflow as tf

from tfgan_lab.text.tokenizer import EOS, PAD


def greedy(network: keras.Model, source: tf.Tensor, start: tf.Tensor | int,
           max_length: int) -> tf.Tensor:
    """Ids int32 [B, max_length] that `network` writes for `source` [B, S] from the token
    `start`: each the argmax given those before it, PAD after EOS."""
    batch = tf.shape(source)[0]
    written = tf.fill([batch, 1], tf.cast(start, tf.int32))
    finished = tf.zeros([batch], tf.bool)

    def step(written, finished):
        logits = network({"source": source, "target": written}, training=False)[:, -1]
        best = tf.argmax(logits, axis=-1, output_type=tf.int32)
        best = tf.where(finished, tf.constant(PAD, tf.int32), best)
        return tf.concat([written, best[:, None]], axis=1), finished | tf.equal(best, EOS)

    written, _ = tf.while_loop(
        lambda written, finished: tf.logical_and(tf.shape(written)[1] <= max_length,
                                                 tf.logical_not(tf.reduce_all(finished))),
        step, (written, finished),
        shape_invariants=(tf.TensorShape([None, None]), tf.TensorShape([None])))
    ids = written[:, 1:]
    return tf.pad(ids, [[0, 0], [0, max_length - tf.shape(ids)[1]]],
                  constant_values=PAD)
