"""The causal controller of CausalGAN (Kocaoglu et al. 2018), trained on its own: label
vectors sampled node by node along a causal graph, one small network per node given its
parents, learnt adversarially from the data's label vectors (WGAN-GP, the official code's
causal_controller/config.py settings as defaults). Trained first and then frozen, it chooses
the image stage's label vectors when sampling (gans/causalgan.py), and answers do() and cond()
queries (tfgan_lab/causal/sampling.py).

Run: python main.py --config=configs/causal_controller_fashion_mnist.py --workdir=runs/cc
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, export, losses, models
from tfgan_lab.causal import graph as graphs
from tfgan_lab.causal import sampling
from tfgan_lab.data import attributes
from tfgan_lab.draws import indexed
from tfgan_lab.eval import metrics
from tfgan_lab.gans import causal_serving  # noqa: F401 (registers the export contract)
from tfgan_lab.nets import causal as nets
from tfgan_lab.players import Evaluator, PlayerModel, TrainingData, adam, learning_rates


@models.register("causal_controller")
class CausalController(PlayerModel):
    """Players `controller` and `critic`: `critic_steps` critic updates, each on its own
    slice of the step's batch of real label vectors, then one controller update.

    The critic sees the controller's probabilities (as the official code feeds its sigmoid
    outputs) against the data's 0/1 labels; with a factorized critic, each node's critic reads
    (its parents, itself), and the gradient penalty holds each one to norm 1 on its own.
    """

    PLAYERS = {"controller": "controller_network", "critic": "critic_network"}
    UNIT = "label_vectors"
    STREAMS = ("critic_z", "controller_z", "penalty")

    def __init__(self, controller_network: keras.Model, critic_network: keras.Model, *,
                 graph: graphs.CausalGraph, noise_dim: int, critic_steps: int,
                 penalty_weight: float, round_parents: bool, seed: int, **kwargs):
        super().__init__(seed=seed, metric_names=("critic_loss", "controller_loss",
                                                  "gradient_penalty"), **kwargs)
        self.controller_network = controller_network
        self.critic_network = critic_network
        self.graph = graph
        self.noise_dim = noise_dim
        self.critic_steps = critic_steps
        self.penalty_weight = penalty_weight
        self.round_parents = round_parents

    @classmethod
    def config(cls) -> ConfigDict:
        model = ConfigDict()
        model.variant = cls.VARIANT
        # A graph of causal/graph.py's GRAPHS by name, or written out: "A, B -> C; D".
        model.graph = "causal_fashion_mnist"
        model.noise_dim = 10  # Uniform noise in [-1, 1] per node (the official n_hidden).
        model.layers = 6  # Dense layers per node (cc_n_layers), the last one the logit.
        model.width = 10  # Units per hidden layer (cc_n_hidden).
        model.round_parents = True  # Children read their parents rounded (pt_round_node_labels).
        model.critic_layers = 6  # critic_layers
        model.critic_width = 15  # critic_hidden_size
        model.factorized_critic = True  # One critic per node and its parents (pt_factorized).
        model.critic_steps = 25  # Critic updates per controller update (n_critic).
        model.gradient_penalty = 0.1  # lambda_W
        return ConfigDict({"model": model, "data": attributes.config(),
                           "optimizer": learning_rates(g=2e-4, d=2e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """The official recipe: Adam 8e-5 for both (TF's default betas), batch 16."""
        config.optimizer.update(g_learning_rate=8e-5, d_learning_rate=8e-5, beta_1=0.9)
        config.train.update(batch_size=16, steps=10000, log_every=100, checkpoint_every=1000)
        config.eval.num_samples = 20000

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        graphs.named_or_parsed(config.model.graph)
        checks.positive(config, "model.noise_dim", "model.layers", "model.width",
                        "model.critic_layers", "model.critic_width", "model.critic_steps")
        checks.at_least_zero(config, "model.gradient_penalty")
        attributes.check_config(config)

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        config.model.update(layers=3, width=8, critic_layers=3, critic_width=8, critic_steps=2)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> attributes.AttributeVectors:
        """The label vectors of the graph's nodes, in graph order."""
        graph = graphs.named_or_parsed(config.model.graph)
        labelled = attributes.load(config.data, split)
        graph.require(labelled.info.attribute_names, labelled.info.name)
        return labelled.select(graph.nodes).vectors()

    @classmethod
    def from_config(cls, config: ConfigDict, info: attributes.AttributeInfo) -> "CausalController":
        model = config.model
        graph = graphs.named_or_parsed(model.graph)
        controller = nets.controller(graph, model.noise_dim, model.layers, model.width,
                                     model.round_parents)
        critic = nets.label_critic(graph, model.critic_layers, model.critic_width,
                                   model.factorized_critic)
        cc = cls(controller, critic, graph=graph, noise_dim=model.noise_dim,
                 critic_steps=model.critic_steps, penalty_weight=model.gradient_penalty,
                 round_parents=model.round_parents, seed=config.seed, name=model.variant)
        cc.compile(optimizers={
            "controller": adam(config, config.optimizer.g_learning_rate),
            "critic": adam(config, config.optimizer.d_learning_rate, model.critic_steps)},
            jit_compile=config.runtime.jit_compile)
        return cc

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: TrainingData) -> None:
        return None  # Labels, not images: the evaluator measures them (eval.every).

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        evaluate = label_evaluator(config)
        return lambda cc: evaluate(cc.sampler())

    @classmethod
    def evaluated_split(cls, config: ConfigDict, exported: bool) -> str:
        return config.data.split  # Its labels are compared with the training labels'.

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        return label_evaluator(config)(export.load(path, "causal_controller"))

    def batch_parts(self) -> int:
        """One slice of train.batch_size per critic update."""
        return self.critic_steps

    def exports(self) -> dict[str, export.Export]:
        return {"controller": export.Export("causal_controller", self.controller_network,
                                            {"names": self.graph.nodes,
                                             "noise_dim": self.noise_dim})}

    # --- Sampling and training. ---

    def sampler(self) -> "NetworkController":
        """This controller as sampling.sample_labels takes it."""
        return NetworkController(self.controller_network, self.graph.nodes, self.noise_dim)

    def fake_labels(self, batch_size: tf.Tensor, stream: str, training: bool) -> tf.Tensor:
        """The controller's probabilities [B, L] for this step's noise of `stream`."""
        size = len(self.graph)
        z = self.draw(lambda n, seed: tf.random.stateless_uniform(
            [n, size * self.noise_dim], seed=seed, minval=-1.0, maxval=1.0), batch_size, stream)
        free = tf.zeros([batch_size, size])
        return self.controller_network({"z": z, "do_mask": free, "do_values": free},
                                       training=training)["probabilities"]

    def critic_inputs(self, labels: tf.Tensor, fake: bool) -> tf.Tensor:
        """What each critic reads [B, K, L]: a fake node beside its parents as its mechanism
        read them (rounded, with model.round_parents)."""
        critics = self.critic_network.get_layer("critics")
        if fake and self.round_parents:
            return critics.masked(labels, tf.round(labels))
        return critics.masked(labels)

    def critic_loss(self, real: tf.Tensor, critic_update: int,
                    training: bool) -> tuple[tf.Tensor, dict]:
        """Per-example Wasserstein loss of every node's critic, plus each one's penalty."""
        batch_size = tf.shape(real)[0]
        fake = tf.stop_gradient(self.fake_labels(batch_size, indexed("critic_z", critic_update),
                                                 training))
        forward = self.critic_network.get_layer("critics").forward
        real, fake = self.critic_inputs(real, False), self.critic_inputs(fake, True)
        real_logits, fake_logits = tf.split(forward(tf.concat([real, fake], axis=0)), 2)
        adversarial = tf.reduce_sum(losses.wasserstein_discriminator_loss(real_logits,
                                                                          fake_logits), axis=1)
        penalty = losses.gradient_penalty(
            forward, real, fake, self.uniform(batch_size, indexed("penalty", critic_update)),
            norm_axes=(2,))
        return adversarial + self.penalty_weight * penalty, {"gradient_penalty": penalty}

    def controller_loss(self, batch_size: tf.Tensor, training: bool) -> tf.Tensor:
        fake = self.fake_labels(batch_size, "controller_z", training)
        logits = self.critic_network.get_layer("critics").forward(self.critic_inputs(fake, True))
        return tf.reduce_sum(losses.wasserstein_generator_loss(logits), axis=1)

    def train_step(self, labels: tf.Tensor) -> dict[str, tf.Tensor]:
        for critic_update, real in enumerate(tf.split(labels, self.critic_steps)):
            critic_loss, parts = self.minimize(
                lambda real=real, i=critic_update: self.critic_loss(real, i, True), "critic",
                has_aux=True)
        controller_loss = self.minimize(
            lambda: self.controller_loss(tf.shape(real)[0], True), "controller")
        self.step.assign_add(1)
        return self.track(critic_loss=critic_loss, controller_loss=controller_loss, **parts)


