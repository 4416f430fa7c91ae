"""A translator as TF Serving runs it: strings in, strings out, with the tokenizer, the network
and greedy decoding inside one tf.Module (the `translator` contract of export.py)."""

import keras
import tensorflow as tf

from tfgan_lab.text import tokenizer
from tfgan_lab.translation import decoding


class Translating(tf.Module):
    """`network` translating into `language`: `translating(text)` -> translations, string [B]."""

    def __init__(self, network: keras.Model, words: tokenizer.Tokenizer, language: str,
                 max_length: int):
        super().__init__()
        self.network, self.words, self.max_length = network, words, max_length
        self.start = words.token_id(tokenizer.language_token(language))

    def ids(self, source: tf.Tensor) -> tf.Tensor:
        """The decoded ids [B, max_length] for source ids [B, S]."""
        return decoding.greedy(self.network, source, self.start, self.max_length)

    def __call__(self, text: tf.Tensor) -> tf.Tensor:
        source = self.words.encode(text, max_length=self.max_length).to_tensor(
            default_value=tokenizer.PAD)
        return self.words.decode(self.ids(source))
