"""Data read from image files: folders of any size and format, unpaired domains in the official
CycleGAN layout, images with attribute vectors; their errors."""

import os

import numpy as np
import pytest
from PIL import Image

from tfgan_lab.config import base_config
from tfgan_lab.data import attributes, domains, images
from tfgan_lab.errors import DataError


def make_domains(root, count: int = 6, size: tuple[int, int] = (40, 36)) -> str:
    """trainA/ trainB/ testA/ testB/ of small RGB JPEGs (and a PNG): A reddish, B bluish, of
    varying sizes. Returns the root."""
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for domain, channel in (("A", 0), ("B", 2)):
            folder = os.path.join(root, f"{split}{domain}")
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                height, width = size[0] + 4 * (i % 3), size[1] + 2 * i
                pixels = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
                pixels[..., channel] += 180
                extension = "png" if i == 0 else "jpg"
                Image.fromarray(pixels).save(os.path.join(folder, f"{i:03d}.{extension}"))
    return str(root)


def _data(root, **fields):
    data = base_config("cyclegan").data
    data.update(**{"folder": root, "load_size": 20, "crop_size": 16, **fields})
    return data


def test_folder_domains_are_decoded_resized_cropped_and_flipped(tmp_path):
    root = make_domains(tmp_path)
    unpaired = domains.load(_data(root), "train", train=True)
    assert len(unpaired.a) == len(unpaired.b) == 6
    assert unpaired.info.image_shape == (16, 16, 3)
    a, b = next(iter(unpaired.batches(4, seed=0)))
    assert a.shape == (4, 16, 16, 3) and a.dtype == "float32"
    assert -1.0 <= float(np.min(a)) and float(np.max(a)) <= 1.0
    # A is reddish and B bluish: their colours survive decoding and resizing.
    assert np.mean(a[..., 0]) > np.mean(a[..., 2]) + 0.5
    assert np.mean(b[..., 2]) > np.mean(b[..., 0]) + 0.5
    # Augmented batches are a pure function of (seed, step), as in-memory ones.
    again = next(iter(unpaired.batches(4, seed=0)))
    np.testing.assert_array_equal(a, again[0])
    # Test images are resized to the crop, not cropped at random.
    test = domains.load(_data(root), "test", train=False)
    first = images.first(test.a, 2)
    np.testing.assert_array_equal(first, images.first(test.a, 2))
    assert first.shape == (2, 16, 16, 3)


def test_grey_decoding_and_the_first_image_s_size(tmp_path):
    root = make_domains(tmp_path)
    unpaired = domains.load(_data(root, channels=1, load_size=0, crop_size=0), "train",
                            train=True)
    assert unpaired.info.image_shape == (40, 36, 1)  # 000.png's size; the others resized
    a, _ = next(iter(unpaired.batches(6, seed=0)))
    assert a.shape == (6, 40, 36, 1)


def test_missing_empty_and_unreadable_domains_are_named(tmp_path):
    with pytest.raises(DataError, match="does not exist.*trainA/ trainB/ testA/ testB/"):
        domains.load(_data(str(tmp_path / "nowhere")), "train", train=True)
    root = make_domains(tmp_path / "set")
    for name in os.listdir(os.path.join(root, "trainB")):
        os.remove(os.path.join(root, "trainB", name))
    with pytest.raises(DataError, match="domain B folder .*trainB holds no image"):
        domains.load(_data(root), "train", train=True)
    os.rmdir(os.path.join(root, "trainB"))
    with pytest.raises(DataError, match="domain B folder .*trainB does not exist"):
        domains.load(_data(root), "train", train=True)
    bad = os.path.join(root, "trainA", "broken.jpg")
    with open(bad, "w") as f:
        f.write("not an image")
    with pytest.raises(DataError, match="broken.jpg is not a readable image.*Remove or replace"):
        images.list_images(os.path.join(root, "trainA"))


def test_tfds_failure_says_how_to_use_folders(monkeypatch):
    import tensorflow_datasets as tfds

    def unreachable(*args, **kwargs):
        raise ConnectionError("404 Client Error: Not Found")

    monkeypatch.setattr(tfds, "load", unreachable)
    data = base_config("cyclegan").data
    data.name = "cycle_gan/horse2zebra"
    with pytest.raises(DataError, match="404.*moved.*--config.data.folder=PATH"):
        domains.load(data, "train", train=True)


def test_images_with_attributes_from_a_csv(tmp_path):
    root = make_domains(tmp_path)
    folder = os.path.join(root, "trainA")
    names = sorted(os.listdir(folder))
    with open(tmp_path / "attributes.csv", "w") as f:
        f.write("file,smiling,age\n")
        for i, name in enumerate(names):
            f.write(f"{name},{i % 2},{20 + i}\n")
    attributed = attributes.from_csv(folder, str(tmp_path / "attributes.csv"), (16, 16, 3))
    assert attributed.info.attribute_names == ("smiling", "age")
    batch_images, values = next(iter(attributed.batches(len(names), seed=0)))
    assert batch_images.shape == (6, 16, 16, 3) and values.shape == (6, 2)
    assert sorted(values.numpy()[:, 1]) == [20, 21, 22, 23, 24, 25]
    with open(tmp_path / "bad.csv", "w") as f:
        f.write(f"file,age\n{names[0]},old\n")
    with pytest.raises(DataError, match="bad.csv, line 2: the attributes \\['old'\\]"):
        attributes.from_csv(folder, str(tmp_path / "bad.csv"))
    with open(tmp_path / "missing.csv", "w") as f:
        f.write("file,age\nnot_there.jpg,3\n")
    with pytest.raises(DataError, match="line 2: the image .*not_there.jpg does not exist"):
        attributes.from_csv(folder, str(tmp_path / "missing.csv"))


def test_ink_is_measured_from_the_pixels(fashion_mnist):
    """On real Fashion-MNIST, trousers cover less of the image than pullovers; a made-up image
    half bright covers exactly half."""
    half = np.zeros((1, 4, 4, 1), np.uint8)
    half[:, :2] = 200
    assert attributes.ink(half)[0] == 0.5
    measured = attributes.measured(fashion_mnist.images[:2000], {"ink": attributes.ink},
                                   "fashion_mnist_ink")
    labels = fashion_mnist.labels[:2000]
    ink = measured.attributes[:, 0]
    assert ink[labels == 1].mean() + 0.1 < ink[labels == 2].mean()
    batch_images, values = next(iter(measured.batches(8, seed=0)))
    assert batch_images.shape == (8, 28, 28, 1) and values.shape == (8, 1)
