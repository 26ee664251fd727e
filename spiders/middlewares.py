"""Downloader middlewares of the fetch side: refuse addresses the crawler must not
request, skip pages already stored, ask feeds politely.

None writes the database: what they learn during a crawl goes into Scrapy's stats, and
the run record (starcity/components/runrecord.py, db/runs.py) stores it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.httpobj import urlparse_cached

from spiders.errors import RefusedRequest
from spiders.state import crawl_state
from starcity.hygiene import printable
from starcity.urlgate import SCHEMES, RefusedURL, request_url, same_site
from starcity.urls import normalize_url
from starcity.walls import CONSENT_WALL, consent_address

log = logging.getLogger(__name__)
source_log = logging.getLogger("starcity.sources")


def _returns(url: str, chain: list[str]) -> int:
    """How often ``url`` (fragments aside, as the duplicate filter sees it) is in ``chain``."""
    address = url.split("#", 1)[0]
    return sum(1 for earlier in chain if earlier.split("#", 1)[0] == address)


class UrlGateMiddleware:
    """Check every request Scrapy is about to send, redirects and meta refreshes included.

    The spiders check the links they find; Scrapy's RedirectMiddleware and
    MetaRefreshMiddleware make new requests from what a server answers, and those come
    through here before anything is sent: only http(s), only the source's sites (host and
    port, as the HTTP client will connect), no loops. A refused request fails with
    RefusedRequest, which the spider's errback counts under its kind
    (``refused_scheme``, ``offsite_redirect``, ``private_address``, ``bad_link``,
    ``too_many_redirects``). Requests of Scrapy's own (robots.txt) carry no source: a
    redirect of theirs must stay on the site it started from.

    An address may come back once in a redirect chain (a page that sets a cookie and
    sends the browser back to itself); the second time is a loop. A redirect to an
    address this crawl already fetched is dropped by Scrapy's duplicate filter before it
    reaches any middleware: the ``request_dropped`` signal tells us, and a redirect back
    into its own chain is either given its one return or counted as a loop there.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlGateMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.request_dropped, signal=signals.request_dropped)
        return mw

    def process_request(self, request: Request) -> None:
        scheme = urlparse_cached(request).scheme.lower()
        if scheme not in SCHEMES:
            raise RefusedRequest(
                "refused_scheme", f"{scheme}: addresses are never fetched: {printable(request.url)}"
            )
        chain = request.meta.get("redirect_urls") or []
        if _returns(request.url, chain) >= 2:
            raise RefusedRequest(
                "too_many_redirects", f"redirect loop back to {printable(request.url)}"
            )
        if "@" in urlparse_cached(request).netloc:
            # Credentials in a redirect's Location: nothing a page sends chooses what we send.
            raise RefusedRequest(
                "bad_link", f"an address with credentials: {printable(request.url)}"
            )
        source = request.meta.get("source")
        sites = getattr(self.crawler.spider, "sites", {}).get(source)
        via = f" (redirected from {printable(chain[0])})" if chain else ""
        if sites is None:
            # robots.txt and other requests of Scrapy's own, sent for a page the gate let
            # through: where they are redirected, they stay on that page's site.
            if chain and not same_site(request.url, chain[0]):
                raise RefusedRequest("offsite_redirect", f"{printable(request.url)}{via}")
            return None
        try:
            sites.check(request.url)
        except RefusedURL as refused:
            kind = "offsite_redirect" if chain and refused.kind == "offsite" else refused.kind
            if kind == "offsite_redirect" and consent_address(request.url):
                # sent to a consent service before the article: a consent wall
                kind = CONSENT_WALL
            raise RefusedRequest(kind, f"{refused.reason}{via}") from None
        return None

    def request_dropped(self, request: Request, spider: Spider | None = None) -> None:
        chain = request.meta.get("redirect_urls") or []
        source = request.meta.get("source")
        if not chain or not source:
            return
        returns = _returns(request.url, chain)
        if returns == 1 and not request.dont_filter:
            # Back to an address of its own chain, the first time: fetched once more.
            self.crawler.engine.crawl(request.replace(dont_filter=True))
            return
        stats = self.crawler.stats
        if returns:
            stats.inc_value(f"source/{source}/errors/too_many_redirects")
            source_log.error(
                "source %s: cannot fetch %s %s: redirect loop back to %s [too_many_redirects]",
                source,
                request.meta.get("role", "page"),
                printable(chain[0]),
                printable(request.url),
            )
        else:  # redirected to a page this crawl fetched already
            stats.inc_value(f"source/{source}/redirects_to_seen")


class RedirectGateMiddleware:
    """Look at a redirect's ``Location`` before Scrapy's RedirectMiddleware follows it.

    Placed after it in the order (a higher number), so responses reach this first. A
    redirect to a scheme we never fetch (``Location: file:///etc/passwd``) or to no URL
    at all (a broken IPv6 literal) is refused and counted under its own kind, instead of
    surfacing as an HTTP 302 error or a ValueError from deep inside Scrapy. Where the
    redirect may lead (which sites) is checked by UrlGateMiddleware on the new request.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGateMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            try:
                request_url(location.decode("latin-1"), request.url)
            except RefusedURL as refused:
                raise RefusedRequest(refused.kind, f"redirected to {refused.reason}") from None
        return response


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh, read from the head of the page only.

    Scrapy's own middleware searches the first 4,096 characters for the refresh, but gets
    them from ``response.text``, which decodes the whole page and keeps it on the response
    for as long as the response lives: a 16 MB page with one character outside Latin-1
    becomes 64 MB more, per page in flight. The same search on a response cut to the
    bytes those characters can take.
    """

    HEAD_BYTES = 4096 * 4  # 4,096 characters of up to four bytes

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not isinstance(response, HtmlResponse) or len(response.body) <= self.HEAD_BYTES:
            return super().process_response(request, response)
        head = response.replace(body=response.body[: self.HEAD_BYTES])
        result = super().process_response(request, head)
        return response if result is head else result


class KnownPage(IgnoreRequest):
    """The page is stored already and needs no new fetch."""


class KnownPagesMiddleware:
    """Do not fetch an article page again once it is stored.

    An article younger than STARCITY_REFETCH_HOURS (by publication, else first sight) is
    fetched once more, to catch updates; after that it is skipped like the others.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.window = timedelta(hours=crawler.settings.getfloat("STARCITY_REFETCH_HOURS", 48))
        self.skip: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownPagesMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        state = crawl_state(self.crawler)
        self.skip = state.addresses_to_skip(datetime.now(UTC), self.window)
        log.info("%d stored article addresses will not be fetched again", len(self.skip))

    def process_request(self, request: Request) -> None:
        if request.meta.get("role") != "article":
            return None
        if normalize_url(request.url) in self.skip:
            raise KnownPage("stored already")
        return None


class ConditionalFeedMiddleware:
    """Conditional GET for feeds: send the ETag / Last-Modified of the last fetch,
    take a 304 Not Modified as "nothing new", and hand new validators to the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalFeedMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        self.validators = crawl_state(self.crawler).feed_validators()

    def process_request(self, request: Request) -> None:
        if request.meta.get("role") != "feed":
            return None
        etag, modified = self.validators.get(request.url, (None, None))
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = modified
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("role") == "feed" and response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            stats = self.crawler.stats
            if etag:
                stats.set_value(f"feed_state/{request.url}/etag", etag.decode("latin-1"))
            if modified:
                stats.set_value(
                    f"feed_state/{request.url}/last_modified", modified.decode("latin-1")
                )
        return response
