"""CausalGAN's exports and their command. The causal controller: a SavedModel that TF Serving
clients call to sample label vectors under interventions without Python (inputs `z` float32
[B, L * noise_dim] uniform in [-1, 1], `do_mask` and `do_values` float32 [B, L]; outputs
`labels` (0 or 1) and `probabilities` float32 [B, L]). The image stage's generator (`z`,
`labels` -> `images`) and Labeler (`images` -> `logits`, `label_probabilities`).
`--mode=causal_sample` samples the controller, or a CausalGAN generator's images of its
vectors, under --do and --cond.
"""

import dataclasses
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from absl import flags

from tfgan_lab import contracts, export, files, images, modes
from tfgan_lab.causal import sampling
from tfgan_lab.causal.exact import assignment_text
from tfgan_lab.errors import ConfigError

_DO = flags.DEFINE_string("do", "", "causal_sample: interventions, NODE=0|1 separated by "
                          "commas (do(NODE=value): clamped, cut from its parents).")
_COND = flags.DEFINE_string("cond", "", "causal_sample: conditions, NODE=0|1 separated by "
                            "commas (the samples that meet them are kept).")
_COUNT = flags.DEFINE_integer("count", 10000, "causal_sample: label vectors to sample.",
                              lower_bound=1)
_CONTROLLER = flags.DEFINE_string("controller", "", "causal_sample of a CausalGAN generator: "
                                  "the causal controller export that draws its label vectors "
                                  "(default: config.model.controller).")


@dataclasses.dataclass
class LoadedController:
    """An exported controller, called as sampling.sample_labels calls it."""
    path: str
    names: tuple[str, ...]
    noise_dim: int
    module: Any

    def __call__(self, inputs: dict) -> dict:
        signature = self.module.signatures[contracts.SIGNATURE]
        outputs = signature(**{k: tf.convert_to_tensor(v, tf.float32) for k, v in inputs.items()})
        return {k: v.numpy() for k, v in outputs.items()}


class _ControllerModule(tf.Module):
    def __init__(self, network: keras.Model, names: tuple[str, ...], noise_dim: int):
        super().__init__()
        self.network = network
        # Read by Python callers; serving_default stays exactly its inputs and outputs.
        self.node_names = tf.Variable(list(names), trainable=False)
        self.noise_dim = tf.Variable(noise_dim, trainable=False)
        size = len(names)
        self.serve = tf.function(self._serve, input_signature=[
            tf.TensorSpec([None, size * noise_dim], tf.float32, name="z"),
            tf.TensorSpec([None, size], tf.float32, name="do_mask"),
            tf.TensorSpec([None, size], tf.float32, name="do_values")], autograph=False)

    def _serve(self, z, do_mask, do_values) -> dict[str, tf.Tensor]:
        assertions = [
            tf.debugging.assert_equal(tf.shape(z)[0], tf.shape(do_mask)[0],
                                      message="z and do_mask need the same batch size B"),
            tf.debugging.assert_equal(tf.shape(z)[0], tf.shape(do_values)[0],
                                      message="z and do_values need the same batch size B"),
            tf.debugging.assert_equal(do_mask * (1 - do_mask), tf.zeros_like(do_mask),
                                      message="do_mask must be 0 (sampled) or 1 (clamped)")]
        with tf.control_dependencies(assertions):
            out = self.network({"z": z, "do_mask": do_mask, "do_values": do_values},
                               training=False)
        return {"labels": out["labels"], "probabilities": out["probabilities"]}


