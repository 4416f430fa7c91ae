"""The conditional adversarial autoencoder (Zhang, Song, Qi, CVPR 2017, arXiv 1702.08423):
progression and regression of an ordered condition (age) with the identity kept, checked
against the official code (ZZUTK/Face-Aging-CAAE).

Four players. The encoder E maps an image to z in [-1, 1]^Z; the generator G re-generates it
from [z, condition]. E and G minimise, together,
    reconstruction_weight * |G(E(x), l) - x|_1 + image_weight * adv(D_img(G(E(x), l), l))
    + z_weight * adv(D_z(E(x))) + tv_weight * TV(G(E(x), l));
D_z tells z drawn from the prior U(-1, 1)^Z from E's codes, and D_img real images of condition
l from G's. Until `warmup_fraction` of the steps the adversarial weights are 0: the official
code trains a plain autoencoder first. Ageing is then G(E(x), l') for another group l'.

Switches, all off in the official recipe: `condition_maps` gives G the condition before every
layer, not only at its input; `random_targets` makes D_img judge G(E(x), l') for a random
target l' as well (the official D_img only sees reconstructions, which lets G ignore the
condition); `mismatched_reals` makes D_img learn real images under a wrong group as fakes, so
that it judges the match of image and condition, not only realism (Reed et al. 2016);
`encoder=False` leaves E out (G reads z from the prior): the conditional GAN that meets the
condition but keeps no identity, a baseline.

Run: python main.py --config=configs/caae_fashion_mnist.py --workdir=runs/caae
"""

import keras
import tensorflow as tf
from absl import logging
from ml_collections import ConfigDict

from tfgan_lab import checks, draws, export, losses, models
from tfgan_lab.data import groups
from tfgan_lab.errors import ConfigError
from tfgan_lab.gans import caae_eval, caae_serving
from tfgan_lab.nets import caae as nets
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, adam, learning_rates


