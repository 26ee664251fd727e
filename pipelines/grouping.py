"""After a crawl: settle duplicate groups and put new relevant articles into stories.

A Scrapy extension (it needs every article of the crawl, not one item at a time); the
work itself is in db/duplicates.py and db/stories.py.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

from db import duplicates, stories
from db.migrations import open_database

log = logging.getLogger(__name__)


class GroupingExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings["STARCITY_DB"]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GroupingExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, reason: str) -> None:
        db = open_database(self.path)
        try:
            copies = duplicates.resolve(db)
            placed = stories.assign(db)
        except Exception:  # a grouping failure must not lose the run record
            log.exception("grouping duplicates and stories failed")
            self.crawler.stats.inc_value("errors/grouping")
            return
        finally:
            db.close()
        self.crawler.stats.set_value("duplicates/copies", copies)
        self.crawler.stats.set_value("stories/articles_placed", placed)
        log.info(
            "%d copies linked to their originals, %d articles placed in stories", copies, placed
        )
