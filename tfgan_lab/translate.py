"""--mode=translate: an image-to-image export (a CycleGAN direction, or any SavedModel with that
contract) applied to a user's image files.

  python main.py --mode=translate --model_path=export/cyclegan_fashion_mnist_a2b/1 \
      --input=FILE_OR_DIR --output=DIR

Each input (JPEG, PNG, BMP or GIF, any size) is decoded to the export's channels, resized to its
input size, translated, and written to DIR as <its name>.png.
"""

import os

from tfgan_lab import export, images, modes, workdir
from tfgan_lab.data import images as image_files
from tfgan_lab.errors import DataError


def output_paths(paths: list[str], output: str) -> list[str]:
    """<output>/<name>.png for each input; DataError, before anything is written, when one
    would overwrite an input or two inputs would share one (a.jpg and a.png)."""
    outputs = [os.path.join(output, os.path.splitext(os.path.basename(p))[0] + ".png")
               for p in paths]
    first: dict[str, str] = {}
    for path, target in zip(paths, outputs, strict=True):
        key = os.path.realpath(target)
        if key in first:
            raise DataError(f"{first[key]} and {path} would both be written as {target}: rename "
                            "one of them, or translate them into separate --output folders.")
        first[key] = path
    inputs = {os.path.realpath(p) for p in paths}
    for target in outputs:
        if os.path.realpath(target) in inputs:
            raise DataError(f"Translating into --output={output} would overwrite the input "
                            f"{target}: choose another --output folder.")
    return outputs


def translate_files(translator: export.LoadedTranslator, paths: list[str], outputs: list[str],
                    batch_size: int = 32) -> list[str]:
    """Translates `paths` with `translator`, each into its `outputs` PNG; returns them."""
    written = []
    for start in range(0, len(paths), batch_size):
        batch = paths[start:start + batch_size]
        inputs = image_files.ImageFiles(tuple(batch), translator.image_shape)
        translated = translator(image_files.first(inputs, len(batch))).numpy()
        for target, image in zip(outputs[start:start + batch_size], translated, strict=True):
            written.append(images.write_png(target, image[None], 1))
    return written


@modes.register("translate", "apply the image-to-image export --model_path to --input (an "
                             "image file or a folder of them); PNGs into the folder --output.")
def translate_mode(context: modes.Context) -> None:
    path, source, output = (context.require(flag) for flag in ("model_path", "input", "output"))
    translator = export.load_translator(path)
    paths = image_files.input_paths(source)
    outputs = output_paths(paths, output)
    workdir.ensure_writable(output, "output folder")
    written = translate_files(translator, paths, outputs)
    print(f"Translated {len(written)} image(s) from {source} with {path} into {output}")
