"""A translator as TF Serving runs it: strings in, strings out, with the tokenizer, the network
and its decoding (greedy, or beam search) inside one tf.Module (the `translator` contract of
contracts.py)."""

import functools
from collections.abc import Callable

import keras
import tensorflow as tf

from tfgan_lab.text import tokenizer
from tfgan_lab.translation import decoding


class Translating(tf.Module):
    """`network` translating into `language`: `translating(text)` -> translations, string [B];
    greedy with `beam_size` 1, else beam search."""

    def __init__(self, network: keras.Model, words: tokenizer.Tokenizer, language: str,
                 max_length: int, beam_size: int = 1):
        super().__init__()
        self.network, self.words, self.max_length = network, words, max_length
        self.beam_size = beam_size
        self.start = words.token_id(tokenizer.language_token(language))
        self.pieces = tf.function(functools.partial(Translating._pieces, self),
                                  input_signature=[tf.TensorSpec([None], tf.string)],
                                  autograph=False)

    def _pieces(self, text: tf.Tensor) -> dict[str, tf.Tensor]:
        """How many pieces each sentence is (EOS included) and how many the translator reads:
        kept in the export, so that a caller can say which sentences were cut."""
        return {"pieces": self.words.lengths(text),
                "max_length": tf.constant(self.max_length, tf.int32)}

    def ids(self, source: tf.Tensor) -> tf.Tensor:
        """The decoded ids [B, max_length] for source ids [B, S]."""
        if self.beam_size == 1:
            return decoding.greedy(self.network, source, self.start, self.max_length)
        return decoding.beam(self.network, source, self.start, self.max_length, self.beam_size)

    def __call__(self, text: tf.Tensor) -> tf.Tensor:
        return self.words.decode(self.ids(self.words.encode_padded(text, self.max_length)))

    def graph(self) -> Callable[[tf.Tensor], tf.Tensor]:
        """`self(text)` as a tf.function of its own. TensorFlow counts traces per function's
        code (a method's, or a lambda's), so one over `__call__`, which every translator
        shares, warned of "retracing" once a process had traced five translators, each once;
        it counts a partial's by the partial."""
        return tf.function(functools.partial(Translating.__call__, self),
                           input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
