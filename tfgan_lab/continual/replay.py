"""Replay of earlier tasks from their exported SavedModels, loaded by path.

Deep Generative Replay (Shin et al. 2017) labels the old generator's samples with the old
solver's predictions; Memory Replay GANs (Wu et al. 2018) use the class each sample was
generated for. Any export that honours the serving contract works, wherever it was trained.
"""

from collections.abc import Sequence

import tensorflow as tf

from tfgan_lab import export
from tfgan_lab.errors import ExportError


class Replay:
    """Old-class samples (images, labels) for `StepDraws.real_batch` and replay alignment.

    Args:
      generator_path: an exported generator (conditional or unconditional).
      classes: the old classes a conditional generator is asked for, uniformly.
      new_fraction: the share r of each batch that stays new data (1/t at task t in DGR).
      solver_path: an exported classifier that labels the samples (DGR); required for an
        unconditional generator.
    """

    def __init__(self, generator_path: str, *, classes: Sequence[int], new_fraction: float,
                 solver_path: str | None = None):
        self.generator = export.load_generator(generator_path)
        self.solver = export.load_classifier(solver_path) if solver_path else None
        if self.solver is None and not self.generator.conditional:
            raise ExportError(f"{generator_path} is an unconditional generator: its samples need "
                              "a solver to label them (pass solver_path).")
        self.z_dim = self.generator.z_dim
        self.new_fraction = new_fraction
        self._classes = tf.constant(list(classes), tf.int32)

    def classes(self, uniform: tf.Tensor) -> tf.Tensor:
        """One old class per value of `uniform` in [0, 1), each equally likely."""
        count = tf.shape(self._classes)[0]
        index = tf.minimum(tf.cast(uniform * tf.cast(count, uniform.dtype), tf.int32), count - 1)
        return tf.gather(self._classes, index)

    def generate(self, z: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        return self.generator(z, labels)

    def label(self, images: tf.Tensor) -> tf.Tensor:
        """The old solver's predicted classes for `images`."""
        return tf.argmax(self.solver(images)["logits"], axis=-1, output_type=tf.int32)

    def __call__(self, z: tf.Tensor, uniform: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        labels = self.classes(uniform)
        images = self.generate(z, labels)
        if self.solver is not None:
            labels = self.label(images)
        return images, labels
