"""The serving contracts: what the `serving_default` signature of an export takes and returns.

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
A contract wraps a network into the tf.Module that is saved (`module`), and turns a loaded
SavedModel into the Python object a caller uses (`load`); export.py writes and finds them.
"""

import dataclasses
from typing import Any

import keras
import tensorflow as tf

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


def tensors_text(tensors: dict) -> str:
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
        return f"{tensors_text(cls.inputs)} -> {tensors_text(cls.outputs)}"

    @classmethod
    def module(cls, network: keras.Model, **options) -> tf.Module:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str, loaded: Any, signature: Any) -> Any:
        raise NotImplementedError


CONTRACTS: Registry[type[Contract]] = Registry("export contract")


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
    def signature(self) -> Any:  # the ConcreteFunction of the serving signature
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

    def cut(self, sentences) -> tuple[list[bool], int | None]:
        """Which of `sentences` are longer than the translator reads (their ends are not
        translated), and how many pieces it reads; (all False, None) for an export that does
        not say (one written before exports kept their `pieces` function)."""
        pieces = getattr(getattr(self.module, "network", None), "pieces", None)
        if pieces is None:
            return [False] * len(sentences), None
        read = pieces(tf.constant(list(sentences), tf.string))
        limit = int(read["max_length"])
        return [int(n) > limit for n in read["pieces"].numpy()], limit


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
