"""The offline data of a known causal model (tfgan_lab/data/causal_fashion.py): how often each
pixel rule reads back the label an image was rendered with, on the real test split's garments,
and the true distributions of the queries the docs name, where intervening and conditioning
differ and where they agree.

    python benchmarks/causal_data.py      # about 10 s; writes docs/results/causal_data.md and .png
"""

import os
import sys

import numpy as np
from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import files, images, runtime  # noqa: E402
from tfgan_lab.causal.exact import assignment_text  # noqa: E402
from tfgan_lab.data import attributes, causal_fashion  # noqa: E402
from tfgan_lab.eval import metrics  # noqa: E402

_RESULTS = flags.DEFINE_string("results", "docs/results", "Where causal_data.md is written.")


def _marginals(distribution: np.ndarray, states: np.ndarray) -> str:
    return " | ".join(f"{p:.3f}" for p in distribution @ states)


def main(argv: list[str]) -> None:
    del argv
    model, names = causal_fashion.MODEL, causal_fashion.MODEL.graph.nodes
    rows = ["# The data of a known causal model: measured labels and true distributions", "",
            "Command: `python benchmarks/causal_data.py`.",
            f"Machine: {runtime.machine_description()}.", "",
            f"Graph: `{model.graph.spec()}`.", "",
            "## Every label read back from the pixels", "",
            "| split | images | " + " | ".join(names) + " | joint TVD, labels to the model |",
            "|---|---:|" + "---:|" * (len(names) + 1)]
    for split, size in (("test", 10000), ("train", 60000)):
        data = attributes.load(attributes.config(), split)
        if split == "test":
            grid = os.path.join(_RESULTS.value, "causal_data.png")
            images.write_png(grid, data.images.images[:40].astype(np.float32) / 127.5 - 1, 10)
            labels = data.attributes[:10].astype(int).tolist()
        measured = causal_fashion.measure(data.images.images)
        agreement = (measured == data.attributes).mean(axis=0)
        tvd = metrics.total_variation(metrics.label_distribution(data.attributes),
                                      model.distribution())
        rows.append(f"| {split} | {size} | " + " | ".join(f"{100 * a:.2f}%" for a in agreement)
                    + f" | {tvd:.4f} |")
    rows += ["", f"The first 40 test images ({os.path.basename(grid)}); the labels of the first "
             f"row, {', '.join(names)} per image: "
             + "; ".join("".join(str(v) for v in row) for row in labels) + ".", "",
             "![The first test images](causal_data.png)", "",
             "The last column is the sampling noise of a finite draw: the TVD between the "
             "labels actually drawn and the exact distribution, the floor of any TVD measured "
             "on that many samples.", "",
             "## True distributions of the queries", "",
             "P(label = 1) under each query, exactly (causal/exact.py), and the TVD between "
             "the joint distributions of do() and cond(): 0 only where the graph says they "
             "agree.", "",
             "| query | " + " | ".join(names) + " | TVD(do, cond) |",
             "|---|" + "---:|" * (len(names) + 1)]
    states = model.states()
    rows.append("| observational | " + _marginals(model.distribution(), states) + " | |")
    for query in model.queries:
        do, cond = model.distribution(do=query), model.distribution(cond=query)
        text = assignment_text(query)
        rows.append(f"| do({text}) | {_marginals(do, states)} | "
                    f"{metrics.total_variation(do, cond):.3f} |")
        rows.append(f"| cond({text}) | {_marginals(cond, states)} | |")
    path = os.path.join(_RESULTS.value, "causal_data.md")
    files.write_text(path, "\n".join(rows) + "\n")
    print(f"Wrote {path}")


if __name__ == "__main__":
    run_command(main)