@dataclasses.dataclass
class NetworkController:
    """A controller network called as sampling.sample_labels calls an export."""
    network: keras.Model
    names: tuple[str, ...]
    noise_dim: int

    def __call__(self, inputs: dict) -> dict:
        return {k: v.numpy() for k, v in self.network(inputs, training=False).items()}


def label_evaluator(config: ConfigDict) -> Callable[[keras.Model], dict[str, Any]]:
    """controller -> metrics of its label vectors (eval.num_samples of them): `tvd` to the
    training split's labels; where the data's causal model is known (causal_fashion_mnist),
    `tvd_truth` to its exact distribution, and for each of its queries the TVD between what
    do() and cond() sample and the true interventional and conditional distributions."""
    data = CausalController.load_data(config, config.data.split)
    target = metrics.label_distribution(data.attributes)
    truth, names = data.info.truth, data.info.attribute_names

    def evaluate(controller: keras.Model) -> dict[str, Any]:
        def sample(**query) -> np.ndarray:
            return sampling.sample_labels(controller, names, controller.noise_dim,
                                          config.eval.num_samples, config.seed, **query)

        observed = metrics.label_distribution(sample())
        results = {"tvd": metrics.total_variation(observed, target)}
        if truth is None:
            return results
        results["tvd_truth"] = metrics.total_variation(observed,
                                                       truth.distribution(order=names))
        for query in truth.queries:
            if not set(query) <= set(names):
                continue
            for kind in ("do", "cond"):
                sampled = metrics.label_distribution(sample(**{kind: query}))
                true = truth.distribution(order=names, **{kind: query})
                results[f"tvd_{sampling.query_name(kind, query)}"] = (
                    metrics.total_variation(sampled, true))
        return results
    return evaluate
