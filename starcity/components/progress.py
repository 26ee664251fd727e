"""Extension: progress on the console while a crawl runs.

Every STARCITY_PROGRESS_INTERVAL seconds (0: never; `--quiet` sets it), one line of the
crawl's counts so far: pages fetched and their rate, articles stored, relevant, errors,
and the same per source when the spider reads several. On a terminal the line is
rewritten in place; otherwise (cron, a log file, a pipe) each report is a line of its own.
The counts are the ones the run record is built from (`source/<name>/...` stats).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from starcity.components.runrecord import per_source

console = logging.getLogger("starcity.progress")


def progress_line(
    stats: dict[str, Any], names: list[str], seconds: float, label: str = "crawl"
) -> str:
    """One line of counts from the crawl's stats after ``seconds``."""
    grouped = per_source(stats, names)

    def counts(entry: dict[str, Any]) -> tuple[int, int, int, int]:
        return (
            int(entry.get("fetched", 0)),
            int(entry.get("stored", 0)),
            int(entry.get("relevant", 0)),
            int(sum(entry["errors_by_kind"].values())),
        )

    totals = [sum(values) for values in zip(*map(counts, grouped.values()), strict=True)]
    fetched, stored, relevant, errors = totals or [0, 0, 0, 0]
    rate = fetched / seconds if seconds > 0 else 0.0
    line = (
        f"{label} {int(seconds) // 60:d}:{int(seconds) % 60:02d}  fetched {fetched}"
        f" ({rate:.1f}/s)  stored {stored}  relevant {relevant}  errors {errors}"
    )
    if len(grouped) > 1:
        parts = [
            "{} {}/{}/{}/{}".format(name, *counts(entry))
            for name, entry in grouped.items()
            if any(counts(entry))
        ]
        if parts:
            line += "  |  " + ", ".join(parts) + " (fetched/stored/relevant/errors)"
    return line


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float, stream: TextIO | None = None) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stream = stream or sys.stdout
        # A live line on a terminal; lines of their own anywhere else.
        self.live = self.stream.isatty()
        self.loop: task.LoopingCall | None = None
        self.started = 0.0
        self.names: list[str] = []
        self.written = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        ext = cls(crawler, crawler.settings.getfloat("STARCITY_PROGRESS_INTERVAL", 10.0))
        if ext.interval > 0:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.names = [s.name for s in getattr(spider, "sources", [])]
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        line = progress_line(
            self.crawler.stats.get_stats(),
            self.names,
            time.monotonic() - self.started,
            getattr(self.crawler.spider, "name", "crawl"),
        )
        if self.live:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self.written = True
        else:
            console.info(line)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live and self.written:
            self.stream.write("\r\x1b[K")  # the summary follows in its place
            self.stream.flush()
