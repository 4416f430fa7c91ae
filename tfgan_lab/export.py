"""SavedModel export and loading, in TF Serving's layout: <export_dir>/<name>/<version>/.

The serving contract of a conditional image generator (see README, "Serving"): signature
`serving_default`, inputs `z` float32 [B, Z] and `label` int32 [B], output `images` float32
[B, H, W, C] in [-1, 1]. The replay stage of continual learning loads generators through
this contract, by path, so anything that honours it can be replayed, wherever it was trained.
"""

import dataclasses
import os
import shutil

import keras
import tensorflow as tf

from tfgan_lab.errors import ExportError

SIGNATURE = "serving_default"


class _ConditionalGeneratorExport(tf.Module):
    def __init__(self, generator: keras.Model, z_dim: int, num_classes: int):
        super().__init__()
        self.generator = generator
        # Plain attributes for Python callers; serving_default stays exactly z, label -> images.
        self.num_classes = tf.Variable(num_classes, trainable=False, dtype=tf.int32)
        self.serve = tf.function(self._serve, input_signature=[
            tf.TensorSpec([None, z_dim], tf.float32, name="z"),
            tf.TensorSpec([None], tf.int32, name="label")])

    def _serve(self, z: tf.Tensor, label: tf.Tensor) -> dict[str, tf.Tensor]:
        checks = [
            tf.debugging.assert_non_negative(label, message="label must be >= 0"),
            tf.debugging.assert_less(label, self.num_classes,
                                     message="label must be < the number of classes"),
            tf.debugging.assert_equal(tf.shape(z)[0], tf.shape(label)[0],
                                      message="z and label need the same batch size B"),
        ]
        with tf.control_dependencies(checks):
            images = self.generator({"z": z, "label": label}, training=False)
        return {"images": tf.cast(images, tf.float32)}


def versions(model_root: str) -> list[int]:
    """The version numbers exported under `model_root`, ascending."""
    if not os.path.isdir(model_root):
        return []
    return sorted(int(n) for n in os.listdir(model_root)
                  if n.isdigit() and os.path.exists(os.path.join(model_root, n, "saved_model.pb")))


def export_conditional_generator(generator: keras.Model, *, z_dim: int, num_classes: int,
                                 export_dir: str, name: str) -> str:
    """Writes the next version of model `name`; returns its path.

    The SavedModel is written beside its final place and renamed into it only when complete,
    so a failure leaves no half-written version for TF Serving (which skips non-numeric names).
    """
    model_root = os.path.join(export_dir, name)
    version = (versions(model_root) or [0])[-1] + 1
    final = os.path.join(model_root, str(version))
    partial = os.path.join(model_root, f".partial-{version}-{os.getpid()}")
    try:
        os.makedirs(model_root, exist_ok=True)
        module = _ConditionalGeneratorExport(generator, z_dim, num_classes)
        tf.saved_model.save(module, partial, signatures={SIGNATURE: module.serve})
        os.rename(partial, final)
    except OSError as e:
        raise ExportError(f"Could not write the export to {model_root}: {e}. Choose a writable "
                          "--export_dir.") from e
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final


def latest(export_dir: str, name: str) -> str:
    """The path of the newest exported version of model `name`."""
    model_root = os.path.join(export_dir, name)
    found = versions(model_root)
    if not found:
        raise ExportError(f"No exported version of {name!r} under {model_root}: train first "
                          "(--mode=train) or pass --model_path.")
    return os.path.join(model_root, str(found[-1]))


@dataclasses.dataclass
class LoadedGenerator:
    """An exported conditional generator, called as `generate(z, labels)` -> images."""
    path: str
    z_dim: int
    num_classes: int | None  # None when the export does not say (trained elsewhere).
    module: object  # The loaded SavedModel: its variables live as long as it does.

    @property
    def signature(self):
        return self.module.signatures[SIGNATURE]

    def __call__(self, z, labels) -> tf.Tensor:
        return self.signature(z=tf.convert_to_tensor(z, tf.float32),
                              label=tf.convert_to_tensor(labels, tf.int32))["images"]


def load_conditional_generator(path: str) -> LoadedGenerator:
    """Loads a SavedModel and checks that it honours the conditional generator contract."""
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
        raise ExportError(f"{path} holds no saved_model.pb: pass the folder of one exported "
                          "version, e.g. export/<name>/<version>.")
    loaded = tf.saved_model.load(path)
    signature = loaded.signatures.get(SIGNATURE)
    inputs = signature.structured_input_signature[1] if signature is not None else {}
    outputs = signature.structured_outputs if signature is not None else {}
    if set(inputs) != {"z", "label"} or set(outputs) != {"images"}:
        raise ExportError(f"{path} is not a conditional generator: its {SIGNATURE} signature "
                          f"takes {sorted(inputs)} and returns {sorted(outputs)}; expected "
                          "inputs ['label', 'z'] and output ['images'].")
    num_classes = getattr(loaded, "num_classes", None)
    return LoadedGenerator(path, int(inputs["z"].shape[-1]),
                           int(num_classes.numpy()) if num_classes is not None else None,
                           loaded)
