"""Adversarial losses shared by every model: pure functions of discriminator logits.

Each function is elementwise; `AdversarialLoss` averages it over all but the batch axis (a
PatchGAN has one logit per patch), so every loss is per example, shape [B]. The model reduces
it over the *global* batch with `tf.nn.compute_average_loss`, so gradients summed across
replicas equal the single-device gradient whatever the number of replicas.
"""

import dataclasses
from collections.abc import Callable, Sequence

import tensorflow as tf


def non_saturating_discriminator_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
    """-log D(x) - log(1 - D(G(z))), with D = sigmoid(logits) (Goodfellow et al. 2014)."""
    return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)


def non_saturating_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """-log D(G(z)): the non-saturating generator loss (Goodfellow et al. 2014, section 3)."""
    return tf.nn.softplus(-fake_logits)


def hinge_discriminator_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
    """max(0, 1 - D(x)) + max(0, 1 + D(G(z))) (Lim & Ye 2017; Miyato & Koyama 2018)."""
    return tf.nn.relu(1.0 - real_logits) + tf.nn.relu(1.0 + fake_logits)


def hinge_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """-D(G(z)), the generator side of the hinge loss (Miyato & Koyama 2018)."""
    return -fake_logits


def wasserstein_discriminator_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
    """D(G(z)) - D(x): the critic's side of the Wasserstein loss (Arjovsky et al. 2017); pair
    it with `gradient_penalty` (WGAN-GP, Gulrajani et al. 2017)."""
    return fake_logits - real_logits


def wasserstein_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """-D(G(z)), the generator side of the Wasserstein loss."""
    return -fake_logits


def least_squares_discriminator_loss(real_logits: tf.Tensor,
                                     fake_logits: tf.Tensor) -> tf.Tensor:
    """(D(x) - 1)^2 + D(G(z))^2: LSGAN (Mao et al. 2017), CycleGAN's loss (which halves it)."""
    return tf.square(real_logits - 1.0) + tf.square(fake_logits)


def least_squares_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """(D(G(z)) - 1)^2, the generator side of LSGAN (Mao et al. 2017)."""
    return tf.square(fake_logits - 1.0)


def gradient_penalty(critic: Callable[[tf.Tensor], tf.Tensor], real: tf.Tensor, fake: tf.Tensor,
                     epsilon: tf.Tensor, norm_axes: Sequence[int] | None = None) -> tf.Tensor:
    """(||grad D(x_hat)||_2 - 1)^2 per example, x_hat = epsilon * real + (1 - epsilon) * fake
    (Gulrajani et al. 2017, eq. 3); `epsilon` [B] is drawn uniform in [0, 1] by the caller,
    so the penalty is a pure function of its inputs.

    With `norm_axes`, the norm is taken over those axes alone and the penalties of what is
    left add up: inputs [B, K, L] of K critics side by side, critic k reading [:, k], with
    norm_axes=(2,), hold each critic's gradient to norm 1 on its own."""
    epsilon = tf.reshape(tf.cast(epsilon, real.dtype), [-1] + [1] * (len(real.shape) - 1))
    interpolates = epsilon * real + (1.0 - epsilon) * tf.cast(fake, real.dtype)
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        logits = tf.cast(critic(interpolates), tf.float32)
    gradients = tf.cast(tape.gradient(logits, interpolates), tf.float32)
    axes = list(norm_axes or range(1, len(real.shape)))
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + 1e-12)
    penalties = tf.square(norms - 1.0)
    return tf.reduce_sum(penalties, axis=range(1, len(penalties.shape)))


def classification_loss(class_logits: tf.Tensor, labels: tf.Tensor,
                        label_smoothing: float = 0.0) -> tf.Tensor:
    """Cross-entropy of integer labels under softmax(class_logits), per example: the auxiliary
    classifier term of AC-GAN (Odena et al. 2017) and FC-GAN (Li et al. 2018).

    With `label_smoothing` s > 0 the target is one-hot * (1 - s) + s / K over the K classes
    (Szegedy et al. 2016): the loss is then minimal at a finite logit gap, log(1 + K(1 - s)/s),
    so logits cannot grow without bound when a batch holds a single class.
    """
    labels, class_logits = tf.cast(labels, tf.int32), tf.cast(class_logits, tf.float32)
    if not label_smoothing:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=class_logits)
    num_classes = tf.shape(class_logits)[-1]
    targets = (tf.one_hot(labels, num_classes) * (1.0 - label_smoothing)
               + label_smoothing / tf.cast(num_classes, tf.float32))
    return tf.nn.softmax_cross_entropy_with_logits(labels=targets, logits=class_logits)


