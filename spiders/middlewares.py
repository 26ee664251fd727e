"""Downloader middlewares of the fetch side: skip pages already stored, ask feeds politely.

Both read the database (never write it): what they learn during a crawl goes into
Scrapy's stats, and the run record (pipelines/runrecord.py) stores it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from pipelines.urls import normalize_url

log = logging.getLogger(__name__)


class KnownPage(IgnoreRequest):
    """The page is stored already and needs no new fetch."""


def _read(db_path: str, sql: str) -> list[tuple]:
    """Rows from the database, or none when it or the table does not exist yet."""
    if not Path(db_path).exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


class KnownPagesMiddleware:
    """Do not fetch an article page again once it is stored.

    An article younger than STARCITY_REFETCH_HOURS (by publication, else first sight) is
    fetched once more, to catch updates; after that it is skipped like the others.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings["STARCITY_DB"]
        self.window = timedelta(hours=crawler.settings.getfloat("STARCITY_REFETCH_HOURS", 48))
        self.skip: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownPagesMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        now = datetime.now(UTC)
        rows = _read(
            self.db_path,
            "select url, canonical_url, coalesce(published_at, first_seen), times_seen"
            " from articles",
        )
        for url, canonical, when, times_seen in rows:
            if (times_seen or 0) < 2 and self._young(when, now):
                continue  # one more fetch for updates
            self.skip.add(normalize_url(url))
            self.skip.add(normalize_url(canonical))
        log.info("%d stored article addresses will not be fetched again", len(self.skip))

    def _young(self, when: str | None, now: datetime) -> bool:
        try:
            moment = datetime.fromisoformat(when) if when else None
        except ValueError:
            return False
        if moment is None:
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return now - moment < self.window

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
        self.db_path = crawler.settings["STARCITY_DB"]
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalFeedMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        rows = _read(self.db_path, "select url, etag, last_modified from feed_state")
        self.validators = {url: (etag, modified) for url, etag, modified in rows}

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
