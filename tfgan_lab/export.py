"""SavedModel export and loading, in TF Serving's layout: <export_dir>/<name>/<version>/.

One rule for every mode: a model is exported under `--export_dir` (default export/) as
`<config.name><suffix>/<version>/`, version 1, 2, 3, ...; each model says what it exports by
role (`PlayerModel.exports`: "generator" with suffix "" and "generator_ema" with "_ema" for a
conditional GAN, "a2b" and "b2a" for CycleGAN's two directions), and a continual run writes
its tasks' "_task<t>_generator" ... itself. Beside each version written, a manifest,
`<version>.exports.json`, names every role written with it and its path (relative to the
export directory), so that a model with several exports is found from any one of them
(`read_manifest`); TF Serving skips it, as it skips every name that is not a number.

Every export has one `serving_default` signature that honours a registered contract: the
name, dtype and rank of each input and output (`Tensor`). A model module may register its own
next to its code (`@CONTRACTS.register(...)`):
- conditional_generator: inputs `z` float32 [B, Z] and `label` int32 [B], output `images`
  float32 [B, H, W, C] in [-1, 1];
- unconditional_generator: input `z`, output `images`;
- image_to_image: input `images` float32 [B, H, W, C] in [-1, 1], output `images`, the same
  shape;
- classifier: input `images`, outputs `logits` and `probabilities` float32 [B, N];
- translator: input `text` string [B], output `translation` string [B] (tokenizer, model and
  decoding inside the graph).
`load(path)` reads any of them back, checked, by its signature alone (names, dtypes and ranks:
a text model's string tensors never pass for an image model's), so the replay stage of
continual learning and `--mode=translate` take exports trained anywhere.
"""

import dataclasses
import json
import os
import shutil
from typing import Any

import keras
import tensorflow as tf

from tfgan_lab import files
from tfgan_lab.errors import ExportError
from tfgan_lab.registry import Registry

SIGNATURE = "serving_default"


@dataclasses.dataclass(frozen=True)
class Tensor:
    """What a contract asks of one named tensor of a signature: its dtype and its dimensions,
    named for the reader (the batch B first); their number is checked, not their sizes."""
    dtype: tf.dtypes.DType
    dims: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.dtype.name} [{', '.join(self.dims)}]"

    @classmethod
    def of(cls, spec: tf.TensorSpec) -> "Tensor":
        """The Tensor a signature's `spec` is (unknown sizes as '?')."""
        return cls(spec.dtype, tuple("?" if d is None else str(d) for d in spec.shape))

    def admits(self, spec: tf.TensorSpec) -> bool:
        return spec.dtype == self.dtype and spec.shape.rank == len(self.dims)


IMAGES = Tensor(tf.float32, ("B", "H", "W", "C"))  # in [-1, 1]
LABEL = Tensor(tf.int32, ("B",))
TEXT = Tensor(tf.string, ("B",))  # UTF-8 sentences


def _tensors_text(tensors: dict) -> str:
    return ", ".join(f"{name} {tensor}" for name, tensor in sorted(tensors.items()))


class Contract:
    """A serving signature: `inputs` and `outputs` name its tensors and what each must be.
    `module(network, **options)` wraps a network into a tf.Module whose `serve` is the
    signature; `load(path, loaded, signature)` returns the Python object a caller uses."""
    description: str  # "a classifier": what an export that honours it is
    inputs: dict[str, Tensor]
    outputs: dict[str, Tensor]

    @classmethod
    def admits(cls, inputs: dict[str, tf.TensorSpec], outputs: dict[str, tf.TensorSpec]) -> bool:
        """Whether a signature of `inputs` and `outputs` honours this contract."""
        return all(specs.keys() == tensors.keys()
                   and all(tensors[name].admits(spec) for name, spec in specs.items())
                   for specs, tensors in ((inputs, cls.inputs), (outputs, cls.outputs)))

    @classmethod
    def text(cls) -> str:
        """'z float32 [B, Z], ... -> images float32 [B, H, W, C]'."""
        return f"{_tensors_text(cls.inputs)} -> {_tensors_text(cls.outputs)}"

    @classmethod
    def module(cls, network: keras.Model, **options) -> tf.Module:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str, loaded: Any, signature: Any) -> Any:
        raise NotImplementedError