@models.register("caae")
class CAAE(PlayerModel):
    PLAYERS = {"e": "encoder", "g": "generator", "d_z": "z_discriminator",
               "d_img": "image_discriminator"}
    # Each step's draws (tfgan_lab/draws.py): the prior's z for D_z, the random targets, G's z
    # when there is no encoder, the mismatched groups; and the fixed codes that stand in for
    # E(x) in the encoder-less baseline's evaluations.
    STREAMS = ("prior_z", "targets", "generator_z", "mismatches", "evaluation_z")

    def __init__(self, encoder: keras.Model, generator: keras.Model,
                 z_discriminator: keras.Model, image_discriminator: keras.Model, *,
                 loss: losses.AdversarialLoss, info: groups.GroupInfo, weights: dict[str, float],
                 warmup_steps: int, random_targets: bool, mismatched_reals: bool,
                 use_encoder: bool, seed: int, **kwargs):
        super().__init__(seed=seed, metric_names=(
            "eg_loss", "reconstruction_l1", "image_adversarial", "z_adversarial",
            "total_variation", "d_img_loss", "d_z_loss"), **kwargs)
        self.encoder, self.generator = encoder, generator
        self.z_discriminator, self.image_discriminator = z_discriminator, image_discriminator
        self.adversarial_loss = loss
        self.info = info
        self.z_dim = int(encoder.output.shape[-1])
        self.loss_weights = weights
        self.warmup_steps = warmup_steps
        self.random_targets, self.use_encoder = random_targets, use_encoder
        self.mismatched_reals = mismatched_reals

    # --- Config, data, construction. ---

    @classmethod
    def config(cls) -> ConfigDict:
        model = ConfigDict()
        model.variant = cls.VARIANT
        model.loss = "non_saturating"  # Sigmoid cross-entropy, as the official code.
        model.z_dim = 50
        model.layers = 0  # Stride-2 layers of E and G; 0: the most that fit, up to 5 (official).
        model.e_filters = 64  # E's first width, doubled per layer (official: 64 ... 1024).
        model.g_filters = 1024  # G's first width, halved by every layer (official).
        model.d_filters = 16  # D_img's first width (official: 16, 32, 64, 128).
        model.d_layers = 4
        model.d_dense = 1024  # D_img's dense layer (official 1024).
        model.tile_labels = True  # Condition codes repeated to weigh as much as z (official).
        model.condition_maps = False  # Also as maps before every G layer (forks); official: no.
        model.reconstruction_weight = 1.0
        # The official code's (image adversary, z adversary, total variation) weights at HEAD;
        # its older commits had 1e-4 for all three.
        model.image_weight = 1e-4
        model.z_weight = 0.0
        model.tv_weight = 0.0
        model.warmup_fraction = 0.2  # A plain autoencoder first (official: 10 of 50 epochs).
        model.random_targets = False  # D_img also judges G(E(x), random target).
        model.mismatched_reals = False  # D_img also learns real images of a wrong group as fake.
        model.encoder = True  # False: no E, G reads z from the prior (a conditional GAN).
        return ConfigDict({"model": model, "data": groups.config(),
                           "optimizer": learning_rates(g=2e-4, d=2e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """The official recipe in the common groups: batch 100, Adam 2e-4 (0.5, 0.999)."""
        config.train.batch_size = 100
        config.train.sample_columns = 8  # Grid rows: inputs, each under every condition.
        config.eval.num_samples = 1000

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "model.loss", losses.names())
        checks.positive(config, "model.z_dim", "model.e_filters", "model.g_filters",
                        "model.d_filters", "model.d_layers", "model.d_dense")
        checks.at_least_zero(config, "model.layers", "model.reconstruction_weight",
                             "model.image_weight", "model.z_weight", "model.tv_weight")
        checks.unit_interval(config, "model.warmup_fraction")
        groups.check_config(config)
        if not config.model.encoder and not config.model.image_weight:
            raise ConfigError("config.model.encoder=False trains G by the image adversary "
                              "alone: set config.model.image_weight > 0.")

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(z_dim=8, e_filters=4, g_filters=16, d_filters=4, d_dense=16)
        config.eval.num_samples = 40

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> groups.GroupedImages:
        return groups.load(config.data, split)

    @classmethod
    def from_config(cls, config: ConfigDict, info: groups.GroupInfo) -> "CAAE":
        model, shape, sizes = config.model, info.image_shape, info.condition_sizes
        depth = model.layers or nets.default_layers(shape)
        networks = (
            nets.encoder(shape, model.z_dim, model.e_filters, depth),
            nets.generator(shape, model.z_dim, sizes, model.g_filters, depth,
                           model.tile_labels, model.condition_maps),
            nets.z_discriminator(model.z_dim),
            nets.image_discriminator(shape, sizes, model.d_filters, model.d_layers,
                                     model.d_dense))
        caae = cls(*networks, loss=losses.get(model.loss), info=info,
                   weights={name: model[f"{name}_weight"]
                            for name in ("reconstruction", "image", "z", "tv")},
                   warmup_steps=round(model.warmup_fraction * config.train.steps),
                   random_targets=model.random_targets,
                   mismatched_reals=model.mismatched_reals, use_encoder=model.encoder,
                   seed=config.seed, name=model.variant)
        rates = {"g": config.optimizer.g_learning_rate, "d": config.optimizer.d_learning_rate}
        caae.compile(optimizers={"e": adam(config, rates["g"]), "g": adam(config, rates["g"]),
                                 "d_z": adam(config, rates["d"]),
                                 "d_img": adam(config, rates["d"])},
                     jit_compile=config.runtime.jit_compile)
        return caae

    # --- What the trainer asks. ---

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: groups.GroupedImages) -> Sampler:
        return caae_eval.make_sampler(config, dataset)

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        return caae_eval.make_evaluator(config)

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        return caae_eval.evaluate_export(config, path)

    def exports(self) -> dict[str, export.Export]:
        """"progression": x and a target condition -> G(E(x), target), under its own contract
        (tfgan_lab/gans/caae_serving.py)."""
        if not self.use_encoder:
            logging.warning("A CAAE without its encoder (config.model.encoder=False, the "
                            "baseline) has no image-to-image model: nothing is exported.")
            return {}
        return {"progression": caae_serving.progression_export(self.encoder, self.generator,
                                                               self.info)}

    # --- Encoding and generating. ---

    def call(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.encoder(images, training=training)

    def condition_inputs(self, conditions: tf.Tensor) -> dict[str, tf.Tensor]:
        """conditions int32 [B, K] -> the networks' inputs {"label"[, "gender"]}."""
        names = nets.CONDITION_INPUTS[:len(self.info.condition_sizes)]
        return {name: conditions[:, i] for i, name in enumerate(names)}

    def generator_inputs(self, z: tf.Tensor, conditions: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"z": z, **self.condition_inputs(conditions)}

    def encode(self, images) -> tf.Tensor:
        """E(x) in inference mode; without an encoder, z from the prior (seeded by the batch
        size, so an evaluation draws the same codes every time)."""
        if self.use_encoder:
            return self.encoder(images, training=False)
        count = tf.shape(images)[0]
        return tf.random.stateless_uniform([count, self.z_dim],
                                           draws.fixed_seed(self.seed, "evaluation_z"), -1.0, 1.0)

    def transform(self, images, conditions) -> tf.Tensor:
        """G(E(x), conditions) in inference mode: conditions int32 [B, K]."""
        z = self.encode(images)
        return self.generator(self.generator_inputs(z, tf.convert_to_tensor(conditions)),
                              training=False)

    # --- Training. ---

    def prior(self, batch_size: tf.Tensor, stream: str) -> tf.Tensor:
        """This replica's slice of z ~ U(-1, 1)^Z for the current step."""
        return self.draw(lambda n, seed: tf.random.stateless_uniform(
            [n, self.z_dim], seed=seed, minval=-1.0, maxval=1.0), batch_size, stream)

    def targets(self, conditions: tf.Tensor) -> tf.Tensor:
        """The conditions with a random group in place of each example's own."""
        groups_ = self.draw(lambda n, seed: tf.random.stateless_uniform(
            [n], seed=seed, maxval=self.info.num_groups, dtype=tf.int32),
            tf.shape(conditions)[0], "targets")
        return tf.concat([groups_[:, None], conditions[:, 1:]], axis=1)

    def mismatched(self, conditions: tf.Tensor) -> tf.Tensor:
        """The conditions with a group other than each example's own, drawn uniformly."""
        shift = self.draw(lambda n, seed: tf.random.stateless_uniform(
            [n], seed=seed, minval=1, maxval=self.info.num_groups, dtype=tf.int32),
            tf.shape(conditions)[0], "mismatches")
        groups_ = (conditions[:, 0] + shift) % self.info.num_groups
        return tf.concat([groups_[:, None], conditions[:, 1:]], axis=1)

    def discriminate_image(self, images: tf.Tensor, conditions: tf.Tensor,
                           training: bool) -> tf.Tensor:
        return self.image_discriminator({"images": images, **self.condition_inputs(conditions)},
                                        training=training)["logits"]

    def autoencoder_losses(self, images: tf.Tensor, conditions: tf.Tensor,
                           training: bool) -> dict[str, tf.Tensor]:
        """E and G's per-example loss and its parts, with the fakes D_img learns from."""
        batch = tf.shape(images)[0]
        z = (self.encoder(images, training=training) if self.use_encoder
             else self.prior(batch, "generator_z"))
        fakes = self.generator(self.generator_inputs(z, conditions), training=training)
        weights, zeros = self.loss_weights, tf.zeros([batch])
        parts = {"z": z, "fakes": [(fakes, conditions)],
                 "total_variation": losses.total_variation(fakes), "reconstruction_l1": zeros,
                 "z_adversarial": zeros, "image_adversarial": zeros}
        if self.use_encoder:
            parts["reconstruction_l1"] = losses.l1(fakes, images)
        if self.use_encoder and weights["z"]:
            parts["z_adversarial"] = self.adversarial_loss.generator(
                self.z_discriminator(z, training=False)["logits"])
        if weights["image"]:  # (a weight of 0 skips the adversary's work)
            if self.random_targets:  # G alone learns from these: E's codes stay the identity's.
                targets = self.targets(conditions)
                parts["fakes"].append((self.generator(self.generator_inputs(
                    tf.stop_gradient(z), targets), training=training), targets))
            parts["image_adversarial"] = tf.add_n([
                self.adversarial_loss.generator(self.discriminate_image(f, c, training=False))
                for f, c in parts["fakes"]]) / len(parts["fakes"])
        adversaries_on = tf.cast(self.step >= self.warmup_steps, tf.float32)
        parts["eg_loss"] = (
            weights["reconstruction"] * parts["reconstruction_l1"]
            + weights["tv"] * parts["total_variation"]
            + adversaries_on * (weights["image"] * parts["image_adversarial"]
                                + weights["z"] * parts["z_adversarial"]))
        return parts

    def z_discriminator_loss(self, z: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example: the prior's samples are real, E's codes fake, in one call."""
        prior = self.prior(tf.shape(z)[0], "prior_z")
        logits = self.z_discriminator(tf.concat([prior, z], axis=0), training=training)
        real, fake = tf.split(logits["logits"], 2)
        return self.adversarial_loss.discriminator(real, fake)

    def image_discriminator_loss(self, images: tf.Tensor, conditions: tf.Tensor,
                                 fakes: list[tuple[tf.Tensor, tf.Tensor]],
                                 training: bool) -> tf.Tensor:
        """Per-example: real images of their conditions against each kind of fake (with
        random targets, reconstructions and re-generations each weigh half)."""
        fake_images = [tf.cast(f, images.dtype) for f, _ in fakes]
        logits = self.discriminate_image(
            tf.concat([images, *fake_images], axis=0),
            tf.concat([conditions, *(c for _, c in fakes)], axis=0), training)
        real, *fake = tf.split(logits, 1 + len(fakes))
        return tf.add_n([self.adversarial_loss.discriminator(real, f) for f in fake]) / len(fake)

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, conditions = data

        def autoencoder_loss():
            parts = self.autoencoder_losses(images, conditions, training=True)
            return parts["eg_loss"], parts

        eg_loss, parts = self.minimize(autoencoder_loss, ("e", "g") if self.use_encoder else "g",
                                       has_aux=True)
        # A discriminator whose weight is 0 cannot change E or G: it is not trained (the
        # official code trains it anyway, at HEAD D_z, which only costs time).
        d_img_loss = d_z_loss = tf.zeros_like(eg_loss)
        if self.loss_weights["image"]:
            fakes = [(tf.stop_gradient(f), c) for f, c in parts["fakes"]]
            if self.mismatched_reals:  # Reed et al. 2016's matching-aware discriminator
                fakes.append((images, self.mismatched(conditions)))
            d_img_loss = self.minimize(
                lambda: self.image_discriminator_loss(images, conditions, fakes, training=True),
                "d_img")
        if self.use_encoder and self.loss_weights["z"]:
            z = tf.stop_gradient(parts["z"])
            d_z_loss = self.minimize(lambda: self.z_discriminator_loss(z, training=True), "d_z")
        self.step.assign_add(1)
        return self.track(eg_loss=eg_loss, d_img_loss=d_img_loss, d_z_loss=d_z_loss,
                          **{name: parts[name] for name in (
                              "reconstruction_l1", "image_adversarial", "z_adversarial",
                              "total_variation")})
