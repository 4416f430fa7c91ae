"""The offline parallel corpus: the .mo reader on Debian's real catalogues, cleaning, the
split into parts that share no sentence, text folders and the Ding lexicon."""

import gettext
import os

import pytest

from tfgan_lab.data import parallel_text
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.text import catalogues, clean, lexicon, mo, splits

COREUTILS = "/usr/share/locale/de/LC_MESSAGES/coreutils.mo"
LATIN1 = "/usr/share/locale/de/LC_MESSAGES/net-tools.mo"  # charset=iso-8859-1


@pytest.fixture(scope="module")
def corpus() -> dict[str, parallel_text.Text]:
    data = parallel_text.config()
    return {split: parallel_text.load(data, split) for split in parallel_text.SPLITS}


def test_mo_reader_agrees_with_gettext_on_a_real_catalogue():
    catalogue = mo.read(COREUTILS)
    with open(COREUTILS, "rb") as f:
        expected = gettext.GNUTranslations(f)._catalog
    assert catalogue.language == "de" and len(catalogue.messages) > 500
    plurals = 0
    for message in catalogue.messages:
        key = message.msgid if message.context is None else (
            f"{message.context}\x04{message.msgid}")
        if message.msgid_plural is None:
            assert expected[key] == message.msgstrs[0]
        else:
            plurals += 1
            assert [expected[key, i] for i in range(len(message.msgstrs))] == list(
                message.msgstrs)
    assert plurals > 0


def test_mo_reader_reads_a_latin1_catalogue_that_gettext_cannot():
    with open(LATIN1, "rb") as f, pytest.raises(UnicodeDecodeError):
        gettext.GNUTranslations(f)
    messages = mo.read(LATIN1).messages
    assert any("ä" in s or "ü" in s for m in messages for s in m.msgstrs)


@pytest.mark.parametrize("damage", ["truncated", "magic", "offset"])
def test_corrupt_catalogue_is_a_clear_error(tmp_path, damage):
    with open(COREUTILS, "rb") as f:
        data = bytearray(f.read())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "magic":
        data[:4] = b"\0\0\0\0"
    else:
        data[16:20] = (len(data) + 100).to_bytes(4, "little")  # the translations' table
    path = tmp_path / "broken.mo"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="broken.mo is not a valid gettext .mo catalogue"):
        mo.read(str(path))


def test_plural_entry_gives_singular_and_plural_pairs():
    pairs = list(catalogues.raw_pairs(mo.read(COREUTILS)))
    assert ("%lu user", "%lu Benutzer") in pairs
    assert ("options '-%s' are ignored", "Optionen „-%s“ werden ignoriert") in pairs


@pytest.mark.parametrize("message, cleaned", [
    ("%s: cannot open %-10lu files\n", "<arg> : cannot open <arg> files"),
    ("Position %1$s of %2$d, 100%% done", "Position <arg> of <arg> , 100% done"),
    ("Hello %(name)s, {0} and {}", "Hello <arg> , <arg> and <arg>"),
    ("<b>Bold</b> and <span weight='bold'>x</span>", "<tag> Bold <tag> and <tag> x <tag>"),
    ("Save _As and &Open", "Save As and Open"),
    ("pg_hba.conf in AT&T syntax, HEAD^{tree}", "pg_hba.conf in AT&T syntax, HEAD^{tree}"),
    ("The &lt;key&gt; &amp; more", "The <key> & more"),
])
def test_clean(message, cleaned):
    assert clean.clean(message) == cleaned


def test_corpus_parts_have_the_configured_sizes(corpus):
    data = parallel_text.config()
    assert len(corpus["test"].source) == data.test_pairs
    assert len(corpus["dev"].source) == data.dev_pairs
    assert len(corpus["paired"].source) == data.paired_pairs
    english, german = corpus["monolingual"].source, corpus["monolingual"].target
    assert abs(len(english) - len(german)) <= 50 and len(english) > 10000
    assert len(corpus["train"].source) == data.paired_pairs + len(english) + len(german)
    for text in corpus.values():
        for sentence in text.source + text.target:
            assert data.min_words <= clean.words(sentence) <= data.max_words


def test_no_sentence_in_two_parts(corpus):
    sides = {name: ({clean.key(s) for s in text.source}, {clean.key(t) for t in text.target})
             for name, text in corpus.items() if name != "train"}
    names = sorted(sides)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            for side in (0, 1):
                assert not sides[first][side] & sides[second][side], (first, second, side)


def test_no_translation_pair_spans_the_monolingual_halves(corpus):
    english = {clean.key(s) for s in corpus["monolingual"].source}
    german = {clean.key(t) for t in corpus["monolingual"].target}
    everything = catalogues.sentence_pairs(catalogues.catalogue_paths(
        "de", catalogues.packages()))
    assert not [pair for pair in everything
                if clean.key(pair[0]) in english and clean.key(pair[1]) in german]


