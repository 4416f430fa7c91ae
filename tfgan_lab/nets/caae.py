"""The conditional adversarial autoencoder's four networks, as the official code
(ZZUTK/Face-Aging-CAAE, FaceAging.py) builds them, for any image size divisible by 2^layers.

- encoder E: `layers` 5x5 convolutions of stride 2 (filters, 2x, 4x, ...), ReLU, a dense layer
  to z with tanh: z in [-1, 1]^Z.
- generator G: [z, condition codes tiled] -> dense to (H / 2^layers) x (W / 2^layers) x
  filters, ReLU -> `layers` 5x5 transposed convolutions of stride 2 and one of stride 1, each
  halving the width, ReLU -> a 5x5 transposed convolution to C channels, tanh.
- z discriminator D_z: dense layers (64, 32, 16) with batch norm (no scale) and ReLU -> one
  logit. Layers followed by batch norm have no bias (the norm's offset replaces it; the
  official code keeps one, whose gradient is 0 but for rounding, which Adam scales up).
- image discriminator D_img: 5x5 convolutions of stride 2 (16, 32, 64, 128) with batch norm
  (no scale) and ReLU, the condition maps concatenated after the first, dense 1024 with leaky
  ReLU -> one logit.

Conditions are coded as the official code codes them: one-hot with -1 for off (not 0); in G's
input each code repeated so that it weighs as much as z (age: Z / 10 times, gender: Z / 2), in
D_img's maps the second code repeated groups / 2 times.
"""

import keras
import tensorflow as tf
from keras import layers, ops

from tfgan_lab.errors import ConfigError
from tfgan_lab.nets.dcgan import batch_norm

CONDITION_INPUTS = ("label", "gender")  # Input names of the first and second condition.


