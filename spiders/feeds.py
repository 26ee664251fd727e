"""Feed spider: read each source's RSS/Atom feeds and fetch the article pages they list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider, source_log
from starcity.hygiene import printable

# What feedparser notes about a well-formed feed (served as text/plain or text/html, or
# with a charset its XML declaration contradicts): the feed itself is fine.
_NOTICES = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# Where an entry starts, in RSS (0.9x, 1.0, 2.0) and Atom, namespace prefix or not.
_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)(?=[\s>/])", re.I)
# Text elements of a feed that may hold markup (which feedparser sanitises, slowly and at
# great cost in memory: one 15 MB description took a crawl to 816 MB).
_TEXT_ELEMENT = re.compile(
    rb"<((?:[\w.-]+:)?(?:description|summary|content|encoded|subtitle|rights|title))\b[^>]{0,500}>",
    re.I,
)
# A text element longer than this is emptied before the feed is parsed: it only gives an
# entry's summary (a hint for the pre-filter and the extractor). Cost: an entry with a
# longer summary is judged by its title and address alone.
MAX_FEED_TEXT = 256 * 1024


def trim_feed_texts(body: bytes, limit: int = MAX_FEED_TEXT) -> tuple[bytes, int]:
    """``body`` with every text element longer than ``limit`` bytes emptied; how many.

    Linear: each element's end is looked for once, from its start.
    """
    if len(body) <= limit:
        return body, 0
    kept: list[bytes] = []
    pos = emptied = 0
    while (opener := _TEXT_ELEMENT.search(body, pos)) is not None:
        closer = re.compile(rb"</" + re.escape(opener.group(1)) + rb"\s*>", re.I)
        end = closer.search(body, opener.end())
        if end is None:
            break
        if end.start() - opener.end() > limit:
            kept.append(body[pos : opener.end()])
            emptied += 1
            pos = end.start()
        else:
            kept.append(body[pos : end.end()])
            pos = end.end()
    kept.append(body[pos:])
    return b"".join(kept), emptied


_ATOM_NS = b"http://www.w3.org/2005/Atom"


def bound_feed(body: bytes, max_entries: int) -> tuple[bytes, int]:
    """The feed cut before its entry number ``max_entries + 1``, and how many it lists.

    feedparser builds a dictionary of a dozen keys for every entry: a 16 MB feed of
    600,000 one-line entries took the crawl past 650 MB. An entry cut off is not read.
    """
    starts = [m.start() for m in _ENTRY_START.finditer(body)]
    if len(starts) <= max_entries:
        return body, len(starts)
    return body[: starts[max_entries]], len(starts)


def entries_one_by_one(body: bytes) -> list[dict[str, Any]]:
    """The entries of a broken feed, each parsed on its own, so that one broken entry
    loses only itself. Hand-written because feedparser stops reading (or reads the rest
    as part of the broken entry) at the first unclosed CDATA section or comment."""
    starts = [m.start() for m in _ENTRY_START.finditer(body)]
    atom = _ATOM_NS in body[: starts[0]] if starts else False
    # An Atom feed's namespace prefix ("<a:entry>") is declared on its root: kept for each.
    prefix = re.match(rb"<([\w.-]+):", body[starts[0] :]) if starts else None
    entries: list[dict[str, Any]] = []
    for start, end in zip(starts, [*starts[1:], len(body)], strict=True):
        chunk = body[start:end]
        if atom and prefix:
            name = prefix.group(1)
            wrapped = (
                b"<"
                + name
                + b":feed xmlns:"
                + name
                + b'="http://www.w3.org/2005/Atom">'
                + chunk
                + b"</"
                + name
                + b":feed>"
            )
        elif atom:
            wrapped = b'<feed xmlns="http://www.w3.org/2005/Atom">' + chunk + b"</feed>"
        else:
            wrapped = b'<rss version="2.0"><channel>' + chunk + b"</channel></rss>"
        entries.extend(feedparser.parse(wrapped).entries[:1])
    return entries


def _linked(entries: list[dict[str, Any]]) -> int:
    return sum(1 for e in entries if e.get("link"))


class FeedsSpider(SourceSpider):
    name = "feeds"
    kind = "feed"

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        return self.parse_feed

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.discovery_read(response)
        if source is None:
            return
        headers = {"content-type": response.headers.get("Content-Type", b"").decode("latin-1")}
        body, listed = bound_feed(response.body, self.max_links)
        body, emptied = trim_feed_texts(body)
        if emptied:
            self._inc(source.name, "feed_texts_emptied", emptied)
        if listed > self.max_links:
            self.links_capped(source, response.url, listed - self.max_links)
        parsed = feedparser.parse(body, response_headers=headers)
        if parsed.bozo and len(parsed.entries) < min(listed, self.max_links):
            # A broken entry (an unclosed CDATA section or comment) swallowed the ones
            # after it: each entry is read on its own instead.
            entries = entries_one_by_one(body)
            if _linked(entries) > _linked(parsed.entries):
                self._inc(source.name, "feeds_read_entry_by_entry")
                parsed["entries"] = entries
        if parsed.bozo and not _linked(parsed.entries):
            parsed["entries"] = []  # broken, and nothing in it to fetch: a failed read
        if not parsed.entries:
            problem = parsed.get("bozo_exception") if parsed.bozo else None
            if isinstance(problem, _NOTICES):
                problem = None
            if parsed.get("version") and not problem:
                # A well-formed feed with nothing in it: read, just empty.
                self.discovery_ok(source)
                self._inc(source.name, "feeds_empty")
                return
            # Not a feed at all (an HTML page, garbage, an empty body) or a broken one with
            # nothing to recover: a failed read of the source, not a quiet success.
            kind = "malformed_feed" if parsed.get("version") else "not_a_feed"
            self._inc(source.name, f"errors/{kind}")
            source_log.warning(
                "source %s: feed %s has no entries [%s]%s",
                source.name,
                printable(response.url),
                kind,
                f": {printable(str(problem))}" if problem else "",
            )
            return
        self.discovery_ok(source)
        if parsed.bozo:
            # feedparser recovers from most broken XML; note it and keep the entries.
            self._inc(source.name, "feeds_recovered")
        requested = 0
        offsite: list[str] = []
        for entry in parsed.entries:
            # One entry that cannot become a request never costs the rest of the feed.
            try:
                link = entry.get("link")
                if not link or not isinstance(link, str):
                    # An entry that links nowhere (or whose link its own markup broke).
                    self._inc(source.name, "errors/entry_without_link")
                    continue
                hints = self._entry_hints(entry)
                request = self.article_request(source, link, response.url, hints, offsite)
            except Exception as exc:  # noqa: BLE001 - counted and logged, the loop goes on
                self._inc(source.name, "errors/bad_entry")
                source_log.warning(
                    "source %s: feed entry skipped [bad_entry]: %s",
                    source.name,
                    printable(f"{type(exc).__name__}: {exc}"),
                )
                continue
            if request is not None:
                requested += 1
                yield request
        if offsite and not requested and len(offsite) == len(parsed.entries):
            self.nothing_on_site(source, response.url, offsite)

    @staticmethod
    def _entry_hints(entry: dict[str, Any]) -> dict[str, Any]:
        hints = {
            "title": entry.get("title"),
            "published": entry.get("published") or entry.get("updated"),
            "author": entry.get("author"),
            "summary": entry.get("summary") or entry.get("description"),
            # For the topic pre-filter only; not passed on with the request.
            "tags": " ".join(str(t.get("term") or "") for t in entry.get("tags", [])),
        }
        return {k: v for k, v in hints.items() if v and isinstance(v, str)}
