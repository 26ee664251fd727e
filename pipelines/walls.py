"""Is this page a wall rather than an article? (issue #19; the signals: starcity/walls.py)

Judged after extraction, from the record (its text, title, dates, authors) and the page
as fetched (its address, the start of its markup, the headers kept): a consent page or
a bot challenge is never an article; a paywall's stub is one only when the page carries
the article's own metadata, and then its text is partial.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starcity.walls import (
    BOT_CHALLENGE,
    CONSENT_MIN_WORDS,
    CONSENT_WALL,
    PAYWALL,
    TEASER_MAX_WORDS,
    WALL_MAX_WORDS,
    challenge_marker,
    consent_address,
    consent_words,
    paywall_marker,
)

# The markers of challenges sit in the head and the first lines of a page.
_HEAD_BYTES = 64 * 1024
# A consent dialog's words are dense: at least one in this many words of the page's text.
_CONSENT_DENSITY = 25
# Characters of text counted as one word where words are not spaced.
_CHARS_PER_WORD = 6
_NOT_FREE = re.compile(rb"""["']isAccessibleForFree["']\s*:\s*["']?false""", re.I)


@dataclass(frozen=True)
class Wall:
    kind: str  # consent_wall, bot_challenge or paywall
    evidence: str
    # a paywalled article that keeps its metadata, with a partial text
    keeps_article: bool = False


def _size(record: Mapping[str, Any]) -> int:
    """The text's words, or for scripts written without spaces (Japanese, Chinese) its
    characters' worth of words: a teaser or a shell is short in either."""
    text = record.get("text") or ""
    return max(int(record.get("word_count") or 0), len(text) // _CHARS_PER_WORD)


def _has_metadata(record: Mapping[str, Any]) -> bool:
    """The page names the article itself: its own title, and its own date or authors
    (not the feed's, which a stub's address was listed with)."""
    provenance = record["provenance"]

    def own(field: str, key: str) -> bool:
        return bool(record.get(field)) and not str(provenance.get(key, "")).startswith("feed:")

    return own("title", "title") and (own("published_at", "published") or own("authors", "authors"))


def find_wall(
    record: Mapping[str, Any],
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> Wall | None:
    """The wall this page is, or None for a page that holds its article."""
    text = record.get("text") or ""
    words = _size(record)
    head = body[:_HEAD_BYTES].decode("utf-8", "replace")
    if words < WALL_MAX_WORDS:
        if consent_address(url):  # a short page at a consent service or gateway
            return Wall(CONSENT_WALL, f"address {url[:100]}")
        marker = challenge_marker(head, headers)
        if marker:
            return Wall(BOT_CHALLENGE, marker)
        said = consent_words(f"{record.get('title') or ''} {text}")
        dense = len(said) >= CONSENT_MIN_WORDS and (
            not words or len(said) * _CONSENT_DENSITY >= words
        )
        if dense:
            return Wall(CONSENT_WALL, "consent words: " + ", ".join(sorted(said)[:6]))
    if words < TEASER_MAX_WORDS:
        marker = paywall_marker(text)
        if marker is None and _NOT_FREE.search(body):
            marker = "isAccessibleForFree: false"
        if marker:
            return Wall(PAYWALL, marker, keeps_article=_has_metadata(record))
    return None


# What a page built by JavaScript says to a client that runs none.
_NEEDS_SCRIPT = re.compile(
    r"(?:enable|turn on|activate|allow) javascript|javascript (?:is )?(?:required|disabled|"
    r"must be enabled|is turned off)|javascript aktivieren|activer (?:le )?javascript"
    r"|attiva(?:re)? javascript|habilit[ae]r? javascript|włącz javascript",
    re.I,
)
# A shell's own text is a line or two.
SHELL_MAX_WORDS = 40


def needs_browser(record: Mapping[str, Any]) -> bool:
    """Whether the page is the shell of a page built by JavaScript: next to no text of
    its own, and that text asks for JavaScript (its source needs ``render``)."""
    return _size(record) <= SHELL_MAX_WORDS and bool(_NEEDS_SCRIPT.search(record.get("text") or ""))
