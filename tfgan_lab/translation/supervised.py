"""Supervised translation: the shared-encoder Transformer (nets/translator.py) trained on
sentence pairs, both directions in every step, the decoder told which language to write by its
first token. It is issue 27's supervised baseline on the small paired set
(`--config.data.split=paired`) and its ceiling on every training pair (`train`), and the warm
start that dual learning starts from.

  python main.py --config=configs/translator_catalogues.py --workdir=runs/translator

Each direction is exported with the translator contract (`<name>_en_de`, `<name>_de_en`):
strings in, strings out, greedy decoding inside the graph.
"""

from collections.abc import Callable

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, export, losses, models, samples
from tfgan_lab.data import parallel_text
from tfgan_lab.errors import ConfigError
from tfgan_lab.eval import text_scores
from tfgan_lab.nets import translator as nets
from tfgan_lab.players import Evaluator, PlayerModel, Sampler, adam, learning_rates
from tfgan_lab.text import tokenizer
from tfgan_lab.translation import data as text_data
from tfgan_lab.translation.serving import Translating

Translate = Callable[[list[str]], list[str]]


@models.register("translator")
class Translator(PlayerModel):
    """One player, `translator`: each step, the loss of source -> target plus that of
    target -> source on the same pairs, label-smoothed cross-entropy per token, averaged over
    each sentence's tokens."""

    PLAYERS = {"translator": "network"}
    UNIT = "tokens"  # target pieces of both directions, EOS included
    STREAMS = ()

    def __init__(self, network: keras.Model, *, info: text_data.TextInfo,
                 label_smoothing: float, beam_size: int, seed: int,
                 metric_names: tuple[str, ...] = ("loss", "tokens"),
                 backward: keras.Model | None = None, **kwargs):
        """`backward`: a second network that translates the second language into the first
        (dual learning's); without it, `network` translates both ways."""
        super().__init__(seed=seed, metric_names=metric_names, **kwargs)
        self.network, self.info, self.label_smoothing = network, info, label_smoothing
        self.words = tokenizer.Tokenizer(info.vocabulary)
        source, target = info.languages
        self.directions = ((source, target), (target, source))
        self.starts = {language: self.words.token_id(tokenizer.language_token(language))
                       for language in info.languages}
        networks = (network, network if backward is None else backward)
        self.translating = {(a, b): Translating(net, self.words, b, info.max_length, beam_size)
                            for (a, b), net in zip(self.directions, networks, strict=True)}
        self._translate_graphs = {pair: module.graph() for pair, module in self.translating.items()}

    @classmethod
    def config(cls) -> ConfigDict:
        model = transformer_fields(cls.VARIANT, layers=3)  # Encoder and decoder blocks each.
        model.label_smoothing = 0.1
        model.beam_size = 1  # Decoding of the exports and metrics: 1 greedy (the paper's).
        data = parallel_text.config()
        data.split = "train"  # Pairs to learn from: train (the ceiling) or paired (10% of them).
        return ConfigDict({"model": model, "data": data,
                           "optimizer": learning_rates(translator=5e-4)})

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """Adam (0.9, 0.98) as Vaswani et al.; the rate decays over the last half."""
        config.optimizer.update(beta_1=0.9, beta_2=0.98, decay_fraction=0.5)
        config.train.update(batch_size=64, steps=4000, log_every=50, sample_every=500,
                            checkpoint_every=500, sample_columns=4)
        config.eval.num_samples = 500

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "data.split", ("train", "paired"))
        check_network_config(config)

    @classmethod
    def smoke(cls, config: ConfigDict) -> None:
        smoke_transformer(config)

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> text_data.SentencePairs:
        return text_data.load(config.data, split, config.model.max_length)

    @classmethod
    def from_config(cls, config: ConfigDict, info: text_data.TextInfo) -> "Translator":
        model = config.model
        translator = cls(network_from_config(config, info), info=info,
                         label_smoothing=model.label_smoothing, beam_size=model.beam_size,
                         seed=config.seed, name=model.variant)
        translator.compile(optimizers={
            "translator": adam(config, config.optimizer.translator_learning_rate)},
            jit_compile=config.runtime.jit_compile)
        return translator

    @classmethod
    def make_sampler(cls, config: ConfigDict, dataset: text_data.SentencePairs) -> Sampler:
        """The first train.sample_columns dev pairs, translated each way."""
        sides = text_data.first_sentences(config.data, "dev", config.train.sample_columns)

        def sample(translator: "Translator") -> samples.SentenceTable:
            rows = []
            for (a, b), translate in translator.translators().items():
                outputs = translate(list(sides[a]))
                rows += [(f"{a}-{b}", *row) for row in zip(sides[a], outputs, sides[b],
                                                            strict=True)]
            return samples.SentenceTable(("direction", "source", "output", "reference"),
                                         tuple(rows))
        return sample

    @classmethod
    def make_evaluator(cls, config: ConfigDict) -> Evaluator:
        evaluate = text_evaluator(config, cls.evaluated_split(config, exported=False))
        return lambda translator: evaluate(translator.translators())

    @classmethod
    def evaluated_split(cls, config: ConfigDict, exported: bool) -> str:
        """A run (and its model selection) is scored on the dev pairs, its exports on the
        test pairs."""
        return "test" if exported else "dev"

    @classmethod
    def evaluate_export(cls, config: ConfigDict, path: str) -> dict:
        """BLEU and chrF of both directions' exports (found by the manifest beside `path`) on
        the test pairs."""
        manifest = export.read_manifest(path)
        roles = [f"{a}_{b}" for a, b in _directions(config)]
        loaded = [export.load_text_translator(p) for p in manifest.require(*roles)]
        evaluate = text_evaluator(config, cls.evaluated_split(config, exported=True))
        return evaluate(dict(zip(_directions(config), loaded, strict=True)))

    def exports(self) -> dict[str, export.Export]:
        return {f"{a}_{b}": export.Export("translator", self.translating[(a, b)],
                                          suffix=f"_{a}_{b}") for a, b in self.directions}

    def processed(self, steps: int, batch_size: int, logs: dict[str, float]) -> float:
        return logs["tokens"] * steps

    # --- Translating and training. ---

    def translators(self) -> dict[tuple[str, str], Translate]:
        """{(source, target) language: sentences -> translations}, decoding in the graph."""
        def translate_with(graph) -> Translate:
            return lambda sentences: [s.decode() for s in graph(tf.constant(sentences)).numpy()]
        return {pair: translate_with(graph) for pair, graph in self._translate_graphs.items()}

    def sentence_loss(self, source: tf.Tensor, target: tf.Tensor, language: str,
                      training: bool, network: keras.Model | None = None,
                      smoothing: float | None = None) -> tuple[tf.Tensor, tf.Tensor]:
        """(per-sentence mean cross-entropy [B], tokens [B]) of writing `target` in `language`
        from `source` by teacher forcing, with `network` (default: the model's) and the
        targets smoothed by `smoothing` (default: model.label_smoothing)."""
        start = tf.fill([tf.shape(target)[0], 1], self.starts[language])
        logits = (self.network if network is None else network)(
            {"source": source, "target": tf.concat([start, target[:, :-1]], axis=1)},
            training=training)
        cross_entropy, tokens = losses.sentence_cross_entropy(
            logits, target, self.label_smoothing if smoothing is None else smoothing,
            tokenizer.PAD)
        return cross_entropy / tf.maximum(tokens, 1.0), tokens

    def train_step(self, batch: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        sides = dict(zip(self.info.languages, (text_data.trimmed(batch[side], self.jit_compile)
                                               for side in ("source", "target")), strict=True))

        def loss() -> tuple[tf.Tensor, dict]:
            parts = [self.sentence_loss(sides[a], sides[b], b, True) for a, b in self.directions]
            return sum(p[0] for p in parts), {"tokens": sum(p[1] for p in parts)}

        per_sentence, aux = self.minimize(loss, "translator", has_aux=True)
        tokens = tf.distribute.get_replica_context().all_reduce(
            tf.distribute.ReduceOp.SUM, tf.reduce_sum(aux["tokens"]))
        self.step.assign_add(1)
        return self.track(loss=per_sentence, tokens=tokens)


def network_from_config(config: ConfigDict, info: text_data.TextInfo,
                        name: str = "translator") -> keras.Model:
    """The Transformer of config.model's size for the vocabulary and length of `info`."""
    model = config.model
    return nets.transformer(tokenizer.Tokenizer(info.vocabulary).vocabulary_size,
                            info.max_length, model.width, model.heads, model.layers,
                            model.hidden, model.dropout, name=name)


def check_network_config(config: ConfigDict) -> None:
    """Raises ConfigError for a value of the translator network's fields or of the text's."""
    check_transformer_config(config)
    checks.positive(config, "model.beam_size")
    checks.unit_interval(config, "model.label_smoothing")


def transformer_fields(variant: str, layers: int) -> ConfigDict:
    """The `model` group's fields of every Transformer of the text models, with their
    defaults."""
    model = ConfigDict()
    model.variant = variant
    model.width = 256
    model.heads = 4
    model.layers = layers
    model.hidden = 1024  # Units of each block's feed-forward layer.
    model.dropout = 0.1
    model.max_length = 64  # Pieces per sentence, EOS included; longer ones are cut.
    return model


def smoke_transformer(config: ConfigDict) -> None:
    """A text model's Transformer at smoke size, evaluated on a few sentences."""
    config.model.update(width=32, heads=2, layers=1, hidden=64, max_length=24)
    config.eval.num_samples = 16


def check_transformer_config(config: ConfigDict) -> None:
    """Raises ConfigError for a value of the fields every Transformer of the text models has
    (width, heads, layers, hidden, dropout, max_length) or of the text's."""
    checks.positive(config, "model.width", "model.heads", "model.layers", "model.hidden",
                    "model.max_length")
    checks.unit_interval(config, "model.dropout")
    if config.model.width % config.model.heads:
        raise ConfigError(f"config.model.width={config.model.width} must be a multiple of "
                          f"config.model.heads={config.model.heads}.")
    parallel_text.check_config(config)


def _directions(config: ConfigDict) -> tuple[tuple[str, str], tuple[str, str]]:
    a, b = config.data.source_language, config.data.target_language
    return (a, b), (b, a)


def text_evaluator(config: ConfigDict, split: str
                   ) -> Callable[[dict[tuple[str, str], Translate]], dict[str, float]]:
    """{direction: translate} -> BLEU and chrF of each direction on the first
    eval.num_samples pairs of `split` (`en_de_bleu`, `en_de_chrf`, ...)."""
    sides = text_data.first_sentences(config.data, split, config.eval.num_samples)

    def evaluate(translators: dict[tuple[str, str], Translate]) -> dict[str, float]:
        results = {}
        for (a, b), translate in translators.items():
            for name, score in text_scores.scores(translate(list(sides[a])), sides[b]).items():
                results[f"{a}_{b}_{name}"] = score.value
        return results
    return evaluate
