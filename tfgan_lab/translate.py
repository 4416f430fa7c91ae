"""--mode=translate: an export applied to a user's files, by the contract it honours.

  python main.py --mode=translate --model_path=export/cyclegan_fashion_mnist_a2b/1 \
      --input=FILE_OR_DIR --output=DIR
  python main.py --mode=translate --model_path=export/<translator>/1 --input=FILE --output=FILE
  echo "file not found" | python main.py --mode=translate --model_path=... --input=-

An image-to-image export (a CycleGAN direction, or any SavedModel with that contract): each
input image (JPEG, PNG, BMP or GIF, any size) is decoded to the export's channels, resized to
its input size, translated, and written to the folder DIR as <its name>.png. A text translator:
each line of the text file (or of standard input, `--input=-`) is translated, and the
translations are written one a line, blank lines kept, to the file --output (written whole) or
to standard output.
"""

import os
import sys
from collections.abc import Iterator

from tqdm import tqdm

from tfgan_lab import contracts, export, files, images, modes, workdir
from tfgan_lab.data import images as image_files
from tfgan_lab.errors import DataError

STDIO = "-"


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


def translate_files(translator: contracts.LoadedTranslator, paths: list[str], outputs: list[str],
                    batch_size: int = 32) -> list[str]:
    """Translates `paths` with `translator`, each into its `outputs` PNG; returns them."""
    written = []
    for start, batch in batches(paths, batch_size, "image"):
        inputs = image_files.ImageFiles(tuple(batch), translator.image_shape)
        translated = translator(image_files.first(inputs, len(batch))).numpy()
        for target, image in zip(outputs[start:start + batch_size], translated, strict=True):
            written.append(images.write_png(target, image[None], 1))
    return written


def batches(items: list, batch_size: int, unit: str) -> Iterator[tuple[int, list]]:
    """(start, items[start:start + batch_size]) in order, with a progress bar on stderr in
    `unit`s when there is more than one batch (a short job stays quiet)."""
    with tqdm(total=len(items), unit=unit, desc="translate", disable=len(items) <= batch_size,
              dynamic_ncols=True, mininterval=0.5 if sys.stderr.isatty() else 30) as progress:
        for start in range(0, len(items), batch_size):
            batch = items[start:start + batch_size]
            yield start, batch
            progress.update(len(batch))


def read_lines(source: str) -> list[str]:
    """The lines of the text file `source`, or of standard input for `-`."""
    if source == STDIO:
        return sys.stdin.read().splitlines()
    if os.path.isdir(source):
        raise DataError(f"--input={source} is a folder: a text translator reads one text file "
                        "(a sentence a line), or - for standard input.")
    try:
        with open(source, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError as e:
        raise DataError(f"Cannot read --input={source}: {e.strerror}.") from None
    except UnicodeDecodeError as e:
        raise DataError(f"--input={source} is not UTF-8 text ({e}).") from None


def translate_lines(translator: contracts.LoadedTextTranslator, lines: list[str],
                    batch_size: int = 64) -> list[str]:
    """Each line's translation; a blank line stays blank, so the output aligns with the input.
    A line longer than the translator reads is translated up to there, with a warning."""
    sentences = [line for line in lines if line.strip()]
    translated = iter([t for _, batch in batches(sentences, batch_size, "line")
                       for t in translator(batch)])
    _warn_of_cut_lines(translator, lines)
    return [next(translated) if line.strip() else "" for line in lines]


def _warn_of_cut_lines(translator: contracts.LoadedTextTranslator, lines: list[str]) -> None:
    """A warning on stderr naming the lines (numbered from 1) whose ends were not translated."""
    cut, limit = translator.cut(lines)
    numbers = [str(i + 1) for i, long in enumerate(cut) if long]
    if numbers:
        shown = ", ".join(numbers[:10]) + (f" and {len(numbers) - 10} more"
                                           if len(numbers) > 10 else "")
        print(f"warning: {len(numbers)} line(s) longer than the translator reads ({limit} "
              f"pieces, end of sentence included) were translated up to there: line(s) "
              f"{shown}. Split long text into sentences, a sentence a line.", file=sys.stderr)


def text_output(source: str, output: str | None) -> str:
    """The file the translations go to (`-`: standard output), refused before any work when it
    is the input or a folder."""
    output = output or STDIO
    if output == STDIO:
        return output
    if os.path.isdir(output):
        raise DataError(f"--output={output} is a folder: name the text file the translations "
                        "go to (or leave --output out for standard output).")
    if source != STDIO and os.path.realpath(output) == os.path.realpath(source):
        raise DataError(f"Translating into --output={output} would overwrite the input: choose "
                        "another --output file.")
    workdir.ensure_writable(os.path.dirname(os.path.abspath(output)), "output folder")
    return output


def _translate_text(translator: contracts.LoadedTextTranslator, context: modes.Context) -> None:
    source = context.require("input")
    output = text_output(source, context.output)
    translations = translate_lines(translator, read_lines(source))
    text = "".join(f"{line}\n" for line in translations)
    if output == STDIO:
        sys.stdout.write(text)
        return
    files.write_text(output, text)
    print(f"Translated {len(translations)} line(s) from {source} with {context.model_path} "
          f"into {output}")


def _translate_images(translator: contracts.LoadedTranslator, context: modes.Context) -> None:
    source, output = context.require("input"), context.require("output")
    paths = image_files.input_paths(source)
    outputs = output_paths(paths, output)
    workdir.ensure_writable(output, "output folder")
    written = translate_files(translator, paths, outputs)
    print(f"Translated {len(written)} image(s) from {source} with {context.model_path} into "
          f"{output}")


@modes.register("translate", "apply the export --model_path to --input, by its contract: an "
                             "image-to-image export to an image file or a folder of them (PNGs "
                             "into the folder --output), a text translator to the lines of a "
                             "text file or of standard input (--input=-), into the file "
                             "--output or standard output.")
def translate_mode(context: modes.Context) -> None:
    translator = export.load(context.require("model_path"), "image_to_image", "translator")
    if isinstance(translator, contracts.LoadedTextTranslator):
        _translate_text(translator, context)
    else:
        _translate_images(translator, context)
