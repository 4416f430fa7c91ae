"""Where labelled images come from: IDX files (Debian's package or a folder) or TFDS.

Every source returns the whole split in memory as uint8 images [N, H, W, C] and int32
labels [N]; `LabeledImages.batches` turns them into step-indexed batches. MNIST-size and
CIFAR-size sets fit easily; sets larger than memory are read from image folders instead
(`images.py`).
"""

import dataclasses
import functools
import os
import re

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.data.idx import read_idx
from tfgan_lab.data.pipeline import eager_constant, to_float, train_batches
from tfgan_lab.errors import DataError


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    name: str
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclasses.dataclass(frozen=True)
class LabeledImages:
    """A labelled split held in memory; batched as (images float32 in [-1, 1], labels)."""
    images: np.ndarray  # uint8 [N, H, W, C]
    labels: np.ndarray  # int32 [N], each in [0, info.num_classes)
    info: DatasetInfo

    def __len__(self) -> int:
        return len(self.labels)

    @functools.cached_property
    def _tensors(self) -> tuple[tf.Tensor, tf.Tensor]:
        return eager_constant(self.images), eager_constant(self.labels)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        del seeds  # No augmentation.
        images, labels = self._tensors
        return to_float(tf.gather(images, indices)), tf.gather(labels, indices)

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        """Step-indexed batches of (images, labels) (see `pipeline.step_batches`)."""
        return train_batches(self, global_batch_size, seed, start_step, input_context, slices)

    def select(self, classes) -> "LabeledImages":
        """The examples whose label is in `classes` (labels unchanged)."""
        keep = np.isin(self.labels, np.asarray(classes))
        return LabeledImages(self.images[keep], self.labels[keep], self.info)


@dataclasses.dataclass(frozen=True)
class _IdxDataset:
    class_names: tuple[str, ...]
    debian_dir: str = ""
    debian_package: str = ""


_IDX_DATASETS = {
    "fashion_mnist": _IdxDataset(
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                     "Sneaker", "Bag", "Ankle boot"),
        debian_dir="/usr/share/datasets/fashion-mnist",
        debian_package="dataset-fashion-mnist"),
    "mnist": _IdxDataset(class_names=tuple(str(d) for d in range(10))),
}
_IDX_SPLITS = {"train": "train", "test": "t10k"}


def config() -> ConfigDict:
    """The `data` group of a model that reads labelled images."""
    data = ConfigDict()
    data.name = "fashion_mnist"  # mnist, fashion_mnist or a TFDS image classification set.
    data.idx_dir = ""  # Folder of IDX files; empty: Debian's package, else TFDS.
    data.tfds_dir = ""  # TFDS data_dir; empty: TFDS's default.
    data.split = "train"
    return data


def from_config(data: ConfigDict, split: str | None = None) -> "LabeledImages":
    """`load` with the fields of a `data` config group; `split` defaults to `data.split`."""
    return load(data.name, split or data.split, data.idx_dir, data.tfds_dir)


def names() -> tuple[str, ...]:
    """The datasets read from IDX files; any TFDS image classification name works as well."""
    return tuple(_IDX_DATASETS)


def is_known(name: str) -> bool:
    """True for the IDX datasets and for every dataset registered in TFDS."""
    if name in _IDX_DATASETS:
        return True
    import tensorflow_datasets as tfds

    return name.split("/")[0] in tfds.list_builders()


def load(name: str, split: str = "train", idx_dir: str = "", tfds_dir: str = "") -> LabeledImages:
    """Loads one split of a labelled image dataset; DataError says what is wrong and what to do.

    mnist and fashion_mnist come from IDX files: `idx_dir` when given, else Debian's package
    when installed, else TFDS. Any other name is read through TFDS. Splits may be sliced as
    in TFDS: 'train[:5000]', 'test[:50%]'.
    """
    if name in _IDX_DATASETS:
        source = _IDX_DATASETS[name]
        split, rows = _split_and_rows(split)
        folder = idx_dir or (source.debian_dir if _has_split(source.debian_dir, split) else "")
        if folder:
            images, labels = _read_idx_split(folder, split)
            return _checked(name, images[rows(len(images))], labels[rows(len(labels))],
                            source.class_names)
        try:
            return _load_tfds(name, split, tfds_dir)
        except DataError as e:
            install = (f"install Debian's package (apt-get install -y {source.debian_package}), "
                       if source.debian_package else "")
            raise DataError(f"No IDX files for {name}: {install}or put its IDX files in a folder "
                            f"and set --config.data.idx_dir=FOLDER. TFDS could not load it "
                            f"either: {e}") from None
    return _load_tfds(name, split, tfds_dir)


