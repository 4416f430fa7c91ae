"""Data: labelled images (IDX, TFDS), unpaired domains (folders, TFDS, two classes of a labelled
set), images with attribute vectors, and the step-indexed pipeline that batches any of them."""

from tfgan_lab.data.idx import read_idx
from tfgan_lab.data.pipeline import Indexed, step_batches, to_float, train_batches
from tfgan_lab.data.sources import (
    DatasetInfo,
    LabeledImages,
    from_config,
    is_known,
    load,
    names,
)

__all__ = ["DatasetInfo", "Indexed", "LabeledImages", "from_config", "is_known", "load", "names",
           "read_idx", "step_batches", "to_float", "train_batches"]
