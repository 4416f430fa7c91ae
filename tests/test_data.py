import gzip
import os
import shutil
import struct

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import data
from tfgan_lab.data import sources
from tfgan_lab.errors import DataError

from conftest import PipelineContext

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


def _take(dataset, count):
    return [(x.numpy(), y.numpy()) for x, y in dataset.take(count)]


def test_real_fashion_mnist_shapes_and_labels(fashion_mnist):
    assert fashion_mnist.images.shape == (60000, 28, 28, 1)
    assert fashion_mnist.images.dtype == np.uint8
    assert fashion_mnist.labels.dtype == np.int32
    # Fashion-MNIST's training split has exactly 6000 images of each of its 10 classes.
    np.testing.assert_array_equal(np.bincount(fashion_mnist.labels), [6000] * 10)
    assert fashion_mnist.info.num_classes == 10
    assert fashion_mnist.info.class_names[9] == "Ankle boot"
    test = data.load("fashion_mnist", "test")
    assert test.images.shape == (10000, 28, 28, 1)


def test_batches_are_float_in_range_with_int_labels(fashion_mnist):
    (images, labels), = _take(data.train_batches(fashion_mnist, 64, seed=0), 1)
    assert images.shape == (64, 28, 28, 1) and images.dtype == np.float32
    assert labels.shape == (64,) and labels.dtype == np.int32
    assert images.min() == -1.0 and images.max() == 1.0
    assert set(labels) <= set(range(10)) and len(set(labels)) > 5


def test_same_seed_same_order_other_seed_other_order(fashion_mnist):
    a = _take(data.train_batches(fashion_mnist, 32, seed=3), 3)
    b = _take(data.train_batches(fashion_mnist, 32, seed=3), 3)
    c = _take(data.train_batches(fashion_mnist, 32, seed=4), 3)
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a[0][0], c[0][0])


def test_starting_at_step_k_gives_batch_k(fashion_mnist):
    from_zero = _take(data.train_batches(fashion_mnist, 32, seed=0), 5)
    from_three = _take(data.train_batches(fashion_mnist, 32, seed=0, start_step=3), 2)
    np.testing.assert_array_equal(from_zero[3][0], from_three[0][0])
    np.testing.assert_array_equal(from_zero[4][1], from_three[1][1])


def test_replica_slices_make_up_the_global_batch(fashion_mnist):
    (images, labels), = _take(data.train_batches(fashion_mnist, 32, seed=0), 1)
    # One pipeline feeding 2 replicas yields replica 0's then replica 1's half of each step.
    halves = _take(data.train_batches(fashion_mnist, 32, seed=0,
                                      input_context=PipelineContext(1, 0, 2)), 2)
    np.testing.assert_array_equal(np.concatenate([h[0] for h in halves]), images)
    # Two workers with one replica each: worker 1 yields the second half.
    (second, _), = _take(data.train_batches(fashion_mnist, 32, seed=0,
                                            input_context=PipelineContext(2, 1, 2)), 1)
    np.testing.assert_array_equal(second, images[16:])


def test_each_part_of_a_step_holds_the_same_examples_on_any_number_of_replicas(fashion_mnist):
    """A step used in 2 parts (2 critic updates) on 2 replicas: each replica's batch is its
    half of part 1, then its half of part 2, so part k is the same examples as on one
    device; with 1 part the layout is as before."""
    (images_one, _), = _take(data.train_batches(fashion_mnist, 32, seed=0, slices=2), 1)
    np.testing.assert_array_equal(
        images_one, _take(data.train_batches(fashion_mnist, 32, seed=0), 1)[0][0])
    replicas = _take(data.train_batches(fashion_mnist, 32, seed=0,
                                        input_context=PipelineContext(1, 0, 2), slices=2), 2)
    for part in range(2):
        on_two = np.concatenate([np.split(r[0], 2)[part] for r in replicas])
        np.testing.assert_array_equal(on_two, np.split(images_one, 2)[part])


def test_each_epoch_is_a_permutation():
    # Made-up data where each image encodes its own index: an exact known answer.
    count = 300
    images = np.zeros((count, 4, 4, 1), np.uint8)
    images[:, 0, 0, 0], images[:, 0, 1, 0] = np.arange(count) % 256, np.arange(count) // 256
    info = data.DatasetInfo("indices", (4, 4, 1), ("only",))
    indexed = data.LabeledImages(images, np.zeros(count, np.int32), info)
    batches = _take(data.train_batches(indexed, 30, seed=0), 20)

    def indices(batch):
        pixels = np.round((batch[0] + 1) * 127.5).astype(int)
        return pixels[:, 0, 0, 0] + 256 * pixels[:, 0, 1, 0]

    first_epoch = np.concatenate([indices(b) for b in batches[:10]])
    second_epoch = np.concatenate([indices(b) for b in batches[10:]])
    np.testing.assert_array_equal(np.sort(first_epoch), np.arange(count))
    np.testing.assert_array_equal(np.sort(second_epoch), np.arange(count))
    assert not np.array_equal(first_epoch, second_epoch)


def test_batch_larger_than_dataset_or_uneven_over_replicas(fashion_mnist):
    tiny = data.LabeledImages(fashion_mnist.images[:10], fashion_mnist.labels[:10],
                              fashion_mnist.info)
    with pytest.raises(DataError, match="larger than the dataset"):
        data.train_batches(tiny, 16, seed=0)
    with pytest.raises(DataError, match="multiple of 3"):
        data.train_batches(fashion_mnist, 16, seed=0, input_context=PipelineContext(1, 0, 3))


