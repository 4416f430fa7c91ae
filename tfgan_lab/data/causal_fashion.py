"""Real Fashion-MNIST images whose labels come from a known structural causal model, in the
spirit of Morpho-MNIST: each label is applied to the image and measured back from its pixels
(not by a learned judge), so the true observational, interventional and conditional label
distributions are known exactly (causal.exact) and a generated image is checked by `measure`.

    footwear -> thick -> bright;  footwear, bright -> framed (a collider);  underline

- footwear: the garment is a shoe (sandal, sneaker, ankle boot) rather than a top (T-shirt,
  pullover, coat, shirt); the image is drawn from the split's images of that group. Measured
  by shape: shoes are wide and point left, tops are upright and mirror-symmetric.
- thick: a grey dilation by 2 px (a 5x5 maximum) of the garment, first scaled to 18x18 in the
  middle of the 28x28 canvas; measured by the garment's extent (18 px, 22 px dilated).
- bright: the garment at full contrast (its brightest pixel 255) rather than at 40%.
- framed: a 1-px white border around the canvas.
- underline: a white bar under the garment (row 26), independent of everything.
"""

import functools

import numpy as np
from ml_collections import ConfigDict

from tfgan_lab.causal import exact, graph
from tfgan_lab.data import attributes, images, sources
from tfgan_lab.images import to_bytes

NAME = "causal_fashion_mnist"
TOPS, SHOES = (0, 2, 4, 6), (5, 7, 9)  # Fashion-MNIST's classes of each footwear value
# The queries the docs and the report name: do(X) and cond(X) differ where X has ancestors
# (thick, bright) or is a collider (framed), and agree on a root (footwear).
QUERIES = ({"thick": 1}, {"thick": 0}, {"bright": 1}, {"framed": 1}, {"footwear": 1})
MODEL = exact.BinaryCausalModel.from_tables(graph.named_or_parsed(NAME), {
    "footwear": 0.5,
    "thick": {(0,): 0.7, (1,): 0.2},
    "bright": {(0,): 0.25, (1,): 0.85},
    "framed": {(0, 0): 0.1, (0, 1): 0.8, (1, 0): 0.7, (1, 1): 0.2},
    "underline": 0.3,
}, QUERIES)

_SIZE, _OFFSET, _DIM = 18, 5, 0.4  # the garment's square, its offset in the canvas, dim level
_BAR = (26, slice(6, 22))  # the underline's row and columns
_INNER = (slice(1, 26), slice(1, 27))  # inside the frame, above the bar: the garment's room


def load(data: ConfigDict, split: str) -> attributes.AttributedImages:
    """The images of `split` with their labels float32 [N, 5] in MODEL.graph.nodes' order,
    garments drawn from Fashion-MNIST's split of the same name; `data` is the group of
    attributes.config() (data.size images for data.split, 10000 for any other split, drawn
    with data.seed)."""
    size = data.size if split == data.split else 10000
    labels = MODEL.sample(size, np.random.default_rng([data.seed, _split_id(split)]))
    pixels = draw(sources.load("fashion_mnist", split, data.idx_dir, data.tfds_dir), labels,
                  np.random.default_rng([data.seed, _split_id(split), 1]))
    shape = tuple(int(d) for d in pixels.shape[1:])
    info = attributes.AttributeInfo(NAME, shape, MODEL.graph.nodes, truth=MODEL,
                                    measure=measure, measured_names=MODEL.graph.nodes)
    return attributes.AttributedImages(labels.astype(np.float32), info,
                                       images.ImageArray(pixels, shape))


