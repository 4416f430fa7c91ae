"""Labelled image data: sources (IDX files, TFDS) and the step-indexed training pipeline."""

from tfgan_lab.data.idx import read_idx
from tfgan_lab.data.pipeline import to_float, train_batches
from tfgan_lab.data.sources import DatasetInfo, LabeledImages, is_known, load, names

__all__ = ["DatasetInfo", "LabeledImages", "is_known", "load", "names",
           "read_idx", "to_float", "train_batches"]
