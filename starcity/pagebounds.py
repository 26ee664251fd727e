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
# Attributes: libxml2 checks each attribute of an element against the others (one <div>
# of 40,000 attributes takes 1.4 s to parse, of 400,000 minutes), and a parsed attribute
# costs about 270 bytes, copied again by trafilatura and htmldate (4 MB of them took 700
# MB). A tag with more than MAX_ATTRIBUTES_PER_TAG keeps its name only, and so does every
# tag after the page's first MAX_ATTRIBUTES. The 471 evaluation pages have at most 73
# attributes on one element and 6,892 in all.
MAX_ATTRIBUTES_PER_TAG = 500
MAX_ATTRIBUTES = 100_000


def _patterns(
    kind: type,
) -> tuple[re.Pattern, dict[str, re.Pattern], tuple[re.Pattern, re.Pattern, re.Pattern]]:
    def compile_(pattern: str, flags: int = re.I) -> re.Pattern:
        return re.compile(pattern.encode() if kind is bytes else pattern, flags)

    opener = compile_(r"<(script|style|svg)\b|<!--")
    closers = {
        "script": compile_(r"</script\s*>"),
        "style": compile_(r"</style\s*>"),
        "svg": compile_(r"</svg\s*>"),
        "--": compile_(r"-->"),
    }
    # An attribute as HTML parsers read it: a name, perhaps a value (quoted values may hold
    # "<" and ">"), after whitespace, a "/" or right after a quoted value.
    # (Atomic groups and possessive repeats: nothing to backtrack into, about twice as fast.)
    attribute = (
        r"""(?>[\s/]+|(?<=["']))[^\s"'<>/=]++"""
        r"""(?>\s*=\s*(?>"[^"]*+"|'[^']*+'|[^\s"'<>`=]++))?"""
    )
    name = r"""<([a-zA-Z][^\s/>"'<]{0,60})"""
    tag = compile_(rf"{name}((?:{attribute})+)", 0)
    crowded = compile_(rf"{name}((?:{attribute}){{{MAX_ATTRIBUTES_PER_TAG + 1},}})", 0)
    attributes = compile_(attribute, 0)
    return opener, closers, (tag, attributes, crowded)


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


# Whitespace, "/" and quotes: an attribute starts after one of them, so their number bounds
# the number of attributes a page can hold, and is cheap to count.
_SEPARATORS = " \t\n\r\f/\"'"
_SEPARATOR_BYTES = _SEPARATORS.encode()
_NOT_SEPARATORS = {ord(c): None for c in _SEPARATORS}


_TEXT_BETWEEN_TAGS = {str: re.compile(r""">[^<>"']*+<"""), bytes: re.compile(rb""">[^<>"']*+<""")}
_EMPTY_TEXT = {str: "><", bytes: b"><"}


def _separators(text: AnyStr) -> int:
    if isinstance(text, bytes):
        return len(text) - len(text.translate(None, _SEPARATOR_BYTES))
    return len(text) - len(text.translate(_NOT_SEPARATORS))


def _strip_attributes(text: AnyStr) -> tuple[AnyStr, int]:
    """``text`` with the attributes of too crowded tags dropped (MAX_ATTRIBUTES_PER_TAG, and
    every tag past MAX_ATTRIBUTES in the page); the number of tags that lost them.

    Linear in the page. Crowded tags are found by a pattern of their own (no Python runs
    for the others); the page's total is counted tag by tag only on pages with more
    separators than MAX_ATTRIBUTES, which could hold more attributes than that.
    """
    _, _, (tag_pattern, attribute_pattern, crowded_pattern) = _PATTERNS[type(text)]
    lt = "<" if isinstance(text, str) else b"<"
    stripped = 0

    def name_only(match: re.Match) -> AnyStr:
        nonlocal stripped
        stripped += 1
        return lt + match.group(1)

    text = crowded_pattern.sub(name_only, text)
    if _separators(text) <= MAX_ATTRIBUTES:
        return text, stripped
    # The separators of the tags alone: text between tags holds none of their attributes
    # (text without quotes only: in a tag, a quoted ">" may precede more attributes).
    if _separators(_TEXT_BETWEEN_TAGS[type(text)].sub(_EMPTY_TEXT[type(text)], text)) <= (
        MAX_ATTRIBUTES
    ):
        return text, stripped
    total = 0

    def over_budget(match: re.Match) -> AnyStr:
        nonlocal total, stripped
        total += len(attribute_pattern.findall(match.group(2)))
        if total <= MAX_ATTRIBUTES:
            return match.group(0)
        stripped += 1
        return lt + match.group(1)

    return tag_pattern.sub(over_budget, text), stripped


def bound_markup(
    text: AnyStr, limit: int = MAX_PAGE_CHARS, jsonld_max: int = 1_000_000
) -> tuple[AnyStr, list[str]]:
    """A page (bytes or text) within the bounds, and notes on what was left unread.

    Over ``limit`` bytes (characters): scripts, styles, SVG and comments removed (JSON-LD
    up to ``jsonld_max`` kept), then cut at ``limit``. Tags with too many attributes keep
    their names only, whatever the page's size. A page within the bounds is returned as
    it is.
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
    text, stripped = _strip_attributes(text)
    if stripped:
        notes.append(
            f"{stripped:,} tag(s) kept no attributes (more than {MAX_ATTRIBUTES_PER_TAG:,} on"
            f" one tag, or {MAX_ATTRIBUTES:,} in the page)"
        )
    return text, notes


def cut_tags(text: AnyStr, limit: int = MAX_TAGS, tags: int | None = None) -> tuple[AnyStr, bool]:
    """``text`` up to its ``limit``-th "<", and whether it was cut (``tags``: the number of
    "<" in ``text``, when the caller counted them already)."""
    lt = "<" if isinstance(text, str) else b"<"
    if (text.count(lt) if tags is None else tags) <= limit:
        return text, False
    position = -1
    for _ in range(limit):
        position = text.find(lt, position + 1)
    return text[:position], True
