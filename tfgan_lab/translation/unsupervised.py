"""Unsupervised MT by parallel autoencoders (Lample et al. 2018, ../shared/REFERENCES.md
section 7): the supervised translator's network (one encoder, one decoder, both languages)
trained on the two monolingual halves only, never on a pair.

Each step, for each language l with its batch x (other language l'):
- denoising: write x from C(x), its words dropped and shuffled locally (text/noise.py);
- back-translation: write x from C(M(x)), where M(x) is x translated into l' by the previous
  round's model: the word-by-word model (translation/word_by_word.py) in the first round, then
  the network as the last round left it (a frozen copy, replaced at every round's end);
- adversary (`model.adversary_weight` > 0): a discriminator guesses the language from each
  encoder state of C(x), and the encoder is trained to make it guess wrong.
The losses are summed with weights 1 (and the adversary's weight). A round is
`model.round_steps` steps; the paper trains 3.

  python main.py --config=configs/unsupervised_translator_catalogues.py --workdir=runs/unmt

Model selection needs no pairs: the evaluator reports the round-trip BLEU of the dev
sentences of each language (l -> l' -> l, the pairs' alignment unused) beside the dev BLEU,
and the run gives its state at the evaluation with the best (`eval.select_by`).
Both directions are exported with the translator contract, as the supervised translator's.
"""

from collections.abc import Callable

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, models
from tfgan_lab.eval import text_scores
from tfgan_lab.nets import translator as nets
from tfgan_lab.players import Evaluator, adam, learning_rates
from tfgan_lab.text import noise
from tfgan_lab.text.tokenizer import PAD, Tokenizer
from tfgan_lab.translation import data as text_data
from tfgan_lab.translation import decoding, word_by_word
from tfgan_lab.translation.supervised import (
    Translate,
    Translator,
    check_network_config,
    network_from_config,
    text_evaluator,
)


