"""A reader for GNU gettext's compiled message catalogues (.mo files).

Python's `gettext.GNUTranslations` keeps only what a running program needs: it drops a plural
entry's English plural (msgid_plural), and it decodes the header as UTF-8 before reading its
charset, so a Latin-1 catalogue (several of Debian's German ones) fails to load. The format is
small (GNU gettext manual, "The Format of GNU MO Files"): a magic number, a count, and two
tables of (length, offset) pointing at the original and the translated strings.
"""

import dataclasses
import email.parser
import struct

from tfgan_lab.errors import DataError

_MAGIC = 0x950412DE
_CONTEXT = b"\x04"  # msgctxt EOT msgid
_PLURAL = b"\x00"  # msgid NUL msgid_plural; msgstr[0] NUL msgstr[1] ...


@dataclasses.dataclass(frozen=True)
class Message:
    """One catalogue entry: `msgstrs` holds one string, or one per plural form."""
    msgid: str
    msgstrs: tuple[str, ...]
    msgid_plural: str | None = None
    context: str | None = None


@dataclasses.dataclass(frozen=True)
class Catalogue:
    path: str
    header: dict[str, str]  # the msgid "" entry: Language, Plural-Forms, Content-Type ...
    messages: tuple[Message, ...]

    @property
    def language(self) -> str:
        return self.header.get("Language", "")

    @property
    def plural_forms(self) -> str:
        return self.header.get("Plural-Forms", "")


def read(path: str) -> Catalogue:
    """The catalogue at `path`; DataError naming the file and the damage if it is not one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataError(f"Cannot read the message catalogue {path}: {e.strerror}.") from None
    try:
        return _parse(path, data)
    except (struct.error, IndexError, LookupError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path} is not a valid gettext .mo catalogue ({e}): reinstall the "
                        "package that owns it (`dpkg -S` names it) or leave it out of the "
                        "corpus.") from None


def _parse(path: str, data: bytes) -> Catalogue:
    if len(data) < 20:
        raise ValueError(f"{len(data)} bytes, shorter than the 20-byte header")
    for order in "<>":
        if struct.unpack(order + "I", data[:4])[0] == _MAGIC:
            break
    else:
        raise ValueError("wrong magic number")
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    raw = []
    for i in range(count):
        raw.append((_string(data, order, originals + 8 * i),
                    _string(data, order, translations + 8 * i)))
    header = _header(raw[0][1]) if raw and raw[0][0] == b"" else {}
    charset = _charset(header)
    messages = []
    for original, translated in raw:
        if not original:
            continue
        context = None
        if _CONTEXT in original:
            context_bytes, original = original.split(_CONTEXT, 1)
            context = context_bytes.decode(charset)
        msgid, _, msgid_plural = original.partition(_PLURAL)
        messages.append(Message(
            msgid=msgid.decode(charset),
            msgstrs=tuple(s.decode(charset) for s in translated.split(_PLURAL)),
            msgid_plural=msgid_plural.decode(charset) if _PLURAL in original else None,
            context=context))
    return Catalogue(path, header, tuple(messages))


def _string(data: bytes, order: str, entry: int) -> bytes:
    length, offset = struct.unpack(order + "2I", data[entry:entry + 8])
    if offset + length > len(data):
        raise ValueError(f"a string at byte {offset} runs past the end of the file")
    return data[offset:offset + length]


def _header(raw: bytes) -> dict[str, str]:
    # RFC 822 style "Name: value" lines; ASCII by the format's convention, but be lenient.
    parsed = email.parser.HeaderParser().parsestr(raw.decode("latin-1"))
    return {name: value.strip() for name, value in parsed.items()}


def _charset(header: dict[str, str]) -> str:
    content_type = header.get("Content-Type", "")
    _, _, charset = content_type.partition("charset=")
    charset = charset.strip() or "utf-8"
    return "utf-8" if charset.upper() == "CHARSET" else charset  # an unfilled template
