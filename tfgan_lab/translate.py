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


def translate_files(translator: export.LoadedTranslator, paths: list[str], output: str,
                    batch_size: int = 32) -> list[str]:
    """Translates `paths` with `translator`; writes <output>/<name>.png each; returns them."""
    written = []
    for start in range(0, len(paths), batch_size):
        batch = paths[start:start + batch_size]
        inputs = image_files.ImageFiles(tuple(batch), translator.image_shape)
        translated = translator(image_files.first(inputs, len(batch))).numpy()
        for path, image in zip(batch, translated, strict=True):
            stem = os.path.splitext(os.path.basename(path))[0]
            written.append(images.write_png(os.path.join(output, f"{stem}.png"), image[None], 1))
    return written


@modes.register("translate", "apply the image-to-image export --model_path to --input (an "
                             "image file or a folder of them); PNGs into the folder --output.")
def translate_mode(context: modes.Context) -> None:
    path, source, output = (context.require(flag) for flag in ("model_path", "input", "output"))
    translator = export.load_translator(path)
    paths = image_files.input_paths(source)
    workdir.ensure_writable(output, "output folder")
    written = translate_files(translator, paths, output)
    print(f"Translated {len(written)} image(s) from {source} with {path} into {output}")
