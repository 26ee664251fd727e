"""Item pipeline 900: write each article into SQLite (no parsing happens here)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlite_utils import Database

from db.articles import KEPT, NEW, mark_seen, store_article, store_people_works_dates
from db.migrations import open_database
from spiders.items import SeenPage
from starcity.article import Article

log = logging.getLogger(__name__)


def article_of(page: ItemAdapter) -> Article:
    """The page's record with what the fetch adds: its source, HTTP status and time."""
    return {
        **page["article"],
        "source": page["source"],
        "http_status": page.get("status"),
        "fetched_at": page.get("fetched_at"),
    }


class SQLiteStorePipeline:
    """Upsert articles into the `articles` table of the database named by STARCITY_DB."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteStorePipeline:
        return cls(crawler, crawler.settings["STARCITY_DB"])

    def open_spider(self) -> None:
        self.db = open_database(self.path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, SeenPage):
            assert self.db is not None, "open_spider was not called"
            mark_seen(self.db, item.url, item.seen_at)
            return item
        page = ItemAdapter(item)
        if not page.get("article"):
            raise DropItem(f"nothing extracted from {page.get('url')}")
        assert self.db is not None, "open_spider was not called"
        stats = self.crawler.stats
        source = page["source"]
        seen_at = datetime.now(UTC).isoformat(timespec="seconds")
        cpu = time.thread_time()
        try:
            article = article_of(page)
            outcome = store_article(self.db, article, seen_at)
            if outcome != KEPT:
                store_people_works_dates(self.db, article["canonical_url"], article, seen_at)
        except Exception as exc:  # a row that cannot be written is counted, the crawl goes on
            stats.inc_value(f"source/{source}/errors/store_failed")
            log.error("cannot store %s: %s: %s", page.get("url"), type(exc).__name__, exc)
            raise DropItem(f"cannot store {page.get('url')}: {exc}") from exc
        finally:
            stats.inc_value("stage_cpu/store", time.thread_time() - cpu)
        if outcome == KEPT:
            # Another source stored this article first; its row stays as that source wrote it.
            stats.inc_value(f"source/{source}/kept_other_source")
            return item
        stats.inc_value(f"source/{source}/stored")
        stats.inc_value("articles/stored")
        if outcome == NEW:
            stats.inc_value(f"source/{source}/new")
            stats.inc_value("articles/new")
        return item
