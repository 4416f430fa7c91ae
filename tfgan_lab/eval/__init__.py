"""Evaluation: reference classifiers and the metrics that read samples through them."""

from tfgan_lab.eval.classifier import (
    JUDGES,
    SECOND_SUFFIX,
    SUFFIXES,
    agreement,
    cache_dir,
    cached_metrics,
    classifier_net,
    ensure_judges,
    load_classifier,
    load_judges,
    missing_judges,
    predict,
    train_classifier,
)
from tfgan_lab.eval.evaluator import SCALARS, Evaluator, make_evaluator

__all__ = ["JUDGES", "SCALARS", "SECOND_SUFFIX", "SUFFIXES", "Evaluator", "agreement", "cache_dir",
           "cached_metrics", "classifier_net", "ensure_judges", "load_classifier", "load_judges",
           "make_evaluator", "missing_judges", "predict", "train_classifier"]
