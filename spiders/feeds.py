"""Feed spider: read each source's RSS/Atom feeds and fetch the article pages they list."""

from __future__ import annotations

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


class FeedsSpider(SourceSpider):
    name = "feeds"
    kind = "feed"

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        return self.parse_feed

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.discovery_read(response)
        if source is None:
            return
        parsed = feedparser.parse(
            response.body,
            response_headers={
                "content-type": response.headers.get("Content-Type", b"").decode("latin-1")
            },
        )
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
        for position, entry in enumerate(parsed.entries):
            if requested >= self.max_links:
                self.links_capped(source, response.url, len(parsed.entries) - position)
                break
            # One entry that cannot become a request never costs the rest of the feed.
            try:
                link = entry.get("link")
                if not link or not isinstance(link, str):
                    self._inc(source.name, "entries_without_link")
                    continue
                request = self.article_request(source, link, response.url, self._entry_hints(entry))
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