@contracts.CONTRACTS.register("causal_controller")
class ControllerContract(contracts.Contract):
    description = "a causal controller"
    inputs = {"z": contracts.Tensor(tf.float32, ("B", "Z")),
              **{name: contracts.Tensor(tf.float32, ("B", "L"))
                 for name in ("do_mask", "do_values")}}
    outputs = {name: contracts.Tensor(tf.float32, ("B", "L"))
               for name in ("labels", "probabilities")}

    @classmethod
    def module(cls, network, *, names: tuple[str, ...], noise_dim: int) -> tf.Module:
        return _ControllerModule(network, names, noise_dim)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedController:
        names = getattr(loaded, "node_names", None)
        if names is None:
            raise ConfigError(f"{path} honours the causal controller signature but does not "
                              "name its nodes: export it with tfgan_lab.")
        return LoadedController(path, tuple(n.decode() for n in names.numpy()),
                                int(loaded.noise_dim.numpy()), loaded)


# --- The export: z, labels -> images. ---

@dataclasses.dataclass
class LoadedLabelledGenerator:
    """An exported G(z, labels), called as `generate(z, labels)` -> images."""
    path: str
    z_dim: int
    num_labels: int
    module: Any

    def __call__(self, z, labels) -> tf.Tensor:
        return self.module.signatures[contracts.SIGNATURE](
            z=tf.convert_to_tensor(z, tf.float32),
            labels=tf.convert_to_tensor(labels, tf.float32))["images"]


class _LabelledGeneratorModule(tf.Module):
    def __init__(self, generator: keras.Model, z_dim: int, num_labels: int):
        super().__init__()
        self.generator = generator
        self.serve = tf.function(self._serve, input_signature=[
            tf.TensorSpec([None, z_dim], tf.float32, name="z"),
            tf.TensorSpec([None, num_labels], tf.float32, name="labels")], autograph=False)

    def _serve(self, z, labels) -> dict[str, tf.Tensor]:
        with tf.control_dependencies([tf.debugging.assert_equal(
                tf.shape(z)[0], tf.shape(labels)[0],
                message="z and labels need the same batch size B")]):
            images = self.generator({"z": z, "labels": labels}, training=False)
        return {"images": tf.cast(images, tf.float32)}


@contracts.CONTRACTS.register("labelled_generator")
class LabelledGenerator(contracts.Contract):
    description = "a generator of label vectors (CausalGAN)"
    inputs = {"z": contracts.Tensor(tf.float32, ("B", "Z")),
              "labels": contracts.Tensor(tf.float32, ("B", "L"))}
    outputs = {"images": contracts.IMAGES}

    @classmethod
    def module(cls, network, *, z_dim: int, num_labels: int) -> tf.Module:
        return _LabelledGeneratorModule(network, z_dim, num_labels)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedLabelledGenerator:
        inputs = signature.structured_input_signature[1]
        return LoadedLabelledGenerator(path, int(inputs["z"].shape[-1]),
                                       int(inputs["labels"].shape[-1]), loaded)


# --- The Labeler's export: images -> a logit and a probability per label. ---

@dataclasses.dataclass
class LoadedAttributeLabeler:
    """An exported Labeler, called as `label(images)` -> {"logits", "label_probabilities"}
    [B, L], one sigmoid per label (named apart from a classifier's softmax `probabilities`)."""
    path: str
    num_labels: int
    module: Any

    def __call__(self, images) -> dict[str, tf.Tensor]:
        return self.module.signatures[contracts.SIGNATURE](
            images=tf.convert_to_tensor(images, tf.float32))


class _LabelerModule(tf.Module):
    def __init__(self, labeler: keras.Model):
        super().__init__()
        self.labeler = labeler
        images = tf.TensorSpec([None, *labeler.input["images"].shape[1:]], tf.float32,
                               name="images")
        self.serve = tf.function(self._serve, input_signature=[images], autograph=False)

    def _serve(self, images) -> dict[str, tf.Tensor]:
        logits = tf.cast(self.labeler({"images": images}, training=False)["logits"], tf.float32)
        return {"logits": logits, "label_probabilities": tf.sigmoid(logits)}


