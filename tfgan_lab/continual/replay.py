"""Replay of earlier tasks from their exported SavedModels, loaded by path, and the hooks that
bring it into training.

Deep Generative Replay (Shin et al. 2017) labels the old generator's samples with the old
solver's predictions; Memory Replay GANs (Wu et al. 2018) use the class each sample was
generated for. Any export that honours the serving contract works, wherever it was trained.
A `Replay` is a training hook of the GAN family (gans/gan.py): it mixes old
samples into the batch D learns as real. `Alignment` is the other hook: replay alignment.
"""

from collections.abc import Sequence

import tensorflow as tf

from tfgan_lab import export
from tfgan_lab.draws import indexed
from tfgan_lab.errors import ExportError


class Replay:
    """Old-class samples (images, labels), mixed into each real batch.

    Args:
      generator_path: an exported generator (conditional or unconditional).
      classes: the old classes a conditional generator is asked for, uniformly.
      new_fraction: the share r of each batch that stays new data (1/t at task t in DGR).
      solver_path: an exported classifier that labels the samples (DGR); required for an
        unconditional generator.
    """

    STREAMS = ("replay_z", "replay_classes")  # The model's draws for the replayed samples.

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

    def real_batch(self, model, images: tf.Tensor, labels: tf.Tensor,
                   update: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch's first share r, followed by replayed samples of the old classes (Shin et
        al. 2017; Wu et al. 2018, JTR). `model` draws the noise (a StepDraws): a pure function
        of its seed and step, per D update `update`."""
        batch_size = tf.shape(labels)[0]
        new = tf.cast(tf.round(self.new_fraction * tf.cast(batch_size, tf.float32)), tf.int32)
        old = batch_size - new
        old_images, old_labels = self(model.noise(old, indexed("replay_z", update), self.z_dim),
                                      model.uniform(old, indexed("replay_classes", update)))
        return (tf.concat([images[:new], tf.cast(old_images, images.dtype)], axis=0),
                tf.concat([labels[:new], tf.cast(old_labels, labels.dtype)], axis=0))

    def generator_loss(self, model, batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        return tf.zeros([batch_size])


class Alignment:
    """Replay alignment (Wu et al. 2018, RA): G's loss gains the weighted squared distance
    between G(z, c) and the earlier generator's image for the same z and an old class c."""

    STREAMS = ("align_z", "align_classes")  # The model's draws for the aligned samples.

    def __init__(self, replay: Replay, weight: float):
        self.replay, self.weight = replay, weight

    def real_batch(self, model, images: tf.Tensor, labels: tf.Tensor,
                   update: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        return images, labels

    def generator_loss(self, model, batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        z = model.noise(batch_size, "align_z")
        classes = self.replay.classes(model.uniform(batch_size, "align_classes"))
        images = tf.cast(model.generator(model.generator_inputs(z, classes), training=training),
                         tf.float32)
        target = tf.stop_gradient(self.replay.generate(z, classes))
        return self.weight * tf.reduce_sum(tf.square(images - target), axis=[1, 2, 3])
