"""CycleGAN (Zhu, Park, Isola, Efros 2017, arXiv 1703.10593): unpaired translation between two
image domains, checked against junyanz/pytorch-CycleGAN-and-pix2pix.

Four players: G_AB and G_BA (ResNet generators), D_A and D_B (70x70 PatchGANs, D_X judging
domain X). G_AB and G_BA minimise, together,
    LSGAN(D_B(G_AB(a))) + LSGAN(D_A(G_BA(b)))
    + cycle_weight * (|G_BA(G_AB(a)) - a|_1 + |G_AB(G_BA(b)) - b|_1)
    + identity_weight * cycle_weight * (|G_AB(b) - b|_1 + |G_BA(a) - a|_1);
then D_A and D_B minimise discriminator_weight * LSGAN on real images and on fakes drawn from a
history pool of 50 past fakes each. One Adam per player; the official code has one for both
generators and one for both discriminators, which is the same thing (Adam's state is per
variable, and both players of a pair are updated at every step).

Run: python main.py --config=configs/cyclegan_fashion_mnist.py --workdir=runs/cyclegan
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, export, losses, models, samples
from tfgan_lab.data import domains, images
from tfgan_lab.errors import ConfigError
from tfgan_lab.gans.history_pool import HistoryPool
from tfgan_lab.nets import cyclegan as nets
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, adam, learning_rates

if TYPE_CHECKING:
    from tfgan_lab.eval.translation import TranslationEvaluator

Translate = Callable[[tf.Tensor], tf.Tensor]  # images of one domain -> the other's


@models.register("cyclegan")
class CycleGAN(PlayerModel):
    PLAYERS = {"g_ab": "generator_ab", "g_ba": "generator_ba",
               "d_a": "discriminator_a", "d_b": "discriminator_b"}
    STREAMS = ("pool_a/swap", "pool_a/slot", "pool_b/swap", "pool_b/slot")  # each step's draws

    def __init__(self, generator_ab: keras.Model, generator_ba: keras.Model,
                 discriminator_a: keras.Model, discriminator_b: keras.Model, *,
                 loss: losses.AdversarialLoss, cycle_weight: float, identity_weight: float,
                 discriminator_weight: float, pool_size: int, seed: int, **kwargs):
        super().__init__(seed=seed, metric_names=("g_loss", "d_loss", "g_adversarial",
                                                  "cycle_l1", "identity_l1"), **kwargs)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.adversarial_loss = loss
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.discriminator_weight = discriminator_weight
        shape = tuple(generator_ab.input_shape[1:])
        self.pool_a = HistoryPool(pool_size, shape, name="pool_a")
        self.pool_b = HistoryPool(pool_size, shape, name="pool_b")

    # --- Config, data, construction. ---

    @classmethod
    def config(cls) -> ConfigDict:
        model = ConfigDict()
        model.variant = cls.VARIANT
        model.loss = "least_squares"  # LSGAN, as the official code.
        model.g_filters = 64  # ngf: the generators' first width (then 2x, 4x).
        model.d_filters = 64  # ndf: the discriminators' first width.
        model.blocks = 0  # Residual blocks; 0: 6 up to 128 pixels, 9 above (official).
        model.d_layers = 3  # Strided layers of the PatchGAN (3: 70x70 patches).
        model.upsampling = "transpose"  # Or "resize": nearest resize + conv, no checkerboards.
        model.cycle_weight = 10.0  # lambda_A = lambda_B.
        model.identity_weight = 0.5  # Times cycle_weight (official lambda_identity).
        model.discriminator_weight = 0.5  # D's loss is halved (official).
        model.pool_size = 50  # Past fakes per discriminator; 0: no pool.
        return ConfigDict({"model": model, "data": domains.config(),
                           "optimizer": learning_rates(g=2e-4, d=2e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """The official recipe in the common groups: batch 1, Adam 2e-4 (0.5, 0.999), the
        second half of training decaying the rates linearly to 0."""
        config.train.batch_size = 1
        config.train.steps = 200_000
        config.optimizer.decay_fraction = 0.5
        config.train.sample_columns = 4  # Grid rows: inputs of each domain.

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "model.loss", losses.names())
        checks.choice(config, "model.upsampling", nets.UPSAMPLINGS)
        checks.positive(config, "model.g_filters", "model.d_filters", "model.d_layers")
        checks.at_least_zero(config, "model.blocks", "model.cycle_weight",
                             "model.identity_weight", "model.discriminator_weight",
                             "model.pool_size", "data.load_size", "data.crop_size")
        data = config.data
        if data.channels not in (1, 3):
            raise ConfigError(f"config.data.channels={data.channels!r} is not valid: 1 (grey) or "
                              "3 (RGB).")
        if data.load_size and data.load_size < data.crop_size:
            raise ConfigError(f"config.data.load_size={data.load_size} is smaller than "
                              f"crop_size={data.crop_size}: images are resized to load_size, "
                              "then cropped to crop_size.")
        if data.load_size and not data.crop_size:
            raise ConfigError("config.data.load_size needs a crop_size (the size cropped from "
                              "it); set both, or neither (0: the images' own size).")

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(g_filters=4, d_filters=4, blocks=1, pool_size=4)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> domains.UnpairedImages:
        return domains.load(config.data, split, train=split == config.data.split)

    @classmethod
    def from_config(cls, config: ConfigDict, info: domains.DomainsInfo) -> "CycleGAN":
        model, shape = config.model, info.image_shape
        blocks = model.blocks or nets.default_blocks(shape)
        networks = [nets.resnet_generator(shape, model.g_filters, blocks, model.upsampling,
                                          name=name) for name in ("generator_ab", "generator_ba")]
        networks += [nets.patch_discriminator(shape, model.d_filters, model.d_layers, name=name)
                     for name in ("discriminator_a", "discriminator_b")]
        gan = cls(*networks, loss=losses.get(model.loss), cycle_weight=model.cycle_weight,
                  identity_weight=model.identity_weight,
                  discriminator_weight=model.discriminator_weight, pool_size=model.pool_size,
                  seed=config.seed, name=model.variant)
        rates = {"g": config.optimizer.g_learning_rate, "d": config.optimizer.d_learning_rate}
        gan.compile(optimizers={name: adam(config, rates[name[0]]) for name in cls.PLAYERS},
                    jit_compile=config.runtime.jit_compile)
        return gan

    # --- What the trainer asks. ---

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: domains.UnpairedImages) -> Sampler:
        """Rows of (A, G_AB(A), G_BA(G_AB(A)), B, G_BA(B), G_AB(G_BA(B))) for the first
        train.sample_columns training images of each domain."""
        from tfgan_lab.eval import translation

        rows = config.train.sample_columns
        inputs_a, inputs_b = images.first(dataset.a, rows), images.first(dataset.b, rows)

        def sample(gan: "CycleGAN") -> samples.ImageGrid:
            return samples.ImageGrid(*translation.grid(inputs_a, inputs_b, *gan.translators()))
        return sample

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        evaluator = cls.translation_evaluator(config)
        return lambda gan: evaluator(*gan.translators())

    @classmethod
    def translation_evaluator(cls, config: ConfigDict) -> "TranslationEvaluator":
        """The test domains' metrics (tfgan_lab/eval/translation.py), judged by the labelled
        set's two reference classifiers when the domains are two of its classes; by the L1
        metrics alone for domains from folders or TFDS."""
        from tfgan_lab import eval as eval_lib
        from tfgan_lab.eval import translation

        judges = None
        if not (config.data.folder or config.data.name.startswith("cycle_gan/")):
            judges = eval_lib.load_judges(config)
        return translation.TranslationEvaluator(cls.load_data(config, config.data.test_split),
                                                config.eval.num_samples, judges)

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """Both directions' metrics, read through their serving signatures: `path` is either
        direction's export; the other is the one its manifest names."""
        a2b, b2a = export.read_manifest(path).require("a2b", "b2a")
        return cls.translation_evaluator(config)(export.load_translator(a2b),
                                                 export.load_translator(b2a))

    def exports(self) -> dict[str, export.Export]:
        """Two models, "a2b" and "b2a" (`<name>_a2b`, `<name>_b2a`), each with the
        image-to-image contract."""
        return {"a2b": export.Export("image_to_image", self.generator_ab, suffix="_a2b"),
                "b2a": export.Export("image_to_image", self.generator_ba, suffix="_b2a")}

    # --- Training. ---

    def translators(self) -> tuple[Translate, Translate]:
        """(G_AB, G_BA) in inference mode, as functions of images."""
        return (lambda x: self.generator_ab(x, training=False),
                lambda x: self.generator_ba(x, training=False))

    def call(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.generator_ab(images, training=training)

    def pooled(self, pool: HistoryPool, fakes: tf.Tensor) -> tf.Tensor:
        """This replica's share of the pool's answer for the global batch of fakes: every
        replica gathers all fakes and updates its copy of the pool the same way, so N replicas
        see what one device sees."""
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        local = fakes.shape[0]  # Static: the pool applies the fakes one by one, in order.
        count = local * replicas
        if replicas > 1:
            fakes = tf.ensure_shape(context.all_gather(fakes, axis=0), [count, *fakes.shape[1:]])
        draws = [tf.random.stateless_uniform([count], seed=self.step_seed(stream))
                 for stream in (f"{pool.name}/swap", f"{pool.name}/slot")]
        returned = pool.query(fakes, *draws)
        replica = context.replica_id_in_sync_group if context and replicas > 1 else 0
        return returned[local * replica: local * (replica + 1)]

    def generator_losses(self, real_a: tf.Tensor, real_b: tf.Tensor,
                         training: bool) -> dict[str, tf.Tensor]:
        """Per-example parts of the generators' loss, and the fakes (for the pools)."""
        fake_b = self.generator_ab(real_a, training=training)
        fake_a = self.generator_ba(real_b, training=training)
        parts = {
            "fake_a": fake_a, "fake_b": fake_b,
            "g_adversarial": (
                self.adversarial_loss.generator(
                    self.discriminator_b(fake_b, training=False)["logits"])
                + self.adversarial_loss.generator(
                    self.discriminator_a(fake_a, training=False)["logits"])),
            "cycle_l1": 0.5 * (losses.l1(self.generator_ba(fake_b, training=training), real_a)
                               + losses.l1(self.generator_ab(fake_a, training=training), real_b)),
            "identity_l1": tf.zeros(tf.shape(real_a)[:1]),
        }
        if self.identity_weight:
            parts["identity_l1"] = 0.5 * (
                losses.l1(self.generator_ab(real_b, training=training), real_b)
                + losses.l1(self.generator_ba(real_a, training=training), real_a))
        # cycle_l1 and identity_l1 are means of the two directions' L1, hence the 2.
        parts["g_loss"] = (parts["g_adversarial"] + 2 * self.cycle_weight * (
            parts["cycle_l1"] + self.identity_weight * parts["identity_l1"]))
        return parts

    def discriminator_loss(self, real_a: tf.Tensor, real_b: tf.Tensor, fake_a: tf.Tensor,
                           fake_b: tf.Tensor, training: bool) -> tf.Tensor:
        """Per-example loss of both discriminators: each sees its domain's real images and
        fakes in one call."""
        total = 0.0
        for discriminator, real, fake in ((self.discriminator_a, real_a, fake_a),
                                          (self.discriminator_b, real_b, fake_b)):
            logits = discriminator(tf.concat([real, tf.cast(fake, real.dtype)], axis=0),
                                   training=training)["logits"]
            real_logits, fake_logits = tf.split(logits, 2)
            total += self.adversarial_loss.discriminator(real_logits, fake_logits)
        return self.discriminator_weight * total

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        real_a, real_b = data

        def generator_loss():
            parts = self.generator_losses(real_a, real_b, training=True)
            return parts["g_loss"], parts

        g_loss, parts = self.minimize(generator_loss, ("g_ab", "g_ba"), has_aux=True)
        # D learns from the fakes of this step's generators, before their update, through
        # the pools (as the official code's optimize_parameters).
        fake_a = self.pooled(self.pool_a, tf.stop_gradient(parts["fake_a"]))
        fake_b = self.pooled(self.pool_b, tf.stop_gradient(parts["fake_b"]))
        d_loss = self.minimize(
            lambda: self.discriminator_loss(real_a, real_b, fake_a, fake_b, training=True),
            ("d_a", "d_b"))
        self.step.assign_add(1)
        return self.track(g_loss=g_loss, d_loss=d_loss, g_adversarial=parts["g_adversarial"],
                          cycle_l1=parts["cycle_l1"], identity_l1=parts["identity_l1"])

    def test_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        real_a, real_b = data
        parts = self.generator_losses(real_a, real_b, training=False)
        d_loss = self.discriminator_loss(real_a, real_b, parts["fake_a"], parts["fake_b"],
                                         training=False)
        return self.track(g_loss=parts["g_loss"], d_loss=d_loss,
                          g_adversarial=parts["g_adversarial"], cycle_l1=parts["cycle_l1"],
                          identity_l1=parts["identity_l1"])