def language_discriminator(width: int, hidden: int, layers: int) -> keras.Model:
    """Encoder states float [B, S, width] -> the logit [B, S] that each is of the second
    language: an MLP of `layers` LeakyReLU layers of `hidden` units (the paper's 3 x 1024)."""
    states = keras.Input((None, width), name="states")
    x = states
    for i in range(layers):
        x = keras.layers.Dense(hidden, name=f"hidden_{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    logit = keras.layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(states, keras.ops.squeeze(logit, -1), name="language_discriminator")


@models.register("unsupervised_translator")
class UnsupervisedTranslator(Translator):
    PLAYERS = {"translator": "network", "discriminator": "discriminator"}
    # Per language (index 0: the first language), per sentence (translation/data.py).
    STREAMS = ("denoising_noise", "back_translation_noise")

    def __init__(self, network: keras.Model, discriminator: keras.Model,
                 previous: keras.Model, *, round_steps: int, adversary_weight: float,
                 discriminator_smoothing: float, noise_drop: float, noise_shuffle: int,
                 **kwargs):
        super().__init__(network, metric_names=(
            "loss", "denoising", "back_translation", "adversary", "discriminator", "tokens"),
            **kwargs)
        self.discriminator, self.previous = discriminator, previous
        self.encoder = nets.encoder_of(network)
        self.previous.trainable = False
        self._round_steps, self.adversary_weight = round_steps, adversary_weight
        self.discriminator_smoothing = discriminator_smoothing
        self.noise_drop, self.noise_shuffle = noise_drop, noise_shuffle
        self.starts_word = Tokenizer(self.info.vocabulary).word_starts()

    @classmethod
    def config(cls) -> ConfigDict:
        config = super().config()
        config.model.update(
            round_steps=1000,  # Steps per round; the first back-translates word by word.
            adversary_weight=1.0,  # 0: no adversary (its users found it sometimes useless).
            discriminator_hidden=1024, discriminator_layers=3,
            discriminator_smoothing=0.1,  # Label smoothing of the discriminator's targets.
            noise_drop=0.1, noise_shuffle=3,
            word_mapping_rounds=0)  # Self-learning rounds of the word-by-word model.
        config.data.split = "monolingual"  # The only text it learns from.
        config.optimizer = learning_rates(translator=3e-4, discriminator=5e-4)
        return config

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """The paper's: Adam (0.5, 0.999) at 3e-4 for the translator, RMSProp at 5e-4 for the
        discriminator, batch 32, 3 rounds, the model selected by round-trip BLEU."""
        config.optimizer.update(beta_1=0.5, beta_2=0.999)
        config.train.update(batch_size=32, steps=3000, log_every=50, sample_every=500,
                            checkpoint_every=500, sample_columns=4)
        config.eval.update(num_samples=500, select_by="round_trip_bleu")

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "data.split", ("monolingual",))
        check_network_config(config)
        checks.positive(config, "model.round_steps", "model.discriminator_hidden",
                        "model.discriminator_layers")
        checks.at_least_zero(config, "model.adversary_weight", "model.noise_shuffle",
                             "model.word_mapping_rounds")
        checks.unit_interval(config, "model.discriminator_smoothing")
        checks.unit_interval(config, "model.noise_drop")
        decoding.refuse_xla(config, "back-translation")

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        super().smoke(config)
        config.model.update(discriminator_hidden=32, discriminator_layers=1)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> text_data.MonolingualHalves:
        first = word_by_word.build(config.data, config.model.word_mapping_rounds)
        return text_data.load_monolingual(config.data, config.model.max_length, first.translate)

    @classmethod
    def from_config(cls, config: ConfigDict,
                    info: text_data.TextInfo) -> "UnsupervisedTranslator":
        model = config.model
        translator = cls(
            network_from_config(config, info),
            language_discriminator(model.width, model.discriminator_hidden,
                                   model.discriminator_layers),
            network_from_config(config, info, name="previous_translator"),
            round_steps=model.round_steps, adversary_weight=model.adversary_weight,
            discriminator_smoothing=model.discriminator_smoothing,
            noise_drop=model.noise_drop, noise_shuffle=model.noise_shuffle, info=info,
            label_smoothing=model.label_smoothing, beam_size=model.beam_size,
            seed=config.seed, name=model.variant)
        translator.compile(optimizers={
            "translator": adam(config, config.optimizer.translator_learning_rate),
            "discriminator": keras.optimizers.RMSprop(
                config.optimizer.discriminator_learning_rate)},
            jit_compile=config.runtime.jit_compile)
        return translator

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        """Dev BLEU and chrF of both directions, and the round-trip BLEU that selects a model
        without pairs (`round_trip_bleu`, the mean of both languages')."""
        evaluate = text_evaluator(config, cls.evaluated_split(config, exported=False))
        round_trip = round_trip_evaluator(config)
        return lambda translator: {**evaluate(translator.translators()),
                                   **round_trip(translator.translators())}

    def round_steps(self) -> int:
        return self._round_steps

    def end_round(self, step: int) -> None:
        """The next round back-translates with the network as this one leaves it."""
        for frozen, current in zip(self.previous.weights, self.network.weights, strict=True):
            frozen.assign(current)

    def build_for_training(self) -> None:
        super().build_for_training()
        self.end_round(0)  # The copy starts as the network (it is first used in round 2).

    # --- Training. ---

    def noisy(self, ids: tf.Tensor, seeds: tf.Tensor, stream: str) -> tf.Tensor:
        """C(ids): padded ids int32 [b, T] with their words dropped and shuffled (T: the
        longest noisy sentence)."""
        noisy = noise.add_noise(tf.RaggedTensor.from_tensor(ids, padding=PAD), self.starts_word,
                                self.example_seeds(seeds, stream), self.info.max_length,
                                self.noise_drop, self.noise_shuffle)
        return noisy.to_tensor(default_value=PAD)

    def back_translated(self, side: dict[str, tf.Tensor], target: str) -> tf.Tensor:
        """M(x): the batch in language `target`, by the previous round's model."""
        def by_previous_network():
            return decoding.greedy(self.previous, side["ids"], self.starts[target],
                                   self.info.max_length)
        return tf.cond(self.step < self._round_steps, lambda: side["first_translation"],
                       by_previous_network)

    def language_loss(self, source: tf.Tensor, second_language: float,
                      smoothing: float = 0.0) -> tf.Tensor:
        """Per sentence [b]: the discriminator's mean cross-entropy over `source`'s encoder
        states against the label `second_language` (1: the second language)."""
        logits = tf.cast(self.discriminator(self.encoder(source, training=True),
                                            training=True), tf.float32)
        labels = tf.fill(tf.shape(logits), second_language * (1 - smoothing) + smoothing / 2)
        mask = tf.cast(tf.not_equal(source, PAD), tf.float32)
        cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits(labels, logits)
        return tf.reduce_sum(cross_entropy * mask, axis=1) / tf.maximum(
            tf.reduce_sum(mask, axis=1), 1.0)

    def train_step(self, batch: tuple[dict, dict]) -> dict[str, tf.Tensor]:
        inputs = {}
        for index, ((language, other), side) in enumerate(zip(self.directions, batch,
                                                               strict=True)):
            ids = text_data.trimmed(side["ids"])
            inputs[language] = (
                ids, self.noisy(ids, side["seeds"], f"denoising_noise/{index}"),
                self.noisy(text_data.trimmed(self.back_translated(side, other)),
                           side["seeds"], f"back_translation_noise/{index}"))
        labels = {language: float(i) for i, language in enumerate(self.info.languages)}
        adversary = self.adversary_weight > 0
        discriminator = tf.zeros([tf.shape(batch[0]["ids"])[0]])
        if adversary:
            discriminator = self.minimize(lambda: sum(
                self.language_loss(noisy, labels[language], self.discriminator_smoothing)
                for language, (_, noisy, _) in inputs.items()), "discriminator")

        def loss() -> tuple[tf.Tensor, dict]:
            parts = {"denoising": [], "back_translation": [], "adversary": [], "tokens": []}
            for language, (ids, noisy, noisy_translation) in inputs.items():
                for part, source in (("denoising", noisy),
                                     ("back_translation", noisy_translation)):
                    per_sentence, tokens = self.sentence_loss(source, ids, language, True)
                    parts[part].append(per_sentence)
                    parts["tokens"].append(tokens)
                if adversary:  # Fooled: the other language's label.
                    parts["adversary"].append(self.language_loss(noisy, 1 - labels[language]))
            sums = {part: sum(values) if values else tf.zeros_like(parts["denoising"][0])
                    for part, values in parts.items()}
            total = (sums["denoising"] + sums["back_translation"]
                     + self.adversary_weight * sums["adversary"])
            return total, sums

        total, sums = self.minimize(loss, "translator", has_aux=True)
        tokens = tf.distribute.get_replica_context().all_reduce(
            tf.distribute.ReduceOp.SUM, tf.reduce_sum(sums["tokens"]))
        self.step.assign_add(1)
        return self.track(loss=total, denoising=sums["denoising"],
                          back_translation=sums["back_translation"],
                          adversary=sums["adversary"], discriminator=discriminator,
                          tokens=tokens)


def round_trip_evaluator(config: ConfigDict
                         ) -> Callable[[dict[tuple[str, str], Translate]], dict[str, float]]:
    """{direction: translate} -> `<l>_round_trip_bleu` of each language's dev sentences
    translated into the other language and back, and their mean `round_trip_bleu`."""
    sentences = text_data.first_sentences(config.data, "dev", config.eval.num_samples)

    def evaluate(translators: dict[tuple[str, str], Translate]) -> dict[str, float]:
        results = {}
        for (a, b), there in translators.items():
            back = translators[(b, a)](there(list(sentences[a])))
            results[f"{a}_round_trip_bleu"] = text_scores.scores(back, sentences[a])[
                "bleu"].value
        results["round_trip_bleu"] = sum(results.values()) / len(results)
        return results
    return evaluate