def default_layers(image_shape: tuple[int, int, int]) -> int:
    """The official depth where it fits: the most stride-2 layers (up to 5, as at 128 pixels)
    that leave a map of at least 4 pixels with a whole size (28 pixels: 2, a 7x7 map)."""
    height, width, _ = image_shape
    depth = 0
    while (depth < 5 and height % 2 ** (depth + 1) == 0 and width % 2 ** (depth + 1) == 0
           and min(height, width) // 2 ** (depth + 1) >= 4):
        depth += 1
    return depth


def _check_shape(image_shape: tuple[int, int, int], depth: int) -> None:
    height, width, _ = image_shape
    if depth < 1 or height % 2 ** depth or width % 2 ** depth:
        raise ConfigError(f"config.model.layers={depth}: the encoder halves the image "
                          f"{depth} times, so {height}x{width} must divide by {2 ** depth} "
                          "(0 chooses the deepest that fits).")


def code(labels: tf.Tensor, size: int) -> tf.Tensor:
    """int labels [B] -> float32 [B, size]: +1 at the label, -1 elsewhere (the official
    `concat_label`)."""
    return 2.0 * ops.one_hot(ops.cast(labels, "int32"), size) - 1.0


def _condition_inputs(condition_sizes: tuple[int, ...]) -> tuple[list, list]:
    """The condition inputs ("label"[, "gender"]) and their +-1 codes."""
    inputs = [keras.Input((), dtype="int32", name=name)
              for name in CONDITION_INPUTS[:len(condition_sizes)]]
    codes = [layers.Lambda(lambda c, s=size: code(c, s), name=f"{c.name}_code")(c)
             for c, size in zip(inputs, condition_sizes, strict=True)]
    return inputs, codes


def _tiled(code_, repeat: int, name: str):
    """A code [B, k] repeated `repeat` times: [B, k * repeat]."""
    return layers.Lambda(lambda c: ops.tile(c, [1, repeat]), name=name)(code_)


def _logits(x) -> dict:
    """One float32 logit per example, {"logits": [B]}."""
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return {"logits": layers.Reshape((), dtype="float32", name="logits")(logit)}


def _with_maps(x, codes: list):
    """Feature maps [B, h, w, c] with every code [B, k] concatenated as constant maps (the
    official `concat_label` on maps)."""
    height, width = x.shape[1], x.shape[2]
    maps = [ops.tile(ops.reshape(ops.cast(c, x.dtype), (-1, 1, 1, c.shape[-1])),
                     [1, height, width, 1]) for c in codes]
    return ops.concatenate([x, *maps], axis=-1)


def encoder(image_shape: tuple[int, int, int], z_dim: int, filters: int, depth: int,
            name: str = "encoder") -> keras.Model:
    """images -> z [B, z_dim] in [-1, 1]."""
    _check_shape(image_shape, depth)
    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(depth):
        x = layers.Conv2D(filters * 2 ** i, 5, strides=2, padding="same", activation="relu",
                          name=f"conv{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    z = layers.Dense(z_dim, activation="tanh", dtype="float32", name="z")(x)
    return keras.Model(images, z, name=name)


def generator(image_shape: tuple[int, int, int], z_dim: int,
              condition_sizes: tuple[int, ...], filters: int, depth: int,
              tile: bool = True, condition_maps: bool = False,
              name: str = "generator") -> keras.Model:
    """{"z", "label"[, "gender"]} -> images in [-1, 1]. `filters`: the width of the first
    map, halved by every layer (official: 1024). `condition_maps`: the codes are also
    concatenated as maps after the first map and every upsampling layer, as forks of the
    official code do; the official G reads them at its input only."""
    _check_shape(image_shape, depth)
    height, width, channels = image_shape
    z = keras.Input((z_dim,), name="z")
    conditions, codes = _condition_inputs(condition_sizes)
    tiled = [_tiled(c, max(1, z_dim // size) if tile else 1, f"{c_in.name}_tiled")
             for c, c_in, size in zip(codes, conditions, condition_sizes, strict=True)]
    x = layers.Concatenate(name="z_and_conditions")([z, *tiled])
    x = layers.Dense((height // 2 ** depth) * (width // 2 ** depth) * filters,
                     activation="relu", name="project")(x)
    x = layers.Reshape((height // 2 ** depth, width // 2 ** depth, filters), name="reshape")(x)
    for i in range(depth + 1):  # `depth` of stride 2, then one of stride 1 (official)
        if condition_maps:
            x = layers.Lambda(lambda a: _with_maps(a[0], a[1:]), name=f"maps{i}")([x, *codes])
        x = layers.Conv2DTranspose(max(1, filters // 2 ** (i + 1)), 5, strides=1 if i == depth
                                   else 2, padding="same", activation="relu",
                                   name=f"deconv{i}")(x)
    x = layers.Conv2DTranspose(channels, 5, padding="same", dtype="float32", name="to_images")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model({"z": z, **{c.name: c for c in conditions}}, images, name=name)


def z_discriminator(z_dim: int, widths: tuple[int, ...] = (64, 32, 16),
                    name: str = "z_discriminator") -> keras.Model:
    """z -> {"logits" [B]}: whether z came from the prior U(-1, 1)^Z (real) or from E."""
    z = keras.Input((z_dim,), name="z")
    x = z
    for i, width in enumerate(widths):
        x = layers.Dense(width, use_bias=False, name=f"dense{i}")(x)
        x = batch_norm(f"dense{i}_bn", scale=False)(x)
        x = layers.ReLU(name=f"dense{i}_relu")(x)
    return keras.Model(z, _logits(x), name=name)


def image_discriminator(image_shape: tuple[int, int, int], condition_sizes: tuple[int, ...],
                        filters: int = 16, depth: int = 4, dense: int = 1024,
                        name: str = "image_discriminator") -> keras.Model:
    """{"images", "label"[, "gender"]} -> {"logits" [B]}: a real image of its condition, or
    G's."""
    images = keras.Input(image_shape, name="images")
    conditions, codes = _condition_inputs(condition_sizes)
    if len(codes) > 1:  # the second code repeated groups / 2 times (official)
        codes[1] = _tiled(codes[1], max(1, condition_sizes[0] // 2),
                          f"{conditions[1].name}_tiled")
    x = images
    for i in range(depth):
        x = layers.Conv2D(filters * 2 ** i, 5, strides=2, padding="same", use_bias=False,
                          name=f"conv{i}")(x)
        x = batch_norm(f"conv{i}_bn", scale=False)(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
        if i == 0:
            x = layers.Lambda(lambda a: _with_maps(a[0], a[1:]), name="maps")([x, *codes])
    x = layers.Flatten(name="flatten")(x)
    x = layers.LeakyReLU(0.2, name="dense_relu")(layers.Dense(dense, name="dense")(x))
    return keras.Model({"images": images, **{c.name: c for c in conditions}}, _logits(x),
                       name=name)
