"""Sets of images without labels, held in memory or streamed from files.

`ImageFiles` keeps only the paths in memory: every batch reads and decodes its files in tf.data
(JPEG, PNG, BMP or GIF, any size), then resizes, crops and flips them (`transforms.fit`), so a
folder of any size trains with the memory of a few batches. `ImageArray` holds uint8 pixels,
for sets that fit in memory (a labelled set's classes, TFDS splits).
"""

import dataclasses
import functools
import os

import numpy as np
import tensorflow as tf

from tfgan_lab.data import transforms
from tfgan_lab.data.pipeline import eager_constant, to_float
from tfgan_lab.errors import DataError

# What each image format's files start with: a file that starts otherwise is refused by name
# when the folder is listed, before training starts.
_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG", b"BM": "BMP", b"GIF8": "GIF"}
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


def list_images(folder: str, what: str = "image folder") -> list[str]:
    """The image files of `folder` (by extension, sorted); DataError if the folder is missing,
    holds no image, or holds a file that is not the image its extension says."""
    if not os.path.isdir(folder):
        raise DataError(f"The {what} {folder} does not exist.")
    paths = sorted(os.path.join(folder, name) for name in os.listdir(folder)
                   if name.lower().endswith(EXTENSIONS))
    if not paths:
        raise DataError(f"The {what} {folder} holds no image ({', '.join(EXTENSIONS)} files).")
    check_images(paths)
    return paths


def input_paths(source: str) -> list[str]:
    """A command's --input: one image file, or the image files of a folder (checked)."""
    if os.path.isfile(source):
        check_images([source])
        return [source]
    return list_images(source, "input folder")


def check_images(paths: list[str]) -> None:
    """DataError naming the first file that does not start as a JPEG, PNG, BMP or GIF does
    (read: its first 8 bytes), then the files that TensorFlow's decoder (the one training
    uses) cannot decode whole, a truncated JPEG say: a bad file stops the run before its first
    step, by name, rather than killing it part-way (and its resume at the same place)."""
    for path in paths:
        with open(path, "rb") as f:
            head = f.read(8)
        if not any(head.startswith(magic) for magic in _MAGIC):
            raise DataError(f"{path} is not a readable image: it starts with bytes "
                            f"0x{head.hex() or '(none: empty file)'}, not those of a "
                            f"{', '.join(_MAGIC.values())} file. Remove or replace it.")
    broken = undecodable(paths)
    if broken:
        more = f" (and {len(broken) - 1} more: {', '.join(broken[1:4])}...)" if broken[1:] else ""
        raise DataError(f"{broken[0]} cannot be decoded (truncated or corrupt){more}. Remove or "
                        "replace it; nothing was trained.")


def undecodable(paths: list[str]) -> list[str]:
    """The files of `paths` that tf.io.decode_image fails on, decoded in parallel."""
    decode = tf.data.Dataset.from_tensor_slices(paths).map(
        lambda path: (path, tf.shape(tf.io.decode_image(tf.io.read_file(path),
                                                        expand_animations=False))),
        num_parallel_calls=tf.data.AUTOTUNE).ignore_errors()
    decoded = {path.decode() for path, _ in decode.as_numpy_iterator()}
    return [path for path in paths if path not in decoded]


def image_size(path: str) -> tuple[int, int, int]:
    """(height, width, channels) of one image file, read by decoding it."""
    image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
    return tuple(int(d) for d in image.shape)


@dataclasses.dataclass(frozen=True)
class ImageFiles:
    """Image files decoded on the fly into float32 [H, W, C] in [-1, 1] (`shape`).

    With `crop`, each image's central square of that size is taken first; with `load_size`,
    training batches are resized to it and randomly cropped to H x W; with `flip`, mirrored at
    random. Decoding keeps or converts to C channels (1: grey, 3: RGB).
    """
    paths: tuple[str, ...]
    shape: tuple[int, int, int]
    load_size: int = 0
    flip: bool = False
    crop: int = 0

    def __len__(self) -> int:
        return len(self.paths)

    @functools.cached_property
    def _paths(self) -> tf.Tensor:
        return eager_constant(self.paths)

    def _load(self, path: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        image = tf.io.decode_image(tf.io.read_file(path), channels=self.shape[2],
                                   expand_animations=False)
        image.set_shape([None, None, self.shape[2]])
        return transforms.fit(image, self.shape[:2], seed, self.load_size, self.flip, self.crop)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tf.Tensor:
        paths = tf.gather(self._paths, indices)
        return tf.map_fn(lambda args: self._load(*args), (paths, seeds),
                         fn_output_signature=tf.TensorSpec(self.shape, tf.float32))


@dataclasses.dataclass(frozen=True)
class ImageArray:
    """uint8 images [N, H, W, C] in memory, batched as float32 in [-1, 1] of `shape` (resized,
    and with `load_size` / `flip` augmented, as `ImageFiles`)."""
    images: np.ndarray
    shape: tuple[int, int, int]
    load_size: int = 0
    flip: bool = False

    def __len__(self) -> int:
        return len(self.images)

    @functools.cached_property
    def _tensor(self) -> tf.Tensor:
        return eager_constant(self.images)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tf.Tensor:
        images = tf.gather(self._tensor, indices)
        if self.images.shape[1:] == self.shape and not (self.load_size or self.flip):
            return to_float(images)
        return tf.map_fn(lambda args: transforms.fit(args[0], self.shape[:2], args[1],
                                                     self.load_size, self.flip),
                         (images, seeds), fn_output_signature=tf.TensorSpec(self.shape,
                                                                            tf.float32))


def first(images: "ImageFiles | ImageArray", count: int) -> np.ndarray:
    """The first `count` images of a set (ImageFiles or ImageArray), float32 in [-1, 1], in
    order and without augmentation randomness beyond the set's own (for grids and metrics)."""
    count = min(count, len(images))
    indices = tf.range(count, dtype=tf.int64)
    seeds = tf.stack([tf.zeros([count], tf.int64), indices], axis=1)
    return np.concatenate([np.asarray(images.gather(indices[i:i + 256], seeds[i:i + 256]))
                           for i in range(0, count, 256)])
