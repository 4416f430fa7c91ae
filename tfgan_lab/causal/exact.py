"""A causal model whose mechanisms are known: binary labels, each with a table of
P(label = 1 | its parents). Its observational, interventional and conditional distributions are
computed exactly, by enumerating the 2^L joint states, so that what a trained model samples can
be scored against the truth (eval.metrics.total_variation over the same states)."""

import dataclasses
import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from tfgan_lab.causal.graph import CausalGraph
from tfgan_lab.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class BinaryCausalModel:
    graph: CausalGraph
    # Per node: P(node = 1 | parents), float64 [2] * len(parents), parents in graph order.
    p_one: tuple[np.ndarray, ...]
    # The interventions (and the same assignments as conditions) a report scores.
    queries: tuple[dict[str, int], ...] = ()

    @classmethod
    def from_tables(cls, graph: CausalGraph,
                    tables: Mapping[str, float | Mapping[tuple[int, ...], float]],
                    queries: Sequence[dict[str, int]] = ()) -> "BinaryCausalModel":
        """`tables` maps each node to P(node = 1) (a root) or to {parent values: P(node = 1)}
        with one entry per combination of its parents' values, in graph.parents_of's order."""
        p_one = []
        for node, parents in zip(graph.nodes, graph.parents, strict=True):
            table = tables[node]
            if not isinstance(table, Mapping):
                table = {(): table}
            array = np.full((2,) * len(parents), np.nan)
            for values, p in table.items():
                array[tuple(values)] = p
            if np.isnan(array).any() or not ((array >= 0) & (array <= 1)).all():
                raise ConfigError(f"The table of {node} needs P({node}=1) in [0, 1] for each "
                                  f"of the {2 ** len(parents)} values of {parents}.")
            p_one.append(array)
        return cls(graph, tuple(p_one), tuple(queries))

    def states(self) -> np.ndarray:
        """int64 [2^L, L]: every joint state, in eval.metrics.label_distribution's order."""
        return np.asarray(list(itertools.product((0, 1), repeat=len(self.graph))), np.int64)

    def distribution(self, do: Mapping[str, int] | None = None,
                     cond: Mapping[str, int] | None = None,
                     order: Sequence[str] | None = None) -> np.ndarray:
        """P(labels | cond) after do(...) has clamped its nodes and cut their parents: float64
        [2^L] over states(); with `order`, over the states of those nodes alone, in that order
        (the others summed out), as eval.metrics.label_distribution counts labels in that
        order. ConfigError when `cond` has probability 0 under `do`."""
        do, cond = dict(do or {}), dict(cond or {})
        states = self.states()
        p = np.ones(len(states))
        for i, parents in enumerate(self.graph.parents):
            node = self.graph.nodes[i]
            if node in do:
                p *= states[:, i] == _binary(do[node], node)
                continue
            index = tuple(states[:, self.graph.index(q)] for q in parents)
            p_one = self.p_one[i][index] if parents else np.full(len(states), self.p_one[i])
            p *= np.where(states[:, i] == 1, p_one, 1 - p_one)
        for node, value in cond.items():
            p *= states[:, self.graph.index(node)] == _binary(value, node)
        if p.sum() <= 0:
            raise ConfigError(f"The condition {assignment_text(cond)} has probability 0"
                              f"{' under do(' + assignment_text(do) + ')' if do else ''}.")
        p = p / p.sum()
        if order is None:
            return p
        axes = [self.graph.index(node) for node in order]
        joint = p.reshape((2,) * len(self.graph))
        others = tuple(a for a in range(len(self.graph)) if a not in axes)
        kept = sorted(axes)
        marginal = joint.sum(axis=others) if others else joint
        return np.transpose(marginal, [kept.index(a) for a in axes]).reshape(-1)

    def sample(self, n: int, rng: np.random.Generator,
               do: Mapping[str, int] | None = None) -> np.ndarray:
        """int64 [n, L] label vectors drawn node by node in topological order."""
        do = dict(do or {})
        labels = np.zeros((n, len(self.graph)), np.int64)
        for i, parents in enumerate(self.graph.parents):
            node = self.graph.nodes[i]
            if node in do:
                labels[:, i] = _binary(do[node], node)
                continue
            index = tuple(labels[:, self.graph.index(q)] for q in parents)
            p_one = self.p_one[i][index] if parents else self.p_one[i]
            labels[:, i] = rng.random(n) < p_one
        return labels


def _binary(value, node: str) -> int:
    if value not in (0, 1):
        raise ConfigError(f"{node}={value!r}: labels are binary, set them to 0 or 1.")
    return int(value)


def assignment_text(values: Mapping[str, int]) -> str:
    """{'A': 1, 'B': 0} -> 'A=1, B=0'."""
    return ", ".join(f"{k}={v}" for k, v in values.items())
