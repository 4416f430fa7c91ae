"""Word vectors of one language from its monolingual text alone, for the word-by-word model
that starts unsupervised MT (text/word_mapping.py).

A small corpus (the catalogues give about 100k words a language) is too little for skip-gram,
so the vectors are the count-based ones of Levy, Goldberg & Dagan (2015): positive pointwise
mutual information of words and the words within `window` places, context counts smoothed by
the power 0.75, factored by a truncated SVD whose singular values are left out (their "eig
0" setting, which they found best for similarity). Deterministic: the same text gives the same
vectors.
"""

import collections
import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from tfgan_lab.errors import DataError

_WORD = re.compile(r"<\w+>|\w+(?:['’-]\w+)*")  # a placeholder token, or letters and digits


def words(sentence: str) -> list[str]:
    """The casefolded words of `sentence`, punctuation left out."""
    return _WORD.findall(sentence.casefold())


@dataclasses.dataclass(frozen=True)
class WordVectors:
    """`vectors[i]` (unit length, centred) stands for `vocabulary[i]`, the most frequent first."""
    vocabulary: tuple[str, ...]
    vectors: np.ndarray  # float32 [V, dimensions]

    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.vocabulary)}


def learn(sentences: Sequence[str], max_words: int = 5000, min_count: int = 3,
          window: int = 5, dimensions: int = 300) -> WordVectors:
    """The vectors of the `max_words` most frequent words seen at least `min_count` times."""
    tokenised = [words(s) for s in sentences]
    counts = collections.Counter(w for sentence in tokenised for w in sentence)
    vocabulary = tuple(sorted((w for w, c in counts.items() if c >= min_count),
                              key=lambda w: (-counts[w], w))[:max_words])
    if len(vocabulary) <= dimensions:
        raise DataError(f"The text holds {len(vocabulary)} words seen {min_count} times or "
                        f"more, too few for {dimensions}-dimensional word vectors: give it "
                        "more monolingual text.")
    index = {w: i for i, w in enumerate(vocabulary)}
    cooccurrence = np.zeros((len(vocabulary), len(vocabulary)), np.float64)
    for sentence in tokenised:
        ids = [index.get(w, -1) for w in sentence]
        for i, a in enumerate(ids):
            for b in ids[i + 1:i + 1 + window]:
                if a >= 0 and b >= 0 and a != b:
                    cooccurrence[a, b] += 1
                    cooccurrence[b, a] += 1
    total = cooccurrence.sum()
    word_share = cooccurrence.sum(axis=1) / total
    context = cooccurrence.sum(axis=0) ** 0.75
    context_share = context / context.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(cooccurrence / total) - np.log(word_share[:, None]) - np.log(
            context_share[None, :])
    ppmi = np.maximum(np.nan_to_num(pmi, nan=0.0, neginf=0.0), 0.0)
    return WordVectors(vocabulary, normalised(_left_singular_vectors(ppmi, dimensions)))


def _left_singular_vectors(matrix: np.ndarray, count: int, power_steps: int = 4) -> np.ndarray:
    """The first `count` left singular vectors, by randomized SVD (Halko et al. 2011) with a
    fixed seed: a full SVD of a 5000 x 5000 matrix takes a minute on two cores."""
    probe = np.random.default_rng(0).standard_normal((matrix.shape[1], count + 16))
    basis, _ = np.linalg.qr(matrix @ probe)
    for _ in range(power_steps):
        basis, _ = np.linalg.qr(matrix @ (matrix.T @ basis))
    left, _, _ = np.linalg.svd(basis.T @ matrix, full_matrices=False)
    return (basis @ left)[:, :count]


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Unit length, mean-centred, unit length again (Artetxe et al. 2018's normalisation)."""
    def unit(x):
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    centred = unit(vectors)
    return unit(centred - centred.mean(axis=0, keepdims=True)).astype(np.float32)
