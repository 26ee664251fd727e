"""Downloader middleware 5: Google News links decoded to the publishers' addresses.

The Google News search feed is the best single source for a topic, but its entries link
to news.google.com/rss/articles/<id> pages that send a browser on by JavaScript, and
since 2024 the ids cannot be decoded offline. For a source that opts in
(``google_news: true``), each such link is decoded by a maintained decoder
(STARCITY_GNEWS_DECODER: googlenewsdecoder's, which asks Google), one at a time and no
more often than every STARCITY_GNEWS_INTERVAL seconds, each link once: what was decoded
is kept in the database (`gnews_links`, written through the crawl's one writer) and read
back by every later crawl. The request then goes on to the publisher's address, through
the whole path again (the URL gate and the source's sites, the known pages, robots.txt,
extraction). A link that cannot be decoded is counted (``gnews_undecoded``) and skipped;
the source goes on.

It runs first among the downloader middlewares: the Google link itself is never fetched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from db.articles import remember_gnews_link
from db.batches import TransactionLost
from spiders.errors import RefusedRequest
from spiders.state import crawl_state
from starcity.components.store import report_lost, writer_for
from starcity.hygiene import printable
from starcity.urls import is_gnews_link

log = logging.getLogger(__name__)

# (Google News link, seconds allowed) -> the publisher's address; raises when it cannot.
Decoder = Callable[[str, float], Awaitable[str]]


async def decode_with_googlenewsdecoder(url: str, timeout: float) -> str:
    """The publisher's address of a Google News link, as googlenewsdecoder finds it
    (it fetches the link's page from Google, then asks Google's batchexecute endpoint)."""
    from googlenewsdecoder import gnews_decoder_async

    result = await gnews_decoder_async(url, timeout=timeout)
    if not isinstance(result, dict):
        raise ValueError("the decoder answered nothing usable")
    decoded = result.get("decoded_url")
    if not (result.get("success") or result.get("status")) or not isinstance(decoded, str):
        raise ValueError(str(result.get("message") or "not decoded"))
    return decoded


class GoogleNewsMiddleware:
    def __init__(self, crawler: Crawler, decode: Decoder, interval: float, timeout: float):
        self.crawler = crawler
        # A crawl replayed from the archive sends nothing to the network, Google included:
        # only links decoded before are followed.
        self.cache_only = bool(crawler.settings.get("STARCITY_REPLAY_FROM"))
        self.decode = decode
        self.interval = interval
        self.timeout = timeout
        self.decoded: dict[str, str] = {}
        self.state: Any = None
        self._lock: asyncio.Lock | None = None
        self._last = float("-inf")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GoogleNewsMiddleware:
        settings = crawler.settings
        mw = cls(
            crawler,
            load_object(settings.get("STARCITY_GNEWS_DECODER") or decode_with_googlenewsdecoder),
            settings.getfloat("STARCITY_GNEWS_INTERVAL", 3.0),
            settings.getfloat("STARCITY_GNEWS_TIMEOUT", 10.0),
        )
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        self.state = crawl_state(self.crawler)
        self.decoded = self.state.gnews_links()

    async def process_request(self, request: Request) -> Request | None:
        if not request.meta.get("gnews") or not is_gnews_link(request.url):
            return None
        stats, source = self.crawler.stats, request.meta.get("source", "?")
        link = request.url
        publisher = self.decoded.get(link)
        if publisher is not None:
            stats.inc_value("gnews/cached")
        else:
            publisher = None if self.cache_only else await self._decode(link)
            if publisher is None:  # counted by the spider's errback, under its kind
                raise RefusedRequest(
                    "gnews_undecoded", f"Google News link not decoded: {printable(link)}"
                )
            stats.inc_value("gnews/decoded")
            self.decoded[link] = publisher
            self._remember(link, publisher, source)
        meta = {k: v for k, v in request.meta.items() if k != "gnews"}
        meta["gnews_link"] = link
        # A new request: it goes through the gate, the known pages and robots.txt.
        return request.replace(url=publisher, meta=meta)

    async def _decode(self, link: str) -> str | None:
        """One decoder call at a time, STARCITY_GNEWS_INTERVAL seconds apart."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                # the decoder's timeout is per HTTP exchange; this bounds the whole call
                publisher = await asyncio.wait_for(
                    self.decode(link, self.timeout), self.timeout * 3
                )
            except Exception as exc:  # whatever the decoder or Google says: counted
                log.warning(
                    "Google News link not decoded: %s: %s: %s",
                    printable(link),
                    type(exc).__name__,
                    printable(str(exc))[:200],
                )
                return None
            finally:
                self._last = time.monotonic()
        if not isinstance(publisher, str) or not publisher.startswith(("http://", "https://")):
            log.warning("Google News link %s decoded to no web address", printable(link))
            return None
        return publisher

    def _remember(self, link: str, publisher: str, source: str) -> None:
        remember = getattr(self.state, "remember_gnews_link", None)
        if remember is not None:  # a distributed crawler: through Redis to the writer
            remember(link, publisher, source)
            return
        writer = writer_for(self.crawler.settings)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            writer.write(
                self.crawler.stats,
                lambda db: remember_gnews_link(db, link, publisher, source, now),
                link,
            )
        except TransactionLost as exc:  # the batch it joined rolled back: say what went
            report_lost(self.crawler.stats, exc)
        except Exception as exc:  # the cache is worth a call to Google, not a lost page
            log.warning("cannot keep the decoded link %s: %s", printable(link), exc)
