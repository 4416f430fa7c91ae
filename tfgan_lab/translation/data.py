"""Text as a translator trains on it: tokenised with the corpus's shared vocabulary, padded to a
fixed length, batched as a pure function of (seed, step) like every set of the lab
(data/pipeline.py). Sentence pairs for supervised training; for unsupervised MT, each
language's monolingual half with a first model's translation of every sentence."""

import dataclasses
import itertools
import sys
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.data import parallel_text
from tfgan_lab.data.pipeline import step_batches
from tfgan_lab.text import tokenizer


@dataclasses.dataclass(frozen=True)
class TextInfo:
    """What a translator is built for: its two languages, the vocabulary (a SentencePiece
    model) and the longest sentence in pieces."""
    languages: tuple[str, str]
    vocabulary: bytes
    max_length: int


class SentencePairs:
    """Aligned sentences; `gather` gives {"source", "target"} ids int32 [b, max_length], each
    ending in EOS (cut there if longer), PAD after it. The sentences are tokenised once, when
    the set is made (a tokenizer's resource cannot be shared with tf.data's functions)."""

    def __init__(self, text: parallel_text.Text, info: TextInfo, bucket_steps: int = 0):
        self.text, self.info, self.bucket_steps = text, info, bucket_steps
        words = tokenizer.Tokenizer(info.vocabulary)
        source, target = text.languages
        self._ids = {"source": padded_ids(words, text.source, info.max_length, source),
                     "target": padded_ids(words, text.target, info.max_length, target)}
        self.lengths = _lengths(self._ids["source"], self._ids["target"])

    def __len__(self) -> int:
        return len(self.text.source)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> dict[str, tf.Tensor]:
        del seeds  # No augmentation.
        return {side: tf.gather(ids, indices) for side, ids in self._ids.items()}

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return step_batches([self], global_batch_size, seed, start_step, input_context, slices,
                            self.bucket_steps)


CUT_WARNING = 0.1  # The share of a set's sentences cut at max_length that is warned of.


def padded_ids(words: tokenizer.Tokenizer, sentences: Sequence[str], max_length: int,
               language: str | None = None) -> tf.Tensor:
    """`sentences` as ids int32 [N, max_length] (EOS-ended, cut there if longer, PAD after),
    made eagerly, once, even when first asked for inside a traced function. Given their
    `language`, a warning on stderr when more than a tenth of them are cut: a length too
    short for the text, not the few long messages of every corpus; it names the length that
    keeps 99% of them whole."""
    with tf.init_scope():
        ids, lengths = words.encode_padded_and_lengths(tf.constant(list(sentences)),
                                                       max_length)
    if language is not None:
        _warn_if_cut(lengths.numpy(), max_length, language)
    return ids


def _warn_if_cut(lengths: np.ndarray, max_length: int, language: str) -> None:
    cut = int(np.sum(lengths > max_length))
    if cut > CUT_WARNING * len(lengths):
        whole = int(np.ceil(np.percentile(lengths, 99)))
        print(f"warning: {cut} of {len(lengths)} {language} sentences are longer than "
              f"config.model.max_length={max_length} pieces (end of sentence included) and "
              f"are cut there; --config.model.max_length={whole} keeps 99% of them whole.",
              file=sys.stderr)


def pieces(ids: tf.Tensor) -> tf.Tensor:
    """The non-PAD pieces int32 [b] of each sentence of padded ids [b, T]."""
    return tf.reduce_sum(tf.cast(tf.not_equal(ids, tokenizer.PAD), tf.int32), axis=1)


def _lengths(*ids: tf.Tensor) -> tf.Tensor:
    """The pieces int32 [N] of padded ids [N, T] (summed over several such), what a batch of
    them pads to; made eagerly, once."""
    with tf.init_scope():
        return sum(pieces(side) for side in ids)


class Sentences:
    """One language's sentences, and their translations into the other language by a first
    model if given; `gather` gives {"ids", "first_translation"} int32 [b, max_length]
    (EOS-ended, PAD after) and "seeds" int64 [b, 2], each sentence's seed at its place in the
    run."""

    def __init__(self, sentences: Sequence[str], translations: Sequence[str] | None,
                 info: TextInfo, language: str):
        words = tokenizer.Tokenizer(info.vocabulary)
        self._size = len(sentences)
        self._ids = {"ids": padded_ids(words, sentences, info.max_length, language)}
        if translations is not None:  # a first model's output: no warning of its lengths
            self._ids["first_translation"] = padded_ids(words, translations, info.max_length)
        self.lengths = _lengths(self._ids["ids"])

    def __len__(self) -> int:
        return self._size

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> dict[str, tf.Tensor]:
        return {**{name: tf.gather(ids, indices) for name, ids in self._ids.items()},
                "seeds": seeds}


class MonolingualHalves:
    """Both languages' `Sentences`, batched side by side (each in its own order): a batch is
    a pair (first language's, second's)."""

    def __init__(self, sides: tuple[Sentences, Sentences], info: TextInfo,
                 bucket_steps: int = 0):
        self.sides, self.info, self.bucket_steps = sides, info, bucket_steps

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return step_batches(self.sides, global_batch_size, seed, start_step, input_context,
                            slices, self.bucket_steps)


