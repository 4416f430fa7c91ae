"""Language models, one per language, for dual learning's reward (He et al. 2016, REFERENCES
section 6: how natural a middle translation reads in its language). Each is a Transformer
decoder without an encoder (nets/translator.language_model) in the translators' vocabulary,
trained on its language's monolingual half by next-piece cross-entropy; both train in one run,
each step one batch of each language. The evaluator reports each language's perplexity on the
dev sentences (`en_perplexity`, `de_perplexity`).

  python main.py --config=configs/language_models_catalogues.py --workdir=runs/lm

Each language's model is exported with the `language_model` contract (role: its language):
`text` string [B] -> `log_probability` float32 [B], the sentence's log-probability summed over
its pieces (EOS included), and `pieces` int32 [B]. The export also keeps `score_ids`, the same
on ids int32 [B, T], which dual learning calls inside its train step, and the vocabulary it
was trained with, which dual learning checks against its own.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, contracts, export, losses, models, samples
from tfgan_lab.data import parallel_text
from tfgan_lab.errors import ExportError
from tfgan_lab.nets import translator as nets
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, adam, learning_rates
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import data as text_data
from tfgan_lab.translation.supervised import (
    check_transformer_config,
    smoke_transformer,
    transformer_fields,
)


def log_probabilities(network: keras.Model, ids: tf.Tensor, start: int | tf.Tensor,
                      training: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
    """(log-probability float32 [B] of each sentence of the padded ids [B, T], summed over its
    pieces and EOS, and its pieces float32 [B]) under the language model `network`, which
    reads the token `start` first."""
    ids = tf.convert_to_tensor(ids, tf.int32)
    inputs = tf.concat([tf.fill([tf.shape(ids)[0], 1], tf.cast(start, tf.int32)), ids[:, :-1]],
                       axis=1)
    cross_entropy, pieces = losses.sentence_cross_entropy(network(inputs, training=training),
                                                          ids, 0.0, tokenizer.PAD)
    return -cross_entropy, pieces


class Scoring(tf.Module):
    """A language model with its tokenizer: `scoring(text)` and `scoring.score_ids(ids)` give
    {"log_probability", "pieces"} of each sentence; `vocabulary` is the tokenizer's model."""

    def __init__(self, network: keras.Model, words: tokenizer.Tokenizer, language: str,
                 max_length: int):
        super().__init__()
        self.network, self.words, self.max_length = network, words, max_length
        self.start = words.token_id(tokenizer.language_token(language))
        # Read by dual learning, which feeds it its own ids.
        self.vocabulary = tf.Variable(words.model, trainable=False, dtype=tf.string)
        self.max_pieces = tf.Variable(max_length, trainable=False)
        self.score_ids = tf.function(self._score_ids, input_signature=[
            tf.TensorSpec([None, None], tf.int32, name="ids")], autograph=False)

    def _score_ids(self, ids: tf.Tensor) -> dict[str, tf.Tensor]:
        log_probability, pieces = log_probabilities(self.network, ids, self.start)
        return {"log_probability": log_probability, "pieces": tf.cast(pieces, tf.int32)}

    def __call__(self, text: tf.Tensor) -> dict[str, tf.Tensor]:
        return self._score_ids(self.words.encode_padded(text, self.max_length))


@dataclasses.dataclass
class LoadedLanguageModel:
    """An exported language model: `lm(sentences)` -> log-probabilities float [B];
    `lm.score_ids(ids)` -> {"log_probability", "pieces"}, a function a train step calls."""
    path: str
    module: Any

    def __call__(self, sentences) -> np.ndarray:
        outputs = self.module.signatures[contracts.SIGNATURE](
            text=tf.constant(list(sentences), tf.string))
        return outputs["log_probability"].numpy()

    @property
    def score_ids(self) -> Callable[[tf.Tensor], dict[str, tf.Tensor]]:
        return self.module.network.score_ids

    @property
    def vocabulary(self) -> bytes:
        return self.module.network.vocabulary.numpy()

    @property
    def max_pieces(self) -> int:
        return int(self.module.network.max_pieces.numpy())


@contracts.CONTRACTS.register("language_model")
class LanguageModelContract(contracts.Contract):
    description = "a language model"
    inputs = {"text": contracts.TEXT}
    outputs = {"log_probability": contracts.Tensor(tf.float32, ("B",)), "pieces": contracts.LABEL}

    @classmethod
    def module(cls, network) -> tf.Module:
        return contracts.TextModule(network, output=None)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedLanguageModel:
        return LoadedLanguageModel(path, loaded)


def load(path: str, language: str, vocabulary: bytes, max_length: int) -> LoadedLanguageModel:
    """The language model of `language` exported with the one at `path` (found by their
    manifest), checked to read `vocabulary` (a translator's) as it does, and sentences of
    `max_length` pieces."""
    (found,) = export.read_manifest(path).require(language)
    loaded = export.load(found, "language_model")
    if loaded.vocabulary != vocabulary:
        raise ExportError(f"{found} was trained with another vocabulary than this run's: train "
                          "the language models on the same config.data (corpus, languages, "
                          "vocabulary_size) as the translators.")
    if loaded.max_pieces < max_length:
        raise ExportError(f"{found} reads sentences of at most {loaded.max_pieces} pieces, "
                          f"fewer than this run's config.model.max_length={max_length}: train "
                          "the language models with a model.max_length at least as long.")
    return loaded


