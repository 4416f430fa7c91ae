"""Dual learning (He et al. 2016, ../shared/REFERENCES.md section 6): two translators, one each
way, warm-started from the supervised translator trained on the small paired set, then
teaching each other on monolingual text.

The game from a batch s of language A (and then the same from language B, in the same step):
- the A -> B translator writes K middle translations of each sentence by beam search;
- each middle translation m is rewarded r = alpha * LM_B(m) + (1 - alpha) * log P(s | m),
  LM_B's log-probability per piece (EOS included) and the B -> A translator's summed
  log-likelihood of bringing s back (rewards());
- the A -> B translator follows the policy gradient of those rewards, standardised within
  each sentence's K (standardised()): it minimises -r * log P(m | s) per piece;
- the B -> A translator learns to bring s back: (1 - alpha) * -log P(s | m) per piece.
With `model.paired_fraction` > 0 (the paper's soft landing), a share of each step's
sentences are pairs, on which both translators also take a supervised step. `model.game=False`
keeps that step alone: the control that tells the game's gain from more supervised training.

  python main.py --config=configs/dual_translator_catalogues.py --workdir=runs/dual

It reads two exports: the warm start (`model.warm_start`, either direction of a
`translator` run on `data.split=paired`, whose weights both translators start from) and the
language models (`model.language_models`, either language of a `language_model` run on the
same data), which stay as they are. Both directions are exported with the translator contract,
as the other translators'.
"""

import keras
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import checks, contracts, export, models
from tfgan_lab.errors import ConfigError, ExportError
from tfgan_lab.players import adam, learning_rates
from tfgan_lab.text.tokenizer import Tokenizer
from tfgan_lab.translation import data as text_data
from tfgan_lab.translation import decoding, language_model
from tfgan_lab.translation.serving import Translating
from tfgan_lab.translation.supervised import (
    Translator,
    check_network_config,
    network_from_config,
)


def rewards(language_model_log_probability: tf.Tensor, language_model_pieces: tf.Tensor,
            reconstruction_log_probability: tf.Tensor, alpha: float) -> tf.Tensor:
    """r = alpha * LM_B(m) / pieces of m + (1 - alpha) * log P(s | m), for each middle
    translation m (float32 [n])."""
    return (alpha * language_model_log_probability / tf.maximum(language_model_pieces, 1.0)
            + (1 - alpha) * reconstruction_log_probability)


def standardised(values: tf.Tensor, beam_size: int) -> tf.Tensor:
    """`values` [n * beam_size], a sentence's beam after another, each beam's minus its mean
    over its standard deviation (0 where a beam's values are all equal)."""
    beams = tf.reshape(values, [-1, beam_size])
    mean, variance = tf.nn.moments(beams, axes=[1], keepdims=True)
    return tf.reshape((beams - mean) / (tf.sqrt(variance) + 1e-6), [-1])


def restore_translator(path: str, network: keras.Model, info: text_data.TextInfo,
                       language: str, words: Tokenizer) -> None:
    """`network` given the weights of the translator exported at `path` (writing
    `language`)."""
    module = contracts.CONTRACTS.get("translator").module(
        Translating(network, words, language, info.max_length))
    export.restore(path, module)



