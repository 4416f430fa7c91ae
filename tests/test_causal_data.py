"""Images with labels of a known causal model (real Fashion-MNIST garments), measured back
from their pixels; CelebA's folder layout and its errors."""

import os

import numpy as np
import pytest
from ml_collections import ConfigDict
from PIL import Image

from tfgan_lab.data import attributes, causal_fashion, sources
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.eval import metrics

NODES = causal_fashion.MODEL.graph.nodes


@pytest.fixture(scope="module")
def causal_test_split() -> attributes.AttributedImages:
    return attributes.load(attributes.config(), "test")


def test_every_label_is_measured_from_the_pixels(causal_test_split):
    """On 10000 real garments rendered with their labels, each rule reads its label back at
    least 95% of the time (docs/causal.md gives the measured agreement)."""
    measured = causal_fashion.measure(causal_test_split.images.images)
    agreement = (measured == causal_test_split.attributes).mean(axis=0)
    assert dict(zip(NODES, agreement >= 0.95, strict=True)) == dict.fromkeys(NODES, True)
    # The same rules read images in [-1, 1], the generators' range.
    as_float = causal_test_split.images.images[:500].astype(np.float32) / 127.5 - 1
    np.testing.assert_array_equal(causal_fashion.measure(as_float), measured[:500])


@pytest.mark.parametrize("node", [n for n in NODES if n != "footwear"])
def test_changing_one_label_changes_only_its_measure(fashion_mnist, node):
    """The same garments rendered with one label set to 0 and then to 1: that label's measure
    follows, the others' stay (footwear is the garment itself: it is not re-rendered)."""
    garments = fashion_mnist.images[np.isin(fashion_mnist.labels, causal_fashion.TOPS
                                            + causal_fashion.SHOES)][:1000]
    labels = causal_fashion.MODEL.sample(1000, np.random.default_rng(1))
    scaled = causal_fashion.on_canvas(garments)
    column = NODES.index(node)
    measured = []
    for value in (0, 1):
        labels[:, column] = value
        measured.append(causal_fashion.measure(causal_fashion.render(scaled, labels)))
    assert (measured[0][:, column] == 0).mean() > 0.95
    assert (measured[1][:, column] == 1).mean() > 0.95
    others = [i for i in range(len(NODES)) if i != column]
    assert (measured[0][:, others] == measured[1][:, others]).mean() > 0.95


def test_the_labels_follow_the_causal_model_and_the_set_is_fixed(causal_test_split):
    tvd = metrics.total_variation(metrics.label_distribution(causal_test_split.attributes),
                                  causal_fashion.MODEL.distribution())
    assert tvd < 0.03  # 10000 draws over 32 states: about 0.02 of sampling noise
    again = attributes.load(attributes.config(), "test")
    np.testing.assert_array_equal(again.images.images, causal_test_split.images.images)
    data = attributes.config()
    data.size = 2000
    train = attributes.load(data, "train")
    assert len(train) == 2000 and train.info.attribute_names == NODES
    shoes = train.attributes[:, 0] == 1
    assert 0.4 < shoes.mean() < 0.6
    images, labels = next(iter(train.batches(16, seed=0)))
    assert images.shape == (16, 28, 28, 1) and labels.shape == (16, 5)
    assert -1 <= float(images.numpy().min()) and float(images.numpy().max()) <= 1


def test_the_garments_are_real_fashion_mnist_tops_and_shoes(causal_test_split):
    """Footwear = 1 images are rendered from shoes: the real test split's shoes, scaled, give
    the pixels back (one of them, found by its exact rendering)."""
    real = sources.load("fashion_mnist", "test")
    first_shoe = int(np.flatnonzero(causal_test_split.attributes[:, 0] == 1)[0])
    labels = causal_test_split.attributes[first_shoe:first_shoe + 1]
    shoes = real.images[np.isin(real.labels, causal_fashion.SHOES)]
    rendered = causal_fashion.render(causal_fashion.on_canvas(shoes),
                                     np.repeat(labels, len(shoes), axis=0))
    target = causal_test_split.images.images[first_shoe]
    assert np.any(np.all(rendered == target, axis=(1, 2, 3)))


