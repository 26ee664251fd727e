"""What every spider shares: its sources, the topic pre-filter, article fetching and failures.

A spider subclass names its source `kind` and how it discovers article URLs; the pages
themselves are fetched and handed on (as `FetchedPage` items) by the code here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.errors import classify_failure
from spiders.items import FetchedPage, SeenPage
from spiders.middlewares import KnownPage
from starcity.config import Source, Topic, load_sources, load_topic

# Per-source messages go to this logger, which the command line also shows on the console.
source_log = logging.getLogger("starcity.sources")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Response headers kept with each page; the extractor uses Content-Type for the encoding.
_KEPT_HEADERS = ("content-type", "content-language", "last-modified", "etag", "date")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def topic_matcher(topic: Topic) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the topic's query terms as whole words."""
    terms = sorted(topic.query_terms, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.I)


class SourceSpider(scrapy.Spider):
    """Base of the spiders: the active sources of one kind, fetched and reported alike."""

    kind: str = ""
    sources: list[Source]
    topic: Topic

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        only = set(settings.getlist("STARCITY_ONLY_SOURCES"))
        every = load_sources(settings["STARCITY_SOURCES"], settings.get("STARCITY_DEMO_URL"))
        unknown = only - {s.name for s in every}
        if unknown:
            raise ValueError(f"unknown source name(s): {', '.join(sorted(unknown))}")
        spider.sources = [
            s for s in every if s.kind == cls.kind and (s.name in only if only else s.active)
        ]
        spider.topic = load_topic(settings["STARCITY_TOPIC"])
        spider._matches_topic = topic_matcher(spider.topic)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            self.crawler.stats.set_value(f"source/{source.name}/kind", source.kind)
            for url in source.start_urls:
                yield self.discovery_request(
                    source.name, url, self.start_callback(url), dont_filter=True
                )

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        """The callback that reads a start URL (a feed, a sitemap, a listing page)."""
        raise NotImplementedError

    def discovery_request(
        self,
        source: str,
        url: str,
        callback: Callable[[Response], Any],
        dont_filter: bool = False,
        **meta: Any,
    ) -> scrapy.Request:
        """A request for a page that lists articles (feed, sitemap, listing page).

        Role "feed": conditional GET and failure reporting apply; 304 reaches the callback.
        """
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.fetch_failed,
            meta={"source": source, "role": "feed", "handle_httpstatus_list": [304], **meta},
            dont_filter=dont_filter,
        )

    def discovery_read(self, response: Response) -> Source | None:
        """Count a listing page as read; None when it answered 304 (nothing new since)."""
        source = self._source(response.meta["source"])
        self._inc(source.name, "feeds_fetched")
        if response.status == 304:
            self._inc(source.name, "not_modified")
            return None
        self._inc(source.name, "bytes", len(response.body))
        return source

    def _source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def _inc(self, source: str, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"source/{source}/{key}", count)

    @staticmethod
    def _in_allowed_domains(source: Source, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        domains = source.allowed_domains
        if not domains:
            return True
        return any(host == d or host.endswith("." + d) for d in domains)

    def article_request(
        self, source: Source, url: str, discovered_via: str, hints: dict[str, Any]
    ) -> scrapy.Request | None:
        """The request for one discovered article, or None when the source filters it out."""
        self._inc(source.name, "discovered")
        # The entry's own words, and the words of its address ("/star-city-premiere/").
        words = " ".join(str(v) for v in hints.values() if v)
        words += " " + re.sub(r"[-_/.]+", " ", urlsplit(url).path)
        if source.prefilter and not self.matches_topic(words):
            self._inc(source.name, "filtered_offtopic")
            return None
        if not self._in_allowed_domains(source, url):
            self._inc(source.name, "filtered_offsite")
            return None
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.fetch_failed,
            meta={
                "source": source.name,
                "role": "article",
                "discovered_via": discovered_via,
                "hints": {k: v for k, v in hints.items() if k != "tags"},
            },
        )

    def matches_topic(self, text: str) -> bool:
        return bool(self._matches_topic.search(text))

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        source = response.meta["source"]
        self._inc(source, "bytes", len(response.body))
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(_HTML_TYPES):
            self._inc(source, "skipped_not_html")
            source_log.info(
                "source %s: %s is %s, not HTML: skipped", source, response.url, content_type
            )
            return
        self._inc(source, "fetched")
        headers = {}
        for name in _KEPT_HEADERS:
            value = response.headers.get(name)
            if value:
                headers[name] = value.decode("latin-1")
        redirects = response.meta.get("redirect_urls") or []
        yield FetchedPage(
            url=response.url,
            source=source,
            body=response.body,
            status=response.status,
            headers=headers,
            requested_url=redirects[0] if redirects else response.url,
            fetched_at=_now(),
            discovered_via=response.meta.get("discovered_via"),
            hints=response.meta.get("hints") or {},
        )

    def fetch_failed(self, failure: Failure) -> Iterator[SeenPage]:
        request = failure.request
        source = request.meta.get("source", "?")
        if failure.check(KnownPage):
            self._inc(source, "skipped_known")
            yield SeenPage(url=request.url, source=source, seen_at=_now())
            return
        role = request.meta.get("role", "page")
        kind, reason = classify_failure(failure)
        self._inc(source, f"errors/{kind}")
        if role == "feed":
            self._inc(source, "feed_errors")
        source_log.error("source %s: cannot fetch %s %s: %s", source, role, request.url, reason)