CONTRACTS: Registry[type[Contract]] = Registry("export contract")


@dataclasses.dataclass(frozen=True)
class Export:
    """One model to export: the contract it honours, the network it serves, its options, and
    the suffix of its name (<name><suffix>/<version>)."""
    contract: str
    network: keras.Model
    options: dict = dataclasses.field(default_factory=dict)
    suffix: str = ""


def label_checks(label: tf.Tensor, count: tf.Variable, what: str, inputs: tf.Tensor,
                 inputs_name: str) -> list:
    """The assertions a served `label` passes: 0 <= label < count (the number of `what`),
    one label per row of `inputs`."""
    return [
        tf.debugging.assert_non_negative(label, message="label must be >= 0"),
        tf.debugging.assert_less(label, count, message=f"label must be < the number of {what}"),
        tf.debugging.assert_equal(tf.shape(inputs)[0], tf.shape(label)[0],
                                  message=f"{inputs_name} and label need the same batch size B"),
    ]


# --- Generators: z (and label) -> images. ---

@dataclasses.dataclass
class LoadedGenerator:
    """An exported generator, called as `generate(z, labels)` -> images (`labels` ignored, and
    optional, for an unconditional one)."""
    path: str
    z_dim: int
    conditional: bool
    num_classes: int | None  # None when the export does not say (trained elsewhere).
    module: Any  # The loaded SavedModel: its variables live as long as it does.

    @property
    def signature(self):
        return self.module.signatures[SIGNATURE]

    def __call__(self, z, labels=None) -> tf.Tensor:
        inputs = {"z": tf.convert_to_tensor(z, tf.float32)}
        if self.conditional:
            inputs["label"] = tf.convert_to_tensor(labels, tf.int32)
        return self.signature(**inputs)["images"]


class _GeneratorModule(tf.Module):
    def __init__(self, generator: keras.Model, z_dim: int, num_classes: int | None):
        super().__init__()
        self.generator = generator
        z = tf.TensorSpec([None, z_dim], tf.float32, name="z")
        if num_classes is None:
            self.serve = tf.function(self._serve_unconditional, input_signature=[z],
                                     autograph=False)
            return
        # A plain attribute for Python callers; serving_default stays exactly z, label -> images.
        self.num_classes = tf.Variable(num_classes, trainable=False, dtype=tf.int32)
        self.serve = tf.function(self._serve, input_signature=[
            z, tf.TensorSpec([None], tf.int32, name="label")], autograph=False)

    def _serve(self, z: tf.Tensor, label: tf.Tensor) -> dict[str, tf.Tensor]:
        with tf.control_dependencies(label_checks(label, self.num_classes, "classes", z, "z")):
            images = self.generator({"z": z, "label": label}, training=False)
        return {"images": tf.cast(images, tf.float32)}

    def _serve_unconditional(self, z: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"images": tf.cast(self.generator({"z": z}, training=False), tf.float32)}


def _loaded_generator(path: str, loaded: Any, signature: Any) -> LoadedGenerator:
    inputs = signature.structured_input_signature[1]
    num_classes = getattr(loaded, "num_classes", None)
    return LoadedGenerator(path, int(inputs["z"].shape[-1]), "label" in inputs,
                           int(num_classes.numpy()) if num_classes is not None else None, loaded)


@CONTRACTS.register("conditional_generator")
class ConditionalGenerator(Contract):
    description = "a conditional generator"
    inputs = {"z": Tensor(tf.float32, ("B", "Z")), "label": LABEL}
    outputs = {"images": IMAGES}

    @classmethod
    def module(cls, network, *, z_dim: int, num_classes: int) -> tf.Module:
        return _GeneratorModule(network, z_dim, num_classes)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedGenerator:
        return _loaded_generator(path, loaded, signature)


@CONTRACTS.register("unconditional_generator")
class UnconditionalGenerator(ConditionalGenerator):
    description = "an unconditional generator"
    inputs = {"z": Tensor(tf.float32, ("B", "Z"))}

    @classmethod
    def module(cls, network, *, z_dim: int) -> tf.Module:
        return _GeneratorModule(network, z_dim, None)


# --- Image to image: images -> images of the same shape. ---