@contracts.CONTRACTS.register("attribute_labeler")
class AttributeLabeler(contracts.Contract):
    description = "a reader of binary labels from images (CausalGAN's Labeler)"
    inputs = {"images": contracts.IMAGES}
    outputs = {name: contracts.Tensor(tf.float32, ("B", "L"))
               for name in ("logits", "label_probabilities")}

    @classmethod
    def module(cls, network) -> tf.Module:
        return _LabelerModule(network)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedAttributeLabeler:
        return LoadedAttributeLabeler(path, int(signature.structured_outputs["logits"]
                                                .shape[-1]), loaded)


@modes.register("causal_sample", "sample a causal export (--model_path, or the newest export "
                                 "of config.name) under --do=NODE=V,... and --cond=NODE=V,...: "
                                 "a controller's label vectors (each label's share of 1s "
                                 "printed, the vectors written as CSV, --output default "
                                 "labels.csv), or a CausalGAN generator's images of the "
                                 "--controller's vectors (a PNG, default samples.png: a row per "
                                 "query, the same noise in each column).")
def causal_sample_mode(context: modes.Context) -> None:
    path, config = context.export_path()
    loaded = export.load(path, "causal_controller", "labelled_generator")
    if isinstance(loaded, LoadedController):
        _sample_labels(context, loaded, path, config.seed if config is not None else 0)
    else:
        _sample_images(context, loaded, path, config)


def _queries(names: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int]]:
    return (sampling.parse_assignments(_DO.value, names, "do"),
            sampling.parse_assignments(_COND.value, names, "cond"))


def _sample_labels(context: modes.Context, controller: LoadedController, path: str,
                   seed: int) -> None:
    output = context.output_file("labels.csv")
    do, cond = _queries(controller.names)
    labels = sampling.sample_labels(controller, controller.names, controller.noise_dim,
                                    _COUNT.value, seed, do=do, cond=cond)
    rows = [",".join(controller.names)] + [",".join(str(int(v)) for v in row) for row in labels]
    files.write_text(output, "\n".join(rows) + "\n")
    query = " ".join(f"{kind}({assignment_text(q)})"
                     for kind, q in (("do", do), ("cond", cond)) if q) or "observational"
    print(f"{len(labels)} label vectors from {path}, {query}; P(label = 1):")
    for name, share in zip(controller.names, labels.mean(axis=0), strict=True):
        print(f"  {name:<24} {share:.3f}")
    print(f"Wrote {output}")


def _sample_images(context: modes.Context, generator, path: str, config) -> None:
    """A row of --columns images per query (do, then cond; observational if neither), the
    same generator noise in each column: the paper's do-versus-cond figure."""
    source = _CONTROLLER.value or (config.model.get("controller", "") if config else "")
    if not source:
        raise ConfigError(f"{path} is a CausalGAN generator: pass --controller=PATH, the "
                          "causal controller export whose label vectors it draws.")
    controller = export.load(source, "causal_controller")
    if len(controller.names) != generator.num_labels:
        raise ConfigError(f"The controller {source} samples {len(controller.names)} labels; "
                          f"the generator {path} takes {generator.num_labels}.")
    output = context.output_file("samples.png")
    do, cond = _queries(controller.names)
    seed, columns = (config.seed if config is not None else 0), context.columns
    queries = [(kind, q) for kind, q in (("do", do), ("cond", cond)) if q] or [("do", {})]
    z = np.random.default_rng(seed).standard_normal((columns, generator.z_dim))
    rows = []
    for kind, query in queries:
        labels = sampling.sample_labels(controller, controller.names, controller.noise_dim,
                                        columns, seed, **{kind: query})
        rows.append(np.asarray(generator(z.astype(np.float32), labels)))
        print(f"Row {len(rows)}: {kind}({assignment_text(query)})" if query else
              f"Row {len(rows)}: observational")
    images.write_png(output, np.concatenate(rows), columns)
    print(f"Wrote {output}: {len(rows)} rows x {columns} from {path}")
