"""CausalGAN's image stage (Kocaoglu et al. 2018): G(z, labels) for label vectors of a causal
graph, with a real/fake discriminator D, a Labeler trained on real images and an Anti-Labeler
trained on generated ones. G's loss is

    L_G = GAN(G) + labeler_weight * CE(Labeler(G(z, l)), l) - k_t * CE(AntiLabeler(G(z, l)), l)

with k_t = anti_labeler_weight * exp(-t / anti_labeler_decay): the Labeler makes G's images
carry their labels, the Anti-Labeler, early on, keeps G from showing them by one easy feature
(the paper's decaying weight). Label vectors come from the data: G learns the images of every
label combination the data holds, and the causal controller (trained first, frozen; model
`causal_controller`) chooses them at sampling time, under do() and cond().

Run: python main.py --config=configs/causalgan_fashion_mnist.py --workdir=runs/causalgan
"""

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, export, losses, models, nets, samples
from tfgan_lab.causal import graph as graphs
from tfgan_lab.causal import sampling
from tfgan_lab.data import attributes
from tfgan_lab.errors import ConfigError, EvaluationError
from tfgan_lab.eval import metrics
from tfgan_lab.eval.classifier import batched
from tfgan_lab.gans import causal_serving  # noqa: F401 (registers the causal contracts)
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, adam, learning_rates


