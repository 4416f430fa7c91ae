"""From a catalogue message to a sentence a translator can learn from.

Messages are program text: printf and Python placeholders, Pango/HTML markup, accelerator
marks, escaped entities, line breaks for an 80-column terminal. Placeholders and markup become
the reserved tokens `<arg>` and `<tag>` (a translator learns to carry them across, and BLEU
counts them as words); accelerators and line breaks go. Both sides of a pair are cleaned alike.
"""

import html
import re

ARG = "<arg>"
TAG = "<tag>"

# printf (C, with positional %1$s, flags, width, precision and length), Python's %(name)s,
# and str.format's {0} / {name} / {}.
_PLACEHOLDER = re.compile(
    r"%(?:\d+\$)?[-+ 0#']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsp]"
    r"|%\([A-Za-z_]\w*\)[-+ 0#]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|(?<![\w^$])\{(?:\d+|[A-Za-z_]\w*)?\}")
_PERCENT = "%%"
_MARKUP = re.compile(r"</?(?:a|b|big|br|em|i|p|s|small|span|strong|sub|sup|tt|u|markup)"
                     r"(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)
# GTK's _Open and Qt's &Open (not an entity): a mark at the start of a word, before a letter.
# Marks inside a word ("Op_en") are left alone: in these catalogues an underscore inside a word
# is almost always an identifier (pg_hba.conf, server_type).
_ACCELERATOR = re.compile(r"(?<!\w)(?:_|&(?![A-Za-z]+;|#))(?=[^\W\d_])")


def clean(message: str) -> str:
    """`message` with placeholders and markup as tokens, accelerators and breaks removed."""
    text = _MARKUP.sub(f" {TAG} ", message)
    text = _PLACEHOLDER.sub(f" {ARG} ", text.replace(_PERCENT, "\0"))
    text = _ACCELERATOR.sub("", text)
    text = _ENTITY.sub(lambda m: html.unescape(m.group()), text).replace("\0", "%")
    return " ".join(text.split())


def words(sentence: str) -> int:
    return len(sentence.split())


def key(sentence: str) -> str:
    """What makes two sentences the same one for splitting: case, spacing and a final full
    stop, colon or exclamation mark aside ("File not found." and "file not found")."""
    return " ".join(sentence.casefold().split()).rstrip(".:!?… ")
