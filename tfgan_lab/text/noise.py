"""The noise model of denoising autoencoding (Lample et al. 2018, section 2.3): each word of a
sentence is dropped with probability `drop`, then the words are shuffled locally, word i taking
the place of i + U(0, shuffle + 1) in the new order, so that no word moves by more than
`shuffle` places. Words, not subword pieces: a word is a piece that begins one (SentencePiece's
'▁') with the pieces after it, and they drop and move together. The final EOS stays last.

It runs on a batch of ids inside the graph, each sentence's noise a pure function of its own
seed: the same sentence and seed give the same noise in any batch, on any replica, on any
machine and after a resume.
"""

import tensorflow as tf


def add_noise(ids: tf.RaggedTensor, starts_word: tf.Tensor, seeds: tf.Tensor,
              max_words: int, drop: float = 0.1, shuffle: int = 3) -> tf.RaggedTensor:
    """`ids` int32 [B, (T)], each row ending in EOS, with its words dropped and shuffled.

    Args:
      starts_word: bool [V], whether each piece of the vocabulary begins a word
        (`Tokenizer.word_starts()`).
      seeds: int [B, 2], the stateless seed of each sentence's draws.
      max_words: at least the words of the longest sentence (the pieces it may have): each
        sentence draws for this many words, so its draws do not depend on the batch.
      drop: the probability of dropping each word; a sentence keeps at least its first word.
      shuffle: the most places a word may move (0: the order is kept).
    """
    body, eos = ids[:, :-1], ids[:, -1:]
    rows = body.value_rowids()
    # Each piece's word, numbered from 0 in its sentence (pieces before the first word start
    # belong to word 0).
    started = tf.cumsum(tf.cast(tf.gather(starts_word, body.flat_values), tf.int32))
    before_row = tf.gather(tf.concat([[0], started], 0), body.row_starts())
    word = tf.maximum(started - tf.gather(before_row, rows) - 1, 0)
    words = tf.maximum(tf.math.unsorted_segment_max(word, rows, body.nrows()), -1) + 1
    first = tf.cumsum(words, exclusive=True)  # each sentence's first word in the batch
    batch_word = word + tf.gather(first, rows)
    per_sentence = tf.map_fn(
        lambda seed: tf.random.stateless_uniform([2, max_words], seed, dtype=tf.float64),
        tf.cast(seeds, tf.int64), fn_output_signature=tf.float64)  # [B, 2, max_words]
    sentence = tf.repeat(tf.range(body.nrows(), dtype=tf.int32), words)
    place_in_sentence = tf.range(tf.reduce_sum(words)) - tf.repeat(first, words)
    where = tf.stack([sentence, place_in_sentence], axis=1)
    draws = [tf.gather_nd(per_sentence[:, k], where) for k in (0, 1)]
    kept = tf.tensor_scatter_nd_update(
        draws[0] >= drop, tf.boolean_mask(first, words > 0)[:, None],
        tf.ones([tf.math.count_nonzero(words > 0)], tf.bool))
    order = tf.cast(place_in_sentence, tf.float64) + draws[1] * (shuffle + 1)
    # Sorted by sentence, then by the word's new place; a word's pieces keep their order.
    span = tf.cast(tf.reduce_max(words) + shuffle + 2, tf.float64)
    key = tf.cast(rows, tf.float64) * span + tf.gather(order, batch_word)
    piece_kept = tf.gather(kept, batch_word)
    key, pieces, rows = (tf.boolean_mask(t, piece_kept) for t in (key, body.flat_values, rows))
    permutation = tf.argsort(key, stable=True)
    noisy = tf.RaggedTensor.from_value_rowids(tf.gather(pieces, permutation),
                                              tf.gather(rows, permutation), nrows=body.nrows())
    return tf.concat([noisy, eos], axis=1)
