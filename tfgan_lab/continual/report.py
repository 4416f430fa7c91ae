"""The continual-learning report: tables of every method's run, and accuracy against task.

Reads the summaries that `runner.run` writes (results.json), so a report can be rebuilt from
finished workdirs without training anything.
"""

import os

import numpy as np

from tfgan_lab.continual.methods import METHODS


def title(method: str) -> str:
    """The method's name in reports ("Deep Generative Replay")."""
    return METHODS.get(method).title


def _percent(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{100 * value:.1f}"


def _matrix_lines(matrix: list[list[float]], what: str) -> list[str]:
    tasks = len(matrix[0])
    lines = [f"| {what} after task | " + " | ".join(f"task {j + 1}" for j in range(tasks)) + " |",
             "|---|" + "---:|" * tasks]
    lines += [f"| {i + 1} | " + " | ".join(_percent(v) for v in row) + " |"
              for i, row in enumerate(matrix)]
    return lines


def _table(title: str, columns: list[str], alignment: str, rows: list[str]) -> list[str]:
    """A titled markdown table; nothing if it has no rows."""
    if not rows:
        return []
    return [f"## {title}", "", "| " + " | ".join(columns) + " |", alignment, *rows, ""]


def markdown(summaries: list[dict]) -> list[str]:
    """Summary tables (solvers, generators: each if any ran), then each method's matrix
    (accuracies in %)."""
    lines = _table(
        "Solvers: accuracy on each task's test images",
        ["method", "average accuracy (ACC)", "backward transfer (BWT)",
         "accuracy over the tasks seen, after each task"], "|---|---:|---:|---|",
        [f"| {title(s['method'])} | {_percent(s['average_accuracy'])} | "
         f"{_percent(s['backward_transfer'])} | "
         f"{', '.join(_percent(a) for a in s['solver_seen_accuracy'])} |"
         for s in summaries if "solver_matrix" in s])
    lines += _table(
        "Generators: the reference classifiers' accuracy on generated samples",
        ["method", "accuracy over the classes seen, after the last task: first judge",
         "second judge", "first judge, after each task"],
        "|---|---:|---:|---|",
        [f"| {title(s['method'])} | {_percent(s['generator_seen_accuracy'][-1])} | "
         f"{_percent(s.get('generator_seen_accuracy_second', [np.nan])[-1])} | "
         f"{', '.join(_percent(a) for a in s['generator_seen_accuracy'])} |"
         for s in summaries if "generator_matrix" in s])
    for s in summaries:
        for key, what in (("solver_matrix", "solver"), ("generator_matrix", "generator")):
            if key in s:
                lines += [f"### {title(s['method'])}: {what} accuracy R[i][j] (%)", ""]
                lines += _matrix_lines(s[key], what) + [""]
    return lines


def plot(summaries: list[dict], path: str) -> None:
    """Accuracy over the tasks seen so far against the task, one line per method: solvers on
    the left, generators on the right."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for axis, key, heading in ((axes[0], "solver_seen_accuracy", "solvers (test images)"),
                               (axes[1], "generator_seen_accuracy",
                                "generators (reference classifier on samples)")):
        for s in summaries:
            if key in s:
                tasks = range(1, len(s[key]) + 1)
                axis.plot(tasks, s[key], marker="o", label=title(s["method"]))
                axis.set_xticks(tasks)
        axis.set_title(heading)
        axis.set_xlabel("after task")
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
        axis.legend()
    axes[0].set_ylabel("accuracy over the tasks seen")
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
