"""Random draws that are pure functions of (seed, step, stream name).

Shared by every model: a resumed or multi-replica run draws exactly what an uninterrupted
single-device run draws. A model names the streams it draws from in `STREAMS` ("d_fakes",
"replay_z", ...), a training hook in its own `STREAMS`; a name may carry an index after a
slash ("d_fakes/3": D update 3 of a step), so a loop of updates needs no names of its own.
Drawing from an undeclared name is an error, so a class's `STREAMS` is all it draws, and
tests/test_draws.py checks that no two declared streams of any model and hook share a seed.

The seed of a stream at step t: names that predate named streams keep the numbers they were
drawn with (`NUMBERED`: (seed, 16 t + n), index i folded in, as before), so the runs and
results made then reproduce bit for bit; every other name is hashed and folded into
(seed, t). Nobody allocates numbers any more: a new stream is a new name.
"""

import hashlib
from collections.abc import Callable, Iterable

import tensorflow as tf

# Frozen: the numbers streams were drawn with before they had names. Never add to it.
NUMBERED = {
    # The conditional family (CGAN, AC-GAN, FC-GAN, GAN) and its continual hooks.
    "d_fakes": 0, "g_fakes": 1, "replay_z": 2, "replay_classes": 3, "penalty": 4,
    "align_z": 5, "align_classes": 6, "augment_reals": 7, "augment_fakes": 8,
    "augment_g_fakes": 9,
    # CycleGAN's history pools.
    "pool_a/swap": 8, "pool_a/slot": 9, "pool_b/swap": 10, "pool_b/slot": 11,
    # The CAAE ("evaluation_z" seeds the encoder-less baseline's fixed codes, not a step).
    "prior_z": 0, "targets": 1, "generator_z": 2, "evaluation_z": 3, "mismatches": 4,
}
_SLOTS = 16  # Numbered stream n at step t: (seed, 16 t + n % 16), n // 16 folded in.


def indexed(name: str, index: int) -> str:
    """The stream of update `index` of a step: `name` for 0, else "name/index"."""
    return f"{name}/{index}" if index else name


def split(stream: str) -> tuple[str, int]:
    """A stream's (base name, index): "d_fakes/3" -> ("d_fakes", 3); "pool_a/swap" is a
    base name of its own."""
    base, _, index = stream.rpartition("/")
    if base and index.isdigit():
        return base, int(index)
    return stream, 0


def name_hash(name: str) -> int:
    """A stable signed 64-bit number of `name` (not Python's `hash`, which varies by run)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little", signed=True)


def key(stream: str) -> tuple:
    """What a stream's seed is made from besides (seed, step): two streams draw the same
    values exactly when their keys are equal."""
    base, index = split(stream)
    if base in NUMBERED:
        return "numbered", NUMBERED[base] + _SLOTS * index
    return "named", name_hash(base), index


def stream_seed(seed: int, step: tf.Tensor, stream: str) -> tf.Tensor:
    """The stateless seed (int64 [2]) of `stream` at `step`."""
    step = tf.cast(step, tf.int64)
    kind, *parts = key(stream)
    if kind == "numbered":
        (number,) = parts
        pair = tf.stack([tf.constant(seed, tf.int64), step * _SLOTS + number % _SLOTS])
        if number >= _SLOTS:
            pair = tf.random.experimental.stateless_fold_in(pair, number // _SLOTS)
        return pair
    digest, index = parts
    pair = tf.random.experimental.stateless_fold_in(
        tf.stack([tf.constant(seed, tf.int64), step]), digest)
    return tf.random.experimental.stateless_fold_in(pair, index) if index else pair


def fixed_seed(seed: int, stream: str) -> tf.Tensor:
    """A seed of `stream` that does not change with the step (fixed evaluation codes)."""
    kind, *parts = key(stream)
    if kind == "numbered":
        return tf.constant([seed, parts[0]], tf.int64)
    return tf.random.experimental.stateless_fold_in(tf.constant([seed, 0], tf.int64), parts[0])


def colliding(streams: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of base names among `streams` that draw the same values. Index 0 tells: an
    index moves both members of a pair alike, and numbered keys stay below 16 apart."""
    first: dict[tuple, str] = {}
    pairs = []
    for stream in streams:
        other = first.setdefault(key(stream), stream)
        if other != stream:
            pairs.append((other, stream))
    return pairs


class StepDraws:
    """Per-step random draws, global and sliced per replica.

    Classes using it hold `seed` (int) and `step` (an int64 variable counting train steps),
    and answer `streams()`: the names they may draw from."""

    STREAMS: tuple[str, ...] = ()

    def streams(self) -> tuple[str, ...]:
        """The stream names this object draws from (a model adds its hook's)."""
        return self.STREAMS

    def add_step_counter(self) -> None:
        """Creates `self.step`, the train steps taken (one copy, not summed over replicas)."""
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                    trainable=False, aggregation="only_first_replica",
                                    name="step")

    def _declared(self, stream: str) -> None:
        base, _ = split(stream)
        if base not in self.streams():
            raise ValueError(f"{type(self).__name__} draws from stream {base!r}, which it does "
                             f"not declare: add it to STREAMS (declared: "
                             f"{', '.join(self.streams()) or 'none'}).")

    def step_seed(self, stream: str) -> tf.Tensor:
        """The stateless seed of `stream` at the current step."""
        self._declared(stream)
        return stream_seed(self.seed, self.step, stream)

    def example_seeds(self, seeds: tf.Tensor, stream: str) -> tf.Tensor:
        """Seeds int64 [b, 2] of `stream` for each example of a batch, from the per-example
        seeds the data hands out with it (data/pipeline.py): each a pure function of the
        example's place in the run, so a replica's slice draws what one device draws for it."""
        self._declared(stream)
        digest = name_hash(stream)
        return tf.map_fn(lambda seed: tf.random.experimental.stateless_fold_in(seed, digest),
                         tf.cast(seeds, tf.int64))

    def draw(self, sample: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], batch_size: tf.Tensor,
             stream: str) -> tf.Tensor:
        """This replica's slice of `sample(global_batch_size, seed)` for the current step.

        `stream` names the draw, so it is a pure function of (seed, step, stream): resumed and
        multi-replica runs draw the same values.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        replica = context.replica_id_in_sync_group if context else 0
        values = sample(batch_size * replicas, self.step_seed(stream))
        return values[batch_size * replica: batch_size * (replica + 1)]

    def noise(self, batch_size: tf.Tensor, stream: str, z_dim: int | None = None) -> tf.Tensor:
        """This replica's slice of the global batch of z ~ N(0, I) for the current step;
        `z_dim` defaults to the model's."""
        return self.draw(lambda n, seed: tf.random.stateless_normal([n, z_dim or self.z_dim],
                                                                    seed=seed),
                         batch_size, stream)

    def uniform(self, batch_size: tf.Tensor, stream: str) -> tf.Tensor:
        """This replica's slice of the global batch of u ~ U[0, 1) for the current step."""
        return self.draw(lambda n, seed: tf.random.stateless_uniform([n], seed=seed),
                         batch_size, stream)
