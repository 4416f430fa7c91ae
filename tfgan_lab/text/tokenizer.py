"""Subword tokenisation inside the TensorFlow graph, so that an exported translator takes and
returns strings and TF Serving needs no Python around it.

One SentencePiece BPE vocabulary is learned from the text of both languages together: shared,
as Lample et al. (2018) share their BPE codes, so that what the languages write alike (numbers,
names, `<arg>`) is one token with one embedding, which is what lets an unsupervised translator
start. Its symbols (the language tokens `<en>`, `<de>` and the catalogues' `<arg>`, `<tag>`)
are never split. With byte fallback, a character the text never showed is spelled as its UTF-8
bytes, so no input is unknown and decoding gives back the input (NFKC-normalised, spacing
collapsed). Learning takes under a second for the catalogue corpus, and the same text gives the
same vocabulary, byte for byte.

Encoding and decoding are tensorflow-text's SentencepieceTokenizer, whose model is a constant
of the graph: every SavedModel that uses a Tokenizer carries its vocabulary. Loading such a
SavedModel needs TF Text's ops registered (`import tensorflow_text`), as does a model server.
"""

import io
from collections.abc import Sequence

import tensorflow as tf

from tfgan_lab import files
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.text import clean

PAD, UNK, BOS, EOS = 0, 1, 2, 3  # The ids of the pieces every vocabulary starts with.
MIN_VOCABULARY = 300  # 256 bytes, the four above, the symbols and a few merges.


def language_token(language: str) -> str:
    """The symbol that stands for `language` ("<de>"): a decoder starts from it."""
    return f"<{language}>"


def symbols(languages: Sequence[str]) -> list[str]:
    """The pieces a translator between `languages` keeps whole: one token per language, and
    the catalogues' placeholder and markup tokens."""
    return [language_token(language) for language in languages] + [clean.ARG, clean.TAG]


def learn(sentences: Sequence[str], vocabulary_size: int, keep_whole: Sequence[str]) -> bytes:
    """A SentencePiece BPE model (its serialised proto) of `vocabulary_size` pieces learned from
    `sentences`, with the pieces `keep_whole` never split. Deterministic."""
    import sentencepiece

    if not sentences:
        raise DataError("There is no text to learn a vocabulary from.")
    if vocabulary_size < MIN_VOCABULARY:
        raise ConfigError(f"config.data.vocabulary_size={vocabulary_size} is too small: at least "
                          f"{MIN_VOCABULARY} (256 byte pieces, the special ones and merges).")
    model = io.BytesIO()
    try:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences), model_writer=model, vocab_size=vocabulary_size,
            model_type="bpe", character_coverage=1.0, byte_fallback=True,
            pad_id=PAD, unk_id=UNK, bos_id=BOS, eos_id=EOS, user_defined_symbols=list(keep_whole),
            num_threads=1, minloglevel=2)
    except RuntimeError as e:  # e.g. "Vocabulary size too high (9000). Please set it <= 8117."
        raise ConfigError(f"No vocabulary of {vocabulary_size} pieces can be learned from "
                          f"{len(sentences)} sentences ({e}): lower "
                          "config.data.vocabulary_size.") from None
    return model.getvalue()


