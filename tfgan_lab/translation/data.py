"""Text as a translator trains on it: tokenised with the corpus's shared vocabulary, padded to a
fixed length, batched as a pure function of (seed, step) like every set of the lab
(data/pipeline.py). Sentence pairs for supervised training; for unsupervised MT, each
language's monolingual half with a first model's translation of every sentence."""

import dataclasses
from collections.abc import Callable, Sequence

import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab.data import parallel_text
from tfgan_lab.data.pipeline import eager_constant, step_batches
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

    def __init__(self, text: parallel_text.Text, info: TextInfo):
        self.text, self.info = text, info
        words = tokenizer.Tokenizer(info.vocabulary)
        self._ids = {side: eager_constant(words.encode_padded(tf.constant(list(sentences)),
                                                              info.max_length))
                     for side, sentences in (("source", text.source), ("target", text.target))}

    def __len__(self) -> int:
        return len(self.text.source)

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> dict[str, tf.Tensor]:
        del seeds  # No augmentation.
        return {side: tf.gather(ids, indices) for side, ids in self._ids.items()}

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return step_batches([self], global_batch_size, seed, start_step, input_context, slices)


class Sentences:
    """One language's sentences and their translations into the other language by a first
    model; `gather` gives {"ids", "first_translation"} int32 [b, max_length] (EOS-ended,
    PAD after) and "seeds" int64 [b, 2], each sentence's seed at its place in the run."""

    def __init__(self, sentences: Sequence[str], translations: Sequence[str], info: TextInfo):
        words = tokenizer.Tokenizer(info.vocabulary)
        self._size = len(sentences)
        self._ids = {name: eager_constant(words.encode_padded(tf.constant(list(text)),
                                                              info.max_length))
                     for name, text in (("ids", sentences), ("first_translation", translations))}

    def __len__(self) -> int:
        return self._size

    def gather(self, indices: tf.Tensor, seeds: tf.Tensor) -> dict[str, tf.Tensor]:
        return {**{name: tf.gather(ids, indices) for name, ids in self._ids.items()},
                "seeds": seeds}


class MonolingualHalves:
    """Both languages' `Sentences`, batched side by side (each in its own order): a batch is
    a pair (first language's, second's)."""

    def __init__(self, sides: tuple[Sentences, Sentences], info: TextInfo):
        self.sides, self.info = sides, info

    def batches(self, global_batch_size: int, seed: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                slices: int = 1) -> tf.data.Dataset:
        return step_batches(self.sides, global_batch_size, seed, start_step, input_context,
                            slices)


def trimmed(ids: tf.Tensor) -> tf.Tensor:
    """Padded ids [b, T] cut after the batch's longest sentence: a step computes no position
    that is PAD in every sentence (about a third of max_length on the catalogues)."""
    longest = tf.reduce_max(tf.reduce_sum(tf.cast(tf.not_equal(ids, tokenizer.PAD), tf.int32),
                                          axis=1))
    return ids[:, :longest]


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
    return SentencePairs(parallel_text.load(data, split), text_info(data, max_length))


def load_monolingual(data: ConfigDict, max_length: int,
                     first_model: Callable[[tuple[str, str], Sequence[str]], list[str]]
                     ) -> MonolingualHalves:
    """The monolingual halves, each sentence with its translation by `first_model`
    ((source, target) language, sentences -> translations)."""
    monolingual = parallel_text.load(data, "monolingual")
    info = text_info(data, max_length)
    a, b = monolingual.languages
    return MonolingualHalves(
        (Sentences(monolingual.source, first_model((a, b), monolingual.source), info),
         Sentences(monolingual.target, first_model((b, a), monolingual.target), info)), info)
