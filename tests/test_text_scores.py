"""sacreBLEU's BLEU and chrF through eval.text_scores, on hand-computed cases."""

import pytest

from tfgan_lab.errors import EvaluationError
from tfgan_lab.eval import text_scores


def test_bleu_is_the_geometric_mean_of_the_n_gram_precisions():
    """One word of five replaced at the end: precisions 4/5, 3/4, 2/3, 1/2, no brevity penalty,
    so BLEU = 100 * (4/5 * 3/4 * 2/3 * 1/2) ** (1/4) = 66.87."""
    measured = text_scores.scores(["a b c d e"], ["a b c d f"])
    assert measured["bleu"].value == pytest.approx(100 * 0.2 ** 0.25, abs=1e-6)
    assert measured["bleu"].signature.startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert str(measured["bleu"]).startswith("bleu 66.87 (nrefs:1|")


def test_identical_text_scores_100_and_unrelated_text_0():
    references = ["Datei nicht gefunden", "kann <arg> nicht öffnen"]
    same = text_scores.scores(references, references)
    assert same["bleu"].value == pytest.approx(100) and same["chrf"].value == pytest.approx(100)
    other = text_scores.scores(["xyz qqq", "vvv ww"], references)
    assert other["bleu"].value == 0 and other["chrf"].value < 5


def test_one_translation_per_reference():
    with pytest.raises(EvaluationError, match="1 translations for 2 references"):
        text_scores.scores(["a"], ["a", "b"])
    with pytest.raises(EvaluationError, match="at least one"):
        text_scores.scores([], [])
