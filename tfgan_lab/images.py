"""Sample grids: many [-1, 1] images tiled into one uint8 picture, written as PNG."""

import os

import numpy as np
from PIL import Image

from tfgan_lab import files


def grid_inputs(z_dim: int, num_classes: int, columns: int, seed: int,
                same_noise_per_column: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (z float32, labels int32) for a grid with one row per class: column j uses the
    same z in every row, so a column shows one noise vector across all classes. Without
    `same_noise_per_column` (unconditional generators) every cell has its own z."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), columns)
    if not same_noise_per_column:
        return rng.standard_normal((num_classes * columns, z_dim)).astype(np.float32), labels
    z = rng.standard_normal((columns, z_dim)).astype(np.float32)
    return np.tile(z, (num_classes, 1)), labels


def to_bytes(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] -> uint8 [0, 255], rounded; uint8 images are returned as they are."""
    if images.dtype == np.uint8:
        return images
    return np.round((np.clip(np.asarray(images, np.float32), -1.0, 1.0) + 1.0)
                    * 127.5).astype(np.uint8)


def grid(images: np.ndarray, columns: int, padding: int = 2) -> np.ndarray:
    """Tiles images [N, H, W, C] in [-1, 1] row by row into uint8 [rows*(H+p)-p, ..., C]."""
    images = np.asarray(images, dtype=np.float32)
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    pixels = to_bytes(images)
    out = np.full((rows * (height + padding) - padding, columns * (width + padding) - padding,
                   channels), 255, np.uint8)
    for i, image in enumerate(pixels):
        top, left = (i // columns) * (height + padding), (i % columns) * (width + padding)
        out[top:top + height, left:left + width] = image
    return out


def write_png(path: str, images: np.ndarray, columns: int) -> str:
    """Writes the grid of `images` to `path` (atomically: never a half-written PNG)."""
    picture = grid(images, columns)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with files.written_whole(path) as partial:
        Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture).save(partial,
                                                                                     format="PNG")
    return path
