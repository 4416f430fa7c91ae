"""The CAAE's export contract and `--mode=progress`.

Contract `conditional_image_to_image`: inputs `images` float32 [B, H, W, C] in [-1, 1] and
`label` int32 [B] (the target group), output `images`: each input re-generated under its
target, G(E(x), label). With a second condition (UTKFace's gender) the contract is
`conditional_image_to_image_gender`, with the input `gender` int32 [B] as well.

  python main.py --mode=progress --model_path=export/caae_fashion_mnist/1 \
      --input=FILE_OR_DIR --output=progress.png

writes the paper's figure: one row per input, the input then it under every group.
"""

import dataclasses
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfgan_lab import contracts, export, images, modes, workdir
from tfgan_lab.data import groups
from tfgan_lab.data import images as image_files
from tfgan_lab.errors import DataError
from tfgan_lab.eval import progression
from tfgan_lab.nets.caae import CONDITION_INPUTS


def progression_export(encoder: keras.Model, generator: keras.Model,
                       info: groups.GroupInfo) -> export.Export:
    """The network x, conditions -> G(E(x), conditions), under the contract of its conditions
    (the group, and the gender where the data has it)."""
    images_ = keras.Input(info.image_shape, name="images")
    conditions = {name: keras.Input((), dtype="int32", name=name)
                  for name in CONDITION_INPUTS[:len(info.condition_sizes)]}
    network = keras.Model({"images": images_, **conditions},
                          generator({"z": encoder(images_), **conditions}), name="progression")
    contract = ("conditional_image_to_image_gender" if info.second_condition
                else "conditional_image_to_image")
    return export.Export(contract, network, {"num_groups": info.num_groups})


class _ProgressionModule(tf.Module):
    """G(E(x), conditions) behind a signature of `images`, `label` (and `gender`), the
    conditions checked against the number of groups it was trained on."""

    def __init__(self, network: keras.Model, num_groups: int, gender: bool):
        super().__init__()
        self.network = network
        self.num_groups = tf.Variable(num_groups, trainable=False, dtype=tf.int32)
        specs = [tf.TensorSpec([None, *network.input["images"].shape[1:]], tf.float32,
                               name="images"), tf.TensorSpec([None], tf.int32, name="label")]
        if gender:
            self.serve = tf.function(
                lambda images, label, gender: self._serve(images, label, gender=gender),
                input_signature=[*specs, tf.TensorSpec([None], tf.int32, name="gender")],
                autograph=False)
        else:
            self.serve = tf.function(lambda images, label: self._serve(images, label),
                                     input_signature=specs, autograph=False)

    def _serve(self, images: tf.Tensor, label: tf.Tensor, **second) -> dict[str, tf.Tensor]:
        asserts = contracts.label_checks(label, self.num_groups, "groups", images, "images")
        with tf.control_dependencies(asserts):
            out = self.network({"images": images, "label": label, **second}, training=False)
        return {"images": tf.cast(out, tf.float32)}


@dataclasses.dataclass
class LoadedProgression:
    """An exported CAAE, called as `progress(images, labels[, gender])` -> images."""
    path: str
    image_shape: tuple[int, int, int]
    num_groups: int
    gender: bool
    module: Any

    def __call__(self, images, labels, gender=None) -> tf.Tensor:
        inputs = {"images": tf.convert_to_tensor(images, tf.float32),
                  "label": tf.convert_to_tensor(labels, tf.int32)}
        if self.gender:
            if gender is None:
                raise DataError(f"{self.path} is conditioned on gender as well: pass it.")
            inputs["gender"] = tf.convert_to_tensor(gender, tf.int32)
        return self.module.signatures[contracts.SIGNATURE](**inputs)["images"]

    def transform(self, images, conditions) -> tf.Tensor:
        """The evaluator's view: conditions int32 [B, K], the group then the gender."""
        conditions = np.asarray(conditions)
        return self(images, conditions[:, 0], conditions[:, 1] if self.gender else None)


@contracts.CONTRACTS.register("conditional_image_to_image")
class ConditionalImageToImage(contracts.Contract):
    description = "a conditional image-to-image model (CAAE)"
    inputs = {"images": contracts.IMAGES, "label": contracts.LABEL}
    outputs = {"images": contracts.IMAGES}
    gender = False

    @classmethod
    def module(cls, network, *, num_groups: int) -> tf.Module:
        return _ProgressionModule(network, num_groups, cls.gender)

    @classmethod
    def load(cls, path, loaded, signature) -> LoadedProgression:
        shape = signature.structured_input_signature[1]["images"].shape[1:]
        return LoadedProgression(path, tuple(int(d) for d in shape),
                                 int(loaded.num_groups.numpy()), cls.gender, loaded)


@contracts.CONTRACTS.register("conditional_image_to_image_gender")
class GenderedImageToImage(ConditionalImageToImage):
    description = "a conditional image-to-image model with gender (CAAE on UTKFace)"
    inputs = {"images": contracts.IMAGES, "label": contracts.LABEL, "gender": contracts.LABEL}
    gender = True


def load(path: str) -> LoadedProgression:
    """An export of either CAAE contract."""
    return export.load(path, "conditional_image_to_image", "conditional_image_to_image_gender")


def _genders(paths: list[str]) -> np.ndarray:
    """The gender in each UTKFace file name; DataError names a file whose name has none."""
    try:
        return np.array([groups.parse_utkface(os.path.basename(p))[1] for p in paths], np.int32)
    except DataError as e:
        raise DataError(f"{e} The export is conditioned on gender, which --mode=progress reads "
                        "from UTKFace file names.") from None


@modes.register("progress", "re-generate each image of --input (a file or a folder) under "
                            "every condition with the CAAE export --model_path: one row per "
                            "input, written as the PNG --output.")
def progress_mode(context: modes.Context) -> None:
    path, source, output = (context.require(flag) for flag in ("model_path", "input", "output"))
    progress = load(path)
    paths = image_files.input_paths(source)
    workdir.ensure_output_file(output, "--output", tuple(paths))
    inputs = image_files.first(image_files.ImageFiles(tuple(paths), progress.image_shape),
                               len(paths))
    conditions = np.zeros((len(paths), 2 if progress.gender else 1), np.int32)
    if progress.gender:
        conditions[:, 1] = _genders(paths)
    pictures, columns = progression.grid(inputs, conditions, progress.transform,
                                         progress.num_groups)
    images.write_png(output, pictures, columns)
    print(f"Wrote {output}: {len(paths)} input(s) x {progress.num_groups} groups from {path}")
