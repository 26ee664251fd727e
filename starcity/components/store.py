"""Item pipeline 900: write each article into SQLite (no parsing happens here), in batched
transactions (db/batches.py).

Writes are committed STARCITY_STORE_BATCH_SIZE at a time, or STARCITY_STORE_BATCH_SECONDS
after the first write of a batch (a timer, so that Datasette shows an article within that
time even when no other one follows), and when a spider closes, which a graceful stop
(Ctrl-C, SIGTERM) does too. A process that is killed outright loses its open batch.

One writer per database file and process: SQLite lets one connection write at a time, and
the spiders of a crawl (one crawler each) share a process, so their storage pipelines
share one connection and its batch. Other components write through connections of their
own while a spider opens (the knowledge base; a run opened by Scrapy itself) or closes
(duplicate groups, stories, the run record). From the moment a spider's pipelines are
built until its spider_opened handlers have run, and from its pipelines' close until its
spider_closed handlers have run, the batch is committed and each write is committed at
once: a transaction left open would make those writers wait, on the reactor's thread, the
one that would commit it, until SQLite gives up ("database is locked").
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import CallLaterResult, call_later
from sqlite_utils import Database

from db.articles import KEPT, NEW, mark_seen, reprocess_article, store_article_and_people
from db.batches import TransactionLost, WriteBatch
from db.migrations import open_database
from spiders.items import SeenPage
from starcity.article import Article

log = logging.getLogger(__name__)

T = TypeVar("T")


def article_of(page: ItemAdapter) -> Article:
    """The page's record with what the fetch adds: its source, HTTP status and time, and
    where its response is in the web archive."""
    archive = page.get("archive") or {}
    return {
        **page["article"],
        "source": page["source"],
        "http_status": page.get("status"),
        "fetched_at": page.get("fetched_at"),
        "archive_file": archive.get("file"),
        "archive_offset": archive.get("offset"),
        "archive_record_id": archive.get("record_id"),
    }


def report_lost(stats: StatsCollector, exc: TransactionLost) -> None:
    """Name and count the writes a rolled-back transaction took with it."""
    stats.inc_value("store/rolled_back", len(exc.lost))
    shown = ", ".join(exc.lost[:5]) + (", ..." if len(exc.lost) > 5 else "")
    log.error(
        "%d write(s) of the open batch rolled back with it (%s: %s), not stored: %s",
        len(exc.lost),
        type(exc.__cause__).__name__,
        exc.__cause__,
        shown,
    )


class SharedWriter:
    """The process's one connection writing to a database file and its open batch, shared
    by the storage pipelines of the crawl's spiders (see the module's docstring).

    ``users``: pipelines between open_spider and close_spider; the connection closes with
    the last. ``holds``: spiders opening or closing; while any is, nothing stays
    uncommitted.
    """

    def __init__(self, path: str, size: int, seconds: float) -> None:
        self.path = path
        self.size = size
        self.seconds = seconds
        self.db: Database | None = None
        self.batch: WriteBatch | None = None
        self.users = 0
        self.holds = 0
        self.timer: CallLaterResult | None = None

    def open(self) -> None:
        self.users += 1
        if self.db is None:
            self.db = open_database(self.path)
            self.batch = WriteBatch(self.db, self.size, self.seconds)

    def close(self, stats: StatsCollector) -> None:
        """One pipeline is done: commit; the last one closes the connection."""
        self.users -= 1
        try:
            self.flush(stats)
        finally:
            if self.users <= 0 and self.db is not None:
                self.db.close()
                self.db = self.batch = None
            self._forget_if_unused()

    def hold(self, stats: StatsCollector) -> None:
        """A spider opens or closes: commit now, and each write at once until released."""
        self.holds += 1
        self.flush(stats)

    def release(self) -> None:
        self.holds -= 1
        self._forget_if_unused()

    def write(self, stats: StatsCollector, work: Callable[[Database], T], label: str) -> T:
        assert self.batch is not None, "open_spider was not called"
        batch, before = self.batch, self.batch.commits
        try:
            result = batch.write(work, label)
            if self.holds:
                batch.flush()
            return result
        finally:
            stats.inc_value("store/commits", batch.commits - before)
            self._time(stats)

    def flush(self, stats: StatsCollector) -> None:
        """Commit the open batch, if any (TransactionLost when the commit fails)."""
        if self.batch is None:
            return
        batch, before = self.batch, self.batch.commits
        try:
            batch.flush()
        finally:
            stats.inc_value("store/commits", batch.commits - before)
            self._time(stats)

    def _time(self, stats: StatsCollector) -> None:
        """A timer while a batch is open (it commits the batch when it is due), none else."""
        pending = self.batch is not None and self.batch.began is not None
        if pending and self.timer is None:
            assert self.batch is not None and self.batch.began is not None
            left = self.batch.began + self.seconds - self.batch.clock()
            self.timer = call_later(max(0.0, left), self._timed_flush, stats)
        elif not pending and self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _timed_flush(self, stats: StatsCollector) -> None:
        self.timer = None
        cpu = time.thread_time()
        try:
            self.flush(stats)
        except TransactionLost as exc:  # a timer's error would only reach the loop's log
            report_lost(stats, exc)
        finally:
            stats.inc_value("stage_cpu/store", time.thread_time() - cpu)

    def _forget_if_unused(self) -> None:
        if self.users <= 0 and self.holds <= 0 and _WRITERS.get(self.path) is self:
            del _WRITERS[self.path]


# The writers of this process, by the database file's real path.
_WRITERS: dict[str, SharedWriter] = {}


def shared_writer(path: str, size: int, seconds: float) -> SharedWriter:
    """This process's writer of the database at ``path`` (made with the first spider's
    batch settings: a crawl's spiders share their settings)."""
    key = os.path.realpath(path)
    if key not in _WRITERS:
        _WRITERS[key] = SharedWriter(key, size, seconds)
    return _WRITERS[key]


