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
from spiders.render import refused_hop, render_meta, renders
from starcity.config import Source, Topic, load_sources, load_topic
from starcity.hygiene import printable
from starcity.urlgate import RefusedURL, Sites, request_url, sites_for
from starcity.urls import is_gnews_link
from starcity.walls import CONSENT_WALL, consent_address

# Per-source messages go to this logger, which the command line also shows on the console.
source_log = logging.getLogger("starcity.sources")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Response headers kept with each page; the extractor uses Content-Type for the encoding.
_KEPT_HEADERS = (
    "content-type",
    "content-language",
    "last-modified",
    "etag",
    "date",
    # a bot challenge's marks (starcity/walls.py)
    "cf-mitigated",
    "x-datadome",
    "x-amzn-waf-action",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def kept_headers(response: Response) -> dict[str, str]:
    """The response headers a fetched page keeps (Content-Type gives the encoding)."""
    headers = {}
    for name in _KEPT_HEADERS:
        value = response.headers.get(name)
        if value:
            headers[name] = value.decode("latin-1")
    return headers


def topic_matcher(topic: Topic) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the topic's query terms as whole words."""
    terms = sorted(topic.query_terms, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.I)


class SourceSpider(scrapy.Spider):
    """Base of the spiders: the active sources of one kind, fetched and reported alike."""

    kind: str = ""
    sources: list[Source]
    topic: Topic
    max_links: int = 10_000
    # Each source's sites (starcity/urlgate.py), by source name: every request is checked
    # against them, here for discovered links and in UrlGateMiddleware for every hop.
    sites: dict[str, Sites]

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
        spider.sites = {s.name: sites_for(s.allowed_domains, s.start_urls) for s in spider.sources}
        spider.max_links = settings.getint("STARCITY_MAX_LINKS_PER_PAGE", 10_000)
        spider.topic = load_topic(settings["STARCITY_TOPIC"])
        spider._matches_topic = topic_matcher(spider.topic)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            self.crawler.stats.set_value(f"source/{source.name}/kind", source.kind)
            for url in source.start_urls:
                request = self.discovery_request(
                    source, url, None, self.start_callback(url), dont_filter=True
                )
                if request is not None:
                    yield request

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        """The callback that reads a start URL (a feed, a sitemap, a listing page)."""
        raise NotImplementedError

    def gate(
        self, source: Source, link: str, base: str | None, offsite: list[str] | None = None
    ) -> str | None:
        """The address to request for a link a feed, sitemap or page gave, or None.

        Links to other sites are counted as ``filtered_offsite`` (their addresses added to
        ``offsite`` when given); links that are no http(s) address (``file:``, ``mailto:``,
        a broken IPv6 literal) are counted as errors of their kind (``refused_scheme``,
        ``bad_link``) with one log line.
        """
        try:
            url = request_url(link, base)
            self.sites[source.name].check(url)
        except RefusedURL as refused:
            if refused.kind == "offsite":
                self._inc(source.name, "filtered_offsite")
                if offsite is not None:
                    offsite.append(link)
            else:
                self._inc(source.name, f"errors/{refused.kind}")
                source_log.warning(
                    "source %s: link skipped [%s]: %s", source.name, refused.kind, refused.reason
                )
            return None
        except ValueError as exc:  # UnicodeError too: whatever else a link breaks in the gate
            self._bad_link(source, link, exc)
            return None
        return url

    def _bad_link(self, source: Source, link: str, exc: Exception) -> None:
        """Count and log a link that is no usable address (``bad_link``)."""
        self._inc(source.name, "errors/bad_link")
        source_log.warning(
            "source %s: link skipped [bad_link]: %s: %s",
            source.name,
            printable(link),
            printable(str(exc)),
        )

    def _request(self, source: Source, url: str, **kwargs: Any) -> scrapy.Request | None:
        """A Scrapy request, or None (counted as ``bad_link``) when Scrapy refuses the URL."""
        try:
            return scrapy.Request(url, errback=self.fetch_failed, **kwargs)
        except ValueError as exc:
            self._bad_link(source, url, exc)
            return None

    def discovery_request(
        self,
        source: Source,
        link: str,
        base: str | None,
        callback: Callable[[Response], Any],
        dont_filter: bool = False,
        **meta: Any,
    ) -> scrapy.Request | None:
        """A request for a page that lists articles (feed, sitemap, listing page), or None
        when the gate refuses its address.

        Role "feed": conditional GET and failure reporting apply; 304 reaches the callback.
        """
        url = self.gate(source, link, base)
        if url is None:
            return None
        return self._request(
            source,
            url,
            callback=callback,
            meta={"source": source.name, "role": "feed", "handle_httpstatus_list": [304], **meta},
            dont_filter=dont_filter,
        )

    def discovery_read(self, response: Response) -> Source | None:
        """The source of a fetched listing page; None when it answered 304 (nothing new
        since, which counts as a successful read). The caller counts the page as read
        (``discovery_ok``) once it could parse it: a feed that is no feed is a failed read.
        """
        source = self._source(response.meta["source"])
        if response.status == 304:
            asked = response.request.headers if response.request is not None else {}
            if b"If-None-Match" not in asked and b"If-Modified-Since" not in asked:
                # "Not modified" since a version we never had: no answer to what we asked.
                self._inc(source.name, "errors/bad_response")
                source_log.warning(
                    "source %s: %s answered 304 Not Modified to a request without"
                    " validators [bad_response]",
                    source.name,
                    printable(response.url),
                )
                return None
            self.discovery_ok(source)
            self._inc(source.name, "not_modified")
            return None
        self._inc(source.name, "bytes", len(response.body))
        return source

    def discovery_ok(self, source: Source) -> None:
        """A feed, sitemap or listing page was read: the source is reachable and readable."""
        self._inc(source.name, "feeds_fetched")

    def _source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def _inc(self, source: str, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"source/{source}/{key}", count)

    def article_request(
        self,
        source: Source,
        link: str,
        base: str | None,
        hints: dict[str, Any],
        offsite: list[str] | None = None,
    ) -> scrapy.Request | None:
        """The request for one discovered article, or None when the source filters it out
        or the gate refuses its address. ``base`` is the page that listed it."""
        self._inc(source.name, "discovered")
        url = self.gate(source, link, base, offsite)
        if url is None:
            return None
        # The entry's own words, and the words of its address ("/star-city-premiere/").
        words = " ".join(str(v) for v in hints.values() if v)
        words += " " + re.sub(r"[-_/.]+", " ", urlsplit(url).path)
        if source.prefilter and not self.matches_topic(words):
            self._inc(source.name, "filtered_offtopic")
            return None
        meta = {
            "source": source.name,
            "role": "article",
            "discovered_via": base,
            "hints": {k: v for k, v in hints.items() if k != "tags"},
        }
        if source.google_news and is_gnews_link(url) and self._on_start_host(source, url):
            # decoded to the publisher's address first (starcity/components/gnews.py)
            meta["gnews"] = True
        if renders(source, url):  # built by JavaScript: rendered in the browser first
            meta.update(render_meta(source, self.sites[source.name]))
        return self._request(source, url, callback=self.parse_article, meta=meta)

    @staticmethod
    def _on_start_host(source: Source, url: str) -> bool:
        """Whether ``url`` is on the host of one of the source's start URLs (a Google News
        feed's own links, not a publisher's that it lists directly)."""
        hosts = {urlsplit(u).hostname for u in source.start_urls}
        return urlsplit(url).hostname in hosts

    def links_capped(self, source: Source, page: str, left: int) -> None:
        """A feed, sitemap or listing page listed more articles than STARCITY_MAX_LINKS_PER_PAGE:
        the rest are not requested (the crawl's memory grows with its queue), and counted."""
        self._inc(source.name, "errors/too_many_links")
        self._inc(source.name, "links_capped", left)
        source_log.warning(
            "source %s: %s lists more than %d articles: %d more not fetched [too_many_links]",
            source.name,
            printable(page),
            self.max_links,
            left,
        )

    def nothing_on_site(self, source: Source, page: str, offsite: list[str]) -> None:
        """Every article a feed or sitemap lists is on another site: nothing can be fetched.

        Usually a source whose articles live on another domain than its feed (a feed
        service, a CDN): an error of its own, so that the source does not report "ok"
        with nothing in it, and a line saying what to add to ``allowed_domains``.
        """
        hosts = sorted({urlsplit(u).netloc for u in offsite if "://" in u})[:3]
        self._inc(source.name, "errors/all_entries_offsite")
        source_log.warning(
            "source %s: all %d articles %s lists are on other sites (%s): none fetched;"
            " add the sites to allowed_domains if the source is to be followed there"
            " [all_entries_offsite]",
            source.name,
            len(offsite),
            printable(page),
            printable(", ".join(hosts)),
        )

    def matches_topic(self, text: str) -> bool:
        return bool(self._matches_topic.search(text))

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        source = response.meta["source"]
        self._inc(source, "bytes", len(response.body))
        sites = self.sites.get(source)
        if sites is not None and not sites.allows(response.url):
            # UrlGateMiddleware refuses every off-site hop; this only guards against a
            # component that would hand over a response from elsewhere.
            self._inc(source, "errors/offsite_redirect")
            source_log.warning(
                "source %s: %s is not on the source's sites: not stored",
                source,
                printable(response.url),
            )
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(_HTML_TYPES):
            self._inc(source, "skipped_not_html")
            source_log.info(
                "source %s: %s is %s, not HTML: skipped",
                source,
                printable(response.url),
                printable(content_type),
            )
            return
        self._inc(source, "fetched")
        if response.meta.get("playwright") and response.request is not None:
            refused_hop(response.request.url)  # a hop of a page that loaded all the same
        headers = kept_headers(response)
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
            archive=response.meta.get("archive"),
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
        hop = refused_hop(request.url) if request.meta.get("playwright") else None
        if hop is not None:  # the browser was redirected off the source's sites
            kind = CONSENT_WALL if consent_address(hop) else "offsite_redirect"
            reason = f"redirected to {printable(hop)}, off the source's sites"
        self._inc(source, f"errors/{kind}")
        if role == "feed":
            self._inc(source, "feed_errors")
        source_log.error(
            "source %s: cannot fetch %s %s: %s [%s]",
            source,
            role,
            printable(request.url),
            reason,
            kind,
        )
