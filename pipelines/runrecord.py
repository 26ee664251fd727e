"""Run-record extension: one `crawl_runs` row per crawl and one `source_runs` row per source.

Built from Scrapy's stats collector at the end of the crawl, so that counters live in
one place (the `source/<name>/<counter>` stats the spider and pipelines increment).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from db.migrations import open_database
from starcity.hygiene import clean_value

log = logging.getLogger(__name__)

SOURCE_COUNTERS = (
    "feeds_fetched",
    "discovered",
    "filtered_offtopic",
    "fetched",
    "stored",
    "bytes",
    "skipped_known",
    "not_modified",
    "new",
    "skipped_not_html",
)


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


def _source_of(url: str, spider: Spider) -> str | None:
    for source in getattr(spider, "sources", []):
        if url in source.start_urls:
            return source.name
    return None


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

    def _source_names(self, spider: Spider) -> list[str]:
        return [s.name for s in getattr(spider, "sources", [])]

    def _close_run(self, db, spider_name: str, stats: dict[str, Any], reason: str) -> str:
        """Totals and status of the run from all its source rows so far.

        Several spiders may share one run (the command line starts them together): the
        run is finished when every source it lists has its row; until then it stays
        "running" with the totals so far.
        """
        run = db["crawl_runs"].get(self.run_id)
        expected = set(json.loads(run["sources"] or "[]"))
        rows = list(db.query("select * from source_runs where run_id = ?", [self.run_id]))
        done = {r["source"] for r in rows}
        statuses = [r["status"] for r in rows]
        all_stats = json.loads(run["stats"]) if run.get("stats") else {}
        all_stats[spider_name] = stats
        interrupted = reason != "finished" or run.get("finish_reason") not in (None, "finished")
        if not expected <= done:
            status = "running"
        elif interrupted:
            status = "interrupted"
        elif statuses and all(s == "failed" for s in statuses):
            status = "failed"
        elif any(s != "ok" for s in statuses):
            status = "partial"
        else:
            status = "ok"
        update = {
            "status": status,
            "pages_fetched": sum(r["fetched"] or 0 for r in rows),
            "articles_stored": sum(r["stored"] or 0 for r in rows),
            "articles_new": sum(r["new"] or 0 for r in rows),
            "errors": sum(r["errors"] or 0 for r in rows),
            "finish_reason": reason if reason != "finished" else run.get("finish_reason") or reason,
            # Stats hold what servers sent (validators, addresses): no control characters.
            "stats": json.dumps(clean_value(all_stats), default=str, sort_keys=True),
        }
        if status != "running":
            update["finished_at"] = _now()
        db["crawl_runs"].update(self.run_id, update)
        return status

    def _store_feed_state(self, db, stats: dict[str, Any]) -> None:
        """ETag and Last-Modified of each feed, for the next run's conditional GET."""
        state: dict[str, dict[str, str]] = {}
        for key, value in stats.items():
            if key.startswith("feed_state/"):
                url, field = key[len("feed_state/") :].rsplit("/", 1)
                state.setdefault(url, {})[field] = value
        for url, fields in state.items():
            db["feed_state"].upsert(
                {
                    "url": url,
                    "source": _source_of(url, self.crawler.spider),
                    "etag": clean_value(fields.get("etag")),
                    "last_modified": clean_value(fields.get("last_modified")),
                    "checked_at": _now(),
                },
                pk="url",
            )

    def _update_sources(self, db, spider: Spider, grouped, statuses: dict[str, str]) -> None:
        """Each source's last outcome, last success and run of consecutive failures.

        An interrupted run says nothing about a source's health: its count of consecutive
        failures and its last success stay as they were.
        """
        for source in getattr(spider, "sources", []):
            status = statuses.get(source.name, "failed")
            previous = next(db.query("select * from sources where name = ?", [source.name]), None)
            failures = (previous or {}).get("consecutive_failures") or 0
            if status == "interrupted":
                pass
            elif status == "failed":
                failures += 1
            else:
                failures = 0
            row = {
                "name": source.name,
                "kind": source.kind,
                "start_urls": json.dumps(list(source.start_urls)),
                "last_run_id": self.run_id,
                "last_status": status,
                "consecutive_failures": failures,
                "last_errors": json.dumps(dict(grouped[source.name]["errors_by_kind"])),
            }
            if status not in ("failed", "interrupted"):
                row["last_success_at"] = _now()
            db["sources"].upsert(row, pk="name")

    def spider_opened(self, spider: Spider) -> None:
        given = self.crawler.settings.getint("STARCITY_RUN_ID", 0)
        if given:  # several spiders, one run: the command line opened it
            self.run_id = given
            self.crawler.stats.set_value("starcity/run_id", self.run_id)
            return
        db = open_database(self.path)
        try:
            table = db["crawl_runs"]
            table.insert(
                {
                    "started_at": _now(),
                    "status": "running",
                    "source_set": self.source_set,
                    "sources": json.dumps(self._source_names(spider)),
                }
            )
            self.run_id = table.last_pk
        finally:
            db.close()
        self.crawler.stats.set_value("starcity/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        names = self._source_names(spider)
        grouped = per_source(stats, names)
        statuses = {name: source_status(entry, reason) for name, entry in grouped.items()}
        db = open_database(self.path)
        try:
            with db.atomic():
                for name, entry in grouped.items():
                    db["source_runs"].insert(
                        {
                            "run_id": self.run_id,
                            "source": name,
                            "status": statuses[name],
                            **{c: int(entry.get(c, 0)) for c in SOURCE_COUNTERS},
                            "errors": sum(entry["errors_by_kind"].values()),
                            "errors_by_kind": json.dumps(dict(entry["errors_by_kind"])),
                        },
                        replace=True,
                    )
                status = self._close_run(db, spider.name, stats, reason)
                self._store_feed_state(db, stats)
                self._update_sources(db, spider, grouped, statuses)
        finally:
            db.close()
        self.crawler.stats.set_value("starcity/run_status", status)
        log.info("run %s recorded: %s", self.run_id, status)
