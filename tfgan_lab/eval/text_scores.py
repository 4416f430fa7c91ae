"""Translations scored against their references as MT papers report them: sacreBLEU's corpus
BLEU and chrF on detokenised text, each with its signature (tokenisation, case, smoothing,
version), so a number here can be set beside a paper's (Post 2018, "A Call for Clarity in
Reporting BLEU Scores")."""

import dataclasses
from collections.abc import Sequence

from tfgan_lab.errors import EvaluationError


@dataclasses.dataclass(frozen=True)
class Score:
    """A corpus score in [0, 100] and the sacreBLEU signature that says how it was computed."""
    name: str
    value: float
    signature: str

    def __str__(self) -> str:
        return f"{self.name} {self.value:.2f} ({self.signature})"


def scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, Score]:
    """{"bleu": ..., "chrf": ...} of `hypotheses` against one reference each."""
    import sacrebleu

    if len(hypotheses) != len(references) or not references:
        raise EvaluationError(f"{len(hypotheses)} translations for {len(references)} "
                              "references: score one translation per reference, at least one.")
    measured = {}
    for name, metric in (("bleu", sacrebleu.metrics.BLEU()), ("chrf", sacrebleu.metrics.CHRF())):
        score = metric.corpus_score(list(hypotheses), [list(references)])
        measured[name] = Score(name, float(score.score), str(metric.get_signature()))
    return measured
