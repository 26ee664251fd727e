"""Feed spider: read each source's RSS/Atom feeds and fetch the article pages they list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider, source_log


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
            response_headers={"content-type": response.headers.get("Content-Type", b"").decode()},
        )
        if not parsed.entries:
            problem = parsed.get("bozo_exception") if parsed.bozo else None
            kind = "malformed_feed" if problem else "empty_feed"
            self._inc(source.name, f"errors/{kind}")
            source_log.warning(
                "source %s: feed %s has no entries%s",
                source.name,
                response.url,
                f" (not a valid feed: {problem})" if problem else "",
            )
            return
        if parsed.bozo:
            # feedparser recovers from most broken XML; note it and keep the entries.
            self._inc(source.name, "feeds_recovered")
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                self._inc(source.name, "entries_without_link")
                continue
            request = self.article_request(
                source, response.urljoin(link), response.url, self._entry_hints(entry)
            )
            if request is not None:
                yield request

    @staticmethod
    def _entry_hints(entry: dict[str, Any]) -> dict[str, Any]:
        hints = {
            "title": entry.get("title"),
            "published": entry.get("published") or entry.get("updated"),
            "author": entry.get("author"),
            "summary": entry.get("summary") or entry.get("description"),
            # For the topic pre-filter only; not passed on with the request.
            "tags": " ".join(t.get("term", "") for t in entry.get("tags", [])),
        }
        return {k: v for k, v in hints.items() if v}
