"""The subword tokenizer on the real catalogue corpus (learned deterministically from both
languages, symbols kept whole, strings back from ids inside the graph and through a SavedModel)
and the noise model of denoising autoencoding on its ids."""

import unicodedata

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab.data import parallel_text
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.text import clean, noise, tokenizer

UNSEEN = "Schneemann \u2603 und \U0001d11e"  # characters no catalogue holds: byte pieces


@pytest.fixture(scope="module")
def corpus() -> dict[str, parallel_text.Text]:
    data = parallel_text.config()
    return {split: parallel_text.load(data, split) for split in ("monolingual", "test")}


@pytest.fixture(scope="module")
def learned(corpus) -> bytes:
    monolingual = corpus["monolingual"]
    return tokenizer.learn(monolingual.source + monolingual.target, 8000,
                           tokenizer.symbols(monolingual.languages))


def _normalised(sentence: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", sentence).split())


def test_the_vocabulary_is_learned_alike_from_the_same_text(corpus, learned):
    monolingual = corpus["monolingual"]
    again = tokenizer.learn(monolingual.source + monolingual.target, 8000,
                            tokenizer.symbols(monolingual.languages))
    assert again == learned
    other = tokenizer.learn(monolingual.source[:5000] + monolingual.target[:5000], 8000,
                            tokenizer.symbols(monolingual.languages))
    assert other != learned
    assert tokenizer.Tokenizer(learned).vocabulary_size == 8000


def test_symbols_are_single_pieces_shared_by_both_languages(learned):
    words = tokenizer.Tokenizer(learned)
    ids = {symbol: words.token_id(symbol) for symbol in ("<en>", "<de>", clean.ARG, clean.TAG)}
    assert len(set(ids.values())) == 4 and min(ids.values()) > tokenizer.EOS
    english, german = (words.encode(tf.constant([text])).flat_values.numpy().tolist() for text
                       in ("cannot open <arg>: No such file", "kann <arg> nicht öffnen"))
    assert english.count(ids[clean.ARG]) == german.count(ids[clean.ARG]) == 1
    assert english[-1] == german[-1] == tokenizer.EOS
    with pytest.raises(ConfigError, match="'<fr>' is not a piece of this vocabulary"):
        words.token_id("<fr>")


def test_every_test_sentence_decodes_to_itself(corpus, learned):
    """Both languages' 1000 test sentences (never in the vocabulary's text) and characters no
    catalogue holds come back as they went in, up to NFKC and spacing."""
    words = tokenizer.Tokenizer(learned)
    sentences = list(corpus["test"].source + corpus["test"].target) + [UNSEEN]
    ids = words.encode(tf.constant(sentences))
    decoded = [s.decode() for s in words.decode(ids).numpy()]
    assert decoded == [_normalised(s) for s in sentences]
    assert tokenizer.UNK not in ids.flat_values.numpy()
    # Subwords: far fewer pieces than characters, more than words.
    pieces = ids.row_lengths().numpy() - 1
    assert np.mean([len(s.split()) for s in sentences]) < pieces.mean() < 3 * np.mean(
        [len(s.split()) for s in sentences])


def test_decode_reads_up_to_eos_and_skips_pad_and_bos(learned):
    words = tokenizer.Tokenizer(learned)
    ids = words.encode(tf.constant(["file not found", "disk full"])).to_tensor()
    row = ids[0].numpy().tolist()
    padded = tf.constant([[tokenizer.BOS] + row + [tokenizer.PAD] * 3,
                          row + ids[1].numpy().tolist()])  # the second: text after EOS
    assert words.decode(padded).numpy().tolist() == [b"file not found", b"file not found"]
    truncated = words.encode(tf.constant(["file not found", "disk full"]), max_length=3)
    assert truncated.row_lengths().numpy().tolist() == [3, 3]
    assert [row[-1] for row in truncated.to_list()] == [tokenizer.EOS] * 2
    assert words.decode(truncated).numpy()[0] == words.decode(ids[:1, :2]).numpy()[0]
    # Padded and cut, with the uncut lengths from the same tokenisation.
    text = tf.constant(["file not found", "disk full"])
    padded, lengths = words.encode_padded_and_lengths(text, 3)
    np.testing.assert_array_equal(padded, truncated.to_tensor())
    np.testing.assert_array_equal(padded, words.encode_padded(text, 3))
    assert lengths.numpy().tolist() == [len(row) for row in words.encode(text).to_list()]
    assert lengths.numpy()[0] > 3  # uncut: the first sentence's, which `padded` cut


def test_a_saved_model_takes_and_returns_strings(learned, tmp_path):
    """The vocabulary travels inside the SavedModel: strings in, strings out, no file beside."""

    class RoundTrip(tf.Module):
        def __init__(self):
            super().__init__()
            self.words = tokenizer.Tokenizer(learned)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serve(self, text):
            return {"translation": self.words.decode(self.words.encode(text, max_length=64))}

    module = RoundTrip()
    tf.saved_model.save(module, str(tmp_path / "model"),
                        signatures={"serving_default": module.serve})
    served = tf.saved_model.load(str(tmp_path / "model")).signatures["serving_default"]
    out = served(text=tf.constant(["Passwort für » <arg> «", UNSEEN]))["translation"]
    assert [s.decode() for s in out.numpy()] == ["Passwort für » <arg> «", UNSEEN]


def test_saved_vocabulary_loads_and_a_corrupt_one_is_named(learned, tmp_path):
    path = str(tmp_path / "tokenizer.model")
    tokenizer.save(learned, path)
    assert tokenizer.load(path).encode(tf.constant(["disk full"])).to_list() == tokenizer.Tokenizer(
        learned).encode(tf.constant(["disk full"])).to_list()
    with open(path, "wb") as f:
        f.write(learned[:100])
    with pytest.raises(DataError, match="tokenizer.model is not a SentencePiece vocabulary"):
        tokenizer.load(path)
    with pytest.raises(DataError, match="Cannot read the vocabulary .*missing.model"):
        tokenizer.load(str(tmp_path / "missing.model"))


def test_a_vocabulary_size_the_text_cannot_give_is_a_config_error(corpus):
    sentences = corpus["test"].source[:50]
    with pytest.raises(ConfigError, match="vocabulary_size=100 is too small"):
        tokenizer.learn(sentences, 100, tokenizer.symbols(("en", "de")))
    with pytest.raises(ConfigError, match="lower config.data.vocabulary_size"):
        tokenizer.learn(sentences, 8000, tokenizer.symbols(("en", "de")))
    with pytest.raises(DataError, match="no text"):
        tokenizer.learn([], 8000, [])


def _single_piece_words(rows: int, words: int) -> tf.RaggedTensor:
    """Sentences of `words` one-piece words, the piece of word i being 10 + i, then EOS."""
    return tf.ragged.constant([list(range(10, 10 + words)) + [tokenizer.EOS]] * rows,
                              dtype=tf.int32)


def _seeds(rows: int, first: int = 0) -> tf.Tensor:
    """One seed per sentence: (7, first), (7, first + 1), ..."""
    return tf.stack([tf.fill([rows], 7), tf.range(first, first + rows)], axis=1)


def test_noise_drops_a_tenth_of_the_words_and_moves_none_more_than_3_places():
    every_piece_starts_a_word = tf.ones([64], tf.bool)
    noisy = noise.add_noise(_single_piece_words(200, 20), every_piece_starts_a_word,
                            _seeds(200), max_words=21).to_list()
    moved = 0
    for row in noisy:
        assert row[-1] == tokenizer.EOS and 10 in row  # EOS last, the first word kept
        original = [piece - 10 for piece in row[:-1]]
        for place, rank in enumerate(np.argsort(np.argsort(original))):
            assert abs(place - rank) <= 3
            moved += place != rank
    kept = sum(len(row) - 1 for row in noisy) / (200 * 20)
    assert 0.88 < kept < 0.93 and moved > 1000  # 0.9 kept (the first word always), words move


def test_noise_is_a_function_of_each_sentences_seed_and_can_be_off():
    starts = tf.ones([64], tf.bool)
    ids = _single_piece_words(8, 12)
    first, again = (noise.add_noise(ids, starts, _seeds(8), 12).to_list() for _ in "ab")
    assert first == again != noise.add_noise(ids, starts, _seeds(8, 1), 12).to_list()
    # A sentence's noise is its own: the same in any batch (a replica's slice of one).
    assert noise.add_noise(ids[5:], starts, _seeds(3, 5), 12).to_list() == first[5:]
    assert noise.add_noise(ids, starts, _seeds(8), 12, drop=0.0, shuffle=0).to_list() == (
        ids.to_list())


def test_noise_moves_real_words_whole(corpus, learned):
    """On the real test sentences: every noisy sentence decodes to words of its own sentence,
    a word's pieces together and in order."""
    words = tokenizer.Tokenizer(learned)
    sentences = list(corpus["test"].target[:300])
    ids = words.encode(tf.constant(sentences))
    noisy = words.decode(noise.add_noise(ids, words.word_starts(), _seeds(300), 64))
    changed = 0
    for sentence, out in zip(sentences, noisy.numpy(), strict=True):
        original, kept = _normalised(sentence).split(), out.decode().split()
        assert kept and set(kept) <= set(original), (sentence, out)
        changed += kept != original
    assert changed > 100