@models.register("causalgan")
class CausalGAN(PlayerModel):
    """Players g, d, labeler and anti_labeler. Each step: one update of D, the Labeler (on
    the real batch) and the Anti-Labeler (on fakes of the batch's labels) together, their
    parameters apart; then one of G."""

    PLAYERS = {"g": "generator", "d": "discriminator", "labeler": "labeler",
               "anti_labeler": "anti_labeler"}
    INPUT_EXPORTS = {"controller": "configs/causal_controller_fashion_mnist.py"}
    STREAMS = ("d_fakes", "g_fakes")

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 labeler: keras.Model, anti_labeler: keras.Model, *,
                 loss: losses.AdversarialLoss, z_dim: int, labeler_weight: float,
                 anti_labeler_weight: float, anti_labeler_decay: float, seed: int, **kwargs):
        super().__init__(seed=seed, metric_names=("d_loss", "g_loss", "labeler_loss",
                                                  "anti_labeler_loss", "k_t"), **kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.labeler, self.anti_labeler = labeler, anti_labeler
        self.adversarial_loss, self.z_dim = loss, z_dim
        self.labeler_weight = labeler_weight
        self.anti_labeler_weight, self.anti_labeler_decay = anti_labeler_weight, anti_labeler_decay

    @classmethod
    def config(cls) -> ConfigDict:
        model = ConfigDict()
        model.variant = cls.VARIANT
        model.graph = "causal_fashion_mnist"  # Its nodes are G's labels, in its order.
        model.loss = "non_saturating"  # The official DCGAN's.
        model.z_dim = 100
        model.g_filters = 64
        model.d_filters = 64
        model.upsampling = "transpose"
        model.spectral_norm = False
        model.labeler_weight = 1.0
        model.anti_labeler_weight = 1.0  # k_0
        model.anti_labeler_decay = 3000.0  # k_t = k_0 exp(-t / decay), in train steps
        # A causal_controller export over the same graph: the metrics sample its label vectors
        # under each query of the data's known model; empty: the test split's label vectors.
        model.controller = ""
        return ConfigDict({"model": model, "data": attributes.config(),
                           "optimizer": learning_rates(g=2e-4, d=2e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """The official image stage's batch 64 and Adam 2e-4 (0.5) for every player."""
        config.train.batch_size = 64

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        graphs.named_or_parsed(config.model.graph)
        checks.choice(config, "model.loss", losses.names())
        checks.choice(config, "model.upsampling", nets.UPSAMPLINGS)
        checks.positive(config, "model.z_dim", "model.g_filters", "model.d_filters",
                        "model.anti_labeler_decay")
        checks.at_least_zero(config, "model.labeler_weight", "model.anti_labeler_weight")
        attributes.check_config(config)

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(z_dim=16, g_filters=8, d_filters=8)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> attributes.AttributedImages:
        graph = graphs.named_or_parsed(config.model.graph)
        labelled = attributes.load(config.data, split)
        graph.require(labelled.info.attribute_names, labelled.info.name)
        return labelled.select(graph.nodes)

    @classmethod
    def from_config(cls, config: ConfigDict, info: attributes.AttributeInfo) -> "CausalGAN":
        model, shape = config.model, info.image_shape
        count = len(info.attribute_names)
        generator = nets.labelled_generator(shape, count, model.z_dim, model.g_filters,
                                            model.upsampling)
        discriminator = nets.discriminator(shape, model.d_filters, model.spectral_norm)
        labeler = nets.labeler(shape, count, model.d_filters, "labeler")
        anti_labeler = nets.labeler(shape, count, model.d_filters, "anti_labeler")
        gan = cls(generator, discriminator, labeler, anti_labeler,
                  loss=losses.get(model.loss), z_dim=model.z_dim,
                  labeler_weight=model.labeler_weight,
                  anti_labeler_weight=model.anti_labeler_weight,
                  anti_labeler_decay=model.anti_labeler_decay, seed=config.seed,
                  name=model.variant)
        rates = {"g": config.optimizer.g_learning_rate, "d": config.optimizer.d_learning_rate,
                 "labeler": config.optimizer.d_learning_rate,
                 "anti_labeler": config.optimizer.d_learning_rate}
        gan.compile(optimizers={name: adam(config, rate) for name, rate in rates.items()},
                    jit_compile=config.runtime.jit_compile)
        return gan

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: attributes.AttributedImages) -> Sampler:
        """A row per test label vector of the data's first ones, each column its own z."""
        columns = config.train.sample_columns
        labels = np.repeat(dataset.attributes[:columns], columns, axis=0)
        z = np.random.default_rng(config.seed).standard_normal(
            (len(labels), config.model.z_dim)).astype(np.float32)
        return lambda gan: samples.ImageGrid(gan.generate(z, labels).numpy(), columns)

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        evaluate = image_evaluator(config)
        return lambda gan: evaluate(gan.generate, labeler_reading(
            lambda images: gan.labeler({"images": images}, training=False)["logits"]))

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """The generator export's metrics; where the pixels cannot be read (CelebA), by the
        Labeler exported beside it (found by the manifest)."""
        labeler = export.read_manifest(path).paths.get("labeler")
        read = labeler_reading(lambda images: export.load(labeler, "attribute_labeler")(
            images)["logits"]) if labeler else None
        return image_evaluator(config)(export.load(path, "labelled_generator"), read)

    def exports(self) -> dict[str, export.Export]:
        """G as "generator" and the Labeler as "labeler": the judge of the labels where the
        pixels cannot be read (CelebA)."""
        return {"generator": export.Export("labelled_generator", self.generator,
                                           {"z_dim": self.z_dim,
                                            "num_labels": int(self.generator.input["labels"]
                                                              .shape[-1])}),
                "labeler": export.Export("attribute_labeler", self.labeler,
                                         suffix="_labeler")}

    def generate(self, z, labels) -> tf.Tensor:
        return self.generator({"z": tf.convert_to_tensor(z, tf.float32),
                               "labels": tf.convert_to_tensor(labels, tf.float32)},
                              training=False)

    def k_t(self) -> tf.Tensor:
        """The Anti-Labeler's weight in G's loss at this step."""
        t = tf.cast(self.step, tf.float32)
        return self.anti_labeler_weight * tf.exp(-t / self.anti_labeler_decay)

    def fakes(self, labels: tf.Tensor, stream: str, training: bool) -> tf.Tensor:
        z = self.noise(tf.shape(labels)[0], stream)
        return self.generator({"z": z, "labels": labels}, training=training)

    def critics_loss(self, images: tf.Tensor, labels: tf.Tensor,
                     training: bool) -> tuple[tf.Tensor, dict]:
        """D's adversarial loss, the Labeler's on the real images and the Anti-Labeler's on
        fakes of the same labels, per example, summed (their weights are apart)."""
        fakes = tf.stop_gradient(self.fakes(labels, "d_fakes", training))
        logits = self.discriminator({"images": tf.concat([images, fakes], axis=0)},
                                    training=training)["logits"]
        real_logits, fake_logits = tf.split(logits, 2)
        d_loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        labeler_loss = losses.binary_labels_loss(
            self.labeler({"images": images}, training=training)["logits"], labels)
        anti_loss = losses.binary_labels_loss(
            self.anti_labeler({"images": fakes}, training=training)["logits"], labels)
        return d_loss + labeler_loss + anti_loss, {
            "d_loss": d_loss, "labeler_loss": labeler_loss, "anti_labeler_loss": anti_loss}

    def generator_loss(self, labels: tf.Tensor, training: bool) -> tf.Tensor:
        fakes = self.fakes(labels, "g_fakes", training)
        adversarial = self.adversarial_loss.generator(
            self.discriminator({"images": fakes}, training=False)["logits"])
        carried = losses.binary_labels_loss(
            self.labeler({"images": fakes}, training=False)["logits"], labels)
        hidden = losses.binary_labels_loss(
            self.anti_labeler({"images": fakes}, training=False)["logits"], labels)
        return adversarial + self.labeler_weight * carried - self.k_t() * hidden

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        images, labels = data
        _, parts = self.minimize(lambda: self.critics_loss(images, labels, True),
                                 ("d", "labeler", "anti_labeler"), has_aux=True)
        g_loss = self.minimize(lambda: self.generator_loss(labels, True), "g")
        k_t = tf.fill(tf.shape(g_loss), self.k_t())
        self.step.assign_add(1)
        return self.track(g_loss=g_loss, k_t=k_t, **parts)


def labeler_reading(logits_of: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray],
                                                                         np.ndarray]:
    """images -> labels 0/1 [N, L] as a Labeler reads them (a logit above 0), batch by batch."""
    return lambda images: (batched(logits_of, images) > 0).astype(np.int64)


def image_evaluator(config: ConfigDict) -> Callable[..., dict[str, Any]]:
    """(generate(z, labels), read_labels) -> metrics of its images (eval.num_samples per
    query). The labels an image carries are measured from the pixels where the data allows
    (causal_fashion_mnist); otherwise (CelebA) `read_labels(images)` reads them: the image
    stage's Labeler (`labeler_reading`), which G was trained to satisfy, so its reading is
    an optimistic one. `label_accuracy` (and per label): how often an image carries the
    label it was generated for, for the test split's label vectors; `labels_read_by_labeler`
    is 1 where the Labeler read them. With model.controller, for each query of the data's
    known model,
    `tvd_images_do_<node><v>` and `tvd_images_cond_...`, the TVD between the labels measured
    on images of the controller's do() and cond() vectors and the true distribution,
    `tvd_images_do_vs_cond_...` between the two, and each do()'s `effective_...` and
    `minimal_...` (_counterfactual)."""
    test = CausalGAN.load_data(config, config.data.test_split)
    info, names, count = test.info, test.info.attribute_names, config.eval.num_samples
    columns = ([info.measured_names.index(n) for n in names] if info.measure is not None
               else None)
    graph = graphs.named_or_parsed(config.model.graph)
    rng = np.random.default_rng(config.seed)
    z = rng.standard_normal((count, config.model.z_dim)).astype(np.float32)
    controller = export.load(config.model.controller, "causal_controller") \
        if config.model.controller else None
    if controller is not None and controller.names != names:
        raise ConfigError(f"The controller {config.model.controller} samples "
                          f"{', '.join(controller.names)}; the generator's labels are "
                          f"{', '.join(names)}: train both on the same graph.")

    def evaluate(generate, read_labels: Callable[[np.ndarray], np.ndarray] | None = None
                 ) -> dict[str, Any]:
        if columns is None and read_labels is None:
            raise EvaluationError(f"{info.name}'s labels cannot be read from the pixels, and "
                                  "no Labeler was given to read them: evaluate a run or an "
                                  "export with its 'labeler' beside it (exported with it "
                                  "since the Labeler became a role).")

        def measured(labels: np.ndarray) -> np.ndarray:
            images = batched(generate, z[:len(labels)], labels)
            return (info.measure(images)[:, columns] if columns is not None
                    else read_labels(images))

        labels = test.attributes[:count]
        hits = measured(labels) == labels
        results = {"label_accuracy": float(hits.mean()),
                   **{f"label_accuracy_{n}": float(hits[:, i].mean())
                      for i, n in enumerate(names)},
                   "labels_read_by_labeler": float(columns is None)}
        if controller is None or info.truth is None:
            return results
        plain = measured(sampling.sample_labels(controller, names, controller.noise_dim, count,
                                                config.seed))
        for query in info.truth.queries:
            answers = {}
            for kind in ("do", "cond"):
                vectors = sampling.sample_labels(controller, names, controller.noise_dim, count,
                                                 config.seed, **{kind: query})
                seen = measured(vectors)
                answers[kind] = metrics.label_distribution(seen)
                true = info.truth.distribution(order=names, **{kind: query})
                results[f"tvd_images_{sampling.query_name(kind, query)}"] = (
                    metrics.total_variation(answers[kind], true))
                if kind == "do":
                    results.update(_counterfactual(query, seen, plain, graph, names))
            results[f"tvd_images_do_vs_cond_{sampling.query_name('', query)}"] = (
                metrics.total_variation(answers["do"], answers["cond"]))
        return results
    return evaluate


def _counterfactual(query: dict[str, int], intervened: np.ndarray, plain: np.ndarray,
                    graph: graphs.CausalGraph, names: tuple[str, ...]) -> dict[str, float]:
    """At the same noise (controller's and G's), images without and with do(query), their
    labels measured: `effective_do_...`, the share whose intervened labels show the values
    set; `minimal_do_...`, the share of the labels outside the intervened nodes and their
    descendants that stay as they were (counterfactual-image benchmarks' effectiveness and
    minimality, read from the pixels)."""
    clamped = [names.index(n) for n in query]
    moved = set(query).union(*(graph.descendants(n) for n in query))
    kept = [i for i, n in enumerate(names) if n not in moved]
    name = sampling.query_name("do", query)
    values = np.array(list(query.values()))
    results = {f"effective_{name}": float(np.mean(intervened[:, clamped] == values))}
    if kept:
        results[f"minimal_{name}"] = float(np.mean(intervened[:, kept] == plain[:, kept]))
    return results
