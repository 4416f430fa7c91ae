"""AC-GAN and FC-GAN: the discriminator also classifies.

AC-GAN (Odena, Olah, Shlens 2017, arXiv 1610.09585): D has a real/fake head and an N-way class
head; both players minimise the class cross-entropy of real images (D) and of fakes under the
class they were generated for (D and G).
FC-GAN (Li, Wang, Qi, ICIP 2018, arXiv 1805.01972; code cli42utk/ImageSynthesis-FC-GAN): the
class head has N+1 outputs and, for D's update, every fake belongs to the extra class N, so the
classifier is a second discriminator; G's targets stay real and class c.
With `critic_steps` > 1 and a `gradient_penalty` weight this is the AC-GAN + WGAN-GP base of
Memory Replay GANs (Wu et al. 2018): D is updated `critic_steps` times per step, each time on
its own slice of the step's batch, and penalised by (||grad D(x_hat)|| - 1)^2.
Run: python main.py --config=configs/acgan_fashion_mnist.py --workdir=runs/acgan
     python main.py --config=configs/fcgan_fashion_mnist.py --workdir=runs/fcgan
"""

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, data, models, nets
from tfgan_lab.draws import indexed
from tfgan_lab.gans.conditional import ConditionalGAN
from tfgan_lab.losses import classification_loss, gradient_penalty


