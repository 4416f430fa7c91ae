import numpy as np
from PIL import Image

from tfgan_lab import images


def test_grid_maps_range_and_places_images():
    batch = np.stack([np.full((2, 3, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    picture = images.grid(batch, columns=2, padding=1)
    assert picture.shape == (2 * 2 + 1, 2 * 3 + 1, 1) and picture.dtype == np.uint8
    assert (picture[0:2, 0:3] == 0).all()  # -1 -> black
    assert (picture[0:2, 4:7] == 128).all()  # 0 -> mid grey
    assert (picture[3:5, 0:3] == 255).all()  # 1 -> white


def test_grid_inputs_one_row_per_class_same_noise_per_column():
    z, labels = images.grid_inputs(z_dim=5, num_classes=3, columns=4, seed=1)
    assert z.shape == (12, 5) and z.dtype == np.float32 and labels.dtype == np.int32
    np.testing.assert_array_equal(labels, np.repeat([0, 1, 2], 4))
    np.testing.assert_array_equal(z[0:4], z[8:12])
    assert not np.allclose(z[0], z[1])


def test_write_png_round_trip(tmp_path):
    batch = np.random.default_rng(0).uniform(-1, 1, (6, 4, 4, 1)).astype(np.float32)
    path = images.write_png(str(tmp_path / "a" / "grid.png"), batch, columns=3)
    read = np.asarray(Image.open(path))
    np.testing.assert_array_equal(read, images.grid(batch, 3)[..., 0])
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["grid.png"]
