"""Images with a vector of attributes: several labels per image (CelebA's 40 binary attributes
for CausalGAN), or attributes measured from the pixels (`ink`, whose groups are the
conditional adversarial autoencoder's condition: groups.py). Batched as (images float32
[b, H, W, C] in [-1, 1], attributes float32 [b, K]).

Chosen by the `data` config group (`config()`, `load(data, split)`):
- `causal_fashion_mnist` (offline): Fashion-MNIST garments whose five labels come from a known
  structural causal model (causal_fashion.py);
- `data.folder`: CelebA's layout, `list_attr_celeba.txt` beside the images (in the folder or
  its `img_align_celeba/`), split by `list_eval_partition.txt` when present;
- `celeb_a`: TFDS's CelebA, when it is prepared (its download often fails on Google Drive's
  quotas: then download the files by hand and set data.folder).
"""

import csv
import dataclasses
import functools
import os
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks
from tfgan_lab.data import images, transforms
from tfgan_lab.data.pipeline import Indexed, eager_constant, train_batches
from tfgan_lab.errors import ConfigError, DataError, did_you_mean

CELEBA_ATTRIBUTES = "list_attr_celeba.txt"
CELEBA_PARTITION = "list_eval_partition.txt"
CELEBA_SPLITS = ("train", "validation", "test")  # list_eval_partition.txt's 0, 1, 2


@dataclasses.dataclass(frozen=True)
class AttributeInfo:
    name: str
    image_shape: tuple[int, int, int]
    attribute_names: tuple[str, ...]
    # The causal model the attributes were drawn from, when it is known (causal_fashion.py):
    # its exact distributions score what a model samples.
    truth: Any = dataclasses.field(default=None, compare=False)
    # Pixels -> the attributes read back from them, int [N, K] in `measured_names`' order,
    # when a fixed rule can (causal_fashion.measure): generated images are scored by it.
    measure: Any = dataclasses.field(default=None, compare=False)
    measured_names: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class AttributeVectors:
    """Attribute vectors alone, batched as float32 [b, K]: what a causal controller learns
    from (it reads no image)."""
    attributes: np.ndarray  # float32 [N, K]
    info: AttributeInfo

    def __len__(self) -> int:
        return len(self.attributes)

    @functools.cached_property
    def _attributes(self) -> tf.Tensor:
        return eager_constant(self.attributes, tf.float32)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tf.Tensor:
        return tf.gather(self._attributes, indices)

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return train_batches(self, global_batch_size, seed, start_step, input_context, slices)

    def select(self, names: Sequence[str]) -> "AttributeVectors":
        """The same set with the attributes `names` alone, in that order; ConfigError names
        one the set lacks."""
        missing = [n for n in names if n not in self.info.attribute_names]
        if missing:
            raise ConfigError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                              f"not an attribute of {self.info.name}"
                              f"{did_you_mean(missing[0], self.info.attribute_names)}: its "
                              f"attributes are {', '.join(self.info.attribute_names)}.")
        columns = [self.info.attribute_names.index(n) for n in names]
        return dataclasses.replace(self, attributes=self.attributes[:, columns],
                                   info=dataclasses.replace(self.info,
                                                            attribute_names=tuple(names)))


@dataclasses.dataclass(frozen=True)
class AttributedImages(AttributeVectors):
    """Images with their attribute vectors, batched as (images, attributes)."""
    images: Indexed = None  # images.ImageFiles or images.ImageArray

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return self.images.gather(indices, seeds), tf.gather(self._attributes, indices)

    def vectors(self) -> AttributeVectors:
        """The attribute vectors alone."""
        return AttributeVectors(self.attributes, self.info)


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
    return AttributedImages(np.asarray(values, np.float32), info,
                            images.ImageFiles(tuple(paths), tuple(shape)))


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
    return AttributedImages(attributes, AttributeInfo(name, shape, tuple(measures)),
                            images.ImageArray(pixels, shape))


