"""SavedModel export and loading, in TF Serving's layout: <export_dir>/<name>/<version>/.

The serving contracts (see README, "Serving"), each a `serving_default` signature:
- conditional image generator: inputs `z` float32 [B, Z] and `label` int32 [B], output
  `images` float32 [B, H, W, C] in [-1, 1];
- unconditional generator: input `z`, output `images`;
- classifier (a continual-learning solver): input `images` float32 [B, H, W, C] in [-1, 1],
  outputs `logits` and `probabilities` float32 [B, N].
The replay stage of continual learning loads generators and solvers through these contracts,
by path, so anything that honours them can be replayed, wherever it was trained.
"""

import dataclasses
import os
import shutil

import keras
import tensorflow as tf

from tfgan_lab.errors import ExportError

SIGNATURE = "serving_default"


class _GeneratorExport(tf.Module):
    def __init__(self, generator: keras.Model, z_dim: int, num_classes: int | None):
        super().__init__()
        self.generator = generator
        z = tf.TensorSpec([None, z_dim], tf.float32, name="z")
        if num_classes is None:
            self.serve = tf.function(self._serve_unconditional, input_signature=[z])
            return
        # A plain attribute for Python callers; serving_default stays exactly z, label -> images.
        self.num_classes = tf.Variable(num_classes, trainable=False, dtype=tf.int32)
        self.serve = tf.function(self._serve, input_signature=[
            z, tf.TensorSpec([None], tf.int32, name="label")])

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

    def _serve_unconditional(self, z: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"images": tf.cast(self.generator({"z": z}, training=False), tf.float32)}


class _ClassifierExport(tf.Module):
    def __init__(self, classifier: keras.Model):
        super().__init__()
        self.classifier = classifier
        self.serve = tf.function(self._serve, input_signature=[
            tf.TensorSpec([None, *classifier.input_shape[1:]], tf.float32, name="images")])

    def _serve(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = self.classifier(images, training=False)
        return {"logits": tf.cast(outputs["logits"], tf.float32),
                "probabilities": tf.cast(outputs["probabilities"], tf.float32)}


def versions(model_root: str) -> list[int]:
    """The version numbers exported under `model_root`, ascending."""
    if not os.path.isdir(model_root):
        return []
    return sorted(int(n) for n in os.listdir(model_root)
                  if n.isdigit() and os.path.exists(os.path.join(model_root, n, "saved_model.pb")))


def _write_next_version(module: tf.Module, export_dir: str, name: str) -> str:
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
        tf.saved_model.save(module, partial, signatures={SIGNATURE: module.serve})
        os.rename(partial, final)
    except OSError as e:
        raise ExportError(f"Could not write the export to {model_root}: {e}. Choose a writable "
                          "--export_dir.") from e
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final


def export_generator(generator: keras.Model, *, z_dim: int, num_classes: int | None,
                     export_dir: str, name: str) -> str:
    """Exports the next version of generator `name` (conditional unless `num_classes` is None,
    then G reads z alone); returns its path."""
    return _write_next_version(_GeneratorExport(generator, z_dim, num_classes), export_dir, name)


def export_classifier(classifier: keras.Model, *, export_dir: str, name: str) -> str:
    """Exports the next version of classifier `name` (outputs `logits`, `probabilities`)."""
    return _write_next_version(_ClassifierExport(classifier), export_dir, name)


def latest(export_dir: str, name: str) -> str:
    """The path of the newest exported version of model `name`."""
    model_root = os.path.join(export_dir, name)
    found = versions(model_root)
    if not found:
        raise ExportError(f"No exported version of {name!r} under {model_root}: train first "
                          "(--mode=train) or pass --model_path.")
    return os.path.join(model_root, str(found[-1]))


def _load_signature(path: str, inputs_options: list[set[str]], outputs: set[str], what: str):
    """(loaded module, serving signature, its input specs), checked against the contract."""
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
        raise ExportError(f"{path} holds no saved_model.pb: pass the folder of one exported "
                          "version, e.g. export/<name>/<version>.")
    loaded = tf.saved_model.load(path)
    signature = loaded.signatures.get(SIGNATURE)
    found_inputs = signature.structured_input_signature[1] if signature is not None else {}
    found_outputs = signature.structured_outputs if signature is not None else {}
    if set(found_inputs) not in inputs_options or set(found_outputs) != outputs:
        expected = " or ".join(str(sorted(option)) for option in inputs_options)
        raise ExportError(f"{path} is not {what}: its {SIGNATURE} signature takes "
                          f"{sorted(found_inputs)} and returns {sorted(found_outputs)}; expected "
                          f"inputs {expected} and outputs {sorted(outputs)}.")
    return loaded, signature, found_inputs


@dataclasses.dataclass
class LoadedGenerator:
    """An exported generator, called as `generate(z, labels)` -> images (`labels` ignored, and
    optional, for an unconditional one)."""
    path: str
    z_dim: int
    conditional: bool
    num_classes: int | None  # None when the export does not say (trained elsewhere).
    module: object  # The loaded SavedModel: its variables live as long as it does.

    @property
    def signature(self):
        return self.module.signatures[SIGNATURE]

    def __call__(self, z, labels=None) -> tf.Tensor:
        inputs = {"z": tf.convert_to_tensor(z, tf.float32)}
        if self.conditional:
            inputs["label"] = tf.convert_to_tensor(labels, tf.int32)
        return self.signature(**inputs)["images"]


def load_generator(path: str) -> LoadedGenerator:
    """Loads a SavedModel that honours the conditional or the unconditional generator
    contract."""
    loaded, _, inputs = _load_signature(path, [{"z", "label"}, {"z"}], {"images"},
                                        "a generator")
    num_classes = getattr(loaded, "num_classes", None)
    return LoadedGenerator(path, int(inputs["z"].shape[-1]), "label" in inputs,
                           int(num_classes.numpy()) if num_classes is not None else None,
                           loaded)


def load_conditional_generator(path: str) -> LoadedGenerator:
    """Loads a SavedModel and checks that it honours the conditional generator contract."""
    generator = load_generator(path)
    if not generator.conditional:
        raise ExportError(f"{path} is an unconditional generator (input z only); this needs a "
                          "conditional one, with inputs z and label.")
    return generator


@dataclasses.dataclass
class LoadedClassifier:
    """An exported classifier, called as `classify(images)` -> {"logits", "probabilities"}."""
    path: str
    image_shape: tuple[int, ...]
    num_classes: int
    module: object

    def __call__(self, images) -> dict[str, tf.Tensor]:
        return self.module.signatures[SIGNATURE](images=tf.convert_to_tensor(images, tf.float32))


def load_classifier(path: str) -> LoadedClassifier:
    """Loads a SavedModel that honours the classifier contract (images -> logits,
    probabilities)."""
    loaded, signature, inputs = _load_signature(path, [{"images"}], {"logits", "probabilities"},
                                                "a classifier")
    return LoadedClassifier(path, tuple(inputs["images"].shape[1:]),
                            int(signature.structured_outputs["logits"].shape[-1]), loaded)
