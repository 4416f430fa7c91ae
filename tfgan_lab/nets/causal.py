"""The causal controller and its critic (Kocaoglu et al. 2018; mkocaoglu/CausalGAN): small
networks over label vectors, one per node of a causal graph.

Both compute in float32 under every precision policy: they are a few thousand weights, and a
probability in bfloat16 keeps under three significant digits.
"""

import keras
import tensorflow as tf

from tfgan_lab.causal.graph import CausalGraph


def _mlp(layers: int, width: int, name: str) -> keras.Sequential:
    """`layers` dense layers: layers - 1 of `width` with leaky ReLU, then one logit."""
    hidden = [keras.layers.Dense(width, activation="leaky_relu", dtype="float32",
                                 name=f"{name}_dense{i}") for i in range(layers - 1)]
    return keras.Sequential(hidden + [keras.layers.Dense(1, dtype="float32",
                                                         name=f"{name}_logit")], name=name)


@keras.saving.register_keras_serializable("tfgan_lab")
class Mechanisms(keras.layers.Layer):
    """label_v = sigmoid(MLP_v([z_v, labels of v's parents])), node by node in topological
    order. Where `do_mask` is 1 a node takes `do_values` instead, and its descendants read that
    value: the intervention do(v = value) cuts v from its parents. With `round_parents`, a
    child reads its parents' labels rounded to 0 or 1, as the official code does by default
    (so each node learns P(v | parents) from its own critic)."""

    def __init__(self, parents: list[list[int]], noise_dim: int, layers: int, width: int,
                 round_parents: bool, names: list[str], **kwargs):
        super().__init__(dtype="float32", **kwargs)
        self.parents, self.noise_dim, self.names = parents, noise_dim, names
        self.layers_, self.width, self.round_parents = layers, width, round_parents
        self.nodes = [_mlp(layers, width, name) for name in names]

    def build(self, input_shape):
        for parents, node in zip(self.parents, self.nodes, strict=True):
            node.build((None, self.noise_dim + len(parents)))
        self.built = True

    def call(self, z, do_mask, do_values):
        labels, probabilities = [], []
        for v, (parents, node) in enumerate(zip(self.parents, self.nodes, strict=True)):
            noise = z[:, v * self.noise_dim:(v + 1) * self.noise_dim]
            inputs = tf.concat([noise] + [labels[p] for p in parents], axis=1)
            probability = tf.sigmoid(node(inputs))
            clamped = do_mask[:, v:v + 1]
            probability = clamped * do_values[:, v:v + 1] + (1 - clamped) * probability
            probabilities.append(probability)
            labels.append(tf.round(probability) if self.round_parents else probability)
        return tf.concat(probabilities, axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "parents": self.parents, "noise_dim": self.noise_dim,
                "layers": self.layers_, "width": self.width,
                "round_parents": self.round_parents, "names": self.names}


