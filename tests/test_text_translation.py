"""The translator contract (text -> translation, strings in and out) and --mode=translate on
text: an export whose tokenizer runs inside the graph, loaded by a fresh process."""


import pytest
import tensorflow as tf

from tfgan_lab import contracts, export, translate
from tfgan_lab.errors import DataError, ExportError
from tfgan_lab.text import tokenizer

from conftest import run_main as _main
from conftest import tensorflow_lines

SENTENCES = ["cannot open <arg>: No such file", "kann <arg> nicht öffnen", "disk full"]


class Shouting(tf.Module):
    """A stand-in translator: through a learned vocabulary and back, upper-cased. Real
    tokenization ops (TF Text's), so loading it needs them registered."""

    def __init__(self, model: bytes):
        super().__init__()
        self.words = tokenizer.Tokenizer(model)

    def __call__(self, text: tf.Tensor) -> tf.Tensor:
        return tf.strings.upper(self.words.decode(self.words.encode(text)), encoding="utf-8")


@pytest.fixture(scope="module")
def translator(tmp_path_factory) -> str:
    """The path of an export with the translator contract."""
    from tfgan_lab.data import parallel_text

    monolingual = parallel_text.load(parallel_text.config(), "monolingual")
    model = tokenizer.learn(monolingual.source + monolingual.target, 2000,
                            tokenizer.symbols(monolingual.languages))
    return export.write(export.Export("translator", Shouting(model)),
                        str(tmp_path_factory.mktemp("export")), "shouting")


def test_the_export_takes_and_returns_strings_by_its_contract(translator):
    loaded = export.load(translator)
    assert isinstance(loaded, contracts.LoadedTextTranslator)
    assert loaded(SENTENCES) == [s.upper() for s in SENTENCES]
    signature = loaded.module.signatures[contracts.SIGNATURE]
    assert {name: spec.dtype for name, spec in signature.structured_input_signature[1].items()
            } == {"text": tf.string}
    assert {name: spec.dtype for name, spec in signature.structured_outputs.items()} == {
        "translation": tf.string}
    with pytest.raises(ExportError, match="is not an image-to-image model: its serving_default "
                                          "signature takes text string"):
        export.load_translator(translator)


def test_translate_mode_reads_a_text_file_or_standard_input(translator, tmp_path):
    """In a fresh process (TF Text's ops registered by the loader): a file into a file, blank
    lines kept; standard input to standard output, with a progress bar on stderr when the
    lines take more than one batch."""
    (tmp_path / "in.txt").write_text("\n".join([SENTENCES[0], "", SENTENCES[1]]) + "\n")
    to_file = _main("--mode=translate", f"--model_path={translator}", "--input=in.txt",
                    "--output=out.txt", cwd=tmp_path)
    assert to_file.returncode == 0, to_file.stderr
    expected = f"{SENTENCES[0].upper()}\n\n{SENTENCES[1].upper()}\n"
    assert (tmp_path / "out.txt").read_text() == expected
    assert "Translated 3 line(s) from in.txt" in to_file.stdout
    assert tensorflow_lines(to_file.stderr) == [], to_file.stderr
    assert "translate:" not in to_file.stderr  # one batch: no progress bar
    lines = [f"disk {n} full" for n in range(150)]  # three batches of at most 64
    piped = _main("--mode=translate", f"--model_path={translator}", "--input=-", cwd=tmp_path,
                  input="\n".join(lines) + "\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines() == [line.upper() for line in lines]
    assert "translate: 100%" in piped.stderr and "150/150" in piped.stderr  # the bar


def test_translating_text_into_its_input_or_a_folder_is_refused_first(tmp_path):
    (tmp_path / "in.txt").write_text("disk full\n")
    source = str(tmp_path / "in.txt")
    with pytest.raises(DataError, match="would overwrite the input"):
        translate.text_output(source, source)
    with pytest.raises(DataError, match="is a folder: name the text file"):
        translate.text_output(source, str(tmp_path))
    with pytest.raises(DataError, match="is a folder: a text translator reads one text file"):
        translate.read_lines(str(tmp_path))
    assert (tmp_path / "in.txt").read_text() == "disk full\n"
    assert translate.text_output(source, None) == translate.STDIO