def first_sentences(data: ConfigDict, split: str, count: int) -> dict[str, tuple[str, ...]]:
    """{language: the first `count` sentences of `split` in it} (the pairs' two sides)."""
    text = parallel_text.load(data, split)
    return dict(zip(text.languages, (text.source[:count], text.target[:count]), strict=True))


FirstModel = Callable[[tuple[str, str], Sequence[str]], list[str]]


def trimmed(ids: tf.Tensor, static: bool = False) -> tf.Tensor:
    """Padded ids [b, T] cut after the batch's longest sentence: a step computes no position
    that is PAD in every sentence (about a third of max_length on the catalogues). With
    `static` (a step XLA compiles: `model.jit_compile`), `ids` as they are: one shape, compiled
    once, rather than one a batch; the PAD positions are masked either way."""
    if static:
        return ids
    return ids[:, :tf.reduce_max(pieces(ids))]


def computed_per_piece(batches: Iterable, steps: int) -> float:
    """Of the first `steps` of a text set's `batches`, the pieces a step computes (each padded
    ids tensor `trimmed` to its longest sentence: its width times its sentences) per piece of
    text: the cost of padding, which batches sorted by length (`data.bucket_steps`) cut."""
    computed = text = 0
    for batch in itertools.islice(batches, steps):
        for ids in _padded_ids(batch):
            lengths = pieces(ids).numpy()
            computed += int(lengths.max()) * len(lengths)
            text += int(lengths.sum())
    return computed / text


def _padded_ids(batch) -> list[tf.Tensor]:
    """The sentences' padded ids of a batch of these sets: a pair's two sides, a language's
    sentences (not their first translations), of each part of a tuple."""
    if isinstance(batch, dict):
        return [batch[key] for key in ("source", "target", "ids") if key in batch]
    return [ids for part in batch for ids in _padded_ids(part)]


def text_info(data: ConfigDict, max_length: int) -> TextInfo:
    """The languages and the vocabulary learned from the corpus's monolingual halves (text no
    method is scored on; the same corpus gives the same vocabulary, so a resumed run and its
    exports read alike)."""
    monolingual = parallel_text.load(data, "monolingual")
    vocabulary = tokenizer.learn(monolingual.source + monolingual.target, data.vocabulary_size,
                                 tokenizer.symbols(monolingual.languages))
    return TextInfo(monolingual.languages, vocabulary, max_length)


def load(data: ConfigDict, split: str, max_length: int) -> SentencePairs:
    """The pairs of `split`."""
    return SentencePairs(parallel_text.load(data, split), text_info(data, max_length),
                         data.bucket_steps)


def load_monolingual(data: ConfigDict, max_length: int,
                     first_model: FirstModel | None = None) -> MonolingualHalves:
    """The monolingual halves, each sentence with its translation by `first_model` if given
    ((source, target) language, sentences -> translations)."""
    info = text_info(data, max_length)
    return MonolingualHalves(_halves(parallel_text.load(data, "monolingual"), info,
                                     first_model), info, data.bucket_steps)


def _halves(monolingual: parallel_text.Text, info: TextInfo,
            first_model: FirstModel | None) -> tuple[Sentences, Sentences]:
    a, b = monolingual.languages

    def translated(pair, sentences):
        return None if first_model is None else first_model(pair, sentences)
    return (Sentences(monolingual.source, translated((a, b), monolingual.source), info, a),
            Sentences(monolingual.target, translated((b, a), monolingual.target), info, b))


class PairsAndHalves:
    """Both monolingual halves and the small paired set, batched side by side: a batch is
    (first language's {"ids", "seeds"}, second's, pairs {"source", "target"}), a share
    `paired_fraction` of each step's sentences per language from pairs (rounded), the rest
    monolingual (dual learning's soft landing). With no share, a batch is the two halves'."""

    def __init__(self, pairs: SentencePairs, halves: tuple[Sentences, Sentences],
                 paired_fraction: float, info: TextInfo, bucket_steps: int = 0):
        self.pairs, self.halves = pairs, halves
        self.paired_fraction, self.info, self.bucket_steps = paired_fraction, info, bucket_steps

    def sizes(self, global_batch_size: int) -> tuple[int, int]:
        """(pairs, monolingual sentences per language) of a step's global batch."""
        paired = round(global_batch_size * self.paired_fraction)
        return paired, global_batch_size - paired

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        paired, monolingual = self.sizes(global_batch_size)
        if not paired:
            return step_batches(self.halves, monolingual, seed, start_step, input_context,
                                slices, self.bucket_steps)
        return step_batches((*self.halves, self.pairs), (monolingual, monolingual, paired),
                            seed, start_step, input_context, slices, self.bucket_steps)


def load_pairs_and_halves(data: ConfigDict, max_length: int,
                          paired_fraction: float) -> PairsAndHalves:
    """`data`'s small paired set and monolingual halves, mixed by `paired_fraction`."""
    info = text_info(data, max_length)
    return PairsAndHalves(SentencePairs(parallel_text.load(data, "paired"), info),
                          _halves(parallel_text.load(data, "monolingual"), info, None),
                          paired_fraction, info, data.bucket_steps)