class AuxiliaryClassifierGAN(ConditionalGAN):
    """AC-GAN's and FC-GAN's shared updates: `critic_steps` D updates (real/fake + class
    heads), then one G update; D sees real and fake images in one call, so spectral
    normalisation's power iteration runs once per D update. Each step's batch holds
    `critic_steps` slices, one per D update. The variants say what D's class head learns of
    fakes (`fake_class_targets`) and how wide it is (`class_outputs`)."""

    def __init__(self, generator, discriminator, *, critic_steps: int = 1,
                 penalty_weight: float = 0.0, classify_fakes: bool = True,
                 generator_class_weight: float = 1.0, **kwargs):
        super().__init__(generator, discriminator,
                         metric_names=("d_loss", "g_loss", "d_class_loss", "g_class_loss"),
                         **kwargs)
        self.critic_steps = critic_steps
        self.penalty_weight = penalty_weight
        self.classify_fakes = classify_fakes
        self.generator_class_weight = generator_class_weight

    @classmethod
    def model_fields(cls, model: ConfigDict) -> None:
        super().model_fields(model)
        model.critic_steps = 1  # D updates per G update (WGAN-GP: 5).
        model.gradient_penalty = 0.0  # WGAN-GP's weight (10 in the paper).
        model.generator_class_weight = 1.0  # G's class loss, times this.

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        super().check_config(config)
        checks.positive(config, "model.critic_steps")
        checks.at_least_zero(config, "model.gradient_penalty", "model.generator_class_weight")

    @classmethod
    def options(cls, config: ConfigDict, info: data.DatasetInfo) -> dict:
        model = config.model
        return {**super().options(config, info), "critic_steps": model.critic_steps,
                "penalty_weight": model.gradient_penalty,
                "generator_class_weight": model.generator_class_weight}

    @classmethod
    def class_outputs(cls, info: data.DatasetInfo) -> int:
        """The class head's width."""
        raise NotImplementedError

    @classmethod
    def discriminator_network(cls, config: ConfigDict, info: data.DatasetInfo) -> keras.Model:
        return nets.discriminator(info.image_shape, filters=config.model.d_filters,
                                  spectral_norm=config.model.spectral_norm,
                                  class_outputs=cls.class_outputs(info))

    def fake_class_targets(self, labels: tf.Tensor) -> tf.Tensor:
        """The class D learns for fakes generated for `labels`."""
        raise NotImplementedError

    def discriminator_losses(self, images: tf.Tensor, labels: tf.Tensor, training: bool,
                             critic_update: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """Per-example (adversarial + gradient penalty, class) losses of D on real images and
        fakes, for D update `critic_update` of the step."""
        batch_size = tf.shape(labels)[0]
        z = self.noise(batch_size, stream=indexed("d_fakes", critic_update))
        fakes = tf.stop_gradient(self.generator(self.generator_inputs(z, labels),
                                                training=training))
        seen = tf.concat([self.augment(images, indexed("augment_reals", critic_update)),
                          self.augment(fakes, indexed("augment_fakes", critic_update))], axis=0)
        out = self.discriminator({"images": seen}, training=training)
        real_logits, fake_logits = tf.split(out["logits"], 2)
        real_classes, fake_classes = tf.split(out["class_logits"], 2)
        adversarial = self.adversarial_loss.discriminator(real_logits, fake_logits)
        if self.penalty_weight:
            adversarial += self.penalty_weight * gradient_penalty(
                lambda x: self.discriminator({"images": x}, training=training)["logits"],
                images, fakes, self.uniform(batch_size, indexed("penalty", critic_update)))
        class_loss = classification_loss(real_classes, labels)
        if self.classify_fakes:
            class_loss += classification_loss(fake_classes, self.fake_class_targets(labels))
        return adversarial, class_loss

    def generator_losses(self, labels: tf.Tensor, training: bool) -> tuple[tf.Tensor, tf.Tensor]:
        """Per-example (adversarial + the hook's term, class) losses of G: fool D, and be
        classified as `labels`."""
        z = self.noise(tf.shape(labels)[0], stream="g_fakes")
        fakes = self.generator(self.generator_inputs(z, labels), training=training)
        out = self.discriminator({"images": self.augment(fakes, "augment_g_fakes")}, training=False)
        return (self.adversarial_loss.generator(out["logits"])
                + self.generator_penalty(tf.shape(labels)[0], training),
                classification_loss(out["class_logits"], labels))

    def generator_objective(self, adversarial: tf.Tensor, class_loss: tf.Tensor) -> tf.Tensor:
        """G's per-example loss: its adversarial part plus its weighted class part."""
        return adversarial + self.generator_class_weight * class_loss

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        slices = zip(tf.split(data[0], self.critic_steps), tf.split(data[1], self.critic_steps),
                     strict=True)
        for critic_update, (images, labels) in enumerate(slices):
            images, labels = self.real_batch(images, labels, critic_update)

            def d_loss(images=images, labels=labels, critic_update=critic_update):
                adversarial, class_loss = self.discriminator_losses(images, labels, True,
                                                                    critic_update)
                return adversarial + class_loss, {"d_class_loss": class_loss}

            d_total, d_parts = self.minimize(d_loss, "d", has_aux=True)

        def g_loss():  # For the labels of the last slice: replayed classes included.
            adversarial, class_loss = self.generator_losses(labels, True)
            return (self.generator_objective(adversarial, class_loss),
                    {"g_class_loss": class_loss})

        g_total, g_parts = self.minimize(g_loss, "g", has_aux=True)
        self.step.assign_add(1)
        return self.track(d_loss=d_total, g_loss=g_total, **d_parts, **g_parts)

    def test_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = data
        d_adversarial, d_class = self.discriminator_losses(images, labels, training=False)
        g_adversarial, g_class = self.generator_losses(labels, training=False)
        return self.track(d_loss=d_adversarial + d_class,
                          g_loss=self.generator_objective(g_adversarial, g_class),
                          d_class_loss=d_class, g_class_loss=g_class)


@models.register("acgan")
class ACGAN(AuxiliaryClassifierGAN):
    """An N-way class head, which learns fakes as the class they were generated for (or,
    with `classify_fakes=False`, real images only)."""

    @classmethod
    def model_fields(cls, model: ConfigDict) -> None:
        super().model_fields(model)
        # D's class head also learns fakes as their class (Odena et al.); False: real images
        # only, as in Gulrajani et al.'s AC-WGAN-GP.
        model.classify_fakes = True

    @classmethod
    def options(cls, config: ConfigDict, info: data.DatasetInfo) -> dict:
        return {**super().options(config, info), "classify_fakes": config.model.classify_fakes}

    @classmethod
    def class_outputs(cls, info: data.DatasetInfo) -> int:
        return info.num_classes

    def fake_class_targets(self, labels: tf.Tensor) -> tf.Tensor:
        return labels


@models.register("fcgan")
class FCGAN(AuxiliaryClassifierGAN):
    """An N+1-way class head whose extra class N holds every fake, for D: the classifier is a
    second discriminator (it always learns fakes)."""

    @classmethod
    def class_outputs(cls, info: data.DatasetInfo) -> int:
        return info.num_classes + 1

    def fake_class_targets(self, labels: tf.Tensor) -> tf.Tensor:
        return tf.fill(tf.shape(labels), tf.constant(self.num_classes, labels.dtype))
