"""Images with an ordered condition cut into groups: the data of the conditional adversarial
autoencoder. Batched as (images float32 [b, H, W, C] in [-1, 1], conditions int32 [b, K]):
column 0 is the group (age group, size group), column 1 an optional second condition (gender).

Two sources, chosen by the `data` config group:
- `data.folder`: UTKFace's layout, files named `age_gender_race_date.jpg`, cut into the paper's
  ten age groups; gender (0 male, 1 female) is the second condition with `data.gender`. Every
  file whose name does not parse is reported by name. A fixed share of the files, chosen by a
  hash of their names, is the test split.
- a labelled set (`fashion_mnist` offline): the measured share of each image's pixels brighter
  than `data.threshold` (the garment's area), cut into `data.groups` groups by the quantiles of
  its class in the training split. Each class spans every group, as every person spans every
  age; the class is the identity to keep.
"""

import dataclasses
import functools
import os
import re
import zlib

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks
from tfgan_lab.data import attributes, images, sources
from tfgan_lab.data.pipeline import Indexed, eager_constant, train_batches
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.images import to_bytes

# The paper's age groups (Zhang, Song, Qi 2017): first and last age of each, 71+ open.
AGE_GROUPS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, 40), (41, 50), (51, 60),
              (61, 70), (71, None))
GENDERS = ("male", "female")  # UTKFace's 0 and 1.
# age_gender_race_date.jpg, also the aligned set's .jpg.chip.jpg; three files of UTKFace lack
# the race (39_1_20170116174525125.jpg.chip.jpg), which this model does not read.
_UTKFACE_NAME = re.compile(r"(\d+)_([01])_(?:[0-4]_)?\d{8,}\S*\.(jpe?g|png)", re.IGNORECASE)


def config() -> ConfigDict:
    """The `data` group of a model that reads grouped images."""
    data = ConfigDict()
    data.name = "fashion_mnist"  # A labelled set, its groups measured (unused with a folder).
    data.folder = ""  # A folder of UTKFace files (age_gender_race_date.jpg); set, replaces name.
    data.idx_dir = ""  # As in the labelled sets' group: IDX files, TFDS's data_dir.
    data.tfds_dir = ""
    data.split = "train"
    data.test_split = "test"
    data.groups = 4  # Labelled sets: groups cut by the class's quantiles of the area.
    data.threshold = 128  # Labelled sets: pixels brighter than this count as the item's area.
    data.gender = False  # Folders: gender as the second condition.
    data.test_percent = 10  # Folders: the share of files in the test split.
    data.image_size = 128  # Folders: images are resized to this square (the paper's 128).
    return data


