"""Label vectors sampled from a causal controller (a Keras network or its export, both called
with {"z", "do_mask", "do_values"}) under interventions and conditions.

- do({v: x}): v is clamped to x inside the controller, cut from its parents; its descendants
  are computed from x, everything else as without the intervention (at the same noise, the
  same values).
- cond({v: x}): the joint is sampled and the vectors with v = x kept (rejection sampling);
  a condition (nearly) impossible under the controller is an error that says how rare it is.
"""

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from tfgan_lab.causal.exact import assignment_text
from tfgan_lab.errors import ConfigError, did_you_mean

Controller = Callable[[dict], dict]  # {"z", "do_mask", "do_values"} -> {"labels", ...}


def parse_assignments(text: str, names: Sequence[str], flag: str) -> dict[str, int]:
    """'Thick=1,Male=0' -> {"Thick": 1, "Male": 0}; ConfigError names a node that is not one
    or a value that is not 0 or 1."""
    assignments = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        node, sep, value = part.partition("=")
        node, value = node.strip(), value.strip()
        if not sep or value not in ("0", "1"):
            raise ConfigError(f"--{flag}={text!r}: {part!r} is not NODE=0 or NODE=1.")
        assignments[node] = int(value)
    check_nodes(assignments, names, f"--{flag}")
    return assignments


def check_nodes(assignments: Mapping[str, int], names: Sequence[str], what: str) -> None:
    for node, value in assignments.items():
        if node not in names:
            raise ConfigError(f"{what}: {node!r} is not a node of the causal graph"
                              f"{did_you_mean(node, names)}; its nodes are {', '.join(names)}.")
        if value not in (0, 1):
            raise ConfigError(f"{what}: {node}={value!r}; labels are binary, 0 or 1.")


def sample_labels(controller: Controller, names: Sequence[str], noise_dim: int, count: int,
                  seed: int, do: Mapping[str, int] | None = None,
                  cond: Mapping[str, int] | None = None, batch_size: int = 4096,
                  max_draws: int = 2_000_000) -> np.ndarray:
    """float32 [count, L] label vectors (0 or 1) in `names`' order (the controller's nodes):
    noise drawn with `seed`, `do` applied inside the controller, `cond` by rejection, at most
    `max_draws` vectors drawn to find `count` that meet it."""
    do, cond = dict(do or {}), dict(cond or {})
    check_nodes(do, names, "do")
    check_nodes(cond, names, "cond")
    size = len(names)
    mask = np.zeros(size, np.float32)
    values = np.zeros(size, np.float32)
    for node, value in do.items():
        mask[names.index(node)], values[names.index(node)] = 1, value
    columns = [names.index(n) for n in cond]
    wanted = np.array([cond[n] for n in cond], np.float32)
    rng = np.random.default_rng(seed)
    kept, drawn, found = [], 0, 0
    while found < count:
        if drawn >= max_draws:
            under = f" with do({assignment_text(do)})" if do else ""
            raise ConfigError(
                f"cond({assignment_text(cond)}) is (nearly) impossible under this controller"
                f"{under}: {found} of {drawn} sampled label vectors meet it (need {count}). "
                "Condition on something more likely, or intervene (do) instead.")
        n = batch_size if cond else min(batch_size, count - found)
        z = rng.uniform(-1, 1, (n, size * noise_dim)).astype(np.float32)
        labels = np.asarray(controller({"z": z, "do_mask": np.tile(mask, (n, 1)),
                                        "do_values": np.tile(values, (n, 1))})["labels"])
        drawn += n
        if columns:
            labels = labels[np.all(labels[:, columns] == wanted, axis=1)]
        kept.append(labels)
        found += len(labels)
    return np.concatenate(kept)[:count].astype(np.float32)


def query_name(kind: str, assignment: Mapping[str, int]) -> str:
    """'do_thick1', 'cond_framed1' (or 'thick1' without a kind): a metric's name for a
    query."""
    text = "_".join(f"{k}{v}" for k, v in assignment.items())
    return f"{kind}_{text}" if kind else text
