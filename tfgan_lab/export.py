"""SavedModel export and loading, in TF Serving's layout: <export_dir>/<name>/<version>/.

One rule for every mode: a model is exported under `--export_dir` (default export/) as
`<config.name><suffix>/<version>/`, version 1, 2, 3, ...; each model says what it exports by
role (`PlayerModel.exports`: "generator" with suffix "" and "generator_ema" with "_ema" for a
conditional GAN, "a2b" and "b2a" for CycleGAN's two directions), and a continual run writes
its tasks' "_task<t>_generator" ... itself. Beside each version written, a manifest,
`<version>.exports.json`, names every role written with it and its path (relative to the
export directory), so that a model with several exports is found from any one of them
(`read_manifest`); TF Serving skips it, as it skips every name that is not a number.

Each export honours one of the serving contracts of contracts.py. `load(path)` reads any of
them back, checked, by its signature alone (names, dtypes and ranks: a text model's string
tensors never pass for an image model's), so the replay stage of continual learning and
`--mode=translate` take exports trained anywhere.
"""

import dataclasses
import json
import os
import shutil
from typing import Any

import keras
import tensorflow as tf

from tfgan_lab import files
from tfgan_lab.contracts import (
    CONTRACTS,
    SIGNATURE,
    LoadedClassifier,
    LoadedGenerator,
    LoadedTextTranslator,
    LoadedTranslator,
    Tensor,
    tensors_text,
)
from tfgan_lab.errors import ExportError


@dataclasses.dataclass(frozen=True)
class Export:
    """One model to export: the contract it honours, the network it serves, its options, and
    the suffix of its name (<name><suffix>/<version>)."""
    contract: str
    network: keras.Model
    options: dict = dataclasses.field(default_factory=dict)
    suffix: str = ""


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


def export_model(model: keras.Model, export_dir: str, name: str, source: str | None = None,
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
        if missing and self.paths:  # another kind of model's exports
            model = f" (a {self.model!r} model's)" if self.model else ""
            raise ExportError(f"{self.path} was not exported with {' and '.join(missing)}: its "
                              f"manifest names {', '.join(sorted(self.paths))}{model}. Pass an "
                              f"export of a model that writes {' and '.join(roles)}.")
        if missing:
            raise ExportError(f"{self.path} was not exported with {' and '.join(missing)}: it "
                              f"has no manifest ({os.path.normpath(self.path)}"
                              f"{MANIFEST_SUFFIX}). Export the run again (--mode=export "
                              "--workdir=...) and pass one of the new versions.")
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
    if found:
        return os.path.join(model_root, str(found[-1]))
    # A model whose every export has a role's suffix (CycleGAN's _a2b, a translator's _en_de)
    # has no folder of its bare name: the folders named after it are shown instead.
    near = sorted(os.path.join(export_dir, folder)
                  for folder in (os.listdir(export_dir) if os.path.isdir(export_dir) else [])
                  if folder.startswith(f"{name}_") and versions(os.path.join(export_dir, folder)))
    if near:
        raise ExportError(f"No exported version of {name!r} under {model_root}, but of "
                          f"{', '.join(near)}: pass the version you mean with --model_path "
                          f"(e.g. {near[0]}/{versions(near[0])[-1]}).")
    raise ExportError(f"No exported version of {name!r} under {model_root}: train first "
                      "(--mode=train) or pass --model_path.")


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
                      f"{tensors_text(found['inputs']) or 'nothing'} and returns "
                      f"{tensors_text(found['outputs']) or 'nothing'}; expected {expected}.")


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
