"""Wait before Scrapy retries: as long as a 429 or 503 answer's Retry-After asks, else an
exponential backoff on server errors.

Scrapy's RetryMiddleware retries at once; a server that says how long to wait should be
given that long, and a failing server some rest: STARCITY_RETRY_BACKOFF_BASE seconds before the
first retry, doubling for each next one, at most STARCITY_RETRY_BACKOFF_MAX. Placed just after
RetryMiddleware in the response chain (a higher order number), it waits without blocking
the crawl (an asyncio sleep in this request's own processing), then lets RetryMiddleware
retry. A wait longer than STARCITY_RETRY_AFTER_MAX_SECONDS is not waited for: the request is
given up and counted.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

log = logging.getLogger(__name__)
STATUSES = {429, 503}


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.max_wait = settings.getfloat("STARCITY_RETRY_AFTER_MAX_SECONDS", 120)
        self.retry_codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}
        self.retry_times = settings.getint("RETRY_TIMES")
        self.backoff_base = settings.getfloat("STARCITY_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("STARCITY_RETRY_BACKOFF_MAX", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        source = request.meta.get("source", "?")
        wait = None
        if response.status in STATUSES:
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            await self._backoff(request, response, source)
            return response
        if wait > self.max_wait:
            log.warning("%s asks to retry after %.0f s; not waiting that long", request.url, wait)
            request.meta["dont_retry"] = True
            self.crawler.stats.inc_value(f"source/{source}/retry_after_too_long")
            return response
        self.crawler.stats.inc_value(f"source/{source}/retry_after_waits")
        await asyncio.sleep(wait)
        return response

    async def _backoff(self, request: Request, response: Response, source: str) -> None:
        """Rest before a retry of a server error: base, 2 x base, 4 x base ... seconds."""
        if response.status not in self.retry_codes or request.meta.get("dont_retry"):
            return
        done = request.meta.get("retry_times", 0)
        if done >= request.meta.get("max_retry_times", self.retry_times):
            return  # no retry follows: nothing to wait for
        wait = min(self.backoff_max, self.backoff_base * 2**done)
        if wait > 0:
            self.crawler.stats.inc_value(f"source/{source}/retry_backoff_waits")
            await asyncio.sleep(wait)
