"""What a run shows: an image grid as a PNG, a table of sentences as Markdown."""

import numpy as np
import pytest
from PIL import Image

from tfgan_lab import samples


def test_a_sentence_table_is_markdown_with_its_cells_kept_whole(tmp_path):
    table = samples.SentenceTable(("source", "output", "reference"), (
        ("cannot open <arg>", "kann <arg> nicht\nöffnen", "a | b"),))
    path = table.write(str(tmp_path / "step_000001.md"))
    with open(path) as f:
        assert f.read() == ("| source | output | reference |\n|---|---|---|\n"
                            "| cannot open <arg> | kann <arg> nicht öffnen | a \\| b |\n")
    with pytest.raises(ValueError, match="A row of 2 sentences in a table of columns source, "
                                         "output, reference"):
        samples.SentenceTable(("source", "output", "reference"), (("a", "b"),))


def test_an_image_grid_is_a_png_of_its_columns(tmp_path):
    grid = samples.ImageGrid(np.zeros((6, 4, 5, 1), np.float32), columns=3)
    path = grid.write(str(tmp_path / "step_000001.png"))
    assert np.asarray(Image.open(path)).shape == (2 * 6 - 2, 3 * 7 - 2)
