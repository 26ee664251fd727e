"""Text hygiene: no control characters in what we parse, store, log or publish.

A page may carry NULs, vertical tabs, form feeds, C1 controls, lone surrogates (from a
JSON ``\\ud800`` escape) or the non-characters U+FFFE/U+FFFF. They have no meaning in
news text, they empty trafilatura's output (a form feed ends its text at the parser),
they make an Atom feed invalid XML (one headline takes the whole feed down) and SQLite
refuses lone surrogates. Tab, newline and carriage return are kept; a vertical tab or a
form feed becomes a space so that the words on both sides stay apart.
"""

from __future__ import annotations

import re
from typing import Any

# Not valid in XML 1.0, or controls with no meaning in text.
_REMOVED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACED = re.compile("[\x0b\x0c]")
_ANY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab, newline and carriage return kept)."""
    if _ANY.search(text) is None:
        return text
    return _REMOVED.sub("", _SPACED.sub(" ", text))


# A numeric character reference in markup ("&#12;", "&#x0B;"): the parser turns it into
# the character itself, after clean_text has looked.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_REF_HINT = re.compile(
    r"&#0*(?:[0-9]|[12][0-9]|3[01]|127)(?![0-9])|&#[xX]0*(?:1?[0-9a-fA-F]|7[fF])(?![0-9a-fA-F])"
)


def _ref(match: re.Match[str]) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if code in (0x0B, 0x0C):
        return " "
    if code < 0x20 and code not in (0x09, 0x0A, 0x0D) or code == 0x7F:
        return ""
    return match.group(0)


def clean_markup(html: str, *, controls: bool = True) -> str:
    """``clean_text`` for a page's markup: also character references to control
    characters ("&#12;" in a paragraph empties trafilatura's output as the raw character
    does). References to 128-159 stay: browsers read them as Windows-1252 punctuation.

    ``controls=False`` when the page's bytes showed none (``utf8_holds_controls``): the
    search for raw control characters is skipped, the references are still read.
    """
    if controls:
        html = clean_text(html)
    if _REF_HINT.search(html) is None:
        return html
    return _CHAR_REF.sub(_ref, html)


# C0 controls but tab, newline and carriage return, and DEL, as bytes.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# C1 controls (U+0080-U+009F) and U+FFFE/U+FFFF in UTF-8 (two patterns, so that each is
# searched by its first byte, as fast as a memchr).
_UTF8_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_UTF8_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")


def utf8_holds_controls(body: bytes) -> bool:
    """False when UTF-8 ``body`` can decode to no character clean_text removes: a check
    at the speed of a byte copy, so that most pages skip the slower search in the text."""
    if len(body.translate(None, _CONTROL_BYTES)) != len(body):
        return True
    return _UTF8_C1.search(body) is not None or _UTF8_NONCHARACTER.search(body) is not None


def clean_value(value: Any) -> Any:
    """A value with every string in it cleaned (lists, tuples and dict keys and values too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value


def printable(text: str, limit: int = 300) -> str:
    """One line for a log or a console: controls (newlines too) removed, at most ``limit``
    characters, so that a hostile address cannot forge log lines or send terminal escapes."""
    flat = " ".join(clean_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