def writer_for(settings: BaseSettings) -> SharedWriter:
    """The process's writer of the crawl's database (STARCITY_DB), with its batch settings."""
    return shared_writer(
        settings["STARCITY_DB"],
        settings.getint("STARCITY_STORE_BATCH_SIZE", 100),
        settings.getfloat("STARCITY_STORE_BATCH_SECONDS", 2.0),
    )


class SQLiteStorePipeline:
    """Upsert articles into the `articles` table of the database named by STARCITY_DB,
    through the process's shared writer of that file (batched transactions)."""

    def __init__(self, crawler: Crawler, writer: SharedWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.holding = False
        self.opened = False
        # The relevance labels whose articles get people and dates (a reprocess tells a
        # failed analysis from one not made by it).
        self.analysed = set(crawler.settings.getlist("STARCITY_ANALYSE_LABELS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteStorePipeline:
        pipeline = cls(crawler, writer_for(crawler.settings))
        # Held from now until this spider's spider_opened handlers have run, and from its
        # close_spider until its spider_closed handlers have run. Item pipelines are built
        # after the extensions, so these handlers run after theirs (the run record's).
        pipeline._hold()
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.writer.open()
        self.opened = True

    def close_spider(self) -> None:
        self._hold()
        if not self.opened:
            return
        self.opened = False
        try:
            self.writer.close(self.crawler.stats)
        except TransactionLost as exc:
            report_lost(self.crawler.stats, exc)

    def _hold(self) -> None:
        if self.holding:
            return
        self.holding = True
        try:
            self.writer.hold(self.crawler.stats)
        except TransactionLost as exc:
            report_lost(self.crawler.stats, exc)

    def spider_opened(self) -> None:
        """This spider's other spider_opened handlers have run: batches may stay open."""
        self._release()

    def spider_closed(self) -> None:
        """This spider's run record and grouping are written: batches may stay open."""
        self._release()

    def _release(self) -> None:
        if self.holding:
            self.holding = False
            self.writer.release()

    def _write(self, work: Callable[[Database], T], label: str) -> T:
        try:
            return self.writer.write(self.crawler.stats, work, label)
        except TransactionLost as exc:
            report_lost(self.crawler.stats, exc)
            raise

    def process_item(self, item: Any) -> Any:
        if isinstance(item, SeenPage):
            self._write(lambda db: mark_seen(db, item.url, item.seen_at), item.url)
            return item
        page = ItemAdapter(item)
        if not page.get("article"):
            raise DropItem(f"nothing extracted from {page.get('url')}")
        stats = self.crawler.stats
        source = page["source"]
        if page.get("reprocess_of"):
            return self._reprocess(page, item)
        seen_at = datetime.now(UTC).isoformat(timespec="seconds")
        cpu = time.thread_time()
        try:
            article = article_of(page)
            outcome = self._write(
                lambda db: store_article_and_people(db, article, seen_at), str(page.get("url"))
            )
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

    def _reprocess(self, page: ItemAdapter, item: Any) -> Any:
        """A reprocess: the stored row derived again; what changed is counted by field
        (``reprocess/changed/<field>``, ``reprocess/changed_articles``)."""
        stats = self.crawler.stats
        source, key = page["source"], page["reprocess_of"]
        cpu = time.thread_time()
        try:
            article = article_of(page)
            # No people for an article whose label is analysed: their analysis failed
            # (counted by the analysis component); the stored ones stay.
            replace = article.get("people") is not None or article["relevance"] not in (
                self.analysed
            )
            changed = self._write(lambda db: reprocess_article(db, key, article, replace), key)
        except Exception as exc:  # counted, the reprocess goes on
            stats.inc_value(f"source/{source}/errors/store_failed")
            stats.inc_value("reprocess/errors")
            log.error("cannot store %s again: %s: %s", key, type(exc).__name__, exc)
            raise DropItem(f"cannot store {key}: {exc}") from exc
        finally:
            stats.inc_value("stage_cpu/store", time.thread_time() - cpu)
        if changed is None:  # deleted while the reprocess ran
            stats.inc_value("reprocess/gone")
            return item
        stats.inc_value(f"source/{source}/stored")
        stats.inc_value("articles/stored")
        for field in changed:
            stats.inc_value(f"reprocess/changed/{field}")
        if changed:
            stats.inc_value("reprocess/changed_articles")
        return item
