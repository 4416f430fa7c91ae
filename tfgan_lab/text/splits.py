"""A seeded split of sentence pairs into parts that share no sentence.

Unsupervised MT must never see a translation pair, and the catalogues repeat a message across
packages with small changes ("File not found." / "file not found"), so pairs are first grouped:
two pairs sharing a sentence on either side (by `clean.key`) belong to one group, and whole
groups go to one part. The parts: held-out `test` and `dev` pairs, a small `paired` set (the
supervised baseline and dual learning's warm start), and the rest halved: English is taken from
one half, the other language from the other (`monolingual`), so no English sentence has its
translation on the other side.
"""

import collections
import dataclasses
from collections.abc import Mapping

import numpy as np

from tfgan_lab.errors import DataError
from tfgan_lab.text import clean

Pairs = tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class Split:
    test: Pairs
    dev: Pairs
    paired: Pairs
    monolingual: tuple[tuple[str, ...], tuple[str, ...]]  # (English, the other language)
    train: Pairs  # every pair outside dev and test: the supervised ceiling's training set


def one_translation_each(counts: Mapping[tuple[str, str], int]) -> Pairs:
    """One pair per English sentence (by key): its most frequent translation, ties broken by
    the text, so the result does not depend on the catalogues' order."""
    best: dict[str, tuple[int, tuple[str, str]]] = {}
    for pair, count in counts.items():
        k = clean.key(pair[0])
        if k not in best or (-count, pair) < (-best[k][0], best[k][1]):
            best[k] = (count, pair)
    return tuple(sorted(pair for _, pair in best.values()))


def split(counts: Mapping[tuple[str, str], int], seed: int, test_pairs: int, dev_pairs: int,
          paired_pairs: int) -> Split:
    """The pairs of `counts` (pair -> how often the corpus holds it) in groups that share no
    sentence, parted at random by `seed`, one translation per English sentence (sizes in
    pairs, each met or passed by less than one group). Grouping comes first, so that a
    translation left out still keeps its sentences on one side of the split."""
    groups = [one_translation_each({pair: counts[pair] for pair in group})
              for group in _groups(tuple(counts))]
    pairs = sum(len(group) for group in groups)
    held_out = test_pairs + dev_pairs + paired_pairs
    if held_out >= pairs // 2:
        raise DataError(f"The corpus holds {pairs} pairs: too few for {test_pairs} test, "
                        f"{dev_pairs} dev and {paired_pairs} paired ones and two monolingual "
                        "halves; lower data.test_pairs, data.dev_pairs or data.paired_pairs.")
    order = np.random.default_rng(seed).permutation(len(groups))
    parts: list[list[tuple[str, str]]] = [[], [], [], [], []]
    targets = (test_pairs, dev_pairs, paired_pairs)
    part = 0
    for index in order:
        while part < 3 and len(parts[part]) >= targets[part]:
            part += 1
        if part < 3:
            parts[part].extend(groups[index])
        else:  # the halves, each group to the smaller one
            parts[3 if len(parts[3]) <= len(parts[4]) else 4].extend(groups[index])
    test, dev, paired, first, second = (tuple(p) for p in parts)
    return Split(test=test, dev=dev, paired=paired,
                 monolingual=(tuple(s for s, _ in first), tuple(t for _, t in second)),
                 train=paired + first + second)


def _groups(pairs: Pairs) -> list[list[tuple[str, str]]]:
    """Union-find over sentences: pairs linked through a shared sentence on either side."""
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple[int, str], int] = {}
    for i, pair in enumerate(pairs):
        for side, sentence in enumerate(pair):
            j = first_with.setdefault((side, clean.key(sentence)), i)
            parent[root(i)] = root(j)
    groups: dict[int, list[tuple[str, str]]] = collections.defaultdict(list)
    for i, pair in enumerate(pairs):
        groups[root(i)].append(pair)
    return sorted(groups.values())
