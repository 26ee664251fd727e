"""Extension: the run's record, one `crawl_runs` row per crawl and one `source_runs` row
per source, written through db/runs.py.

Built from Scrapy's stats collector at the end of the crawl, so that counters live in one
place (the `source/<name>/<counter>` stats the spider and pipelines increment).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from db.migrations import open_database
from db.runs import open_run, record_reprocess, record_spider

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def per_source(stats: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """Group ``source/<name>/...`` stats into one dict per source, errors by kind."""
    grouped: dict[str, dict[str, Any]] = {
        name: {"errors_by_kind": defaultdict(int)} for name in names
    }
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) < 3 or parts[0] != "source" or parts[1] not in grouped:
            continue
        entry = grouped[parts[1]]
        if parts[2] == "errors" and len(parts) == 4:
            entry["errors_by_kind"][parts[3]] += value
        else:
            entry["/".join(parts[2:])] = value
    return grouped


# Scrapy's close reason when the crawl was stopped from outside (SIGINT, SIGTERM).
STOPPED = "shutdown"


def source_status(entry: dict[str, Any], reason: str = "finished") -> str:
    """interrupted: the crawl was stopped from outside before it finished (a signal);
    failed: no feed could be read; partial: read, but some fetches failed; ok otherwise.

    A crawl ended by a limit of its own (CLOSESPIDER_TIMEOUT, ...) still judges its
    sources on what they gave: the run says why it ended.
    """
    if reason == STOPPED:
        return "interrupted"
    if not entry.get("feeds_fetched"):
        return "failed"
    return "partial" if sum(entry["errors_by_kind"].values()) else "ok"


def validators_in_stats(stats: dict[str, Any]) -> dict[str, dict[str, str]]:
    """ETag and Last-Modified of each feed, from the ``feed_state/<url>/<field>`` stats."""
    state: dict[str, dict[str, str]] = {}
    for key, value in stats.items():
        if key.startswith("feed_state/"):
            url, field = key[len("feed_state/") :].rsplit("/", 1)
            state.setdefault(url, {})[field] = value
    return state


class RunRecordExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings["STARCITY_DB"]
        self.source_set = str(crawler.settings["STARCITY_SOURCES"])
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecordExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        given = self.crawler.settings.getint("STARCITY_RUN_ID", 0)
        if given:  # several spiders, one run: the command line opened it
            self.run_id = given
        else:  # a crawl started by Scrapy itself (scrapy crawl, Scrapyd)
            db = open_database(self.path)
            try:
                names = [s.name for s in getattr(spider, "sources", [])]
                self.run_id, _ = open_run(db, self.source_set, names, _now(), close_stale=False)
            finally:
                db.close()
        self.crawler.stats.set_value("starcity/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        if self.crawler.settings.get("STARCITY_RUN_KIND") == "reprocess":
            self._record_reprocess(reason)
            return
        stats = self.crawler.stats.get_stats()
        sources = list(getattr(spider, "sources", []))
        grouped = per_source(stats, [s.name for s in sources])
        statuses = {name: source_status(entry, reason) for name, entry in grouped.items()}
        db = open_database(self.path)
        try:
            status = record_spider(
                db,
                self.run_id,
                spider.name,
                sources,
                grouped,
                statuses,
                stats,
                reason,
                validators_in_stats(stats),
                _now(),
            )
        finally:
            db.close()
        self.crawler.stats.set_value("starcity/run_status", status)
        log.info("run %s recorded: %s", self.run_id, status)

    def _record_reprocess(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        changes = {
            key.removeprefix("reprocess/changed/"): value
            for key, value in stats.items()
            if key.startswith("reprocess/changed/")
        }
        changes["articles"] = stats.get("reprocess/changed_articles", 0)
        db = open_database(self.path)
        try:
            status = record_reprocess(db, self.run_id, stats, changes, reason, _now())
        finally:
            db.close()
        self.crawler.stats.set_value("starcity/run_status", status)
        log.info("reprocess run %s recorded: %s", self.run_id, status)