@dataclasses.dataclass
class LoadedTranslator:
    """An exported image-to-image model, called as `translate(images)` -> images."""
    path: str
    image_shape: tuple[int, int, int]
    module: Any

    def __call__(self, images) -> tf.Tensor:
        return self.module.signatures[SIGNATURE](
            images=tf.convert_to_tensor(images, tf.float32))["images"]


class _ImagesModule(tf.Module):
    """A network of one input, `images` [B, H, W, C], behind a signature of that input. Its
    outputs are float32 and named as the contract names them: `outputs` picks them from a
    network that returns a dict (a classifier); without it, the one tensor is `images`."""

    def __init__(self, network: keras.Model, outputs: tuple[str, ...] = ()):
        super().__init__()
        self.network = network

        def serve(images: tf.Tensor) -> dict[str, tf.Tensor]:
            result = network(images, training=False)
            if not outputs:
                return {"images": tf.cast(result, tf.float32)}
            return {name: tf.cast(result[name], tf.float32) for name in outputs}

        images = tf.TensorSpec([None, *network.input_shape[1:]], tf.float32, name="images")
        self.serve = tf.function(serve, input_signature=[images], autograph=False)


@CONTRACTS.register("image_to_image")
class ImageToImage(Contract):
    description = "an image-to-image model"
    inputs, outputs = {"images": IMAGES}, {"images": IMAGES}

    @classmethod
    def module(cls, network) -> tf.Module:
        return _ImagesModule(network)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedTranslator:
        shape = signature.structured_input_signature[1]["images"].shape[1:]
        return LoadedTranslator(path, tuple(int(d) for d in shape), loaded)


# --- Classifiers: images -> logits, probabilities. ---

@dataclasses.dataclass
class LoadedClassifier:
    """An exported classifier, called as `classify(images)` -> {"logits", "probabilities"}."""
    path: str
    image_shape: tuple[int, ...]
    num_classes: int
    module: Any

    def __call__(self, images) -> dict[str, tf.Tensor]:
        return self.module.signatures[SIGNATURE](images=tf.convert_to_tensor(images, tf.float32))


@CONTRACTS.register("classifier")
class Classifier(Contract):
    description = "a classifier"
    inputs = {"images": IMAGES}
    outputs = {name: Tensor(tf.float32, ("B", "N")) for name in ("logits", "probabilities")}

    @classmethod
    def module(cls, network) -> tf.Module:
        return _ImagesModule(network, ("logits", "probabilities"))

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedClassifier:
        inputs = signature.structured_input_signature[1]
        return LoadedClassifier(path, tuple(inputs["images"].shape[1:]),
                                int(signature.structured_outputs["logits"].shape[-1]), loaded)


# --- Text translators: text -> translation, strings in and out. ---

@dataclasses.dataclass
class LoadedTextTranslator:
    """An exported text translator, called as `translate(sentences)` -> their translations."""
    path: str
    module: Any

    def __call__(self, sentences) -> list[str]:
        translations = self.module.signatures[SIGNATURE](
            text=tf.constant(list(sentences), tf.string))["translation"]
        return [sentence.decode("utf-8") for sentence in translations.numpy()]


class TextModule(tf.Module):
    """A text model behind a signature of `text` string [B]: `network` (a tf.Module or a Keras
    model, its tokenizer inside) maps the strings to the tensor `output` (a translator's
    strings) or, with `output` None, to the dict of outputs it returns."""

    def __init__(self, network, output: str | None = "translation"):
        super().__init__()
        self.network = network
        self.serve = tf.function(
            lambda text: network(text) if output is None else {output: network(text)},
            input_signature=[tf.TensorSpec([None], tf.string, name="text")], autograph=False)


@CONTRACTS.register("translator")
class TextTranslator(Contract):
    description = "a text translator"
    inputs, outputs = {"text": TEXT}, {"translation": TEXT}

    @classmethod
    def module(cls, network) -> tf.Module:
        return TextModule(network)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedTextTranslator:
        return LoadedTextTranslator(path, loaded)


# --- Writing. ---

def holds_export(path: str) -> bool:
    return os.path.exists(os.path.join(path, "saved_model.pb"))


def versions(model_root: str) -> list[int]:
    """The version numbers exported under `model_root`, ascending."""
    if not os.path.isdir(model_root):
        return []
    return sorted(int(n) for n in os.listdir(model_root)
                  if n.isdigit() and holds_export(os.path.join(model_root, n)))


