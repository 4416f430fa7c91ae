"""Text in two languages for translation: monolingual halves, a small paired set, all training
pairs, dev and test pairs. Chosen by the `data` group (`config()`, `load(data, split)`):

- `gettext` (offline, the default): the catalogues of the Debian packages named in
  tfgan_lab/text/catalogue_packages.txt, English and `data.target_language` (de; fr, es, ru);
  one translation per English sentence, split by `data.seed` (text/splits.py);
- `data.folder`: Multi30k's layout, `train.<lang>`, `val.<lang>` (or `dev.<lang>`) and
  `test.<lang>` for both languages. With `data.aligned` the train files are pairs, split like
  the catalogues; otherwise they are two monolingual files, and `paired.<lang>` (if present)
  the small paired set;
- `data.tfds_name`: a TFDS translation set such as `wmt14_translate/de-en`, whose train pairs
  are split like the catalogues and whose validation and test splits are dev and test.
"""

import collections
import dataclasses
import functools
import os

from ml_collections import ConfigDict

from tfgan_lab import checks
from tfgan_lab.errors import ConfigError, DataError
from tfgan_lab.text import catalogues, splits

SPLITS = ("monolingual", "paired", "train", "dev", "test")
GETTEXT_LANGUAGES = ("de", "fr", "es", "ru")


@dataclasses.dataclass(frozen=True)
class Text:
    """Sentences of `languages` (source, target): aligned pairs, or (for `monolingual`) two
    unrelated lists."""
    languages: tuple[str, str]
    source: tuple[str, ...]
    target: tuple[str, ...]
    aligned: bool

    @property
    def pairs(self) -> splits.Pairs:
        if not self.aligned:
            raise ValueError("Monolingual text has no pairs.")
        return tuple(zip(self.source, self.target, strict=True))


def config() -> ConfigDict:
    """The `data` group of a translation model."""
    data = ConfigDict()
    data.source_language = "en"
    data.target_language = "de"  # gettext: de, fr, es or ru.
    data.packages = ""  # gettext: comma-separated Debian packages; empty: the named list.
    data.folder = ""  # Multi30k-style text files; replaces the catalogues.
    data.aligned = True  # data.folder: train.<lang> files are pairs, not monolingual text.
    data.tfds_name = ""  # For example wmt14_translate/de-en; replaces the catalogues.
    data.tfds_dir = ""
    data.min_words = 3  # Pairs of min_words to max_words words on both sides are kept.
    data.max_words = 25
    data.seed = 0  # The split into parts (a fixed corpus, whatever the run's seed).
    data.test_pairs = 1000
    data.dev_pairs = 1000
    data.paired_pairs = 3000  # The small paired set: about 10% of the catalogue pairs.
    data.vocabulary_size = 8000  # Subword pieces shared by both languages (text/tokenizer.py).
    data.bucket_steps = 0  # > 0: the sentences of this many steps are sorted by length into
    # their batches, so a step pads less (data/pipeline.py); 0: batches as drawn.
    return data


def check_config(config: ConfigDict) -> None:
    """Raises ConfigError for a value of `config.data` (this module's group) it cannot use."""
    data = config.data
    checks.positive(config, "data.min_words", "data.max_words", "data.test_pairs",
                    "data.dev_pairs", "data.vocabulary_size")
    checks.at_least_zero(config, "data.paired_pairs", "data.bucket_steps")
    if data.min_words > data.max_words:
        raise ConfigError(f"config.data.min_words={data.min_words} is above "
                          f"config.data.max_words={data.max_words}.")
    if data.folder and data.tfds_name:
        raise ConfigError("config.data.folder and config.data.tfds_name both name a corpus: "
                          "set one of them.")
    if not (data.folder or data.tfds_name):
        checks.choice(config, "data.source_language", ("en",),
                      more=" (the catalogues' messages are English)")
        checks.choice(config, "data.target_language", GETTEXT_LANGUAGES,
                      more=" (or your own text: set config.data.folder)")


def load(data: ConfigDict, split: str) -> Text:
    """One part of the corpus `data` describes (one of SPLITS)."""
    if split not in SPLITS:
        raise ConfigError(f"Unknown text split {split!r}: choose one of {', '.join(SPLITS)}.")
    parts = _parts(data.source_language, data.target_language, data.packages, data.folder,
                   data.aligned, data.tfds_name, data.tfds_dir, data.min_words, data.max_words,
                   data.seed, data.test_pairs, data.dev_pairs, data.paired_pairs)
    languages = (data.source_language, data.target_language)
    if split == "monolingual":
        return Text(languages, *parts.monolingual, aligned=False)
    pairs = getattr(parts, split)
    return Text(languages, tuple(s for s, _ in pairs), tuple(t for _, t in pairs), aligned=True)


