"""What a run shows while it trains, every train.sample_every steps: a model's sampler returns
one of these, and the loop writes it into the workdir's samples/ and to TensorBoard without
knowing which kind it is. An image model draws a grid (a PNG and `tf.summary.image`); a text
model a table of sentences, source / output / reference (a Markdown file and
`tf.summary.text`, which TensorBoard's Text tab shows as a table).
"""

import dataclasses
from typing import Protocol

import numpy as np
import tensorflow as tf

from tfgan_lab import files, images


class Samples(Protocol):
    extension: str  # of the file written each time: samples/step_<step>.<extension>

    def write(self, path: str) -> str:
        """Writes the samples to `path` whole; returns `path`."""

    def summarise(self, step: int) -> None:
        """Writes them to the default TensorBoard writer at `step`."""


@dataclasses.dataclass(frozen=True)
class ImageGrid:
    """Images [N, H, W, C] in [-1, 1], tiled row by row `columns` wide."""
    images: np.ndarray
    columns: int
    extension = "png"

    def write(self, path: str) -> str:
        return images.write_png(path, self.images, self.columns)

    def summarise(self, step: int) -> None:
        tf.summary.image("samples", images.grid(self.images, self.columns)[None], step=step)


@dataclasses.dataclass(frozen=True)
class SentenceTable:
    """Sentences in named columns ("source", "output", "reference"), a row per example."""
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    extension = "md"

    def __post_init__(self):
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"A row of {len(row)} sentences in a table of columns "
                                 f"{', '.join(self.columns)}.")

    def markdown(self) -> str:
        """The table in Markdown, each cell's `|` escaped and its line breaks joined."""
        def cell(text: str) -> str:
            return " ".join(text.split()).replace("|", "\\|")

        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(cell(text) for text in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def write(self, path: str) -> str:
        files.write_text(path, self.markdown())
        return path

    def summarise(self, step: int) -> None:
        tf.summary.text("samples", self.markdown(), step=step)