def write(export: Export, export_dir: str, name: str) -> str:
    """Writes the next version of model `name` with `export`'s contract; returns its path.

    The SavedModel is written beside its final place and renamed into it only when complete,
    so a failure leaves no half-written version for TF Serving (which skips non-numeric names).
    """
    module = CONTRACTS.get(export.contract).module(export.network, **export.options)
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


MANIFEST_SUFFIX = ".exports.json"  # <model_root>/<version>.exports.json


def write_set(exports: dict[str, Export], export_dir: str, name: str, model: str | None = None,
              step: int | None = None, source: str | None = None) -> dict[str, str]:
    """Writes each export, `<export_dir>/<name><suffix>/<version>`, then beside each version
    the manifest of them all (roles, contracts, paths; the `model` that made them, its `step`
    and the `source` workdir); returns {role: path}."""
    paths = {role: write(export, export_dir, name + export.suffix)
             for role, export in exports.items()}
    manifest = {"model": model, "step": step, "source": source, "exports": {
        role: {"path": os.path.relpath(path, export_dir), "contract": exports[role].contract}
        for role, path in paths.items()}}
    for path in paths.values():
        files.write_json(os.path.normpath(path) + MANIFEST_SUFFIX, manifest)
    return paths


def export_model(model, export_dir: str, name: str, source: str | None = None,
                 exports: dict[str, Export] | None = None) -> dict[str, str]:
    """Writes every export the model declares (`exports`, if already asked for) with their
    manifest; returns {role: path}. `source`: the workdir the model was trained in."""
    exports = model.exports() if exports is None else exports
    return write_set(exports, export_dir, name, getattr(model, "VARIANT", None),
                     int(model.step.numpy()), source and os.path.abspath(source))


