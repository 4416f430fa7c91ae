"""Evaluation: reference classifiers and the metrics that read samples through them."""

from tfgan_lab.eval.classifier import (
    cache_dir,
    classifier_net,
    load_classifier,
    predict,
    train_classifier,
)
from tfgan_lab.eval.evaluator import SCALARS, Evaluator, make_evaluator

__all__ = ["SCALARS", "Evaluator", "cache_dir", "classifier_net", "load_classifier",
           "make_evaluator", "predict", "train_classifier"]
