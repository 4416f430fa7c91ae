"""A causal graph: a DAG over named labels, written as text so that a config field and a
command-line override can hold it.

    "Young -> Eyeglasses; Male, Young -> Bald, Mustache; Underline"

Statements are separated by `;` or new lines. `A, B -> C, D` makes each of A and B a parent of
each of C and D; a chain `A -> B -> C` adds both steps; a name alone is a node without edges.
The paper's CelebA graphs (Kocaoglu et al. 2018, mkocaoglu/CausalGAN causal_graph.py) and the
offline data set's true graph ship by name (GRAPHS).
"""

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence

from tfgan_lab.errors import ConfigError, did_you_mean

_NAME = re.compile(r"[A-Za-z0-9_]+")
# The CelebA attributes of the paper's graphs, in the order of its complete graph.
CELEBA_ORDER = ("Young", "Male", "Eyeglasses", "Bald", "Mustache", "Smiling", "Wearing_Lipstick",
                "Mouth_Slightly_Open", "Narrow_Eyes")


@dataclasses.dataclass(frozen=True)
class CausalGraph:
    """Nodes in a topological order (each after its parents; otherwise in the order the text
    names them), and each node's parents in the order the text names them."""

    nodes: tuple[str, ...]
    parents: tuple[tuple[str, ...], ...]  # aligned with nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def index(self, node: str) -> int:
        if node not in self.nodes:
            raise ConfigError(f"{node!r} is not a node of the causal graph"
                              f"{did_you_mean(node, self.nodes)}: its nodes are "
                              f"{', '.join(self.nodes)}.")
        return self.nodes.index(node)

    def parents_of(self, node: str) -> tuple[str, ...]:
        return self.parents[self.index(node)]

    def children_of(self, node: str) -> tuple[str, ...]:
        self.index(node)
        return tuple(n for n, ps in zip(self.nodes, self.parents, strict=True) if node in ps)

    def descendants(self, node: str) -> frozenset[str]:
        return self._reachable(node, self.children_of)

    def ancestors(self, node: str) -> frozenset[str]:
        return self._reachable(node, self.parents_of)

    def _reachable(self, node: str, step) -> frozenset[str]:
        found, todo = set(), list(step(node))
        while todo:
            next_node = todo.pop()
            if next_node not in found:
                found.add(next_node)
                todo.extend(step(next_node))
        return frozenset(found)

    def require(self, labels: Iterable[str], source: str) -> None:
        """ConfigError naming every node that `source` (a data set) has no label for."""
        labels = tuple(labels)
        missing = [n for n in self.nodes if n not in labels]
        if missing:
            hint = did_you_mean(missing[0], labels)
            raise ConfigError(f"The causal graph's node(s) {', '.join(missing)} are not labels "
                              f"of {source}{hint}: its labels are {', '.join(labels)}.")

    def spec(self) -> str:
        """The text that parses back to this graph."""
        return "; ".join(f"{', '.join(ps)} -> {n}" if ps else n
                         for n, ps in zip(self.nodes, self.parents, strict=True))


def complete(order: Sequence[str]) -> str:
    """The complete graph in `order`: every node a parent of every later one."""
    return "; ".join([order[0]] + [f"{', '.join(order[:i])} -> {n}"
                                   for i, n in enumerate(order) if i])


GRAPHS = {
    # Causal Graph 1 of the paper (the official code's big_causal_graph).
    "celeba_graph1": "Young -> Eyeglasses; Male, Young -> Bald, Mustache, Smiling, "
                     "Wearing_Lipstick; Young, Smiling -> Mouth_Slightly_Open; "
                     "Male, Young, Smiling -> Narrow_Eyes",
    "celeba_complete": complete(CELEBA_ORDER),
    "celeba_complete_reversed": complete(CELEBA_ORDER[::-1]),
    # The structural causal model of tfgan_lab/data/causal_fashion.py.
    "causal_fashion_mnist": "footwear -> thick -> bright; footwear, bright -> framed; underline",
}


def named_or_parsed(text: str) -> CausalGraph:
    """A graph of GRAPHS by name, or `text` parsed."""
    return parse(GRAPHS.get(text.strip(), text))


@functools.lru_cache(maxsize=64)
def parse(text: str) -> CausalGraph:
    """The graph `text` writes (see the module's docstring); ConfigError names a statement
    that does not parse, a name that is not one, a self-loop or a cycle."""
    mentioned: dict[str, list[str]] = {}  # node -> parents, in the order of first mention
    for statement in filter(None, (s.strip() for s in re.split(r"[;\n]", text))):
        groups = [[n.strip() for n in part.split(",")] for part in statement.split("->")]
        for group in groups:
            for name in group:
                if not _NAME.fullmatch(name):
                    raise ConfigError(f"Causal graph {text!r}: {name!r} in {statement!r} is not "
                                      "a label name (letters, digits, _): write statements "
                                      "such as 'A, B -> C; D' separated by ';'.")
                mentioned.setdefault(name, [])
        for causes, effects in zip(groups, groups[1:], strict=False):
            for effect in effects:
                for cause in causes:
                    if cause == effect:
                        raise ConfigError(f"Causal graph {text!r}: {cause} -> {cause} is a "
                                          "self-loop; a node cannot be its own parent.")
                    if cause not in mentioned[effect]:
                        mentioned[effect].append(cause)
    if not mentioned:
        raise ConfigError(f"Causal graph {text!r} has no nodes: name a graph of "
                          f"{', '.join(GRAPHS)} or write one such as 'A, B -> C; D'.")
    order = _topological(mentioned, text)
    return CausalGraph(order, tuple(tuple(mentioned[n]) for n in order))


def _topological(parents: dict[str, list[str]], text: str) -> tuple[str, ...]:
    """Each node after its parents, earliest mention first; ConfigError shows a cycle."""
    order: list[str] = []
    while len(order) < len(parents):
        ready = next((n for n, ps in parents.items()
                      if n not in order and all(p in order for p in ps)), None)
        if ready is None:
            raise ConfigError(f"Causal graph {text!r} has a cycle: "
                              f"{' -> '.join(_cycle(parents, order))}. A causal graph must be "
                              "acyclic: remove or reverse one of these edges.")
        order.append(ready)
    return tuple(order)


def _cycle(parents: dict[str, list[str]], placed: list[str]) -> list[str]:
    """One cycle among the nodes not placed, written cause first and closed (A, B, A)."""
    node = next(n for n in parents if n not in placed)
    path: list[str] = []
    while node not in path:
        path.append(node)
        node = next(p for p in parents[node] if p not in placed)
    cycle = path[path.index(node):] + [node]
    return cycle[::-1]
