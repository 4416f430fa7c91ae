"""Word translations induced without a single translation pair: two languages' word vectors
(text/word_vectors.py) mapped onto each other, the first model of unsupervised MT (Lample et
al. 2018 start from such a word-by-word model).

The seed dictionary is the words both languages write alike (technical terms, names, numbers,
the catalogues' `<arg>`): Smith et al. (2017) and Artetxe et al. (2017) found such identical
strings a sufficient start. An orthogonal map (Procrustes: x W ~ y) is fitted to the
dictionary, a new dictionary is read off the mapped vectors (mutual nearest neighbours among the
`top` most frequent words, by CSLS, Conneau et al. 2018), and the two may alternate for more
`rounds`: the self-learning of Artetxe et al. (2017), which on the catalogues' 100k words a
language does not help (docs/translation.md), so it is off by default. As W is orthogonal,
y W^T ~ x maps the other way.
"""

import dataclasses
import re

import numpy as np

from tfgan_lab.errors import DataError
from tfgan_lab.text.word_vectors import WordVectors

_WORD_OR_NOT = re.compile(r"(<\w+>|\w+(?:['’-]\w+)*)")


@dataclasses.dataclass(frozen=True)
class WordMapping:
    """The map of `source`'s vectors onto `target`'s and the dictionary it was last fitted to."""
    source: WordVectors
    target: WordVectors
    rotation: np.ndarray  # [D, D], orthogonal
    dictionary: tuple[tuple[str, str], ...]  # (source word, target word), mutual neighbours
    seed_pairs: int

    def dictionary_translations(self, reverse: bool = False) -> dict[str, str]:
        """The dictionary as source word -> target word (`reverse`: the other way): the
        translations the mapping is surest of, which the word-by-word model uses."""
        return {b: a for a, b in self.dictionary} if reverse else dict(self.dictionary)

    def translations(self, reverse: bool = False, k: int = 10) -> dict[str, str]:
        """Every source word's nearest target word by CSLS (`reverse`: target -> source): what
        precision@1 scores."""
        if reverse:
            queries, keys = self.target.vectors @ self.rotation.T, self.source.vectors
            words_from, words_to = self.target.vocabulary, self.source.vocabulary
        else:
            queries, keys = self.source.vectors @ self.rotation, self.target.vectors
            words_from, words_to = self.source.vocabulary, self.target.vocabulary
        best = _csls(queries, keys, k).argmax(axis=1)
        return {word: words_to[j] for word, j in zip(words_from, best, strict=True)}


def induce(source: WordVectors, target: WordVectors, rounds: int = 0, top: int = 2500,
           k: int = 10) -> WordMapping:
    """The mapping of `source` onto `target` fitted to their identical words, then `rounds` of
    self-learning (the identical words stay in every round's dictionary); the final dictionary
    is the mutual CSLS nearest neighbours of the `top` most frequent words of each side."""
    target_index = target.index()
    seed = [(i, target_index[w]) for i, w in enumerate(source.vocabulary) if w in target_index]
    if len(seed) < 20:
        raise DataError(f"The two languages write only {len(seed)} words alike: too few to "
                        "start the word mapping from (it needs 20 or more).")
    pairs = seed
    for _ in range(rounds + 1):
        rotation = _procrustes(source.vectors[[i for i, _ in pairs]],
                               target.vectors[[j for _, j in pairs]])
        pairs = sorted(set(seed) | set(_mutual_neighbours(
            source.vectors[:top] @ rotation, target.vectors[:top], k)))
    dictionary = tuple((source.vocabulary[i], target.vocabulary[j]) for i, j in pairs)
    return WordMapping(source, target, rotation, dictionary, len(seed))


def _procrustes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The orthogonal W minimising |x W - y| (Schönemann 1966)."""
    u, _, vt = np.linalg.svd(x.T @ y)
    return u @ vt


def _csls(queries: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """Cross-domain similarity local scaling [Q, K]: 2 cos - (the mean cosine of the query's k
    nearest keys) - (that of the key's k nearest queries), which demotes hubs."""
    cosine = queries @ keys.T
    k = min(k, cosine.shape[0], cosine.shape[1])
    query_density = np.sort(cosine, axis=1)[:, -k:].mean(axis=1)
    key_density = np.sort(cosine, axis=0)[-k:, :].mean(axis=0)
    return 2 * cosine - query_density[:, None] - key_density[None, :]


def _mutual_neighbours(queries: np.ndarray, keys: np.ndarray, k: int) -> list[tuple[int, int]]:
    scores = _csls(queries, keys, k)
    forward, backward = scores.argmax(axis=1), scores.argmax(axis=0)
    return [(i, int(j)) for i, j in enumerate(forward) if backward[j] == i]


def translate_words(sentence: str, translations: dict[str, str]) -> str:
    """`sentence` with each word the dictionary knows replaced (casefolded lookup; a word that
    began with a capital keeps one), all else as it was."""
    def replace(match: re.Match) -> str:
        word = match.group(0)
        translated = translations.get(word.casefold())
        if translated is None:
            return word
        return translated[:1].upper() + translated[1:] if word[:1].isupper() else translated
    return _WORD_OR_NOT.sub(replace, sentence)