def _split_and_rows(split: str) -> tuple[str, object]:
    """'train', 'train[:5000]' or 'test[10%:20%]' (TFDS's slicing syntax) -> the split's name
    and a function of the split's size that returns the slice of rows to keep."""
    match = re.fullmatch(r"(\w+)(?:\[(\d*)(%?):(\d*)(%?)\])?", split)
    if not match:
        raise DataError(f"Split {split!r} is not understood: use e.g. 'train', 'train[:5000]' "
                        "or 'test[:50%]'.")
    name, start, start_pct, stop, stop_pct = match.groups()

    def rows(size: int) -> slice:
        def bound(value, percent):
            return None if not value else int(value) * size // 100 if percent else int(value)
        return slice(bound(start, start_pct), bound(stop, stop_pct))

    return name, rows


def _idx_paths(folder: str, split: str) -> list[str]:
    if split not in _IDX_SPLITS:
        raise DataError(f"Split {split!r} does not exist for IDX datasets: choose one of "
                        f"{', '.join(_IDX_SPLITS)}.")
    paths = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        stem = os.path.join(folder, f"{_IDX_SPLITS[split]}-{kind}")
        paths.append(next((p for p in (stem, stem + ".gz") if os.path.exists(p)), stem + ".gz"))
    return paths


def _has_split(folder: str, split: str) -> bool:
    return bool(folder) and all(os.path.exists(p) for p in _idx_paths(folder, split))


def _read_idx_split(folder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    images_path, labels_path = _idx_paths(folder, split)
    for path in (images_path, labels_path):
        if not os.path.exists(path):
            raise DataError(f"{path} (or the same name without .gz) does not exist: "
                            f"config.data.idx_dir={folder!r} must hold the IDX files of split "
                            f"{split!r}.")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{images_path} and {labels_path} do not fit together: images have shape "
                        f"{images.shape} and labels {labels.shape}; expected [N, H, W] and [N].")
    return images, labels


def _load_tfds(name: str, split: str, tfds_dir: str) -> LabeledImages:
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=tfds_dir or None)
    except tfds.core.registered.DatasetNotFoundError:
        raise DataError(f"Unknown dataset {name!r}: choose one of {', '.join(names())} or a "
                        "TFDS image classification dataset (see tfds.list_builders()).") from None
    features = builder.info.features
    if not ("image" in features and "label" in features
            and isinstance(features["label"], tfds.features.ClassLabel)):
        raise DataError(f"TFDS dataset {name!r} is not an image classification dataset: it needs "
                        f"an 'image' and a 'label' (ClassLabel) feature; it has "
                        f"{', '.join(features.keys())}.")
    try:
        builder.download_and_prepare()
        arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    except Exception as e:  # TFDS raises many types; all mean the same to the user.
        raise DataError(f"TFDS could not prepare {name!r} split {split!r}: {e}. Without internet, "
                        "prepare it on a machine that has it and point --config.data.tfds_dir "
                        "at the copy.") from e
    class_names = tuple(features["label"].names)
    return _checked(name, arrays["image"], arrays["label"], class_names)


def _checked(name: str, images: np.ndarray, labels: np.ndarray,
             class_names: tuple[str, ...]) -> LabeledImages:
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.dtype != np.uint8 or images.ndim != 4:
        raise DataError(f"{name}: expected uint8 images [N, H, W, C], got {images.dtype} "
                        f"{images.shape}.")
    labels = np.asarray(labels)
    bad = np.flatnonzero((labels < 0) | (labels >= len(class_names)))
    if bad.size:
        raise DataError(f"{name}: label {labels[bad[0]]} at index {bad[0]} is out of range: "
                        f"{name} has {len(class_names)} classes, labels 0 to "
                        f"{len(class_names) - 1} ({bad.size} bad labels in all). The label file "
                        "does not belong to this dataset or is corrupt.")
    info = DatasetInfo(name, tuple(int(d) for d in images.shape[1:]), class_names)
    return LabeledImages(images, labels.astype(np.int32), info)
