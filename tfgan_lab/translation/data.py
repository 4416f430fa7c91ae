"""Sentence pairs as a translator trains on them: tokenised with the corpus's shared
vocabulary, padded to a fixed length, batched as a pure function of (seed, step) like every
set of the lab (data/pipeline.py)."""

import dataclasses

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


def load(data: ConfigDict, split: str, max_length: int) -> SentencePairs:
    """The pairs of `split`, with the vocabulary learned from the corpus's monolingual halves
    (text no method is scored on; the same corpus gives the same vocabulary, so a resumed run
    and its exports read alike)."""
    monolingual = parallel_text.load(data, "monolingual")
    vocabulary = tokenizer.learn(monolingual.source + monolingual.target, data.vocabulary_size,
                                 tokenizer.symbols(monolingual.languages))
    info = TextInfo(monolingual.languages, vocabulary, max_length)
    return SentencePairs(parallel_text.load(data, split), info)
