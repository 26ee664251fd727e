"""JSON-LD blocks as pages write them: JSON, give or take what browsers' and search engines'
readers forgive.

Written here because no maintained parser does this job in public: extruct's tolerant
reader is a private method (and brings rdflib along), jstyleson handles comments and
trailing commas but not the invalid escapes ("\\'", "\\-") that CMS templates emit. The
strict parse comes first; only a block it refuses is repaired, in one linear pass.
"""

from __future__ import annotations

import json
from typing import Any

# What may follow a backslash in a JSON string.
_ESCAPES = set('"\\/bfnrtu')


def _after_comment(text: str, i: int) -> int | None:
    """Where a ``//`` or ``/* */`` comment starting at ``i`` ends; None when none starts."""
    if text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    return None


def _skip_blank(text: str, i: int) -> int:
    """The position of the next character after whitespace and comments from ``i``."""
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
        elif (end := _after_comment(text, i)) is not None:
            i = end
        else:
            break
    return i


def repair(text: str) -> str:
    """``text`` with what JSON does not allow taken out: comments (``//``, ``/* */``,
    ``<!-- -->``, CDATA markers) and trailing commas outside strings, the backslash of an
    escape JSON does not know inside them."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        char = text[i]
        if in_string:
            if char == "\\":
                following = text[i + 1 : i + 2]
                if following in _ESCAPES and following:
                    out.append(text[i : i + 2])
                    i += 2
                    continue
                # A backslash before a character JSON does not escape ("\\'", "\\-") escapes it
                # as JavaScript reads it: the character itself.
                i += 1
                continue
            if char == '"':
                in_string = False
            out.append(char)
            i += 1
            continue
        if char == '"':
            in_string = True
            out.append(char)
            i += 1
        elif (end := _after_comment(text, i)) is not None:
            i = end
        elif text.startswith("<!--", i) or text.startswith("<![CDATA[", i):
            i += 4 if text.startswith("<!--", i) else 9
        elif text.startswith("-->", i) or text.startswith("]]>", i):
            i += 3
        elif char == ",":
            j = _skip_blank(text, i + 1)
            if j < n and text[j] in "]}":
                i += 1  # a trailing comma
            else:
                out.append(char)
                i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_block(text: str) -> list[Any]:
    """The items of one JSON-LD block (a list's members, or the one object); raises
    ValueError when even the repaired text is no JSON."""
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        data = json.loads(repair(text), strict=False)
    if isinstance(data, list):
        return [item for item in data if item]
    return [data] if isinstance(data, dict) and data else []
