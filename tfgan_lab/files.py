"""Files written whole or not at all: a run killed at any moment leaves the old file (or none),
never half of one, so what it finds on resuming can be trusted."""

import contextlib
import json
import os
import shutil
from collections.abc import Iterator


@contextlib.contextmanager
def written_whole(path: str) -> Iterator[str]:
    """Yields a path beside `path` for the block to write (a file or a folder); it becomes
    `path` when the block ends without error and is removed otherwise. It keeps `path`'s
    extensions (`a.weights.h5` -> `a.partial.weights.h5`) for writers that go by them."""
    folder, name = os.path.split(path)
    stem, dot, extensions = name.partition(".")
    partial = os.path.join(folder, f"{stem}.partial{dot}{extensions}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if os.path.isdir(partial):
            shutil.rmtree(partial)
        elif os.path.exists(partial):
            os.remove(partial)


def write_text(path: str, text: str) -> None:
    """Writes `text` to `path` whole or not at all."""
    with written_whole(path) as partial, open(partial, "w") as f:
        f.write(text)


def write_json(path: str, content: dict) -> None:
    """Writes `content` to the JSON file `path` whole or not at all."""
    write_text(path, json.dumps(content, indent=2))