@models.register("dual_translator")
class DualTranslator(Translator):
    """Two players, `forward` (the first language into the second) and `backward`."""

    PLAYERS = {"forward": "network", "backward": "backward"}
    STREAMS = ()
    INPUT_EXPORTS = {
        "warm_start": "configs/translator_catalogues.py with --config.data.split=paired "
                      "--config.name=translator_paired",
        "language_models": "configs/language_models_catalogues.py"}

    def __init__(self, network: keras.Model, backward: keras.Model,
                 language_models: dict[str, language_model.LoadedLanguageModel], *,
                 game_beam_size: int, alpha: float, game: bool = True, **kwargs):
        super().__init__(network, backward=backward, metric_names=(
            ("paired", "reward", "language_model", "reconstruction", "tokens") if game
            else ("paired", "tokens")), **kwargs)
        self.backward, self.language_models = backward, language_models
        self.game_beam_size, self.alpha, self.play = game_beam_size, alpha, game

    @classmethod
    def config(cls) -> ConfigDict:
        config = super().config()
        config.model.update(
            warm_start="",  # An export of the supervised translator trained on the pairs.
            language_models="",  # An export of the language models (configs/language_models_*).
            game_beam_size=2,  # K middle translations per sentence (the paper's 2).
            alpha=0.005,  # The language model's share of the reward (the paper's).
            paired_fraction=0.5,  # Pairs' share of each step's sentences (soft landing).
            game=True)  # False: the pairs' step alone (the control run).
        config.data.split = "monolingual"  # With the paired set, by model.paired_fraction.
        config.optimizer = learning_rates(forward=1e-4, backward=1e-4)
        return config

    @classmethod
    def defaults(cls, config: ConfigDict) -> None:
        """Adam (0.9, 0.98) as the warm start, at a fifth of its rate; batch 32, K 2."""
        config.optimizer.update(beta_1=0.9, beta_2=0.98, decay_fraction=0.0)
        config.train.update(batch_size=32, steps=2000, log_every=50, sample_every=500,
                            checkpoint_every=250, sample_columns=4)
        config.eval.num_samples = 500

    @classmethod
    def check_config(cls, config: ConfigDict) -> None:
        checks.choice(config, "data.split", ("monolingual",))
        check_network_config(config)
        checks.positive(config, "model.game_beam_size")
        checks.unit_interval(config, "model.alpha")
        checks.unit_interval(config, "model.paired_fraction")
        if config.model.paired_fraction == 1:
            raise ConfigError("config.model.paired_fraction=1 leaves no monolingual sentences "
                              "to play the game on: choose a share below 1 (the paper's 0.5).")
        if not config.model.game and not config.model.paired_fraction:
            raise ConfigError("config.model.game=False with config.model.paired_fraction=0 "
                              "trains nothing: give the pairs a share (the paper's 0.5).")
        for field, made_by in cls.INPUT_EXPORTS.items():
            if not config.model[field]:
                raise ConfigError(f"config.model.{field} is empty: pass the path of an export "
                                  f"of {made_by} (export/<name>/<version>).")
        decoding.refuse_xla(config, "the game's beam search")

    @classmethod
    def load_data(cls, config: ConfigDict, split: str) -> text_data.PairsAndHalves:
        return text_data.load_pairs_and_halves(config.data, config.model.max_length,
                                               config.model.paired_fraction)

    @classmethod
    def from_config(cls, config: ConfigDict, info: text_data.TextInfo) -> "DualTranslator":
        """Both translators from the warm start's exports (either direction's, found by their
        manifest), the language models read from theirs."""
        model = config.model
        # Not in check_config: the inputs are exported after it runs.
        for field, made_by in cls.INPUT_EXPORTS.items():
            if not export.holds_export(model[field]):
                raise ExportError(f"config.model.{field}={model[field]!r} holds no export: "
                                  f"train and export {made_by} first, or pass the path of its "
                                  "export (export/<name>/<version>).")
        a, b = info.languages
        warm = export.read_manifest(model.warm_start).require(f"{a}_{b}", f"{b}_{a}")
        networks = [network_from_config(config, info, name=name)
                    for name in ("forward_translator", "backward_translator")]
        language_models = {language: language_model.load(
            model.language_models, language, info.vocabulary, info.max_length)
            for language in info.languages}
        translator = cls(*networks, language_models, game_beam_size=model.game_beam_size,
                         alpha=model.alpha, game=model.game, info=info,
                         label_smoothing=model.label_smoothing,
                         beam_size=model.beam_size, seed=config.seed, name=model.variant)
        for network, path, (_, target) in zip(networks, warm, translator.directions,
                                              strict=True):
            restore_translator(path, network, info, target, translator.words)
        updates = 2 * model.game + (model.paired_fraction > 0)  # one a game, one on the pairs
        translator.compile(optimizers={
            player: adam(config, config.optimizer[f"{player}_learning_rate"], updates)
            for player in cls.PLAYERS},
            jit_compile=config.runtime.jit_compile)
        return translator

    # --- Training. ---

    def game(self, ids: tf.Tensor, direction: tuple[str, str],
             players: tuple[str, str]) -> dict[str, tf.Tensor]:
        """One game from the sentences `ids` [n, T] of language direction[0]: the middle
        translations, then a step of the `players` (there, back); returns each middle
        translation's reward and its parts [n * K], and its tokens."""
        (x, y), k = direction, self.game_beam_size
        there, back = (self.players[player].network for player in players)
        middle = decoding.beam_hypotheses(there, ids, self.starts[y], self.info.max_length, k)
        middle = text_data.trimmed(tf.reshape(middle, [-1, tf.shape(middle)[2]]))
        sources = tf.repeat(ids, k, axis=0)
        scored = self.language_models[y].score_ids(middle)
        pieces = tf.cast(scored["pieces"], tf.float32)

        def reconstruction() -> tuple[tf.Tensor, dict]:
            per_piece, tokens = self.sentence_loss(middle, sources, x, True, back, 0.0)
            return (1 - self.alpha) * per_piece, {"log_probability": -per_piece * tokens}

        _, back_aux = self.minimize(reconstruction, players[1], has_aux=True)
        reward = tf.stop_gradient(rewards(scored["log_probability"], pieces,
                                          back_aux["log_probability"], self.alpha))
        advantage = standardised(reward, k)

        def policy() -> tf.Tensor:
            per_piece, _ = self.sentence_loss(sources, middle, y, True, there, 0.0)
            return advantage * per_piece

        self.minimize(policy, players[0])
        return {"reward": reward, "tokens": pieces,
                "language_model": scored["log_probability"] / tf.maximum(pieces, 1.0),
                "reconstruction": back_aux["log_probability"]}

    def train_step(self, batch: tuple[dict, ...]) -> dict[str, tf.Tensor]:
        first, second, *paired = batch
        a, b = self.info.languages
        tokens, paired_loss = [], tf.zeros([1])
        if paired:
            source, target = (text_data.trimmed(paired[0][side]) for side in ("source", "target"))

            def supervised() -> tuple[tf.Tensor, dict]:
                forward, forward_tokens = self.sentence_loss(source, target, b, True)
                backward, backward_tokens = self.sentence_loss(target, source, a, True,
                                                               self.backward)
                return forward + backward, {"tokens": forward_tokens + backward_tokens}

            paired_loss, aux = self.minimize(supervised, list(self.PLAYERS), has_aux=True)
            tokens.append(aux["tokens"])
        games = [self.game(text_data.trimmed(first["ids"]), (a, b), ("forward", "backward")),
                 self.game(text_data.trimmed(second["ids"]), (b, a), ("backward", "forward"))
                 ] if self.play else []
        tokens += [game["tokens"] for game in games]
        total = tf.distribute.get_replica_context().all_reduce(
            tf.distribute.ReduceOp.SUM, sum(tf.reduce_sum(t) for t in tokens))
        self.step.assign_add(1)
        if not games:
            return self.track(paired=paired_loss, tokens=total)

        def both(name: str) -> tf.Tensor:
            return tf.concat([game[name] for game in games], axis=0)
        return self.track(paired=paired_loss, reward=both("reward"),
                          language_model=both("language_model"),
                          reconstruction=both("reconstruction"), tokens=total)