# --- Bad input: each stops with a message that says what is wrong and what to do. ---

def _copy_split(tmp_path, split="train"):
    prefix = "train" if split == "train" else "t10k"
    for kind in ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"):
        shutil.copy(os.path.join(DEBIAN_DIR, f"{prefix}-{kind}"), tmp_path)
    return str(tmp_path)


def test_unknown_dataset():
    with pytest.raises(DataError, match="Unknown dataset 'fashion_mnits'.*fashion_mnist"):
        data.load("fashion_mnits")
    assert not data.is_known("fashion_mnits")
    assert data.is_known("cifar10") and data.is_known("fashion_mnist")


def test_idx_dir_is_read_plain_or_gzip(tmp_path):
    folder = _copy_split(tmp_path, "test")
    gz = data.load("fashion_mnist", "test", idx_dir=folder)
    for name in os.listdir(folder):  # the same files, uncompressed
        with gzip.open(os.path.join(folder, name)) as f:
            raw = f.read()
        os.remove(os.path.join(folder, name))
        with open(os.path.join(folder, name[:-3]), "wb") as f:
            f.write(raw)
    plain = data.load("fashion_mnist", "test", idx_dir=folder)
    np.testing.assert_array_equal(gz.images, plain.images)
    np.testing.assert_array_equal(gz.labels, plain.labels)


def test_missing_files_in_idx_dir(tmp_path):
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.*does not exist.*idx_dir"):
        data.load("fashion_mnist", "test", idx_dir=str(tmp_path))


def test_missing_everywhere_says_how_to_get_the_files(monkeypatch):
    monkeypatch.setitem(sources._IDX_DATASETS, "fashion_mnist", sources._IdxDataset(
        class_names=tuple("0123456789"), debian_dir="/nonexistent",
        debian_package="dataset-fashion-mnist"))

    def offline(name, split, tfds_dir):
        raise DataError("no internet")

    monkeypatch.setattr(sources, "_load_tfds", offline)
    with pytest.raises(DataError, match="apt-get install -y dataset-fashion-mnist.*idx_dir"):
        data.load("fashion_mnist")


def test_a_tfds_set_is_checked_for_images_and_labels_before_it_is_downloaded(monkeypatch):
    """TFDS's own metadata (no internet needed): a text set is refused by its features; an
    image classification set passes that check and reaches the download, which fails here."""
    import tensorflow_datasets as tfds

    with pytest.raises(DataError, match="'imdb_reviews' is not an image classification dataset"
                                        ": .* it has text, label"):
        data.load("imdb_reviews")

    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'www.cs.toronto.edu'")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(DataError, match="TFDS could not prepare 'cifar10' split 'train': Failed "
                                        "to resolve.*--config.data.tfds_dir"):
        data.load("cifar10")


def test_truncated_gzip(tmp_path):
    folder = _copy_split(tmp_path, "test")
    path = os.path.join(folder, "t10k-images-idx3-ubyte.gz")
    with open(path, "rb") as f:
        raw = f.read()
    with open(path, "wb") as f:
        f.write(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        data.load("fashion_mnist", "test", idx_dir=folder)


def test_bad_magic_number(tmp_path):
    path = str(tmp_path / "t10k-labels-idx1-ubyte")
    with open(path, "wb") as f:
        f.write(b"\x1f\x8b\x08\x01" + bytes(10))
    with pytest.raises(DataError, match="bad magic number 0x1f8b0801"):
        data.read_idx(path)


def test_size_mismatch(tmp_path):
    path = str(tmp_path / "labels")
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, 100) + bytes(60))
    with pytest.raises(DataError, match="holds 68 bytes.*shape \\(100,\\), 108 bytes"):
        data.read_idx(path)


def test_a_file_is_decoded_once_while_it_is_unchanged(tmp_path):
    path = str(tmp_path / "labels")

    def write(labels: bytes) -> None:
        with open(path, "wb") as f:
            f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels)

    write(bytes([1, 2, 3]))
    first = data.read_idx(path)
    assert data.read_idx(path) is first and not first.flags.writeable
    write(bytes([4, 5, 6, 7]))  # changed on disk: read again
    assert data.read_idx(path).tolist() == [4, 5, 6, 7] and first.tolist() == [1, 2, 3]


def test_labels_out_of_range(tmp_path):
    folder = _copy_split(tmp_path, "test")
    path = os.path.join(folder, "t10k-labels-idx1-ubyte.gz")
    labels = data.read_idx(path).copy()
    labels[7] = 12
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.tobytes())
    with pytest.raises(DataError, match="label 12 at index 7 is out of range.*10 classes"):
        data.load("fashion_mnist", "test", idx_dir=folder)


def test_images_and_labels_that_do_not_fit(tmp_path):
    folder = _copy_split(tmp_path, "test")
    path = os.path.join(folder, "t10k-labels-idx1-ubyte.gz")
    labels = data.read_idx(path)[:100]
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.tobytes())
    with pytest.raises(DataError, match="do not fit together"):
        data.load("fashion_mnist", "test", idx_dir=folder)


def test_to_float_maps_bytes_to_unit_range():
    np.testing.assert_allclose(data.to_float(tf.constant([0, 255], tf.uint8)), [-1.0, 1.0])