def draw(garments: sources.LabeledImages, labels: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """uint8 [N, 28, 28, 1]: for each label vector, a garment of its footwear group drawn
    from `garments`, rendered with the other labels."""
    footwear = labels[:, MODEL.graph.index("footwear")]
    chosen = np.zeros(len(labels), np.int64)
    for value, classes in ((0, TOPS), (1, SHOES)):
        pool = np.flatnonzero(np.isin(garments.labels, classes))
        rows = np.flatnonzero(footwear == value)
        chosen[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return render(on_canvas(garments.images[chosen]), labels)


def render(scaled: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Garments already scaled to the canvas (`on_canvas`: float32 [N, 28, 28], brightest pixel
    255) with the labels thick, bright, framed and underline applied: uint8 [N, 28, 28, 1]."""
    column = {n: labels[:, i].astype(bool) for i, n in enumerate(MODEL.graph.nodes)}
    canvas = scaled.copy()
    canvas[column["thick"]] = _dilate(scaled[column["thick"]], 2)
    canvas = canvas * np.where(column["bright"], 1.0, _DIM)[:, None, None]
    framed = column["framed"]
    canvas[framed, 0, :] = canvas[framed, -1, :] = 255
    canvas[framed, :, 0] = canvas[framed, :, -1] = 255
    canvas[column["underline"], _BAR[0], _BAR[1]] = 255
    return np.round(canvas).clip(0, 255).astype(np.uint8)[..., None]


def measure(pixels: np.ndarray) -> np.ndarray:
    """The labels read back from images (uint8 [N, 28, 28, 1] or float in [-1, 1]): int64
    [N, 5] in MODEL.graph.nodes' order, by fixed rules on the pixels (docs/causal.md gives
    their agreement with the true labels)."""
    x = to_bytes(pixels).astype(np.float32).reshape(len(pixels), 28, 28)
    inner = x[:, _INNER[0], _INNER[1]]
    peak = inner.reshape(len(x), -1).max(axis=1)
    mask = inner > 0.25 * np.maximum(peak, 1)[:, None, None]
    height, width = _extent(mask.any(axis=2)), _extent(mask.any(axis=1))
    thick = np.maximum(height, width) >= 20
    aspect = height / np.maximum(width, 1)
    footwear = (aspect < 0.75) | (_asymmetry(mask) > np.where(thick, 0.3, 0.55))
    border = np.concatenate([x[:, 0, :], x[:, :-1, 0], x[:, :-1, -1]], axis=1)
    measured = {"footwear": footwear, "thick": thick, "bright": peak > 178,
                "framed": border.mean(axis=1) > 128,
                "underline": x[:, _BAR[0], _BAR[1]].mean(axis=1) > 128}
    return np.stack([measured[n] for n in MODEL.graph.nodes], axis=1).astype(np.int64)


def on_canvas(images: np.ndarray) -> np.ndarray:
    """Each 28x28 garment (uint8 [N, 28, 28, 1]) scaled to 18x18 in the middle of the canvas,
    its brightest pixel 255: float32 [N, 28, 28]."""
    import tensorflow as tf

    small = tf.image.resize(images.astype(np.float32), (_SIZE, _SIZE), method="area")
    canvas = np.zeros((len(images), 28, 28), np.float32)
    canvas[:, _OFFSET:_OFFSET + _SIZE, _OFFSET:_OFFSET + _SIZE] = small.numpy()[..., 0]
    peak = np.maximum(canvas.reshape(len(images), -1).max(axis=1), 1)
    return canvas * (255.0 / peak)[:, None, None]


def _dilate(canvas: np.ndarray, radius: int) -> np.ndarray:
    """Grey dilation by a (2 radius + 1)-square: each pixel the maximum of its neighbourhood."""
    size = canvas.shape[1]
    padded = np.pad(canvas, ((0, 0), (radius, radius), (0, 0)))
    rows = functools.reduce(np.maximum, (padded[:, i:i + size] for i in range(2 * radius + 1)))
    padded = np.pad(rows, ((0, 0), (0, 0), (radius, radius)))
    return functools.reduce(np.maximum, (padded[:, :, j:j + size]
                                         for j in range(2 * radius + 1)))


def _extent(occupied: np.ndarray) -> np.ndarray:
    """[N]: from the first to the last occupied position of each row of `occupied` [N, K]."""
    any_ = occupied.any(axis=1)
    first = np.argmax(occupied, axis=1)
    last = occupied.shape[1] - 1 - np.argmax(occupied[:, ::-1], axis=1)
    return np.where(any_, last - first + 1, 0)


def _asymmetry(mask: np.ndarray) -> np.ndarray:
    """[N]: the share of a garment's pixels (mask [N, H, W]) that its mirror image about the
    middle of its columns does not cover: near 0 for tops, large for shoes, which all point
    left."""
    columns = mask.any(axis=1)
    width = mask.shape[2]
    first = np.argmax(columns, axis=1)
    last = width - 1 - np.argmax(columns[:, ::-1], axis=1)
    position = np.arange(width)[None, :]
    mirror = np.clip((first + last)[:, None] - position, 0, width - 1)
    inside = (position >= first[:, None]) & (position <= last[:, None])
    mirrored = np.take_along_axis(mask, mirror[:, None, :], axis=2) & inside[:, None, :]
    return np.logical_xor(mask, mirrored).sum(axis=(1, 2)) / np.maximum(mask.sum(axis=(1, 2)), 1)


def _split_id(split: str) -> int:
    return {"train": 0, "test": 1}.get(split.split("[")[0], 2)
