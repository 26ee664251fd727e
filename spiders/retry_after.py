"""Honour Retry-After: wait as long as a 429 or 503 answer asks before Scrapy retries.

Scrapy's RetryMiddleware retries 429/503 at once; a server that says how long to wait
should be given that long. Placed just after RetryMiddleware in the response chain (a
higher order number), it waits without blocking the crawl (an asyncio sleep in this
request's own processing), then lets RetryMiddleware retry. A wait longer than
RETRY_AFTER_MAX_SECONDS is not waited for: the request is given up and counted.
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
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in STATUSES:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        source = request.meta.get("source", "?")
        if wait > self.max_wait:
            log.warning("%s asks to retry after %.0f s; not waiting that long", request.url, wait)
            request.meta["dont_retry"] = True
            self.crawler.stats.inc_value(f"source/{source}/retry_after_too_long")
            return response
        self.crawler.stats.inc_value(f"source/{source}/retry_after_waits")
        await asyncio.sleep(wait)
        return response
