"""What a workdir keeps of a run, and how a run comes back from it: a checkpoint of every
variable, the newest readable one restored (unreadable ones moved aside, not deleted), and no
checkpoint saved once a weight is not finite, so that a diverged run resumes from its last good
state."""

import os
import sys

import tensorflow as tf
from ml_collections import ConfigDict

from tfgan_lab import workdir
from tfgan_lab.config import learning_rate_fields
from tfgan_lab.errors import TrainingDivergedError, WorkdirError
from tfgan_lab.players import PlayerModel


def of(model: PlayerModel) -> tf.train.Checkpoint:
    """Every model variable and optimizer state; the data position follows the step."""
    return tf.train.Checkpoint(**model.checkpoint_items())


def restore(checkpoint: tf.train.Checkpoint, directory: str) -> str | None:
    """Restores the newest readable checkpoint of `directory` and returns its path (None if
    there is none). An unreadable newer one (a truncated or corrupt file) is reported, moved
    aside and the previous one used."""
    state = tf.train.get_checkpoint_state(directory)
    paths = list(state.all_model_checkpoint_paths) if state else []
    for i in range(len(paths) - 1, -1, -1):
        try:
            checkpoint.restore(paths[i]).assert_existing_objects_matched()
        except Exception as e:  # TF raises OpError, IndexError, ValueError ... for bad files.
            message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            print(f"warning: checkpoint {paths[i]} cannot be read ({message}); it is moved to "
                  f"{os.path.join(directory, 'corrupt')}"
                  + (" and the one before it is tried." if i else "."), file=sys.stderr)
            continue
        if i < len(paths) - 1:
            set_aside(directory, paths[i + 1:], paths[:i + 1])
        return paths[i]
    if paths:
        set_aside(directory, paths, [])
        raise WorkdirError(f"No checkpoint in {directory} can be read: all {len(paths)} are "
                           f"moved to {os.path.join(directory, 'corrupt')}. Rerun the command to "
                           "train this workdir from step 0, or put them back if they can be "
                           "repaired.")
    return None


def set_aside(directory: str, paths: list[str], kept: list[str]) -> None:
    """Moves the files of the checkpoints `paths` into <directory>/corrupt/ (nothing is
    deleted) and leaves `kept` as the checkpoints that a CheckpointManager will find (none:
    the state file goes too, so that the next run starts from step 0)."""
    corrupt = os.path.join(directory, "corrupt")
    os.makedirs(corrupt, exist_ok=True)
    for path in paths:
        for name in os.listdir(directory):
            if name.startswith(os.path.basename(path) + "."):
                os.replace(os.path.join(directory, name), os.path.join(corrupt, name))
    if kept:
        tf.compat.v1.train.update_checkpoint_state(directory, kept[-1], kept)
    else:
        os.replace(os.path.join(directory, "checkpoint"), os.path.join(corrupt, "checkpoint"))


def resume(model: PlayerModel, checkpoint: tf.train.Checkpoint, workdir_path: str,
           warm_start: str | None) -> str | None:
    """Restores the workdir's latest checkpoint (returned), or else `warm_start`'s."""
    latest = restore(checkpoint, workdir.checkpoint_dir(workdir_path))
    if not latest:
        if warm_start:
            checkpoint.restore(warm_start).assert_existing_objects_matched()
            print(f"Starting from {warm_start}")
        return None
    # Keras keeps the learning rate in a variable, which the restore just overwrote: the
    # config's rates win, so a resumed run may lower them (e.g. after a divergence).
    model.reset_learning_rates()
    print(f"Resuming from {latest}")
    return latest


def save_finite(model: PlayerModel, manager: tf.train.CheckpointManager, step: int,
                config: ConfigDict) -> None:
    """Saves a checkpoint, unless a weight went non-finite (then the last good one stays)."""
    for variable in model.weights:
        if not tf.as_dtype(variable.dtype).is_floating:
            continue
        if not bool(tf.reduce_all(tf.math.is_finite(variable))):
            raise diverged(step, step, f"weight {variable.path} is not finite", manager, config)
    manager.save(checkpoint_number=step)


def diverged(first: int, last: int, what: str, manager: tf.train.CheckpointManager,
             config: ConfigDict) -> TrainingDivergedError:
    """The error of a run that went non-finite (`what`) between steps `first` and `last`: where
    it resumes from and what the config offers against it."""
    kept = manager.latest_checkpoint
    where = (f"The last good checkpoint, {kept}, is kept; rerunning resumes from it."
             if kept else "No checkpoint had been written yet.")
    when = f"at step {last}" if first == last else f"between steps {first} and {last}"
    return TrainingDivergedError(
        f"Training diverged {when}: {what}. Nothing of these steps was saved. {where} "
        f"Try {_stabilisers(config)}.")


def _stabilisers(config: ConfigDict) -> str:
    """What the config offers against divergence: its players' learning rates, spectral
    normalisation where the model has it and it is off, float32."""
    rates = ", ".join(f"--config.optimizer.{name}" for name in learning_rate_fields(config))
    tries = [f"lower learning rates ({rates})"]
    if config.model.get("spectral_norm") is False:
        tries.append("--config.model.spectral_norm=True")
    if config.runtime.precision != "float32":
        tries.append("--config.runtime.precision=float32")
    return ", ".join(tries[:-1]) + (" or " if len(tries) > 1 else "") + tries[-1]