@dataclasses.dataclass(frozen=True)
class GroupInfo:
    name: str
    image_shape: tuple[int, int, int]
    group_names: tuple[str, ...]  # The first condition's values, in order.
    second_condition: str = ""  # "gender" when images carry one; its values are GENDERS.
    # Labelled sets: the identity classes and the area edges between groups, per class.
    class_names: tuple[str, ...] = ()
    edges: np.ndarray | None = dataclasses.field(default=None, compare=False)
    threshold: int = 0

    @property
    def num_groups(self) -> int:
        return len(self.group_names)

    @property
    def condition_sizes(self) -> tuple[int, ...]:
        return (self.num_groups, len(GENDERS)) if self.second_condition else (self.num_groups,)

    def measure_groups(self, pixels: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """The measured group [N] of images in [-1, 1] (or uint8), by the edges of `classes`."""
        if self.edges is None:
            raise DataError(f"{self.name}'s groups are not measured from the pixels.")
        return cut(attributes.ink(to_bytes(pixels), self.threshold), classes, self.edges)


@dataclasses.dataclass(frozen=True)
class GroupedImages:
    images: Indexed  # images.ImageFiles or images.ImageArray
    conditions: np.ndarray  # int32 [N, K]: group, then the second condition if any
    info: GroupInfo
    classes: np.ndarray | None = None  # int32 [N]: labelled sets' identity classes

    def __len__(self) -> int:
        return len(self.conditions)

    @functools.cached_property
    def _conditions(self) -> tf.Tensor:
        return eager_constant(self.conditions, tf.int32)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return self.images.gather(indices, seeds), tf.gather(self._conditions, indices)

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return train_batches(self, global_batch_size, seed, start_step, input_context, slices)


def check_config(config: ConfigDict) -> None:
    """Raises ConfigError for a value of `config.data` (this module's group) it cannot use."""
    checks.positive(config, "data.image_size", "data.threshold")
    if not config.data.folder:
        checks.choice(config, "data.name", sources.names(), open_ended=sources.is_known,
                      more=" or any TFDS image classification dataset (UTKFace: set "
                           "config.data.folder)")
    if config.data.groups < 2:
        raise ConfigError(f"config.data.groups={config.data.groups} must be at least 2: "
                          "the condition is the group.")
    if not 0 < config.data.test_percent < 100:
        raise ConfigError(f"config.data.test_percent={config.data.test_percent} must be "
                          "between 1 and 99.")


def load(data: ConfigDict, split: str) -> GroupedImages:
    """The grouped images of `split` (`data.split` or `data.test_split`)."""
    if data.folder:
        return utkface(data.folder, split == data.test_split, data.test_percent,
                       data.image_size, data.gender)
    return measured_groups(data, split)


# --- Labelled sets: groups of a measured area, per class. ---

def quantile_edges(values: np.ndarray, classes: np.ndarray, num_classes: int,
                   groups: int) -> np.ndarray:
    """[num_classes, groups - 1]: the inner quantiles of `values` within each class, so that
    each class falls into `groups` groups of equal size."""
    quantiles = np.linspace(0, 1, groups + 1)[1:-1]
    edges = np.zeros((num_classes, groups - 1), np.float32)
    for c in range(num_classes):
        members = values[classes == c]
        if len(members) < groups:
            raise DataError(f"Class {c} has {len(members)} images: too few to cut into "
                            f"{groups} groups.")
        edges[c] = np.quantile(members, quantiles)
    return edges


def cut(values: np.ndarray, classes: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The group of each value among its class's edges: 0 below the first edge, g from edge
    g - 1 (inclusive) up to edge g; int32 [N]."""
    groups = np.zeros(len(values), np.int32)
    for c in np.unique(classes):
        members = classes == c
        groups[members] = np.searchsorted(edges[c], values[members], side="right")
    return groups


def measured_groups(data: ConfigDict, split: str) -> GroupedImages:
    """A labelled set's `split`, grouped by its area with the training split's edges."""
    labelled = sources.from_config(data, split)
    train = labelled if split == data.split else sources.from_config(data, data.split)
    edges = quantile_edges(attributes.ink(train.images, data.threshold), train.labels,
                           train.info.num_classes, data.groups)
    info = GroupInfo(labelled.info.name, labelled.info.image_shape,
                     tuple(_group_name(g, data.groups) for g in range(data.groups)),
                     class_names=labelled.info.class_names, edges=edges,
                     threshold=data.threshold)
    groups = cut(attributes.ink(labelled.images, data.threshold), labelled.labels, edges)
    return GroupedImages(images.ImageArray(labelled.images, labelled.info.image_shape),
                         groups[:, None], info, labelled.labels)


def _group_name(group: int, groups: int) -> str:
    low, high = 100 * group // groups, 100 * (group + 1) // groups
    return f"area q{low}-{high}"


# --- UTKFace. ---

def age_group(age: int) -> int:
    """The index of `age` among AGE_GROUPS."""
    for group, (_, last) in enumerate(AGE_GROUPS):
        if last is None or age <= last:
            return group
    raise AssertionError("unreachable: the last group is open")


def age_group_names() -> tuple[str, ...]:
    return tuple(f"{first}-{last}" if last is not None else f"{first}+"
                 for first, last in AGE_GROUPS)


def parse_utkface(name: str) -> tuple[int, int]:
    """(age, gender) of a file named as UTKFace's, `age_gender_race_date.jpg`; DataError
    names the file otherwise."""
    match = _UTKFACE_NAME.fullmatch(name)
    if not match or int(match.group(1)) > 120:
        raise DataError(f"{name} is not named as a UTKFace image (age_gender_race_date.jpg, "
                        "age 0-120, gender 0 or 1, race 0-4).")
    return int(match.group(1)), int(match.group(2))


def utkface(folder: str, test: bool, test_percent: int, image_size: int,
            gender: bool) -> GroupedImages:
    """UTKFace's images in `folder`, the training or the test split (a file is in the test split
    when the CRC32 of its name, mod 100, is below `test_percent`), resized to a square of
    `image_size` RGB pixels. Every file whose name does not parse is named in one DataError."""
    paths = images.list_images(folder, "UTKFace folder")
    parsed, bad = [], []
    for path in paths:
        name = os.path.basename(path)
        try:
            parsed.append((path, *parse_utkface(name)))
        except DataError:
            bad.append(name)
    if bad:
        raise DataError(f"{len(bad)} file(s) of {folder} are not named as UTKFace images "
                        f"(age_gender_race_date.jpg): {', '.join(bad[:10])}"
                        f"{' ...' if len(bad) > 10 else ''}. Rename or remove them.")
    chosen = [(path, age, sex) for path, age, sex in parsed
              if (zlib.crc32(os.path.basename(path).encode()) % 100 < test_percent) == test]
    if not chosen:
        raise DataError(f"The {'test' if test else 'training'} split of {folder} is empty: "
                        f"{len(parsed)} file(s), test_percent={test_percent}.")
    shape = (image_size, image_size, 3)
    columns = [[age_group(age), sex] if gender else [age_group(age)] for _, age, sex in chosen]
    info = GroupInfo("utkface", shape, age_group_names(), "gender" if gender else "")
    return GroupedImages(images.ImageFiles(tuple(p for p, _, _ in chosen), shape),
                         np.asarray(columns, np.int32), info)
