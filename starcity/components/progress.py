"""Extension: progress on the console while a crawl runs.

Every STARCITY_PROGRESS_INTERVAL seconds (0: never; `--quiet` sets it), one line of the
crawl's counts so far: pages fetched and their rate, articles stored, relevant, errors,
and the same per source when the spider reads several. On a terminal one line, shared by
the crawl's spiders and cut to the terminal's width, is rewritten in place (a message
printed meanwhile clears it first); otherwise (cron, a log file, a pipe) each report is
a line of its own.
The counts are the ones the run record is built from (`source/<name>/...` stats).
"""

from __future__ import annotations

import logging
import shutil
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
    # a reprocess reads its pages from the archive
    verb = "read" if label == "reprocess" else "fetched"
    line = (
        f"{label} {int(seconds) // 60:d}:{int(seconds) % 60:02d}  {verb} {fetched}"
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


class _LiveLine:
    """The one progress line of a terminal, shared by the crawl's spiders (the command line
    runs one per kind of source in one process): each spider's counts side by side, cut to
    the terminal's width, rewritten in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: dict[str, str] = {}
        self.shown = False

    def show(self, spider: str, line: str) -> None:
        self.parts[spider] = line
        width = shutil.get_terminal_size((100, 20)).columns - 1
        text = "  ||  ".join(self.parts.values())
        if len(text) > width:
            text = text[: max(0, width - 1)] + "…"
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self.shown = True

    def done(self, spider: str) -> None:
        self.parts.pop(spider, None)
        if not self.parts:
            self.clear()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


_live: _LiveLine | None = None


class ClearingFormatter(logging.Formatter):
    """The console's formatter: a message printed while a progress line is shown clears
    that line first (the next report writes it again), so no message is glued to it."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if _live is not None and _live.shown:
            _live.shown = False
            return "\r\x1b[K" + text
        return text


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
        self.spider = "crawl"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        ext = cls(crawler, crawler.settings.getfloat("STARCITY_PROGRESS_INTERVAL", 10.0))
        if ext.interval > 0:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        global _live
        self.names = [s.name for s in getattr(spider, "sources", [])]
        self.spider = spider.name
        self.started = time.monotonic()
        if self.live and _live is None:
            _live = _LiveLine(self.stream)
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        line = progress_line(
            self.crawler.stats.get_stats(),
            self.names,
            time.monotonic() - self.started,
            self.spider,
        )
        if self.live and _live is not None:
            _live.show(self.spider, line)
        else:
            console.info(line)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live and _live is not None:
            _live.done(self.spider)  # the summary follows in its place
