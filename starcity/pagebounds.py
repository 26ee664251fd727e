"""Bounds on the markup of one page: what a page may cost before it is parsed at all.

A page may be as large as the download limit (16 MB) and built to cost memory and time:
megabytes of scripts, half a million tiny elements, one element with 300,000 attributes.
These functions cut it down before a parser sees it, for the extractor and for the
spiders that read listing pages alike. Pure functions of the markup (bytes or text).
Real news pages stay far inside the bounds: on the 471 evaluation pages the largest is
2.2 MB with 5,647 elements.
"""

from __future__ import annotations

import re
from typing import AnyStr

# A page longer than this is first relieved of what never holds the article (scripts other
# than JSON-LD, styles, SVG, comments), then cut here, before it is decoded (a decoded
# page with one character outside Latin-1 takes four bytes a character). Cost: markup past
# the first 4 million bytes (characters, for a page given as text) is not read.
MAX_PAGE_CHARS = 4_000_000
# Tags ("<") parsed at most: the parser's memory grows with elements, not bytes (4 MB of
# "<b></b>" is half a million elements, about 200 MB parsed). Cost: markup after the
# 120,000th tag is not read.
MAX_TAGS = 120_000
# A tag longer than this with more attributes than MAX_ATTRIBUTES keeps its name only:
# libxml2 checks each attribute against the others (quadratic), and htmldate again, so
# one <div> with 300,000 attributes took minutes. Long tags of real pages carry a few
# long values (JSON in a data- attribute), not thousands of attributes.
_LONG_TAG_CHARS = 20_000
MAX_ATTRIBUTES = 1_000


def _patterns(kind: type) -> tuple[re.Pattern, dict[str, re.Pattern], re.Pattern]:
    def compile_(pattern: str, flags: int = re.I) -> re.Pattern:
        return re.compile(pattern.encode() if kind is bytes else pattern, flags)

    opener = compile_(r"<(script|style|svg)\b|<!--")
    closers = {
        "script": compile_(r"</script\s*>"),
        "style": compile_(r"</style\s*>"),
        "svg": compile_(r"</svg\s*>"),
        "--": compile_(r"-->"),
    }
    long_tag = compile_(rf"<([a-zA-Z][\w:-]{{0,40}})([^<>]{{{_LONG_TAG_CHARS},}})>", 0)
    return opener, closers, long_tag


# The same patterns for text and for bytes (a page is bounded before it is decoded).
_PATTERNS = {str: _patterns(str), bytes: _patterns(bytes)}
# An opening tag longer than this is no tag: it is left alone.
_TAG_MAX_CHARS = 2000


def _strip_never_content(text: AnyStr, jsonld_max: int) -> tuple[AnyStr, list[str]]:
    """``text`` without scripts (JSON-LD kept when not longer than ``jsonld_max``), styles,
    SVG and comments, and notes on the JSON-LD blocks left out.

    Hand-written rather than one regular expression with ".*?": on a hostile page of many
    unclosed "<script" tags that would rescan the rest of the page for each (quadratic).
    Linear in the length of the page; an unclosed block runs to the end of the page, as
    it does in a browser.
    """
    opener_pattern, closers, _ = _PATTERNS[type(text)]
    gt, space, empty = (">", " ", "") if isinstance(text, str) else (b">", b" ", b"")
    marker = "ld+json" if isinstance(text, str) else b"ld+json"
    unit = "characters" if isinstance(text, str) else "bytes"
    notes: list[str] = []
    kept: list[AnyStr] = []
    pos = 0
    while (opener := opener_pattern.search(text, pos)) is not None:
        name = opener.group(1)
        tag = "--" if name is None else (name.decode() if isinstance(name, bytes) else name)
        tag = tag.lower()
        body_start = opener.end()
        if tag != "--":
            close = text.find(gt, body_start, body_start + _TAG_MAX_CHARS)
            if close < 0:
                kept.append(text[pos : opener.end()])
                pos = opener.end()
                continue
            body_start = close + 1
        kept.append(text[pos : opener.start()])
        closer = closers[tag].search(text, body_start)
        end = closer.end() if closer else len(text)
        is_jsonld = tag == "script" and marker in text[opener.end() : body_start].lower()
        if is_jsonld and end - body_start <= jsonld_max:
            kept.append(text[opener.start() : end])
        else:
            if is_jsonld:
                notes.append(f"a JSON-LD block of {end - body_start:,} {unit} was not read")
            kept.append(space)
        pos = end
    kept.append(text[pos:])
    return empty.join(kept), notes


def _strip_huge_tags(text: AnyStr) -> tuple[AnyStr, int]:
    """``text`` with every tag of more than MAX_ATTRIBUTES attributes cut to its name."""
    _, _, long_tag = _PATTERNS[type(text)]
    equals = "=" if isinstance(text, str) else b"="
    cut = 0

    def shorten(match: re.Match) -> AnyStr:
        nonlocal cut
        if match.group(2).count(equals) <= MAX_ATTRIBUTES:
            return match.group(0)
        cut += 1
        return match.group(0)[:1] + match.group(1) + match.group(0)[-1:]

    return long_tag.sub(shorten, text), cut


def bound_markup(
    text: AnyStr, limit: int = MAX_PAGE_CHARS, jsonld_max: int = 1_000_000
) -> tuple[AnyStr, list[str]]:
    """A page (bytes or text) within the bounds, and notes on what was left unread.

    Over ``limit`` bytes (characters): scripts, styles, SVG and comments removed (JSON-LD
    up to ``jsonld_max`` kept), then cut at ``limit``. Tags with more than MAX_ATTRIBUTES
    attributes keep their names only, whatever the page's size. A page within the bounds
    is returned as it is.
    """
    notes: list[str] = []
    if len(text) > limit:
        unit = "bytes" if isinstance(text, bytes) else "characters"
        notes.append(f"the page's {len(text):,} {unit} of markup were reduced")
        text, skipped = _strip_never_content(text, jsonld_max)
        notes += skipped
        if len(text) > limit:
            cut = text.rfind(b"<" if isinstance(text, bytes) else "<", 0, limit)
            text = text[: cut if cut > limit // 2 else limit]
            notes.append(f"and cut at {len(text):,} {unit}")
    text, huge = _strip_huge_tags(text)
    if huge:
        notes.append(
            f"{huge:,} tag(s) with more than {MAX_ATTRIBUTES:,} attributes kept no attributes"
        )
    return text, notes


def cut_tags(text: AnyStr, limit: int = MAX_TAGS) -> tuple[AnyStr, bool]:
    """``text`` up to its ``limit``-th "<", and whether it was cut."""
    lt = "<" if isinstance(text, str) else b"<"
    if text.count(lt) <= limit:
        return text, False
    position = -1
    for _ in range(limit):
        position = text.find(lt, position + 1)
    return text[:position], True
