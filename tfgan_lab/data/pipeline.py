"""Batches as a pure function of (seed, step): resuming needs only the step, not iterator state.

Batch `s` of a set holds positions [s*B, (s+1)*B) of epoch `s // steps_per_epoch`'s permutation
of its examples, computed with `tf.random.experimental.index_shuffle` (no shuffle buffer to
save in checkpoints). Under a strategy each replica takes its own slice of that same global
batch, so 1 replica and N replicas see exactly the same examples at every step.

Any set with a length and `gather(indices, seeds)` can be batched: images held in memory
(`tf.gather`), or image files read and decoded in tf.data (sets larger than memory). Several
sets are batched side by side, each with its own permutation (CycleGAN's unpaired domains).

Batches of similar lengths (`bucket_steps` > 0, for sets with `lengths`, text): the examples
of `bucket_steps` consecutive steps of an epoch's permutation are sorted by length and cut
into those steps' batches, which the steps take in a shuffled order. A step then pads to
little more than its own sentences, and every example is still seen once an epoch.
"""

from collections.abc import Sequence
from typing import Any, Protocol

import tensorflow as tf

from tfgan_lab.errors import DataError


class Indexed(Protocol):
    """A set of examples addressed by index."""

    def __len__(self) -> int: ...

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> Any:
        """The examples at `indices` (int64 [b]); `seeds` (int64 [b, 2]) are one stateless
        seed per example, for random augmentation that resumes exactly."""


def eager_constant(value: Any, dtype: tf.DType | None = None) -> tf.Tensor:
    """`tf.constant(value)` made eagerly, even when first asked for inside a traced function:
    a set's arrays are made once and captured by every pipeline, not copied into each graph
    (and a tensor made inside one trace could not serve the next pipeline)."""
    with tf.init_scope():
        return tf.constant(value, dtype)


def to_float(images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the range every generator's tanh produces."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def step_batches(sets: Sequence[Indexed], global_batch_size: int | Sequence[int], seed: int,
                 start_step: int = 0,
                 input_context: tf.distribute.InputContext | None = None,
                 slices: int = 1, bucket_steps: int = 0) -> tf.data.Dataset:
    """An endless dataset: at each step, the gathered slice of every set in `sets` (a tuple of
    them, or the one set's own structure when there is one). `global_batch_size` is every
    set's, or one per set (a step that mixes sets in a given proportion).

    Without `input_context`, a slice is the global batch. With one (from
    `strategy.distribute_datasets_from_function`), this input pipeline yields, step after step,
    the slices of each of its local replicas in turn, global batch / replicas examples each.

    A step that uses its batch in `slices` parts (a critic updated several times per step,
    each time on the next part) gets them so on every replica: a replica's batch is its share
    of part 1, then of part 2 ..., so that part k is the same examples whatever the number of
    replicas (with one replica, the parts are simply consecutive).

    With `bucket_steps` > 0 every set has `lengths` (int [N]) and a step's batch is one of its
    window's length-sorted batches (the module's docstring); it needs `slices` 1.
    """
    if bucket_steps and slices != 1:
        raise ValueError("Batches bucketed by length are taken whole: slices must be 1.")
    pipelines, pipeline_id, replicas = 1, 0, 1
    if input_context is not None:
        pipelines = input_context.num_input_pipelines
        pipeline_id = input_context.input_pipeline_id
        replicas = input_context.num_replicas_in_sync
    sizes = ([global_batch_size] * len(sets) if isinstance(global_batch_size, int)
             else list(global_batch_size))
    for examples, size in zip(sets, sizes, strict=True):
        _check_batch_size(size, len(examples), replicas, slices)
    local_replicas = replicas // pipelines

    def slice_of(examples: Indexed, set_index: int, step, replica):
        batch, size = sizes[set_index], len(examples)
        per_replica = batch // replicas
        part, share = batch // slices, batch // slices // replicas
        steps_per_epoch = size // batch
        epoch = step // steps_per_epoch
        # The replica's places in the step's global batch: its share of each part in turn.
        offsets = tf.reshape(tf.range(slices, dtype=tf.int64)[:, None] * part
                             + replica * share + tf.range(share, dtype=tf.int64)[None], [-1])
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        if set_index:  # Each further set its own order; the first keeps the original key.
            key = tf.random.experimental.stateless_fold_in(key, set_index)
        if bucket_steps:
            indices = _bucketed(examples.lengths, key, step % steps_per_epoch,
                                steps_per_epoch, batch, offsets, bucket_steps)
        else:
            positions = (step % steps_per_epoch) * batch + offsets
            indices = tf.random.experimental.index_shuffle(positions, key, size - 1)
        drawn = step * batch + offsets
        seeds = tf.stack([tf.fill([per_replica], tf.constant(seed * 16 + set_index, tf.int64)),
                          drawn], axis=1)
        return examples.gather(indices, seeds)

    def element(k):
        step = start_step + k // local_replicas
        replica = pipeline_id * local_replicas + k % local_replicas
        slices = tuple(slice_of(examples, i, step, replica) for i, examples in enumerate(sets))
        return slices[0] if len(slices) == 1 else slices

    dataset = tf.data.Dataset.counter(dtype=tf.int64).map(
        element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _bucketed(lengths: tf.Tensor, key: tf.Tensor, step: tf.Tensor, steps_per_epoch: int,
              batch: int, offsets: tf.Tensor, bucket_steps: int) -> tf.Tensor:
    """The example indices at `offsets` of epoch step `step`'s batch when the examples of each
    window of `bucket_steps` steps (the last window of an epoch may be shorter) are sorted by
    length, cut into batches and dealt to the window's steps in a shuffled order."""
    first = step // bucket_steps * bucket_steps
    count = tf.minimum(tf.constant(bucket_steps, tf.int64), steps_per_epoch - first)
    window = tf.random.experimental.index_shuffle(
        first * batch + tf.range(count * batch), key, len(lengths) - 1)
    ordered = tf.gather(window, tf.argsort(tf.gather(lengths, window), stable=True))
    dealt = tf.random.experimental.index_shuffle(
        step - first, tf.random.experimental.stateless_fold_in(key, first), count - 1)
    return tf.gather(ordered, dealt * batch + offsets)


def _check_batch_size(batch: int, examples: int, replicas: int, slices: int) -> None:
    """DataError unless a set of `examples` gives batches of `batch` over `replicas` in
    `slices` parts."""
    if batch % replicas:
        raise DataError(f"The batch size {batch} does not split evenly over "
                        f"{replicas} replicas: choose a multiple of {replicas}.")
    if batch > examples:
        raise DataError(f"The batch size {batch} is larger than the dataset "
                        f"({examples} examples): lower --config.train.batch_size.")
    if batch % (slices * replicas):
        raise DataError(f"The batch size {batch} does not split into {slices} "
                        f"parts over {replicas} replicas.")


def train_batches(examples: Indexed, global_batch_size: int, seed: int, start_step: int = 0,
                  input_context: tf.distribute.InputContext | None = None,
                  slices: int = 1) -> tf.data.Dataset:
    """`step_batches` of one set: for labelled images, (images float32 [b, H, W, C] in
    [-1, 1], labels int32 [b])."""
    return step_batches([examples], global_batch_size, seed, start_step, input_context, slices)