def test_split_is_seeded(corpus):
    data = parallel_text.config()
    data.seed = 1
    other = parallel_text.load(data, "test")
    assert set(other.source) != set(corpus["test"].source)
    data.seed = 0
    assert parallel_text.load(data, "test") == corpus["test"]


def test_a_split_too_large_for_the_corpus_is_a_clear_error():
    pairs = {(f"message number {i}", f"Nachricht Nummer {i}"): 1 for i in range(100)}
    with pytest.raises(DataError, match="100 pairs: too few"):
        splits.split(pairs, 0, test_pairs=20, dev_pairs=20, paired_pairs=20)


def test_other_languages_by_a_field():
    data = parallel_text.config()
    data.target_language = "fr"
    french = parallel_text.load(data, "test")
    assert french.languages == ("en", "fr") and len(french.source) == data.test_pairs


def test_bad_text_config_is_a_clear_error():
    config = parallel_text.config()
    from ml_collections import ConfigDict

    whole = ConfigDict({"data": config})
    whole.data.target_language = "xx"
    with pytest.raises(ConfigError, match="target_language='xx' is not valid"):
        parallel_text.check_config(whole)
    with pytest.raises(ConfigError, match="Unknown text split 'validation'"):
        parallel_text.load(config, "validation")


def test_a_package_that_is_not_installed_is_named():
    data = parallel_text.config()
    data.packages = "coreutils,no-such-package-here"
    with pytest.raises(DataError, match="no-such-package-here not installed.*install.sh"):
        parallel_text.load(data, "test")


def _write(folder, name, lines):
    (folder / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def test_text_folder_in_multi30k_layout(tmp_path, corpus):
    train = corpus["train"]
    for stem, text in (("train", train), ("val", corpus["dev"]), ("test", corpus["test"])):
        _write(tmp_path, f"{stem}.en", text.source[:3000])
        _write(tmp_path, f"{stem}.de", text.target[:3000])
    data = parallel_text.config()
    data.update(folder=str(tmp_path), test_pairs=10, dev_pairs=10, paired_pairs=300)
    assert parallel_text.load(data, "test").source == corpus["test"].source[:3000]
    monolingual = parallel_text.load(data, "monolingual")
    paired = parallel_text.load(data, "paired")
    assert len(paired.source) == 300
    assert len(monolingual.source) + len(monolingual.target) + 300 == 3000

    data.aligned = False  # the train files are two monolingual sets
    monolingual = parallel_text.load(data, "monolingual")
    assert monolingual.source == train.source[:3000] and not monolingual.aligned
    assert parallel_text.load(data, "paired").source == ()


def test_text_folder_with_misaligned_files_is_a_clear_error(tmp_path, corpus):
    for stem in ("train", "val", "test"):
        _write(tmp_path, f"{stem}.en", corpus["dev"].source[:50])
        _write(tmp_path, f"{stem}.de", corpus["dev"].target[:49])
    data = parallel_text.config()
    data.folder = str(tmp_path)
    with pytest.raises(DataError, match="val.en has 50 lines and .*val.de 49"):
        parallel_text.load(data, "dev")
    _write(tmp_path, "val.de", corpus["dev"].target[:50])
    os.remove(tmp_path / "test.de")
    with pytest.raises(DataError, match="test.de are needed"):
        parallel_text.load(data, "dev")


def test_ding_lexicon_and_precision_at_1():
    ding = lexicon.read_ding()
    assert "file" in ding["datei"] and "save" in ding["speichern"]
    assert "datei" in lexicon.invert(ding)["file"]
    induced = {"Datei": "file", "speichern": "load", "Zzzunbekannt": "x"}
    assert lexicon.precision_at_1(induced, ding) == 0.5  # the unknown word is not scored


def test_corrupt_lexicon_line_is_named(tmp_path):
    path = tmp_path / "de-en"
    path.write_text("# Version :: test\nDatei {f} :: file\nkaputte Zeile ohne Trenner\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match="de-en, line 3: no ' :: '"):
        lexicon.read_ding(str(path))


def test_blank_lines_keep_aligned_files_aligned(tmp_path, corpus):
    source, target = list(corpus["dev"].source[:60]), list(corpus["dev"].target[:60])
    source[3], target[5] = "", ""  # two untranslated lines, in different places
    for stem in ("train", "val", "test"):
        _write(tmp_path, f"{stem}.en", source)
        _write(tmp_path, f"{stem}.de", target)
    data = parallel_text.config()
    data.update(folder=str(tmp_path), paired_pairs=10)
    dev = parallel_text.load(data, "dev")
    expected = [(s, t) for s, t in zip(source, target, strict=True) if s and t]
    assert list(dev.pairs) == expected and len(expected) == 58
