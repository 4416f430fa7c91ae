"""The word-by-word model that unsupervised MT starts from (Lample et al. 2018: their first
model M1), built from the two monolingual halves alone: each language's word vectors
(text/word_vectors.py), mapped onto each other from the words both write alike
(text/word_mapping.py). A sentence is translated by replacing each word the induced dictionary
holds (the mutual nearest neighbours, the translations the mapping is surest of) and keeping
every other word, placeholder and sign as it is: on catalogue text, where copying the input
already scores, a word that is not known is better kept than guessed.

Precision@1 of the induced translations is scored against the Ding dictionary (German-English
only; text/lexicon.py), which the model never sees.
"""

import dataclasses
import functools
import json
from collections.abc import Callable

from ml_collections import ConfigDict

from tfgan_lab.data import parallel_text
from tfgan_lab.text import lexicon, word_mapping, word_vectors


@dataclasses.dataclass(frozen=True)
class WordByWord:
    languages: tuple[str, str]
    mapping: word_mapping.WordMapping  # of the first language's words onto the second's

    def translate(self, direction: tuple[str, str], sentences) -> list[str]:
        """`sentences` of direction[0] translated word by word into direction[1]."""
        dictionary = self.mapping.dictionary_translations(reverse=direction != self.languages)
        return [word_mapping.translate_words(s, dictionary) for s in sentences]

    def translators(self) -> dict[tuple[str, str], Callable[[list[str]], list[str]]]:
        a, b = self.languages
        return {pair: functools.partial(self.translate, pair) for pair in ((a, b), (b, a))}

    def precision_at_1(self) -> dict[str, float]:
        """{"en_de_precision_at_1": ..., "de_en_...": ...} against the Ding dictionary; empty
        for other languages, which it does not cover."""
        if set(self.languages) != {"en", "de"}:
            return {}
        ding = lexicon.read_ding()  # German -> English
        by_direction = {("de", "en"): ding, ("en", "de"): lexicon.invert(ding)}
        return {f"{a}_{b}_precision_at_1": lexicon.precision_at_1(
                    self.mapping.translations(reverse=(a, b) != self.languages), words)
                for (a, b), words in by_direction.items()}


def build(data: ConfigDict, rounds: int) -> WordByWord:
    """The word-by-word model of the corpus `data` describes, with `rounds` of self-learning."""
    return _build(data.to_json(sort_keys=True), rounds)  # (key order varies with copies)


@functools.lru_cache(maxsize=2)
def _build(data_json: str, rounds: int) -> WordByWord:
    monolingual = parallel_text.load(ConfigDict(json.loads(data_json)), "monolingual")
    source, target = (word_vectors.learn(side) for side in (monolingual.source,
                                                            monolingual.target))
    return WordByWord(monolingual.languages, word_mapping.induce(source, target, rounds))