class Tokenizer(tf.Module):
    """Strings to ids and back, inside the graph. `encode` ends every sentence with EOS;
    `decode` reads ids up to the first EOS and skips PAD and BOS, so a decoder's padded output
    decodes as it is."""

    def __init__(self, model: bytes, name: str = "tokenizer"):
        super().__init__(name=name)
        import tensorflow_text

        self.model = model
        self._pieces = tensorflow_text.SentencepieceTokenizer(model=model, out_type=tf.int32)
        self.vocabulary_size = int(self._pieces.vocab_size())

    def token_id(self, piece: str) -> int:
        """The id of a whole piece, such as a language token; an error if it is not one.
        Looked up eagerly, also when asked from inside a traced function."""
        with tf.init_scope():
            token = int(self._pieces.string_to_id(tf.constant(piece)))
        if token == UNK:
            raise ConfigError(f"{piece!r} is not a piece of this vocabulary.")
        return token

    # Graph code without Python control flow on tensors: AutoGraph is kept out of it and of the
    # TF Text code it calls, whatever function traces it.
    @tf.autograph.experimental.do_not_convert
    def encode(self, text: tf.Tensor, max_length: int | None = None) -> tf.RaggedTensor:
        """Ids of each string of `text` [B], then EOS; at most `max_length` ids (EOS kept)."""
        return _ended(self._pieces.tokenize(text), max_length)

    @tf.autograph.experimental.do_not_convert
    def lengths(self, text: tf.Tensor) -> tf.Tensor:
        """The ids int32 [B] each string of `text` encodes to, EOS included, uncut."""
        return _uncut_lengths(self._pieces.tokenize(text))

    @tf.autograph.experimental.do_not_convert
    def encode_padded(self, text: tf.Tensor, max_length: int) -> tf.Tensor:
        """`encode`'s ids as int32 [B, max_length], PAD after each EOS."""
        return _padded(self._pieces.tokenize(text), max_length)

    @tf.autograph.experimental.do_not_convert
    def encode_padded_and_lengths(self, text: tf.Tensor, max_length: int
                                  ) -> tuple[tf.Tensor, tf.Tensor]:
        """`encode_padded`'s ids and `lengths`, the text tokenised once."""
        pieces = self._pieces.tokenize(text)
        return _padded(pieces, max_length), _uncut_lengths(pieces)

    @tf.autograph.experimental.do_not_convert
    def decode(self, ids: tf.Tensor | tf.RaggedTensor) -> tf.Tensor:
        """The strings [B] of `ids` [B, T] (dense or ragged), each read up to its first EOS."""
        if isinstance(ids, tf.RaggedTensor):
            ids = ids.to_tensor(default_value=EOS)
        before_eos = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, EOS), tf.int32), axis=1), 0)
        kept = tf.logical_and(before_eos, tf.greater(ids, BOS))
        return self._pieces.detokenize(tf.ragged.boolean_mask(ids, kept))

    def pieces(self, ids: tf.Tensor | tf.RaggedTensor) -> tf.Tensor | tf.RaggedTensor:
        """The piece strings of `ids`, for reading what the model sees."""
        return self._pieces.id_to_string(ids)

    def word_starts(self) -> tf.Tensor:
        """bool [V]: whether each piece begins a word (SentencePiece marks it with '▁');
        what the noise model moves and drops together (text/noise.py)."""
        pieces = self._pieces.id_to_string(tf.range(self.vocabulary_size))
        return tf.strings.substr(pieces, 0, 1, unit="UTF8_CHAR") == "▁"


def _ended(pieces: tf.RaggedTensor, max_length: int | None) -> tf.RaggedTensor:
    """The pieces' ids of each string, then EOS; at most `max_length` ids (EOS kept)."""
    if max_length is not None:
        pieces = pieces[:, :max_length - 1]
    eos = tf.fill([pieces.nrows(), 1], tf.constant(EOS, tf.int32))
    return tf.concat([pieces, eos], axis=1)


def _padded(pieces: tf.RaggedTensor, max_length: int) -> tf.Tensor:
    return _ended(pieces, max_length).to_tensor(default_value=PAD, shape=[None, max_length])


def _uncut_lengths(pieces: tf.RaggedTensor) -> tf.Tensor:
    return tf.cast(pieces.row_lengths(), tf.int32) + 1  # EOS included


def save(model: bytes, path: str) -> None:
    """Writes the vocabulary `model` to `path` whole (a run's tokenizer.model)."""
    with files.written_whole(path) as partial, open(partial, "wb") as f:
        f.write(model)


def load(path: str) -> Tokenizer:
    """The Tokenizer saved at `path`, or a DataError naming the file."""
    import sentencepiece

    try:
        with open(path, "rb") as f:
            model = f.read()
        sentencepiece.SentencePieceProcessor(model_proto=model)
    except OSError as e:
        raise DataError(f"Cannot read the vocabulary {path}: {e.strerror}.") from None
    except RuntimeError:
        raise DataError(f"{path} is not a SentencePiece vocabulary: it is corrupt or "
                        "truncated.") from None
    return Tokenizer(model)

