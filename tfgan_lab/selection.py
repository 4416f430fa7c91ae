"""Model selection: with `eval.select_by` naming a metric of the model's evaluator, the model a
run gives (to its exports, `--mode=eval`, `--mode=sample`) is its state at the evaluation that
metric rated best (`eval.select_mode`: max or min), not necessarily the last; without
evaluations (`eval.every` 0), its last. Unsupervised MT selects by round-trip BLEU, which needs
no pairs (Lample et al. 2018).

Every evaluation step is then a checkpoint step too, and a copy of the best one is kept in
<workdir>/selected/ with selected.json ({"metric", "mode", "step", "value"}), replaced whole
when a later evaluation beats it (ties keep the earlier), so the regular checkpoints' rotation
never loses it. A resumed run goes on with the selection it finds; changing `eval.select_by`
or `eval.select_mode` starts it over from the next evaluation.
"""

import json
import math
import os
import shutil

import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import files, workdir
from tfgan_lab.errors import ConfigError


def selecting(config: ConfigDict) -> bool:
    """Whether `config`'s run selects among its evaluations (it names a metric and evaluates)."""
    return bool(config.eval.select_by and config.eval.every)


def saves_at(config: ConfigDict, step: int) -> bool:
    """Whether `step` needs a checkpoint for the selection (on every worker alike)."""
    return selecting(config) and step % config.eval.every == 0


def folder(workdir_path: str) -> str:
    return os.path.join(workdir_path, "selected")


def current(config: ConfigDict, workdir_path: str) -> dict | None:
    """The selection kept in the workdir if it was made by this config's metric and mode."""
    path = os.path.join(folder(workdir_path), "selected.json")
    if not selecting(config) or not os.path.exists(path):
        return None
    with open(path) as f:
        kept = json.load(f)
    same = (kept["metric"], kept["mode"]) == (config.eval.select_by, config.eval.select_mode)
    return kept if same else None


def record(config: ConfigDict, workdir_path: str, step: int, metrics: dict[str, float],
           checkpoint_path: str) -> None:
    """Keeps the checkpoint `checkpoint_path` of `step` as the selection if its `metrics` beat
    the kept one's (the chief calls it after that step's evaluation and checkpoint)."""
    metric, mode = config.eval.select_by, config.eval.select_mode
    if metric not in metrics:
        raise ConfigError(f"config.eval.select_by={metric!r} is not a metric of "
                          f"{config.model.variant}'s evaluator, which gives "
                          f"{', '.join(sorted(metrics))}: choose one of them.")
    value, kept = metrics[metric], current(config, workdir_path)
    better = kept is None or (value > kept["value"] if mode == "max" else value < kept["value"])
    if not (math.isfinite(value) and better):
        return
    # The new checkpoint's files first, then selected.json, then the old files: a kill at any
    # moment leaves selected.json naming files that are all there.
    kept_folder, name = folder(workdir_path), os.path.basename(checkpoint_path)
    os.makedirs(kept_folder, exist_ok=True)
    for path in tf.io.gfile.glob(checkpoint_path + ".*"):
        with files.written_whole(os.path.join(kept_folder, os.path.basename(path))) as partial:
            shutil.copy2(path, partial)
    files.write_json(os.path.join(kept_folder, "selected.json"), {
        "metric": metric, "mode": mode, "step": step, "value": value, "checkpoint": name})
    for old in os.listdir(kept_folder):
        if old != "selected.json" and not old.startswith(name + "."):
            os.remove(os.path.join(kept_folder, old))


def catch_up(config: ConfigDict, workdir_path: str, step: int, checkpoint_path: str) -> None:
    """On resuming from `checkpoint_path` at `step`: records that step's evaluation if a kill
    came between its checkpoint and its selection."""
    kept = current(config, workdir_path)
    rows = [row for row in workdir.read_metrics(workdir_path) if row["step"] == step]
    if selecting(config) and rows and (kept is None or kept["step"] < step):
        record(config, workdir_path, step, rows[-1], checkpoint_path)


def apply(config: ConfigDict, workdir_path: str, checkpoint: tf.train.Checkpoint) -> None:
    """Restores the selected checkpoint into `checkpoint` (the model's items) and says so; does
    nothing without a selection."""
    kept = current(config, workdir_path)
    if kept is None:
        return
    checkpoint.restore(os.path.join(folder(workdir_path), kept["checkpoint"])
                       ).assert_existing_objects_matched()
    print(f"Selected step {kept['step']} by eval.select_by={kept['metric']} "
          f"({kept['metric']} {kept['value']:.4g}, the {kept['mode']} of the evaluations): "
          "the model given is that step's.")