def binary_labels_loss(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Sigmoid cross-entropy of binary label vectors [B, L], summed over the labels: [B]
    (CausalGAN's Labeler and Anti-Labeler terms)."""
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.float32), logits=tf.cast(logits, tf.float32)), axis=1)


def per_example(values: tf.Tensor) -> tf.Tensor:
    """The mean over every axis but the first: [B, ...] -> [B]."""
    if len(values.shape) == 1:
        return values
    return tf.reduce_mean(values, axis=range(1, len(values.shape)))


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """A generator loss and a discriminator loss, per example."""
    generator_fn: Callable[[tf.Tensor], tf.Tensor]
    discriminator_fn: Callable[[tf.Tensor, tf.Tensor], tf.Tensor]

    def generator(self, fake_logits: tf.Tensor) -> tf.Tensor:
        return per_example(self.generator_fn(fake_logits))

    def discriminator(self, real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
        return per_example(self.discriminator_fn(real_logits, fake_logits))


_LOSSES = {
    "non_saturating": AdversarialLoss(non_saturating_generator_loss,
                                      non_saturating_discriminator_loss),
    "hinge": AdversarialLoss(hinge_generator_loss, hinge_discriminator_loss),
    "wasserstein": AdversarialLoss(wasserstein_generator_loss, wasserstein_discriminator_loss),
    "least_squares": AdversarialLoss(least_squares_generator_loss,
                                     least_squares_discriminator_loss),
}


def names() -> tuple[str, ...]:
    return tuple(_LOSSES)


def get(name: str) -> AdversarialLoss:
    """The loss pair called `name`; KeyError lists the valid names."""
    if name not in _LOSSES:
        raise KeyError(f"Unknown loss {name!r}: choose one of {', '.join(_LOSSES)}.")
    return _LOSSES[name]


def total_variation(images: tf.Tensor) -> tf.Tensor:
    """Per example, as the CAAE's official code: half the summed squared differences between
    vertical neighbours over the height, plus the same horizontally over the width."""
    images = tf.cast(images, tf.float32)
    height, width = images.shape[1], images.shape[2]
    vertical = tf.reduce_sum(tf.square(images[:, 1:] - images[:, :-1]), axis=[1, 2, 3])
    horizontal = tf.reduce_sum(tf.square(images[:, :, 1:] - images[:, :, :-1]), axis=[1, 2, 3])
    return 0.5 * vertical / height + 0.5 * horizontal / width


def l1(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Mean absolute difference per example: CycleGAN's cycle and identity losses."""
    return per_example(tf.abs(tf.cast(x, tf.float32) - tf.cast(y, tf.float32)))


def sentence_cross_entropy(logits: tf.Tensor, target: tf.Tensor, smoothing: float = 0.0,
                           pad: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
    """(cross-entropy of each sentence float32 [B], summed over its pieces, and its pieces
    float32 [B]) of writing the padded ids `target` [B, T] (`pad` after each sentence) with
    `logits` [B, T, V]; the targets label-smoothed by `smoothing` (0: -log P(target))."""
    logits = tf.cast(logits, tf.float32)
    labels = tf.one_hot(target, tf.shape(logits)[-1])
    if smoothing:
        labels = labels * (1 - smoothing) + smoothing / tf.cast(tf.shape(logits)[-1], tf.float32)
    cross_entropy = -tf.reduce_sum(labels * tf.nn.log_softmax(logits), axis=-1)
    mask = tf.cast(tf.not_equal(target, pad), tf.float32)
    return tf.reduce_sum(cross_entropy * mask, axis=1), tf.reduce_sum(mask, axis=1)
