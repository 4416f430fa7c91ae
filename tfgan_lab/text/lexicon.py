"""A bilingual lexicon to score induced word translations: Debian's `trans-de-en`, the Ding
German-English dictionary (TU Chemnitz). Only for evaluation, never for training.

Each line reads `German :: English`; both sides list the same senses separated by ` | `, and
within a sense synonyms separated by `; `. Annotations in braces, brackets and parentheses
({f}, [comp.], (der Datei)) are dropped, and the "to" of English infinitives; a lexicon
entry is a pair of single words.
"""

import collections
import os
import re

from tfgan_lab.errors import DataError

DING_PATH = "/usr/share/trans/de-en"
_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)")
_INFINITIVE = re.compile(r"^to ")  # English verbs are listed as "to save"


def read_ding(path: str = DING_PATH) -> dict[str, frozenset[str]]:
    """German word (casefolded) -> its English single-word translations (casefolded)."""
    if not os.path.exists(path):
        raise DataError(f"The Ding dictionary {path} is missing: install Debian's trans-de-en "
                        "(bash scripts/install.sh does).")
    lexicon: dict[str, set[str]] = collections.defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.startswith("#") or not line.strip():
                continue
            german, separator, english = line.partition(" :: ")
            if not separator:
                raise DataError(f"{path}, line {number}: no ' :: ' between the German and the "
                                "English side; is this the Ding dictionary (trans-de-en)?")
            for german_sense, english_sense in zip(german.split(" | "), english.split(" | "),
                                                   strict=False):
                targets = _words(english_sense)
                for word in _words(german_sense):
                    lexicon[word].update(targets)
    return {word: frozenset(targets) for word, targets in lexicon.items() if targets}


def _words(sense: str) -> list[str]:
    synonyms = (_INFINITIVE.sub("", _ANNOTATION.sub(" ", s).strip()) for s in sense.split(";"))
    return [s.casefold() for s in synonyms if s and " " not in s]


def invert(lexicon: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The other direction: English word -> German words."""
    inverse: dict[str, set[str]] = collections.defaultdict(set)
    for source, targets in lexicon.items():
        for target in targets:
            inverse[target].add(source)
    return {word: frozenset(sources) for word, sources in inverse.items()}


def precision_at_1(translations: dict[str, str], lexicon: dict[str, frozenset[str]]) -> float:
    """Of the induced `translations` whose source word the lexicon holds, the share whose
    translation is one of the lexicon's (MUSE's precision@1; casefolded)."""
    scored = [(s.casefold(), t.casefold()) for s, t in translations.items()
              if s.casefold() in lexicon]
    if not scored:
        raise DataError("None of the induced translations' source words is in the lexicon: "
                        "is the direction right (the Ding dictionary maps German to English)?")
    return sum(t in lexicon[s] for s, t in scored) / len(scored)
