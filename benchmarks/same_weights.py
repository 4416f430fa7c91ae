"""Does a change of the library change what the default run trains? Trains the default CGAN
run (configs/cgan_fashion_mnist.py) with the code of a git revision and with this tree, and
compares every variable of their final checkpoints.

    python benchmarks/same_weights.py --reference=6413c7d          # 1500 steps: ~2 x 5-8 min
    python benchmarks/same_weights.py --reference=fce7e53 --reference_has_recipe \
        --results=docs/results/named_streams   # main before named streams, aux and manifests

The reference revision is checked out in a git worktree under --workdir; both runs resume if
interrupted. Writes --results/same_weights.md.
"""

import os
import subprocess
import sys

import numpy as np
from absl import flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tfgan_lab.console import quiet_tensorflow, run_command  # noqa: E402

quiet_tensorflow()  # before TensorFlow's first import: its C++ start-up lines hidden

from tfgan_lab import files, runtime  # noqa: E402

_REFERENCE = flags.DEFINE_string("reference", "6413c7d", "The git revision to compare with.")
_STEPS = flags.DEFINE_integer("steps", 1500, "Train steps of both runs.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/same_weights", "Where both runs live.")
_RESULTS = flags.DEFINE_string("results", "docs/results", "Where the report is written.")
_REFERENCE_HAS_RECIPE = flags.DEFINE_boolean(
    "reference_has_recipe", False, "The reference's config has issue 13's recipe (fce7e53 "
    "and later): it is left out of both runs. Off: out of this tree's run only, as the "
    "revisions before it knew the config.")


# The default config took a recipe in issue 13 (configs/common.py's `recipe`); the runs turn it
# off, so that they train the config the older revisions know, and reproducibly: with resize
# upsampling two processes differ in the last bits from the first step on.
WITHOUT_RECIPE = ("--config.optimizer.d_learning_rate=0.0002",
                  "--config.model.upsampling=transpose", "--config.model.generator_ema=0.0")


def _train(tree: str, name: str, overrides: tuple[str, ...] = ()) -> str:
    """Runs the default config with the code in `tree`; returns its last checkpoint."""
    run = os.path.abspath(os.path.join(_WORKDIR.value, name))
    subprocess.run([sys.executable, os.path.join(tree, "main.py"),
                    f"--config={os.path.join(tree, 'configs', 'cgan_fashion_mnist.py')}",
                    f"--workdir={run}", f"--export_dir={run}_export",
                    f"--config.train.steps={_STEPS.value}", *overrides], cwd=tree, check=True)
    return os.path.join(run, "checkpoints", f"ckpt-{_STEPS.value}")


def _variables(checkpoint: str) -> dict[str, np.ndarray]:
    import tensorflow as tf

    reader = tf.train.load_checkpoint(checkpoint)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name.endswith("/.ATTRIBUTES/VARIABLE_VALUE")}


def main(argv: list[str]) -> None:
    del argv
    tree = os.path.abspath(os.path.join(_WORKDIR.value, f"tree_{_REFERENCE.value}"))
    if not os.path.exists(tree):
        subprocess.run(["git", "-C", REPO, "worktree", "add", "--detach", tree,
                        _REFERENCE.value], check=True)
    reference = _variables(_train(tree, "reference",
                                  WITHOUT_RECIPE if _REFERENCE_HAS_RECIPE.value else ()))
    current = _variables(_train(REPO, "current", WITHOUT_RECIPE))
    shared = sorted(set(reference) & set(current))
    differing = [n for n in shared if not np.array_equal(reference[n], current[n])]
    largest = max((float(np.max(np.abs(reference[n].astype(np.float64) - current[n])))
                   for n in differing), default=0.0)
    command = " ".join(["python benchmarks/same_weights.py"] + sys.argv[1:])
    lines = ["# The default run's weights before and after a change", "",
             f"Command: `{command}`  ", f"Machine: {runtime.machine_description()}  ",
             f"Reference: git revision {_REFERENCE.value}; current: the working tree. Both "
             f"train configs/cgan_fashion_mnist.py for {_STEPS.value} steps without issue 13's "
             "recipe (its resize upsampling differs in the last bits between two processes of "
             "one tree).", "",
             "| | count |", "|---|---:|",
             f"| variables in both final checkpoints (weights, optimizer slots, step) | "
             f"{len(shared)} |",
             f"| of them bit-identical | {len(shared) - len(differing)} |",
             f"| only in the reference's checkpoint | {len(set(reference) - set(current))} |",
             f"| only in the current one | {len(set(current) - set(reference))} |", "",
             f"Largest absolute difference: {largest:g}."]
    lines += [f"- only in the reference: `{n}`" for n in sorted(set(reference) - set(current))]
    lines += [f"- only in the current: `{n}`" for n in sorted(set(current) - set(reference))]
    lines += [f"- differs: `{n}`" for n in differing]
    os.makedirs(_RESULTS.value, exist_ok=True)
    files.write_text(os.path.join(_RESULTS.value, "same_weights.md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_command(main)
