"""A Transformer translator (Vaswani et al. 2017) at a size two CPU cores can train: one
encoder and one decoder shared by every language, one embedding table shared by source and
target, and the language to write named by the decoder's first token (`<de>`, `<en>`): the
shared-encoder setup of Lample et al. (2018), with a Transformer in place of their LSTM.

`transformer(...)` is a functional Keras model {"source": int32 [B, S], "target": int32 [B, T]}
-> logits float32 [B, T, V]: `target` is the language token followed by the sentence so far
(teacher forcing), PAD (0) marks padding on both sides, and position t sees targets <= t only.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

PAD = 0


def sinusoids(length: int, width: int) -> np.ndarray:
    """The fixed position table [length, width] of Vaswani et al. (sines, then cosines)."""
    rates = np.exp(-math.log(10_000.0) * np.arange(width // 2) / (width // 2))
    angles = np.arange(length)[:, None] * rates[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


@keras.saving.register_keras_serializable("tfgan_lab")
class TokenEmbedding(keras.layers.Layer):
    """Ids -> embeddings scaled by sqrt(width), plus their positions."""

    def __init__(self, vocabulary_size: int, width: int, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size, self.width, self.max_length = vocabulary_size, width, max_length
        self.embedding = keras.layers.Embedding(vocabulary_size, width, name="table")
        self.positions = sinusoids(max_length, width)

    def call(self, ids, start=0):
        """`start`: the position of the first id (a decoder's next piece, with a cache)."""
        positions = ops.convert_to_tensor(self.positions)[None, start:start + ops.shape(ids)[1]]
        scaled = self.embedding(ids) * ops.cast(math.sqrt(self.width), self.compute_dtype)
        return scaled + ops.cast(positions, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.width)

    def get_config(self) -> dict:
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size,
                "width": self.width, "max_length": self.max_length}


def _feed_forward(x, width: int, hidden: int, dropout: float, name: str):
    y = keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden")(x)
    y = keras.layers.Dense(width, name=f"{name}_out")(y)
    return keras.layers.Dropout(dropout, name=f"{name}_dropout")(y)


def _block(x, attend: dict, name: str, width: int, hidden: int, dropout: float):
    """Post-norm residual blocks: self-attention (causal in a decoder, over the source's
    pieces but not its padding in the encoder), attention to the encoder's `memory` (not its
    padding) in a translator's decoder, then the feed-forward layer."""
    heads, padding, memory = attend["heads"], attend.get("padding"), attend.get("memory")
    causal = attend.get("causal", memory is not None)
    attention = keras.layers.MultiHeadAttention(heads, width // heads, dropout=dropout,
                                                name=f"{name}_self")
    y = attention(x, x, attention_mask=None if causal else padding, use_causal_mask=causal)
    x = keras.layers.LayerNormalization(name=f"{name}_self_norm")(x + y)
    if memory is not None:
        cross = keras.layers.MultiHeadAttention(heads, width // heads, dropout=dropout,
                                                name=f"{name}_cross")
        y = cross(x, memory, attention_mask=padding)
        x = keras.layers.LayerNormalization(name=f"{name}_cross_norm")(x + y)
    y = _feed_forward(x, width, hidden, dropout, f"{name}_ff")
    return keras.layers.LayerNormalization(name=f"{name}_ff_norm")(x + y)


def transformer(vocabulary_size: int, max_length: int, width: int = 256, heads: int = 4,
                layers: int = 3, hidden: int = 1024, dropout: float = 0.1,
                name: str = "translator") -> keras.Model:
    """The translator network: `layers` encoder and decoder blocks of `width` units and
    `heads` heads, sentences of at most `max_length` pieces."""
    source = keras.Input((None,), dtype="int32", name="source")
    target = keras.Input((None,), dtype="int32", name="target")
    embed = TokenEmbedding(vocabulary_size, width, max_length, name="embedding")
    padding = ops.expand_dims(ops.not_equal(source, PAD), 1)  # [B, 1, S]: what may be read
    memory = keras.layers.Dropout(dropout, name="source_dropout")(embed(source))
    for i in range(layers):
        memory = _block(memory, {"heads": heads, "padding": padding}, f"encoder_{i}", width,
                        hidden, dropout)
    x = keras.layers.Dropout(dropout, name="target_dropout")(embed(target))
    for i in range(layers):
        x = _block(x, {"heads": heads, "padding": padding, "memory": memory}, f"decoder_{i}",
                   width, hidden, dropout)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    return keras.Model({"source": source, "target": target}, logits, name=name)


