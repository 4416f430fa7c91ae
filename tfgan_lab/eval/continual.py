"""Continual-learning metrics (Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory").

R[i][j] is the accuracy on task j after training on tasks 0..i (T tasks, a T x T matrix, or
its first rows while a run is under way).
"""

from collections.abc import Sequence

import numpy as np


def average_accuracy(matrix: Sequence[Sequence[float]]) -> float:
    """ACC = 1/T sum_j R[T-1][j]: the mean accuracy over all tasks after the last one."""
    matrix = np.asarray(matrix, dtype=np.float64)
    last = len(matrix) - 1
    return float(np.mean(matrix[last, :last + 1]))


def backward_transfer(matrix: Sequence[Sequence[float]]) -> float:
    """BWT = 1/(T-1) sum_{j<T-1} (R[T-1][j] - R[j][j]): how learning later tasks changed the
    accuracy on earlier ones (negative: forgetting). NaN for a single task."""
    matrix = np.asarray(matrix, dtype=np.float64)
    last = len(matrix) - 1
    if last == 0:
        return float("nan")
    return float(np.mean([matrix[last, j] - matrix[j, j] for j in range(last)]))


def seen_accuracy(matrix: Sequence[Sequence[float]]) -> list[float]:
    """After each task i, the mean accuracy over the tasks seen so far: mean_{j<=i} R[i][j]."""
    matrix = np.asarray(matrix, dtype=np.float64)
    return [float(np.mean(matrix[i, :i + 1])) for i in range(len(matrix))]