@keras.saving.register_keras_serializable("tfgan_lab")
class NodeCritics(keras.layers.Layer):
    """K critics side by side, critic k reading the label columns `columns[k]`: one per node
    over (its parents' labels, its label), [B, L] -> logits [B, L], as the official code's
    factorized critic (each node's conditional learnt on its own); or one over the whole
    vector, [B, L] -> [B, 1].

    The critics are one stack of batched weights ([K, in, out] per layer, each critic reading
    the whole vector with the columns it may not see zeroed): one op per layer for all of
    them, rather than K small networks whose per-op cost would dominate a CPU step.
    """

    def __init__(self, columns: list[list[int]], size: int, layers: int, width: int,
                 factorized: bool = True, **kwargs):
        super().__init__(dtype="float32", **kwargs)
        self.columns, self.size, self.layers_, self.width = columns, size, layers, width
        self.factorized = factorized
        # A factorized critic's last column is its own node, the others its parents; the
        # joint critic's columns are all its own.
        own = [cs[-1:] if factorized else cs for cs in columns]
        parents = [[1.0 if c in cs and c not in mine else 0.0 for c in range(size)]
                   for cs, mine in zip(columns, own, strict=True)]
        own = [[1.0 if c in mine else 0.0 for c in range(size)] for mine in own]
        self.own_mask = tf.constant(own, tf.float32)  # [K, L]
        self.parent_mask = tf.constant(parents, tf.float32)

    def build(self, input_shape):
        count, widths = len(self.columns), [self.size] + [self.width] * (self.layers_ - 1) + [1]
        self.kernels, self.biases = [], []
        for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:], strict=False)):
            limit = (6.0 / (fan_in + fan_out)) ** 0.5  # Glorot uniform, per critic
            self.kernels.append(self.add_weight(
                shape=(count, fan_in, fan_out), name=f"kernel{i}",
                initializer=keras.initializers.RandomUniform(-limit, limit)))
            self.biases.append(self.add_weight(shape=(count, fan_out), name=f"bias{i}",
                                               initializer="zeros"))
        self.built = True

    def masked(self, labels: tf.Tensor, parent_labels: tf.Tensor | None = None) -> tf.Tensor:
        """[B, L] -> [B, K, L]: what each critic reads, its parents' columns taken from
        `parent_labels` when given (the rounded labels the controller's children read)."""
        parent_labels = labels if parent_labels is None else parent_labels
        return (labels[:, None, :] * self.own_mask[None]
                + parent_labels[:, None, :] * self.parent_mask[None])

    def forward(self, masked: tf.Tensor) -> tf.Tensor:
        """[B, K, L] -> logits [B, K]."""
        h = masked
        for i, (kernel, bias) in enumerate(zip(self.kernels, self.biases, strict=True)):
            h = tf.einsum("bki,kio->bko", h, kernel) + bias[None]
            if i < len(self.kernels) - 1:
                h = tf.nn.leaky_relu(h, 0.2)
        return h[..., 0]

    def call(self, labels):
        return self.forward(self.masked(labels))

    def get_config(self) -> dict:
        return {**super().get_config(), "columns": self.columns, "size": self.size,
                "layers": self.layers_, "width": self.width, "factorized": self.factorized}


def controller(graph: CausalGraph, noise_dim: int, layers: int, width: int,
               round_parents: bool = True) -> keras.Model:
    """{"z" [B, L * noise_dim], "do_mask" [B, L], "do_values" [B, L]} -> {"probabilities"
    [B, L], "labels" [B, L]: the probabilities rounded}; z is uniform in [-1, 1], noise_dim
    values per node, in graph order."""
    size = len(graph)
    z = keras.Input((size * noise_dim,), name="z")
    do_mask = keras.Input((size,), name="do_mask")
    do_values = keras.Input((size,), name="do_values")
    parents = [[graph.index(p) for p in ps] for ps in graph.parents]
    probabilities = Mechanisms(parents, noise_dim, layers, width, round_parents,
                               list(graph.nodes), name="mechanisms")(z, do_mask, do_values)
    labels = keras.ops.round(probabilities)
    return keras.Model({"z": z, "do_mask": do_mask, "do_values": do_values},
                       {"probabilities": probabilities, "labels": labels},
                       name="causal_controller")


def label_critic(graph: CausalGraph, layers: int, width: int,
                 factorized: bool = True) -> keras.Model:
    """{"labels" [B, L]} -> {"logits" [B, L] (factorized) or [B, 1]}: the controller's
    Wasserstein critic."""
    if factorized:
        columns = [[graph.index(p) for p in ps] + [v] for v, ps in enumerate(graph.parents)]
    else:
        columns = [list(range(len(graph)))]
    labels = keras.Input((len(graph),), name="labels")
    logits = NodeCritics(columns, len(graph), layers, width, factorized,
                         name="critics")(labels)
    return keras.Model({"labels": labels}, {"logits": logits}, name="label_critic")
