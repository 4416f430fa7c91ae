"""Evaluation: reference classifiers and the metrics that read samples through them."""

from tfgan_lab.eval.classifier import (
    JUDGES,
    SECOND_SUFFIX,
    cache_dir,
    classifier_net,
    load_classifier,
    missing_judges,
    predict,
    train_classifier,
)
from tfgan_lab.eval.evaluator import SCALARS, Evaluator, make_evaluator

__all__ = ["JUDGES", "SCALARS", "SECOND_SUFFIX", "Evaluator", "cache_dir", "classifier_net",
           "load_classifier", "make_evaluator", "missing_judges", "predict", "train_classifier"]