def current_exports(exports: dict[str, Export], step: int, export_dir: str, name: str,
                    source: str) -> dict[str, str] | None:
    """The newest exports of `name` if they hold `exports` (a model's, at train step `step`),
    exported from the workdir `source` with every role: {role: path}; None otherwise."""
    if not exports:
        return None
    root = os.path.join(export_dir, name + next(iter(exports.values())).suffix)
    found = versions(root)
    if not found:
        return None
    manifest = read_manifest(os.path.join(root, str(found[-1])))
    same = (manifest.step == step
            and manifest.source == os.path.abspath(source) and set(manifest.paths) == set(exports)
            and all(holds_export(p) for p in manifest.paths.values()))
    return manifest.paths if same else None


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What was exported together with the export at `path`: {role: path} and the model that
    wrote them; `role` is `path`'s own. Empty (role None) for an export without a manifest
    (written elsewhere, or before manifests)."""
    path: str
    role: str | None
    model: str | None
    paths: dict[str, str]
    step: int | None = None  # the model's train step when exported
    source: str | None = None  # the workdir it was exported from

    def require(self, *roles: str) -> list[str]:
        """The paths of `roles`; ExportError naming what is missing and what to do."""
        _require_export(self.path)
        missing = [role for role in roles if role not in self.paths]
        if missing:
            found = (f"its manifest names {', '.join(sorted(self.paths))}" if self.paths
                     else f"it has no manifest ({os.path.normpath(self.path)}{MANIFEST_SUFFIX})")
            raise ExportError(f"{self.path} was not exported with {' and '.join(missing)}: "
                              f"{found}. Export the run again (--mode=export --workdir=...) "
                              "and pass one of the new versions.")
        return [self.paths[role] for role in roles]


def read_manifest(path: str) -> Manifest:
    """The manifest beside the export at `path` (an empty one if there is none)."""
    manifest_file = os.path.normpath(path) + MANIFEST_SUFFIX
    if not os.path.exists(manifest_file):
        return Manifest(path, None, None, {})
    try:
        with open(manifest_file) as f:
            manifest = json.load(f)
        export_dir = os.path.dirname(os.path.dirname(os.path.normpath(path)))
        paths = {role: os.path.join(export_dir, entry["path"])
                 for role, entry in manifest["exports"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ExportError(f"{manifest_file} cannot be read ({e}): restore it, or delete it "
                          "and pass each export by its own path.") from e
    role = next((role for role, p in paths.items()
                 if os.path.normpath(p) == os.path.normpath(path)), None)
    return Manifest(path, role, manifest.get("model"), paths, manifest.get("step"),
                    manifest.get("source"))


def export_generator(generator: keras.Model, *, z_dim: int, num_classes: int | None,
                     export_dir: str, name: str) -> str:
    """Exports the next version of generator `name` (conditional unless `num_classes` is None,
    then G reads z alone); returns its path."""
    if num_classes is None:
        return write(Export("unconditional_generator", generator, {"z_dim": z_dim}),
                     export_dir, name)
    return write(Export("conditional_generator", generator,
                        {"z_dim": z_dim, "num_classes": num_classes}), export_dir, name)


def latest(export_dir: str, name: str) -> str:
    """The path of the newest exported version of model `name`."""
    model_root = os.path.join(export_dir, name)
    found = versions(model_root)
    if not found:
        raise ExportError(f"No exported version of {name!r} under {model_root}: train first "
                          "(--mode=train) or pass --model_path.")
    return os.path.join(model_root, str(found[-1]))


# --- Loading. ---

def _require_export(path: str) -> None:
    if not holds_export(path):
        raise ExportError(f"{path} holds no saved_model.pb: pass the folder of one exported "
                          "version, e.g. export/<name>/<version>.")


def load(path: str, *contracts: str) -> Any:
    """The export at `path`, loaded by the contract its signature honours (one of `contracts`,
    or any registered one); ExportError says what it takes and what was expected."""
    _require_export(path)
    import tensorflow_text  # noqa: F401 (registers TF Text's ops, which translators hold)

    try:
        loaded = tf.saved_model.load(path)
    except Exception as e:  # noqa: BLE001 (a corrupt SavedModel raises protobuf, OS, TF errors)
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ExportError(f"{path} holds a SavedModel that cannot be loaded ({type(e).__name__}"
                          f"{': ' + first_line[:200] if first_line else ''}): it is corrupt or "
                          "incomplete; export it again (--mode=export --workdir=...).") from None
    signature = loaded.signatures.get(SIGNATURE)
    inputs = dict(signature.structured_input_signature[1]) if signature is not None else {}
    outputs = dict(signature.structured_outputs) if signature is not None else {}
    names = contracts or CONTRACTS.names()
    for name in names:
        if CONTRACTS.get(name).admits(inputs, outputs):
            return CONTRACTS.get(name).load(path, loaded, signature)
    found = {role: {name: Tensor.of(spec) for name, spec in specs.items()}
             for role, specs in (("inputs", inputs), ("outputs", outputs))}
    expected = "; ".join(f"{name}: {CONTRACTS.get(name).text()}" for name in names)
    what = " or ".join(CONTRACTS.get(name).description for name in names)
    raise ExportError(f"{path} is not {what}: its {SIGNATURE} signature takes "
                      f"{_tensors_text(found['inputs']) or 'nothing'} and returns "
                      f"{_tensors_text(found['outputs']) or 'nothing'}; expected {expected}.")


def restore(path: str, module: tf.Module) -> None:
    """Reads the weights of the export at `path` into `module`, built as the module exported
    there was (the same networks, of the same sizes): how a run starts from another run's
    export (dual learning from the supervised translator's). ExportError if they differ."""
    _require_export(path)
    try:
        status = tf.train.Checkpoint(root=module).read(
            os.path.join(path, "variables", "variables"))
        status.assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as e:
        first_line = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        raise ExportError(f"{path} does not hold weights this model can take ({first_line}): "
                          "build it as the exported one was (the same config.model sizes as "
                          "the run that exported it).") from None


def load_generator(path: str) -> LoadedGenerator:
    """A SavedModel that honours the conditional or the unconditional generator contract."""
    return load(path, "conditional_generator", "unconditional_generator")


def load_conditional_generator(path: str) -> LoadedGenerator:
    """A SavedModel that honours the conditional generator contract."""
    return load(path, "conditional_generator")


def load_classifier(path: str) -> LoadedClassifier:
    """A SavedModel that honours the classifier contract (images -> logits, probabilities)."""
    return load(path, "classifier")


def load_translator(path: str) -> LoadedTranslator:
    """A SavedModel that honours the image-to-image contract (images -> images)."""
    return load(path, "image_to_image")


def load_text_translator(path: str) -> LoadedTextTranslator:
    """A SavedModel that honours the translator contract (text -> translation)."""
    return load(path, "translator")
