"""Differentiable augmentation, DiffAugment (Zhao et al. 2020, arXiv 2006.10738; code:
mit-han-lab/data-efficient-gans).

D sees every image, real and fake, through the same random transformations, and G's gradient
flows through them, so D cannot overfit a small training set without G learning to draw the
augmented images. The transformations are those of the paper's DiffAugment: `color`
(brightness, saturation, contrast), `translation` (up to 1/8 of the size, padded with zeros)
and `cutout` (a square of half the size set to zero). Their random parameters are given
(`uniform`, one row per image), so a model draws them from its per-step streams and a resumed
or multi-replica run augments exactly as an uninterrupted one.
"""

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")
DRAWS_PER_IMAGE = 7  # color 3, translation 2, cutout 2


def parse(policy: str) -> tuple[str, ...]:
    """'color,translation' -> ('color', 'translation'); '' -> () (no augmentation)."""
    return tuple(p.strip() for p in policy.split(",") if p.strip())


def _color(x: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    u = u[:, None, None, :]
    x = x + (u[..., 0:1] - 0.5)  # brightness
    mean = tf.reduce_mean(x, axis=-1, keepdims=True)
    x = (x - mean) * (u[..., 1:2] * 2.0) + mean  # saturation
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * (u[..., 2:3] + 0.5) + mean  # contrast


def _shifted_indices(size: int, shift: tf.Tensor) -> tf.Tensor:
    """[B, size] indices into the zero-padded axis (padded by `size // 8` on each side)."""
    return tf.range(size)[None, :] + shift[:, None] + size // 8


def _translation(x: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    height, width = x.shape[1], x.shape[2]
    pad_h, pad_w = height // 8, width // 8
    shift_h = tf.cast(tf.floor(u[:, 0] * (2 * pad_h + 1)), tf.int32) - pad_h
    shift_w = tf.cast(tf.floor(u[:, 1] * (2 * pad_w + 1)), tf.int32) - pad_w
    padded = tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]])
    rows = tf.gather(padded, _shifted_indices(height, shift_h), axis=1, batch_dims=1)
    return tf.gather(rows, _shifted_indices(width, shift_w), axis=2, batch_dims=1)


def _cutout(x: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    height, width = x.shape[1], x.shape[2]
    cut_h, cut_w = height // 2, width // 2
    # The square's top-left corner, so that its centre is anywhere in the image.
    top = tf.cast(tf.floor(u[:, 0] * (height + cut_h % 2)), tf.int32) - cut_h // 2
    left = tf.cast(tf.floor(u[:, 1] * (width + cut_w % 2)), tf.int32) - cut_w // 2
    rows = tf.range(height)[None, :] - top[:, None]
    cols = tf.range(width)[None, :] - left[:, None]
    inside_rows = (rows >= 0) & (rows < cut_h)
    inside_cols = (cols >= 0) & (cols < cut_w)
    inside = inside_rows[:, :, None] & inside_cols[:, None, :]
    return x * tf.cast(~inside, x.dtype)[..., None]


def diff_augment(images: tf.Tensor, policy: tuple[str, ...], uniform: tf.Tensor) -> tf.Tensor:
    """`images` [B, H, W, C] through the transformations of `policy`, in the paper's order;
    `uniform` [B, DRAWS_PER_IMAGE] holds each image's random draws in [0, 1)."""
    uniform = tf.cast(uniform, images.dtype)
    if "color" in policy:
        images = _color(images, uniform[:, 0:3])
    if "translation" in policy:
        images = _translation(images, uniform[:, 3:5])
    if "cutout" in policy:
        images = _cutout(images, uniform[:, 5:7])
    return images
