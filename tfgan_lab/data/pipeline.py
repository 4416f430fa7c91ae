"""Batches as a pure function of (seed, step): resuming needs only the step, not iterator state.

Batch `s` holds positions [s*B, (s+1)*B) of epoch `s // steps_per_epoch`'s permutation of the
examples, computed with `tf.random.experimental.index_shuffle` (no shuffle buffer to save in
checkpoints). Under a strategy each replica takes its own slice of that same global batch,
so 1 replica and N replicas see exactly the same examples at every step.
"""

import tensorflow as tf

from tfgan_lab.data.sources import LabeledImages
from tfgan_lab.errors import DataError


def to_float(images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the range every generator's tanh produces."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def train_batches(data: LabeledImages, global_batch_size: int, seed: int, start_step: int = 0,
                  input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
    """An endless dataset of (images float32 [b, H, W, C] in [-1, 1], labels int32 [b]).

    Without `input_context`, b is the global batch. With one (from
    `strategy.distribute_datasets_from_function`), this input pipeline yields, step after step,
    the slices of each of its local replicas in turn, b = global batch / replicas.
    """
    num_examples = len(data.labels)
    if global_batch_size > num_examples:
        raise DataError(f"The batch size {global_batch_size} is larger than the dataset "
                        f"({num_examples} examples): lower --config.train.batch_size.")
    pipelines, pipeline_id, replicas = 1, 0, 1
    if input_context is not None:
        pipelines = input_context.num_input_pipelines
        pipeline_id = input_context.input_pipeline_id
        replicas = input_context.num_replicas_in_sync
    if global_batch_size % replicas:
        raise DataError(f"The batch size {global_batch_size} does not split evenly over "
                        f"{replicas} replicas: choose a multiple of {replicas}.")
    per_replica = global_batch_size // replicas
    local_replicas = replicas // pipelines
    steps_per_epoch = num_examples // global_batch_size
    images = tf.constant(data.images)
    labels = tf.constant(data.labels)

    def element(k):
        step = start_step + k // local_replicas
        replica = pipeline_id * local_replicas + k % local_replicas
        epoch = step // steps_per_epoch
        first = (step % steps_per_epoch) * global_batch_size + replica * per_replica
        positions = first + tf.range(per_replica, dtype=tf.int64)
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        indices = tf.random.experimental.index_shuffle(positions, key, num_examples - 1)
        return to_float(tf.gather(images, indices)), tf.gather(labels, indices)

    dataset = tf.data.Dataset.counter(dtype=tf.int64).map(
        element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)

