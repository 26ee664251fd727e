"""Extension: after a crawl, the rows whose archived response was pruned forget where it
was (spiders/archive.py prunes whole WARC files past the retention settings)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

from db.articles import clear_archive_pointers
from db.migrations import open_database

log = logging.getLogger(__name__)


class ArchivePointersExtension:
    """Clears the pointers into files the archive middleware deleted in this crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePointersExtension:
        ext = cls(crawler)
        # after spider_closed, when the middleware has pruned
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        deleted = self.crawler.stats.get_value("archive/pruned_files") or []
        if not deleted:
            return
        db = open_database(self.crawler.settings["STARCITY_DB"])
        try:
            cleared = clear_archive_pointers(db, list(deleted))
        finally:
            db.close()
        self.crawler.stats.set_value("archive/pointers_cleared", cleared)
        log.info("archive: %d article(s) pointed into pruned files; pointers cleared", cleared)