def config() -> ConfigDict:
    """The `data` group of a model that reads images with attribute vectors."""
    data = ConfigDict()
    data.name = "causal_fashion_mnist"  # Or celeb_a (TFDS); unused with data.folder.
    data.folder = ""  # A CelebA folder: list_attr_celeba.txt beside the images; replaces name.
    data.idx_dir = ""  # causal_fashion_mnist: Fashion-MNIST's IDX files (empty: Debian's).
    data.tfds_dir = ""
    data.split = "train"
    data.test_split = "test"
    data.size = 60000  # causal_fashion_mnist: images drawn for the training split.
    data.seed = 0  # causal_fashion_mnist: the draw of labels and garments (a fixed set).
    data.image_size = 64  # CelebA: images resized to this square (the paper's 64).
    data.crop = 108  # CelebA: the central square taken first, as the official code does.
    data.test_percent = 10  # CelebA folders without list_eval_partition.txt: the test share.
    return data


def check_config(config: ConfigDict) -> None:
    """Raises ConfigError for a value of `config.data` (this module's group) it cannot use."""
    checks.positive(config, "data.size", "data.image_size")
    checks.at_least_zero(config, "data.crop")
    if not config.data.folder:
        checks.choice(config, "data.name", ("causal_fashion_mnist", "celeb_a"),
                      more=" (or a CelebA folder: set config.data.folder)")
    if not 0 < config.data.test_percent < 100:
        raise ConfigError(f"config.data.test_percent={config.data.test_percent} must be "
                          "between 1 and 99.")


def load(data: ConfigDict, split: str) -> AttributedImages:
    """The images and attributes of `split` (`data.split` or `data.test_split`)."""
    if data.folder:
        return celeba_folder(data.folder, split, data.image_size, data.crop, data.test_percent)
    if data.name == "celeb_a":
        return celeba_tfds(split, data.image_size, data.crop, data.tfds_dir)
    from tfgan_lab.data import causal_fashion  # it builds on this module's types

    return causal_fashion.load(data, split)


def read_celeba_attributes(path: str) -> tuple[tuple[str, ...], list[str], np.ndarray]:
    """(attribute names, file names, values float32 [N, K] in {0, 1}) of CelebA's attribute
    file: its row count, a line of names, then `file v1 ... vK` per image with v in {-1, 1}
    (0 is read as -1). DataError names the line that breaks this."""
    if not os.path.exists(path):
        raise DataError(f"The attribute file {path} does not exist: a CelebA folder holds "
                        f"{CELEBA_ATTRIBUTES} beside the images (or their img_align_celeba/).")
    with open(path) as f:
        lines = f.read().splitlines()
    if len(lines) < 3 or not lines[0].strip().isdigit():
        raise DataError(f"{path}, line 1: expected the number of images, then a line of "
                        "attribute names and one line per image (CelebA's format).")
    names = tuple(lines[1].split())
    files, values = [], []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(names) + 1 or any(v not in ("-1", "0", "1") for v in fields[1:]):
            raise DataError(f"{path}, line {number}: expected a file name and {len(names)} "
                            f"values of -1 or 1, got {line.strip()!r}.")
        files.append(fields[0])
        values.append([v == "1" for v in fields[1:]])
    if len(files) != int(lines[0]):
        raise DataError(f"{path}, line 1: it declares {int(lines[0])} images, the file lists "
                        f"{len(files)}: it is truncated or was edited.")
    return names, files, np.asarray(values, np.float32)


