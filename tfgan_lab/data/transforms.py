"""Image transforms in tf.data: resize, random crop, random flip, each random choice drawn from
a per-example stateless seed, so that augmented batches resume exactly."""

import tensorflow as tf


def fit(image: tf.Tensor, size: tuple[int, int], seed: tf.Tensor, load_size: int = 0,
        flip: bool = False, crop: int = 0) -> tf.Tensor:
    """An image (any size, uint8 or float in [0, 255]) -> float32 [size, C] in [-1, 1].

    With `crop` > 0 its central crop x crop square is taken first (CelebA's 108 of 178 x 218
    in the CausalGAN code: the face without the background).

    With `load_size` > 0 it is resized to load_size x load_size, then cropped at a random place
    to `size` (the official CycleGAN's 286 -> 256); otherwise resized to `size`. With `flip`,
    mirrored left-right with probability 1/2. Resizing is bicubic, as in the official code.
    """
    image = tf.cast(image, tf.float32)
    height, width = size
    if crop:
        top = (tf.shape(image)[0] - crop) // 2
        left = (tf.shape(image)[1] - crop) // 2
        image = tf.image.crop_to_bounding_box(image, top, left, crop, crop)
    if load_size:
        image = tf.image.resize(image, (load_size, load_size), method="bicubic")
        image = tf.image.stateless_random_crop(image, (height, width, tf.shape(image)[-1]),
                                               seed=seed)
    elif image.shape[0] != height or image.shape[1] != width:
        image = tf.image.resize(image, (height, width), method="bicubic")
    if flip:
        image = tf.image.stateless_random_flip_left_right(
            image, seed=tf.random.experimental.stateless_fold_in(seed, 1))
    return tf.clip_by_value(image, 0.0, 255.0) / 127.5 - 1.0
