"""Item pipeline 100: the article record of each fetched page (pipelines.extract)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from pipelines.extract import extract
from spiders.items import FetchedPage

log = logging.getLogger(__name__)


class ExtractPipeline:
    """Run `extract` on each fetched page and attach the record to the item."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        adapter = ItemAdapter(item)
        stats = self.crawler.stats
        source = adapter.get("source")
        fetched_at = adapter.get("fetched_at")
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            record = extract(
                adapter["body"],
                adapter["url"],
                adapter.get("headers"),
                fetched_at=datetime.fromisoformat(fetched_at) if fetched_at else datetime.now(UTC),
                hints=adapter.get("hints"),
            )
        except Exception as exc:  # a page we cannot parse must not stop the crawl
            stats.inc_value(f"source/{source}/errors/extract_failed")
            log.warning("cannot extract %s: %s: %s", adapter["url"], type(exc).__name__, exc)
            raise DropItem(f"extraction failed for {adapter['url']}: {exc}") from exc
        finally:
            stats.inc_value("extract/seconds_total", time.perf_counter() - started)
            stats.inc_value("stage_cpu/extract", time.thread_time() - cpu)
        own_title = record["title"] and record["provenance"].get("title") != "feed:title"
        if not own_title and not record["text"]:
            # Nothing of its own (a feed's title alone does not make a page an article).
            stats.inc_value(f"source/{source}/errors/empty_page")
            raise DropItem(f"no title and no text in {adapter['url']}")
        if record["provenance"].get("limits"):
            # A page larger than the bounds on the work of one page (kept, counted).
            stats.inc_value(f"source/{source}/pages_bounded")
        adapter["article"] = record
        return item
