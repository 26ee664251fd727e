"""Extension: after a crawl, settle duplicate groups and put new relevant articles into
stories (it needs every article of the crawl, not one item at a time)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

from db import duplicates, stories
from db.migrations import open_database
from pipelines.stories import STORY_THRESHOLD, STORY_WINDOW_DAYS, StoryFeatures
from starcity.config import load_topic

log = logging.getLogger(__name__)


class GroupingExtension:
    """Stories are grouped with the crawl's own topic (STARCITY_TOPIC), the one relevance
    judged by."""

    def __init__(self, crawler: Crawler, features: StoryFeatures) -> None:
        self.crawler = crawler
        self.path = crawler.settings["STARCITY_DB"]
        self.features = features

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GroupingExtension:
        ext = cls(crawler, StoryFeatures(load_topic(crawler.settings["STARCITY_TOPIC"])))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, reason: str) -> None:
        db = open_database(self.path)
        try:
            copies = duplicates.resolve(db)
            placed = stories.assign(db, self.features, STORY_THRESHOLD, STORY_WINDOW_DAYS)
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