def language_model(vocabulary_size: int, max_length: int, width: int = 256, heads: int = 4,
                   layers: int = 2, hidden: int = 1024, dropout: float = 0.1,
                   name: str = "language_model") -> keras.Model:
    """A decoder without an encoder: ids int32 [B, T] (a start token, then the sentence so
    far) -> logits float32 [B, T, V] of each next piece, position t seeing ids <= t; its
    blocks are the translator's decoder blocks without the attention to a source."""
    ids = keras.Input((None,), dtype="int32", name="ids")
    embed = TokenEmbedding(vocabulary_size, width, max_length, name="embedding")
    x = keras.layers.Dropout(dropout, name="ids_dropout")(embed(ids))
    for i in range(layers):
        x = _block(x, {"heads": heads, "causal": True}, f"decoder_{i}", width, hidden, dropout)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    return keras.Model(ids, logits, name=name)


def encoder_of(network: keras.Model) -> keras.Model:
    """The encoder of a `transformer` network, sharing its layers: source ids int32 [B, S] ->
    the states the decoder attends to, float [B, S, width] (unsupervised MT's adversary reads
    them)."""
    last = blocks(network, "encoder")[-1]
    return keras.Model(network.input["source"], network.get_layer(
        f"encoder_{last}_ff_norm").output, name=f"{network.name}_encoder")


def blocks(network: keras.Model, stack: str) -> list[int]:
    """The indices of the `stack` ("encoder" or "decoder") blocks of a network built here,
    read from its layers' names (`<stack>_<i>_...`)."""
    return sorted({int(layer.name.split("_")[1]) for layer in network.layers
                   if layer.name.startswith(f"{stack}_")})


class IncrementalDecoder:
    """A `transformer` network run one target piece at a time, with the encoder's output and
    every block's past keys and values kept (a key/value cache): a step costs one piece's
    work, not the whole prefix's. It calls the network's own layers (Keras's
    MultiHeadAttention through its projections and `_compute_attention`), so it computes what
    the network computes, at inference (no dropout).

    `start(source)` gives the state for a batch; `step(state, ids, position)` takes the pieces
    int32 [B] at `position` and gives (logits float32 [B, V], the next state). A state is a
    tuple of tensors whose first axis is the batch, so beam search reorders it with tf.gather.
    """

    def __init__(self, network: keras.Model):
        self.embed = network.get_layer("embedding")
        self.encoder = encoder_of(network)
        self.blocks = blocks(network, "decoder")
        self.layer = network.get_layer
        self.logits = network.get_layer("logits")

    def start(self, source: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """(padding bool [B, 1, S], then per block: cross keys, cross values [B, S, N, H],
        self keys, self values [B, 0, N, H])."""
        memory = self.encoder(source, training=False)
        state = [ops.expand_dims(ops.not_equal(source, PAD), 1)]
        for i in self.blocks:
            cross = self.layer(f"decoder_{i}_cross")
            keys, values = cross._key_dense(memory), cross._value_dense(memory)
            empty = ops.zeros_like(keys[:, :0])
            state += [keys, values, empty, empty]
        return tuple(state)

    def step(self, state: tuple[tf.Tensor, ...], ids: tf.Tensor, position: tf.Tensor
             ) -> tuple[tf.Tensor, tuple[tf.Tensor, ...]]:
        padding, rest = state[0], list(state[1:])
        x = self.embed(ids[:, None], start=position)
        new_state = [padding]
        for n, i in enumerate(self.blocks):
            cross_keys, cross_values, past_keys, past_values = rest[4 * n:4 * n + 4]
            attention = self.layer(f"decoder_{i}_self")
            keys = ops.concatenate([past_keys, attention._key_dense(x)], axis=1)
            values = ops.concatenate([past_values, attention._value_dense(x)], axis=1)
            y, _ = attention._compute_attention(attention._query_dense(x), keys, values,
                                                training=False)
            x = self.layer(f"decoder_{i}_self_norm")(x + attention._output_dense(y))
            cross = self.layer(f"decoder_{i}_cross")
            y, _ = cross._compute_attention(cross._query_dense(x), cross_keys, cross_values,
                                            padding, training=False)
            x = self.layer(f"decoder_{i}_cross_norm")(x + cross._output_dense(y))
            y = self.layer(f"decoder_{i}_ff_out")(self.layer(f"decoder_{i}_ff_hidden")(x))
            x = self.layer(f"decoder_{i}_ff_norm")(x + y)
            new_state += [cross_keys, cross_values, keys, values]
        return ops.cast(self.logits(x)[:, 0], "float32"), tuple(new_state)
