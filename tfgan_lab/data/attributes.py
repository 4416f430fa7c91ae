"""Images with a vector of attributes: several labels per image (CelebA's 40 binary attributes
for CausalGAN), or attributes measured from the pixels (`ink`, whose groups are the
conditional adversarial autoencoder's condition: groups.py). Batched as (images float32
[b, H, W, C] in [-1, 1], attributes float32 [b, K]).
"""

import csv
import dataclasses
import functools
import os

import numpy as np
import tensorflow as tf

from tfgan_lab.data import images
from tfgan_lab.data.pipeline import Indexed, eager_constant, train_batches
from tfgan_lab.errors import DataError


@dataclasses.dataclass(frozen=True)
class AttributeInfo:
    name: str
    image_shape: tuple[int, int, int]
    attribute_names: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class AttributedImages:
    images: Indexed  # images.ImageFiles or images.ImageArray
    attributes: np.ndarray  # float32 [N, K]
    info: AttributeInfo

    def __len__(self) -> int:
        return len(self.attributes)

    @functools.cached_property
    def _attributes(self) -> tf.Tensor:
        return eager_constant(self.attributes, tf.float32)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return self.images.gather(indices, seeds), tf.gather(self._attributes, indices)

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
        return train_batches(self, global_batch_size, seed, start_step, input_context)


def from_csv(folder: str, csv_path: str, shape: tuple[int, int, int] | None = None,
             name: str = "") -> AttributedImages:
    """Images of `folder` named by the first column of `csv_path` (with a header row: file,
    then one column per attribute), streamed from disk and resized to `shape` (default: the
    first image's). DataError names the row and column of a file that is missing or a value
    that is not a number."""
    if not os.path.exists(csv_path):
        raise DataError(f"The attribute file {csv_path} does not exist.")
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2 or len(rows[0]) < 2:
        raise DataError(f"{csv_path} needs a header row (file, then one name per attribute) "
                        "and at least one row of values.")
    header, paths, values = rows[0], [], []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(f"{csv_path}, line {line}: {len(row)} columns, the header has "
                            f"{len(header)}.")
        path = os.path.join(folder, row[0])
        if not os.path.exists(path):
            raise DataError(f"{csv_path}, line {line}: the image {path} does not exist.")
        try:
            values.append([float(v) for v in row[1:]])
        except ValueError:
            raise DataError(f"{csv_path}, line {line}: the attributes {row[1:]} are not all "
                            "numbers.") from None
        paths.append(path)
    images.check_images(paths)
    shape = shape or images.image_size(paths[0])
    info = AttributeInfo(name or os.path.basename(os.path.normpath(folder)), tuple(shape),
                         tuple(header[1:]))
    return AttributedImages(images.ImageFiles(tuple(paths), tuple(shape)),
                            np.asarray(values, np.float32), info)


def ink(pixels: np.ndarray, threshold: int = 32) -> np.ndarray:
    """The share of an image's pixels brighter than `threshold` (uint8 [N, H, W, C] -> [N]):
    how much of a dark-background image (Fashion-MNIST) the object covers, measured, not
    learned."""
    return np.mean(pixels.reshape(len(pixels), -1) > threshold, axis=1).astype(np.float32)


def measured(pixels: np.ndarray, measures: dict, name: str) -> AttributedImages:
    """uint8 images in memory with attributes computed from their pixels: `measures` maps
    each attribute's name to a function uint8 [N, H, W, C] -> [N] (e.g. `ink`)."""
    attributes = np.stack([fn(pixels) for fn in measures.values()], axis=1).astype(np.float32)
    shape = tuple(int(d) for d in pixels.shape[1:])
    return AttributedImages(images.ImageArray(pixels, shape), attributes,
                            AttributeInfo(name, shape, tuple(measures)))