def _celeba_folder(root, count: int = 6, partition: bool = True) -> str:
    """A CelebA-layout folder of made-up 218 x 178 JPEGs and their attribute file."""
    images = os.path.join(root, "img_align_celeba")
    os.makedirs(images)
    rng = np.random.default_rng(0)
    lines = [str(count), "Male Smiling Young"]
    for i in range(count):
        name = f"{i + 1:06d}.jpg"
        Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(
            os.path.join(images, name))
        lines.append(f"{name} {' '.join(('1' if (i >> b) & 1 else '-1') for b in range(3))}")
    with open(os.path.join(root, attributes.CELEBA_ATTRIBUTES), "w") as f:
        f.write("\n".join(lines) + "\n")
    if partition:
        with open(os.path.join(root, attributes.CELEBA_PARTITION), "w") as f:
            f.write("".join(f"{i + 1:06d}.jpg {0 if i < 4 else 2}\n" for i in range(count)))
    return str(root)


def test_a_celeba_folder_loads_by_its_partition(tmp_path):
    data = attributes.config()
    data.folder = _celeba_folder(tmp_path)
    data.image_size = 32
    train, test = attributes.load(data, "train"), attributes.load(data, "test")
    assert (len(train), len(test)) == (4, 2)
    assert train.info.attribute_names == ("Male", "Smiling", "Young")
    np.testing.assert_array_equal(train.attributes[3], [1, 1, 0])  # image 4: bits of 3
    images, values = next(iter(train.batches(4, seed=0)))
    assert images.shape == (4, 32, 32, 3) and values.shape == (4, 3)


def test_a_celeba_folder_without_a_partition_is_split_by_hash(tmp_path):
    data = attributes.config()
    data.folder = _celeba_folder(tmp_path, count=40, partition=False)
    data.test_percent = 30
    sizes = [len(attributes.load(data, split)) for split in ("train", "test")]
    assert sum(sizes) == 40 and 0 < sizes[1] < 25
    with pytest.raises(DataError, match="no list_eval_partition.txt: without it"):
        attributes.load(data, "validation")


@pytest.mark.parametrize("line, message", [
    ("000002.jpg 1 -1", "line 4: expected a file name and 3 values of -1 or 1, got "
                        "'000002.jpg 1 -1'"),
    ("000002.jpg 1 -1 yes", "line 4: expected a file name and 3 values"),
])
def test_a_bad_attribute_file_names_its_line(tmp_path, line, message):
    folder = _celeba_folder(tmp_path)
    path = os.path.join(folder, attributes.CELEBA_ATTRIBUTES)
    lines = open(path).read().splitlines()
    lines[3] = line
    with open(path, "w") as f:
        f.write("\n".join(lines))
    data = attributes.config()
    data.folder = folder
    with pytest.raises(DataError, match=message):
        attributes.load(data, "train")


def test_celeba_folder_errors(tmp_path):
    data = attributes.config()
    data.folder = _celeba_folder(tmp_path)
    data.crop = 200
    with pytest.raises(DataError, match="crop=200 is larger than the images .*218 x 178"):
        attributes.load(data, "train")
    os.remove(os.path.join(data.folder, "img_align_celeba", "000003.jpg"))
    with pytest.raises(DataError, match="1 image\\(s\\) named in list_attr_celeba.txt are not"):
        attributes.load(data, "train")
    with open(os.path.join(data.folder, attributes.CELEBA_ATTRIBUTES), "a") as f:
        f.write("000099.jpg 1 1 1\n")
    with pytest.raises(DataError, match="line 1: it declares 6 images, the file lists 7"):
        attributes.load(data, "train")
    data.folder = str(tmp_path / "nowhere")
    with pytest.raises(DataError, match="does not exist: a CelebA folder holds"):
        attributes.load(data, "train")


def test_tfds_celeba_failing_says_how_to_use_a_folder(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    def quota_exceeded(self, *args, **kwargs):
        raise RuntimeError("Google Drive quota exceeded")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", quota_exceeded)
    data = attributes.config()
    data.name, data.tfds_dir = "celeb_a", str(tmp_path)
    with pytest.raises(DataError, match="quota exceeded.*--config.data.folder=FOLDER"):
        attributes.load(data, "train")


def test_attribute_config_errors():
    config = ConfigDict({"data": attributes.config()})
    attributes.check_config(config)
    config.data.name = "celeba"
    with pytest.raises(ConfigError, match="data.name='celeba' is not valid \\(did you mean "
                                          "'celeb_a'\\?\\)"):
        attributes.check_config(config)
    config.data.folder, config.data.crop = "/celeba", -1
    with pytest.raises(ConfigError, match="data.crop=-1 is not valid"):
        attributes.check_config(config)
