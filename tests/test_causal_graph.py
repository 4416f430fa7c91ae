"""Causal graphs as text, the exact distributions of a known causal model, and the total
variation distance between label distributions."""

import numpy as np
import pytest

from tfgan_lab.causal import exact, graph
from tfgan_lab.errors import ConfigError
from tfgan_lab.eval import metrics


def test_a_graph_parses_into_a_topological_order_and_back():
    g = graph.parse("C -> D; A, B -> C; E")
    assert g.nodes == ("A", "B", "C", "D", "E")
    assert g.parents_of("C") == ("A", "B") and g.parents_of("E") == ()
    assert g.descendants("A") == {"C", "D"} and g.ancestors("D") == {"A", "B", "C"}
    assert g.children_of("C") == ("D",)
    assert graph.parse(g.spec()) == g
    assert graph.parse("A -> B -> C").parents == ((), ("A",), ("B",))


def test_the_papers_graphs_ship_by_name():
    graph1 = graph.named_or_parsed("celeba_graph1")
    assert set(graph1.nodes) == set(graph.CELEBA_ORDER)
    assert graph1.parents_of("Narrow_Eyes") == ("Male", "Young", "Smiling")
    assert graph1.parents_of("Male") == ()
    complete = graph.named_or_parsed("celeba_complete")
    assert complete.nodes == graph.CELEBA_ORDER
    assert complete.parents_of("Narrow_Eyes") == graph.CELEBA_ORDER[:-1]
    reversed_ = graph.named_or_parsed("celeba_complete_reversed")
    assert reversed_.nodes == graph.CELEBA_ORDER[::-1]
    assert reversed_.parents_of("Young") == graph.CELEBA_ORDER[:0:-1]
    assert reversed_.parents_of("Narrow_Eyes") == ()


@pytest.mark.parametrize("text, message", [
    ("A -> B; B -> C; C -> A", "has a cycle: A -> B -> C -> A"),
    ("A -> A", "A -> A is a self-loop"),
    ("A -> B c", "'B c' in 'A -> B c' is not a label name"),
    (" ; ", "has no nodes: name a graph of celeba_graph1"),
])
def test_a_bad_graph_is_a_config_error_that_names_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        graph.parse(text)


def test_a_node_missing_from_the_data_is_named():
    g = graph.parse("Male -> Mustache; Young")
    g.require(("Young", "Male", "Mustache", "Smiling"), "celeb_a")
    with pytest.raises(ConfigError, match="node\\(s\\) Mustache are not labels of celeb_a "
                                          "\\(did you mean 'Mustache_'\\?\\)"):
        g.require(("Young", "Male", "Mustache_"), "celeb_a")
    with pytest.raises(ConfigError, match="'Mal' is not a node .*did you mean 'Male'"):
        g.index("Mal")


def _chain() -> exact.BinaryCausalModel:
    """A -> B -> C with known tables."""
    return exact.BinaryCausalModel.from_tables(graph.parse("A -> B -> C"), {
        "A": 0.3, "B": {(0,): 0.1, (1,): 0.8}, "C": {(0,): 0.2, (1,): 0.9}})


def test_the_exact_distributions_of_a_known_model():
    model, states = _chain(), _chain().states()
    joint = model.distribution()
    # P(A=1, B=1, C=1) = 0.3 * 0.8 * 0.9, state 0b111.
    assert joint[7] == pytest.approx(0.3 * 0.8 * 0.9)
    assert joint.sum() == pytest.approx(1)
    p_a = {k: float(model.distribution(**{k: {"B": 1}}) @ states[:, 0]) for k in ("do", "cond")}
    # do(B=1) leaves its ancestor A as it was; cond(B=1) does not: Bayes' rule.
    assert p_a["do"] == pytest.approx(0.3)
    assert p_a["cond"] == pytest.approx(0.3 * 0.8 / (0.3 * 0.8 + 0.7 * 0.1))
    # Both move the descendant C alike.
    assert (model.distribution(do={"B": 1}) @ states[:, 2]
            == pytest.approx(model.distribution(cond={"B": 1}) @ states[:, 2]) == 0.9)
    with pytest.raises(ConfigError, match="condition A=1 has probability 0 under do\\(A=0\\)"):
        model.distribution(do={"A": 0}, cond={"A": 1})
    with pytest.raises(ConfigError, match="B=2: labels are binary"):
        model.distribution(do={"B": 2})


def test_samples_of_a_known_model_match_its_distribution():
    model = _chain()
    for do in (None, {"B": 0}):
        samples = model.sample(40000, np.random.default_rng(0), do=do)
        tvd = metrics.total_variation(metrics.label_distribution(samples),
                                      model.distribution(do=do))
        assert tvd < 0.01
    assert metrics.total_variation(metrics.label_distribution(samples),
                                   model.distribution()) > 0.2


def test_label_distribution_and_total_variation():
    labels = np.array([[0, 0], [0, 1], [1, 1], [1, 1]])
    np.testing.assert_allclose(metrics.label_distribution(labels), [0.25, 0.25, 0, 0.5])
    # Probabilities are rounded at 0.5: a sigmoid output reads as its label.
    np.testing.assert_allclose(metrics.label_distribution(np.array([[0.2, 0.7]])), [0, 1, 0, 0])
    assert metrics.total_variation([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]) == 1
    assert metrics.total_variation([0.5, 0.5], [0.25, 0.75]) == 0.25


def test_an_incomplete_table_is_refused():
    with pytest.raises(ConfigError, match="table of B needs P\\(B=1\\) in \\[0, 1\\] for each "
                                          "of the 2 values of \\('A',\\)"):
        exact.BinaryCausalModel.from_tables(graph.parse("A -> B"), {"A": 0.5, "B": {(0,): 0.1}})
