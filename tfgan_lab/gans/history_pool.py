"""A history of generated images for the discriminator (Shrivastava et al. 2017), as CycleGAN's
`ImagePool` keeps it: D learns from fakes of earlier generators too, which damps oscillation.

Until it holds `size` images, the pool stores every fake and returns it. Once full, each fake
is, with probability 1/2, swapped for a stored one picked uniformly (the stored one is
returned, the new one takes its slot), and otherwise returned itself. The pool is two model
variables, so checkpoints carry it and a resumed run continues exactly; the random choices
come in as arguments (the model draws them from its seed and step).
"""

import keras
import tensorflow as tf


class HistoryPool(keras.layers.Layer):
    def __init__(self, size: int, image_shape: tuple[int, int, int], **kwargs):
        super().__init__(**kwargs)
        self.size, self.image_shape = size, tuple(image_shape)
        self.images = self.add_weight(shape=(max(size, 1), *self.image_shape), dtype="float32",
                                      initializer="zeros", trainable=False,
                                      aggregation="only_first_replica", name="images")
        self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros",
                                     trainable=False, aggregation="only_first_replica",
                                     name="count")
        self.built = True

    def query(self, fakes: tf.Tensor, swap: tf.Tensor, slot: tf.Tensor) -> tf.Tensor:
        """The images D sees for `fakes` [B, ...] (B static); `swap`, `slot` [B] are uniform
        draws in [0, 1): fake i is swapped when the pool is full and swap[i] >= 1/2, for the
        stored image int(slot[i] * size). Applies the fakes in order, as the official code."""
        fakes = tf.cast(fakes, tf.float32)
        if self.size == 0:
            return fakes
        pool, count = tf.convert_to_tensor(self.images), tf.convert_to_tensor(self.count)
        returned = []
        for i in range(fakes.shape[0]):
            filling = count < self.size
            swapping = tf.logical_and(tf.logical_not(filling), swap[i] >= 0.5)
            index = tf.where(filling, count,
                             tf.minimum(tf.cast(slot[i] * self.size, tf.int32), self.size - 1))
            stored = pool[index]
            returned.append(tf.where(swapping, stored, fakes[i]))
            kept = tf.where(tf.logical_or(filling, swapping), fakes[i], stored)
            pool = tf.tensor_scatter_nd_update(pool, [[index]], kept[None])
            count += tf.cast(filling, tf.int32)
        self.images.assign(pool)
        self.count.assign(count)
        return tf.stack(returned)