def celeba_folder(folder: str, split: str, image_size: int, crop: int,
                  test_percent: int) -> AttributedImages:
    """CelebA's images of `split` from a folder of its layout, resized to image_size squares
    (RGB) after their central crop x crop square."""
    names, files, values = read_celeba_attributes(os.path.join(folder, CELEBA_ATTRIBUTES))
    image_dir = os.path.join(folder, "img_align_celeba")
    image_dir = image_dir if os.path.isdir(image_dir) else folder
    keep = _celeba_split(folder, files, split, test_percent)
    paths = [os.path.join(image_dir, files[i]) for i in keep]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise DataError(f"{len(missing)} image(s) named in {CELEBA_ATTRIBUTES} are not in "
                        f"{image_dir}: {', '.join(missing[:3])}{' ...' if missing[3:] else ''}.")
    images.check_images(paths)
    height, width, _ = images.image_size(paths[0])
    if crop > min(height, width):
        raise DataError(f"config.data.crop={crop} is larger than the images of {image_dir} "
                        f"({height} x {width}): set it to at most {min(height, width)}, or 0.")
    shape = (image_size, image_size, 3)
    return AttributedImages(values[keep], AttributeInfo("celeb_a", shape, names),
                            images.ImageFiles(tuple(paths), shape, crop=crop))


def _celeba_split(folder: str, files: list[str], split: str, test_percent: int) -> np.ndarray:
    """Row indices of `split`: by list_eval_partition.txt when the folder has it, else the
    test split is the files whose CRC32, mod 100, is below test_percent."""
    if split not in CELEBA_SPLITS:
        raise DataError(f"CelebA has no split {split!r}: choose one of "
                        f"{', '.join(CELEBA_SPLITS)}.")
    path = os.path.join(folder, CELEBA_PARTITION)
    if not os.path.exists(path):
        if split == "validation":
            raise DataError(f"{folder} has no {CELEBA_PARTITION}: without it there are only "
                            "the train and test splits.")
        test = np.array([zlib.crc32(f.encode()) % 100 < test_percent for f in files])
        return np.flatnonzero(test == (split == "test"))
    partition = {}
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if fields and (len(fields) != 2 or fields[1] not in ("0", "1", "2")):
                raise DataError(f"{path}, line {number}: expected a file name and 0, 1 or 2 "
                                f"(train, validation, test), got {line.strip()!r}.")
            if fields:
                partition[fields[0]] = int(fields[1])
    wanted = CELEBA_SPLITS.index(split)
    unlisted = [f for f in files if f not in partition]
    if unlisted:
        raise DataError(f"{path} does not list {len(unlisted)} image(s) of "
                        f"{CELEBA_ATTRIBUTES}, e.g. {unlisted[0]}.")
    return np.flatnonzero([partition[f] == wanted for f in files])


def celeba_tfds(split: str, image_size: int, crop: int, tfds_dir: str) -> AttributedImages:
    """TFDS's celeb_a, prepared, resized into memory (uint8); DataError says how to use a
    folder instead when TFDS cannot prepare it."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder("celeb_a", data_dir=tfds_dir or None)
        builder.download_and_prepare()
        dataset = builder.as_dataset(split=split)
    except Exception as e:  # TFDS raises many types; all mean the same to the user.
        raise DataError(f"TFDS could not prepare celeb_a split {split!r} ({e}). Its download "
                        "often fails on Google Drive's quotas: download CelebA's "
                        f"img_align_celeba/ and {CELEBA_ATTRIBUTES} (and {CELEBA_PARTITION}) "
                        "by hand into one folder and set --config.data.folder=FOLDER.") from e
    names = tuple(builder.info.features["attributes"].keys())
    size = (image_size, image_size)

    def fitted(example):
        image = transforms.fit(example["image"], size, tf.zeros([2], tf.int64), crop=crop)
        pixels = tf.cast(tf.round((image + 1) * 127.5), tf.uint8)
        return pixels, tf.stack([tf.cast(example["attributes"][n], tf.float32) for n in names])

    pixels, values = [], []
    for batch_pixels, batch_values in tfds.as_numpy(dataset.map(fitted).batch(1024)):
        pixels.append(batch_pixels)
        values.append(batch_values)
    shape = (image_size, image_size, 3)
    return AttributedImages(np.concatenate(values), AttributeInfo("celeb_a", shape, names),
                            images.ImageArray(np.concatenate(pixels), shape))