@functools.lru_cache(maxsize=4)
def _parts(source_language, target_language, packages, folder, aligned, tfds_name, tfds_dir,
           min_words, max_words, seed, test_pairs, dev_pairs, paired_pairs) -> splits.Split:
    sizes = dict(test_pairs=test_pairs, dev_pairs=dev_pairs, paired_pairs=paired_pairs)
    if folder:
        return _folder(folder, (source_language, target_language), aligned, seed, sizes)
    if tfds_name:
        return _tfds(tfds_name, tfds_dir, (source_language, target_language), seed, sizes)
    names = tuple(p.strip() for p in packages.split(",") if p.strip()) or catalogues.packages()
    paths = catalogues.catalogue_paths(target_language, names)
    if not paths:
        raise DataError(f"The packages {', '.join(names)} hold no {target_language!r} "
                        "catalogues: check config.data.target_language and data.packages.")
    counts = catalogues.sentence_pairs(paths, min_words, max_words)
    return splits.split(counts, seed, **sizes)


def _folder(folder: str, languages: tuple[str, str], aligned: bool, seed: int,
            sizes: dict) -> splits.Split:
    def lines_of(stem: str, required: bool = True) -> tuple[list[str], list[str]] | None:
        paths = [os.path.join(folder, f"{stem}.{language}") for language in languages]
        if not all(os.path.exists(p) for p in paths):
            if required:
                raise DataError(f"{' and '.join(paths)} are needed (Multi30k's layout: "
                                "<split>.<language>, one sentence per line).")
            return None
        return _lines(paths[0]), _lines(paths[1])

    def pairs_of(stem: str, required: bool = True) -> splits.Pairs | None:
        lines = lines_of(stem, required)
        if lines is None:
            return None
        source, target = lines
        if len(source) != len(target):
            paths = [os.path.join(folder, f"{stem}.{language}") for language in languages]
            raise DataError(f"{paths[0]} has {len(source)} lines and {paths[1]} "
                            f"{len(target)}: aligned files need one translation per line.")
        # Only after the line count is checked: a blank line is a sentence left untranslated.
        return tuple((s, t) for s, t in zip(source, target, strict=True) if s and t)

    dev = pairs_of("val", required=False)
    dev = pairs_of("dev") if dev is None else dev
    test = pairs_of("test")
    if aligned:
        return _split_train(pairs_of("train"), seed, sizes["paired_pairs"], dev, test)
    source, target = (tuple(s for s in side if s) for side in lines_of("train"))
    paired = pairs_of("paired", required=False) or ()
    return splits.Split(test=test, dev=dev, paired=paired, monolingual=(source, target),
                        train=paired)


def _lines(path: str) -> list[str]:
    """The file's lines, spacing normalised, blank ones kept (they keep aligned files aligned)."""
    try:
        with open(path, encoding="utf-8") as f:
            return [" ".join(line.split()) for line in f]
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not UTF-8 text ({e}).") from None


def _tfds(name: str, tfds_dir: str, languages: tuple[str, str], seed: int,
          sizes: dict) -> splits.Split:
    import tensorflow_datasets as tfds

    def pairs_of(split: str) -> splits.Pairs:
        try:
            dataset = tfds.load(name, split=split, data_dir=tfds_dir or None)
        except Exception as e:  # TFDS raises many types; all mean the same to the user.
            raise DataError(f"TFDS could not prepare {name} split {split!r} ({e}): without "
                            "internet, use the offline catalogues (leave data.tfds_name "
                            "empty) or files in data.folder.") from e
        return tuple((example[languages[0]].decode(), example[languages[1]].decode())
                     for example in tfds.as_numpy(dataset))

    return _split_train(pairs_of("train"), seed, sizes["paired_pairs"], pairs_of("validation"),
                        pairs_of("test"))


def _split_train(train: splits.Pairs, seed: int, paired_pairs: int, dev: splits.Pairs,
                 test: splits.Pairs) -> splits.Split:
    """A corpus that comes with its dev and test pairs: only its train pairs are split."""
    part = splits.split(collections.Counter(train), seed, test_pairs=0, dev_pairs=0,
                        paired_pairs=paired_pairs)
    return dataclasses.replace(part, dev=dev, test=test)