@models.register("language_model")
class LanguageModels(PlayerModel):
    """Two players, one language model per language, each step one batch of each language."""

    PLAYERS = {"source_language_model": "source_network",
               "target_language_model": "target_network"}
    UNIT = "tokens"  # pieces of both languages, EOS included
    STREAMS = ()

    def __init__(self, networks: tuple[keras.Model, keras.Model], *, info: text_data.TextInfo,
                 seed: int, **kwargs):
        super().__init__(seed=seed, metric_names=("loss", "tokens"), **kwargs)
        self.source_network, self.target_network = networks
        self.info = info
        words = tokenizer.Tokenizer(info.vocabulary)
        self.scoring = {language: Scoring(network, words, language, info.max_length)
                        for language, network in zip(info.languages, networks, strict=True)}

    @classmethod
    def config(cls) -> ConfigDict:
        model = transformer_fields(cls.VARIANT, layers=2)  # max_length: the translators' or more
        data = parallel_text.config()
        data.split = "monolingual"  # The only text it learns from.
        return ConfigDict({"model": model, "data": data,
                           "optimizer": learning_rates(language_model=5e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        config.optimizer.update(beta_1=0.9, beta_2=0.98, decay_fraction=0.5)
        config.train.update(batch_size=64, steps=2000, log_every=50, sample_every=500,
                            checkpoint_every=500, sample_columns=4)
        config.eval.num_samples = 500

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "data.split", ("monolingual",))
        check_transformer_config(config)

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        smoke_transformer(config)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> text_data.MonolingualHalves:
        return text_data.load_monolingual(config.data, config.model.max_length)

    @classmethod
    def from_config(cls, config: ConfigDict, info: text_data.TextInfo) -> "LanguageModels":
        model = config.model
        vocabulary_size = tokenizer.Tokenizer(info.vocabulary).vocabulary_size
        networks = tuple(nets.language_model(
            vocabulary_size, info.max_length, model.width, model.heads, model.layers,
            model.hidden, model.dropout, name=f"{language}_language_model")
            for language in info.languages)
        language_models = cls(networks, info=info, seed=config.seed, name=model.variant)
        rate = config.optimizer.language_model_learning_rate
        language_models.compile(optimizers={player: adam(config, rate)
                                            for player in cls.PLAYERS},
                                jit_compile=config.runtime.jit_compile)
        return language_models

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset) -> Sampler:
        """The first train.sample_columns dev sentences of each language with their
        perplexity: what the models find likely, shown as they learn."""
        sentences = text_data.first_sentences(config.data, "dev", config.train.sample_columns)

        def sample(language_models: "LanguageModels") -> samples.SentenceTable:
            rows = []
            for language, text in sentences.items():
                scores = language_models.scoring[language](tf.constant(text))
                for sentence, log_p, pieces in zip(text, scores["log_probability"].numpy(),
                                                   scores["pieces"].numpy(), strict=True):
                    rows.append((language, sentence, f"{math.exp(-log_p / pieces):.1f}"))
            return samples.SentenceTable(("language", "sentence", "perplexity"), tuple(rows))
        return sample

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        evaluate = perplexity_evaluator(config)
        return lambda language_models: evaluate(language_models.scoring)

    @classmethod
    def evaluated_split(cls, config: ConfigDict, exported: bool) -> str:
        return "dev"  # Perplexity on the dev sentences, a run's and an export's alike.

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """Each language's dev perplexity through its export (found by the manifest)."""
        manifest = export.read_manifest(path)
        languages = (config.data.source_language, config.data.target_language)
        loaded = [export.load(p, "language_model") for p in manifest.require(*languages)]
        return perplexity_evaluator(config)(
            {language: lm.module.signatures[contracts.SIGNATURE]
             for language, lm in zip(languages, loaded, strict=True)})

    def exports(self) -> dict[str, export.Export]:
        return {language: export.Export("language_model", scoring, suffix=f"_{language}")
                for language, scoring in self.scoring.items()}

    def processed(self, steps: int, batch_size: int, logs: dict[str, float]) -> float:
        return logs["tokens"] * steps

    def train_step(self, batch: tuple[dict, dict]) -> dict[str, tf.Tensor]:
        def loss() -> tuple[tf.Tensor, dict]:
            per_sentence, tokens = [], []
            for language, side in zip(self.info.languages, batch, strict=True):
                scoring = self.scoring[language]
                log_p, pieces = log_probabilities(scoring.network,
                                                  text_data.trimmed(side["ids"], self.jit_compile),
                                                  scoring.start, training=True)
                per_sentence.append(-log_p / tf.maximum(pieces, 1.0))
                tokens.append(pieces)
            return sum(per_sentence), {"tokens": sum(tokens)}

        per_sentence, aux = self.minimize(loss, list(self.PLAYERS), has_aux=True)
        tokens = tf.distribute.get_replica_context().all_reduce(
            tf.distribute.ReduceOp.SUM, tf.reduce_sum(aux["tokens"]))
        self.step.assign_add(1)
        return self.track(loss=per_sentence, tokens=tokens)


def perplexity_evaluator(config: ConfigDict, batch: int = 256
                         ) -> Callable[[dict[str, Callable]], dict[str, float]]:
    """{language: scorer (text -> {"log_probability", "pieces"})} -> `<language>_perplexity`
    of the first eval.num_samples dev sentences of each: exp of their mean cross-entropy per
    piece (EOS included)."""
    sentences = text_data.first_sentences(config.data, "dev", config.eval.num_samples)

    def evaluate(scorers: dict) -> dict[str, float]:
        results = {}
        for language, score in scorers.items():
            log_p = pieces = 0.0
            text = sentences[language]
            for start in range(0, len(text), batch):
                chunk = tf.constant(text[start:start + batch])
                out = score(text=chunk)
                log_p += float(tf.reduce_sum(out["log_probability"]))
                pieces += float(tf.reduce_sum(tf.cast(out["pieces"], tf.float32)))
            results[f"{language}_perplexity"] = math.exp(-log_p / pieces)
        return results
    return evaluate
