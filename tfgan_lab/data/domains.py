"""Unpaired two-domain image sets (CycleGAN's data): A and B batched side by side, unpaired.

Three sources, chosen by the `data` config group:
- `data.folder`: a folder in the layout of the official CycleGAN sets, trainA/ trainB/ testA/
  testB/ (horse2zebra and the rest, once downloaded), images of any size and format, streamed
  from disk;
- `data.name = "cycle_gan/<set>"`: TFDS's copy, where it downloads (its addresses moved:
  tensorflow/datasets#5134);
- any labelled set (`fashion_mnist` offline): its classes `class_a` and `class_b`, domain A
  from the first half of the training split and B from the second, so no pair exists.
"""

import dataclasses
import os

import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.data import images, sources
from tfgan_lab.data.pipeline import Indexed, step_batches
from tfgan_lab.errors import DataError


def config() -> ConfigDict:
    """The `data` group of a model that reads unpaired domains; defaults as the official
    CycleGAN (load 286, crop 256, flip) for the sets it was made for."""
    data = ConfigDict()
    data.name = "fashion_mnist"  # A labelled set (two of its classes) or cycle_gan/<set> (TFDS).
    data.folder = ""  # A folder with trainA/ trainB/ testA/ testB/; set, it replaces name.
    data.class_a = 7  # Labelled sets: the class of domain A (Fashion-MNIST 7: sneaker) ...
    data.class_b = 9  # ... and of domain B (9: ankle boot).
    data.idx_dir = ""  # As in the labelled sets' group: IDX files, TFDS's data_dir.
    data.tfds_dir = ""
    data.split = "train"  # Folders and TFDS: <split>A and <split>B.
    data.test_split = "test"
    data.load_size = 286  # Training images are resized to this, then randomly cropped ...
    data.crop_size = 256  # ... to this (0 and 0: the images' own size, no crop).
    data.flip = True  # Random left-right flips in training.
    data.channels = 3  # Folders and TFDS: 3 (RGB) or 1 (grey); a labelled set keeps its own.
    return data


@dataclasses.dataclass(frozen=True)
class DomainsInfo:
    name: str
    image_shape: tuple[int, int, int]
    domain_names: tuple[str, str]
    # The reference classifier that judges translations: the labelled set it was trained on
    # and its classes of domains A and B ("" when the domains come from elsewhere).
    reference: str = ""
    reference_classes: tuple[int, int] = (0, 1)


@dataclasses.dataclass(frozen=True)
class UnpairedImages:
    a: Indexed
    b: Indexed
    info: DomainsInfo

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        """Step-indexed (images_a, images_b), each domain in its own order."""
        return step_batches([self.a, self.b], global_batch_size, seed, start_step,
                            input_context, slices)


def load(data: ConfigDict, split: str, train: bool) -> UnpairedImages:
    """Domains A and B of `split`; `train`: augmented as configured (test sets are resized to
    the training crop, not augmented) and, for a labelled set, drawn from disjoint halves."""
    if data.folder:
        return _from_folder(data, split, train)
    if data.name.startswith("cycle_gan/"):
        return _from_tfds(data, split, train)
    return _from_classes(data, split, train)


def _shape(data: ConfigDict, first_image: tuple[int, ...], channels: int) -> tuple[int, int, int]:
    height, width = (data.crop_size, data.crop_size) if data.crop_size else first_image[:2]
    return (int(height), int(width), channels)


def _augmentation(data: ConfigDict, train: bool) -> dict:
    return {"load_size": data.load_size if train else 0, "flip": data.flip and train}


def _from_folder(data: ConfigDict, split: str, train: bool) -> UnpairedImages:
    if not os.path.isdir(data.folder):
        raise DataError(f"config.data.folder={data.folder!r} does not exist: give the folder that "
                        "holds trainA/ trainB/ testA/ testB/ (the official CycleGAN layout).")
    paths = [images.list_images(os.path.join(data.folder, f"{split}{domain}"),
                                f"domain {domain} folder") for domain in "AB"]
    shape = _shape(data, images.image_size(paths[0][0]), data.channels)
    a, b = (images.ImageFiles(tuple(p), shape, **_augmentation(data, train)) for p in paths)
    name = os.path.basename(os.path.normpath(data.folder))
    return UnpairedImages(a, b, DomainsInfo(name, shape, ("A", "B")))


def _from_tfds(data: ConfigDict, split: str, train: bool) -> UnpairedImages:
    import tensorflow_datasets as tfds

    arrays = []
    for domain in "AB":
        try:
            arrays.append(tfds.as_numpy(tfds.load(
                data.name, split=f"{split}{domain}", batch_size=-1,
                data_dir=data.tfds_dir or None))["image"])
        except Exception as e:  # TFDS raises many types; all mean the same to the user.
            raise DataError(
                f"TFDS could not load {data.name!r} split {split}{domain}: {e}. Its download "
                "addresses have moved (tensorflow/datasets#5134). Download the set yourself "
                "(e.g. datasets/download_cyclegan_dataset.sh of "
                "junyanz/pytorch-CycleGAN-and-pix2pix), unpack it and pass "
                "--config.data.folder=PATH, the folder that holds trainA/ trainB/ testA/ "
                "testB/.") from None
    shape = _shape(data, arrays[0].shape[1:], data.channels)
    a, b = (images.ImageArray(array, shape, **_augmentation(data, train)) for array in arrays)
    return UnpairedImages(a, b, DomainsInfo(data.name, shape, ("A", "B")))


def _from_classes(data: ConfigDict, split: str, train: bool) -> UnpairedImages:
    labelled = sources.load(data.name, split, data.idx_dir, data.tfds_dir)
    classes = (data.class_a, data.class_b)
    for field, label in zip(("class_a", "class_b"), classes, strict=True):
        if not 0 <= label < labelled.info.num_classes:
            raise DataError(f"config.data.{field}={label} is not a class of {data.name}: choose "
                            f"0 to {labelled.info.num_classes - 1} "
                            f"({', '.join(labelled.info.class_names)}).")
    if classes[0] == classes[1]:
        raise DataError("config.data.class_a and class_b are the same class: two domains need "
                        "two classes.")
    halves = [slice(None), slice(None)]
    if train:  # No image of B could be the pair of one of A: they come from disjoint halves.
        middle = len(labelled) // 2
        halves = [slice(None, middle), slice(middle, None)]
    shape = _shape(data, labelled.info.image_shape, labelled.info.image_shape[2])
    domains = []
    for label, half in zip(classes, halves, strict=True):
        pixels = labelled.images[half][labelled.labels[half] == label]
        domains.append(images.ImageArray(pixels, shape, **_augmentation(data, train)))
    names = tuple(labelled.info.class_names[c] for c in classes)
    info = DomainsInfo(f"{data.name}_{data.class_a}_{data.class_b}", shape, names,
                       reference=data.name, reference_classes=classes)
    return UnpairedImages(*domains, info)
