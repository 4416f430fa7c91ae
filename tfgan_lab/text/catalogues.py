"""Parallel text offline: the gettext catalogues that a named list of Debian packages installs.

Every package translated into language X leaves /usr/share/locale/X/LC_MESSAGES/<domain>.mo:
English msgids with their X msgstrs. Which catalogues a machine holds depends on its
packages, so the corpus reads only those owned by the packages in catalogue_packages.txt
(scripts/install.sh installs them) and names a missing one. A plural entry gives two pairs
(the English singular and plural with the forms for n=1 and n=2); contexts are dropped;
identical and untranslated messages are left out; sentences are cleaned (clean.py) and kept
when both sides hold `min_words` to `max_words` words.
"""

import collections
import functools
import gettext
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence

from tfgan_lab.errors import DataError
from tfgan_lab.text import clean, mo

LOCALE_DIR = "/usr/share/locale"
PACKAGE_LIST = os.path.join(os.path.dirname(__file__), "catalogue_packages.txt")


def packages() -> tuple[str, ...]:
    """The named package list (catalogue_packages.txt, comments aside)."""
    with open(PACKAGE_LIST) as f:
        return tuple(line.strip() for line in f if line.strip() and not line.startswith("#"))


def catalogue_paths(language: str, package_names: Sequence[str],
                    locale_dir: str = LOCALE_DIR) -> list[str]:
    """The `language` catalogues the packages own, sorted; DataError naming a package that is
    not installed."""
    if shutil.which("dpkg-query") is None:
        raise DataError("The gettext corpus reads the catalogues of named Debian packages, and "
                        "this machine has no dpkg-query: set config.data.folder to your own "
                        "text files, or config.data.tfds_name to a TFDS translation set "
                        "(docs/data.md).")
    folder = os.path.join(locale_dir, language, "LC_MESSAGES")
    result = subprocess.run(["dpkg-query", "-L", *package_names], capture_output=True,
                            text=True)
    missing = [name for name in package_names if f"package '{name}' is not installed"
               in result.stderr]
    if missing:
        raise DataError(f"Debian package(s) {', '.join(missing)} not installed, so their "
                        "catalogues are missing from the corpus: run `bash scripts/install.sh` "
                        f"(or apt-get install {' '.join(missing)}).")
    if result.returncode:
        raise DataError(f"dpkg-query -L failed: {result.stderr.strip()}")
    return sorted({path for path in result.stdout.splitlines()
                   if os.path.dirname(path) == folder and path.endswith(".mo")})


def raw_pairs(catalogue: mo.Catalogue) -> Iterable[tuple[str, str]]:
    """(English, translation) for every translated entry, plurals as two pairs."""
    plural_index = _plural_index(catalogue.plural_forms)
    for message in catalogue.messages:
        if message.msgid_plural is None:
            yield message.msgid, message.msgstrs[0]
            continue
        for n, english in ((1, message.msgid), (2, message.msgid_plural)):
            index = plural_index(n)
            if index < len(message.msgstrs):
                yield english, message.msgstrs[index]


@functools.lru_cache
def _plural_index(plural_forms: str):
    _, _, expression = plural_forms.partition("plural=")
    expression = expression.strip().rstrip(";")
    try:
        return gettext.c2py(expression) if expression else (lambda n: int(n != 1))
    except ValueError:
        return lambda n: int(n != 1)  # Germanic default, as gettext assumes without a header.


def sentence_pairs(paths: Sequence[str], min_words: int = 3,
                   max_words: int = 25) -> collections.Counter:
    """How often each cleaned (English, translation) pair occurs across the catalogues."""
    counts: collections.Counter = collections.Counter()
    for path in paths:
        for english, translation in raw_pairs(mo.read(path)):
            english, translation = clean.clean(english), clean.clean(translation)
            if not translation or clean.key(english) == clean.key(translation):
                continue
            if all(min_words <= clean.words(s) <= max_words for s in (english, translation)):
                counts[english, translation] += 1
    return counts
