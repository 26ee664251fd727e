"""Item pipeline 100: the analysis of each fetched page (pipelines.analysis), in worker
processes.

Extraction, relevance, the duplicate fingerprints and the people and dates of relevant
articles are the crawl's CPU work. They run in a pool of worker processes
(STARCITY_ANALYSIS_WORKERS, by default one per core), fed in batches, so that the
reactor's thread goes on fetching and storing while pages are analysed. The pool is
pebble's ProcessPool: a worker that dies (killed, out of memory, a crash in native code)
fails only its own batch and is replaced. A failed batch is tried once more, one page at
a time, so that a page that kills its worker costs only itself; a page that fails twice
is counted (``errors/worker_failed``) and dropped, never lost silently.

The crawl's spiders (one per kind of source) share one pool per process; it starts with
the first spider and ends with the last.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from db.knowledge import load_into
from db.migrations import open_database
from pipelines.analysis import (
    AnalysisConfig,
    PageIn,
    PageOut,
    analyse_in_worker,
    start_worker,
)
from pipelines.entities import DEFAULT_LANGUAGE_MODELS, DEFAULT_MODEL, KnowledgeBase
from pipelines.version import analysis_version
from spiders.items import FetchedPage
from starcity.config import KNOWLEDGE_FILE, load_knowledge, load_topic
from starcity.walls import KINDS as WALL_KINDS

log = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Waiting:
    page: PageIn
    done: asyncio.Future


class AnalysisPool:
    """Pages waiting for analysis, batched, and the worker processes that analyse them.

    A batch goes out when ``batch_size`` pages or ``batch_bytes`` of pages wait, or
    ``batch_wait`` seconds after its first page came. With ``workers`` 0 the batch is
    analysed in this process, on the reactor's thread (for debugging, or a machine with
    one small core). ``max_batches`` replaces a worker after that many batches (spaCy's
    string store grows with every new word it sees), ``timeout`` ends a batch that takes
    longer (its worker is killed and replaced, the pages tried again one by one).
    """

    def __init__(
        self,
        config: AnalysisConfig,
        workers: int,
        batch_size: int = 8,
        batch_wait: float = 0.1,
        batch_bytes: int = 4 * 1024 * 1024,
        max_batches: int = 500,
        timeout: float = 300.0,
        initializer: Callable[[AnalysisConfig], None] = start_worker,
        work: Callable[[list[PageIn], datetime], tuple[list[PageOut], int]] = analyse_in_worker,
    ) -> None:
        """``initializer`` and ``work`` run in the workers (module-level functions):
        pipelines.analysis's, unless a test gives its own."""
        self.config = config
        self.initializer = initializer
        self.work = work
        self.workers = workers
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.batch_bytes = batch_bytes
        self.max_batches = max_batches
        self.timeout = timeout
        self.users = 0
        self.pending: list[_Waiting] = []
        self.pending_bytes = 0
        self.timer: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task] = set()
        self.pool: Any = None  # pebble.ProcessPool, started with the first batch
        self.local: Any = None  # the PageAnalyser of a pool without workers
        self.failed_batches = 0
        self.worker_peak_kb = 0

    # -- life cycle: shared by the process's spiders ----------------------------------

    def open(self) -> None:
        self.users += 1

    async def close(self) -> None:
        """One spider is done; the last one flushes what waits and ends the workers."""
        self.users -= 1
        if self.users > 0:
            return
        self.flush()
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.pool is not None:
            self.pool.close()
            await asyncio.get_running_loop().run_in_executor(None, self.pool.join, 30)
            self.pool = None

    def _start_pool(self) -> Any:
        from pebble import ProcessPool

        # Each worker is a fresh interpreter (spawn), not a fork of this process: the
        # crawl's process has threads (Twisted's, DNS) that a fork would copy half-way.
        # Measured on `make bench`'s crawl: forking the workers from a server that had
        # imported the analysis code (forkserver with preload), or had built the analyser
        # too, took more memory in all (RSS and PSS summed), not less: the workers soon
        # write to most of the pages they would share.
        context = multiprocessing.get_context("spawn")
        return ProcessPool(
            max_workers=self.workers,
            max_tasks=self.max_batches,
            initializer=self.initializer,
            initargs=(self.config,),
            context=context,
        )

    # -- batches -----------------------------------------------------------------------

    async def analyse(self, page: PageIn) -> PageOut:
        """The analysis of one page, batched with the pages that come with it."""
        done = asyncio.get_running_loop().create_future()
        self.pending.append(_Waiting(page, done))
        self.pending_bytes += len(page.body)
        if len(self.pending) >= self.batch_size or self.pending_bytes >= self.batch_bytes:
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.batch_wait, self.flush)
        return await done

    def flush(self) -> None:
        """Send every waiting page off for analysis."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending, self.pending_bytes = self.pending, [], 0
        if not batch:
            return
        if self.workers == 0:
            self._analyse_here(batch)
            return
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _analyse_here(self, batch: list[_Waiting]) -> None:
        if self.local is None:
            from pipelines.analyser import PageAnalyser

            self.local = PageAnalyser(self.config)
        try:
            results = self.local.analyse([w.page for w in batch], datetime.now(UTC))
        except Exception as exc:
            results = [_failed(exc) for _ in batch]
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.done.done():
                waiting.done.set_result(result)

    async def _run(self, batch: list[_Waiting]) -> None:
        try:
            try:
                results = await self._in_worker([w.page for w in batch])
            except Exception as exc:
                # The worker died, hung or could not take the batch: each page once more,
                # alone, so that a page that kills its worker costs only itself.
                self.failed_batches += 1
                log.warning(
                    "a batch of %d page(s) failed in its worker (%s: %s); trying each again",
                    len(batch),
                    type(exc).__name__,
                    exc,
                )
                again = await asyncio.gather(
                    *(self._in_worker([w.page]) for w in batch), return_exceptions=True
                )
                results = [_failed(r) if isinstance(r, BaseException) else r[0] for r in again]
        except BaseException as exc:  # cancelled: nobody may wait for ever
            results = [_failed(exc) for _ in batch]
            raise
        finally:
            for waiting, result in zip(batch, results, strict=False):
                if not waiting.done.done():
                    waiting.done.set_result(result)
            for waiting in batch:
                if not waiting.done.done():
                    waiting.done.set_result(_failed(RuntimeError("no result")))

    async def _in_worker(self, pages: list[PageIn]) -> list[PageOut]:
        if self.pool is None:
            self.pool = self._start_pool()
        future = self.pool.schedule(
            self.work, args=(pages, datetime.now(UTC)), timeout=self.timeout
        )
        results, peak_kb = await asyncio.wrap_future(future)
        self.worker_peak_kb = max(self.worker_peak_kb, peak_kb)
        return results


def _aware(moment: str | None) -> datetime | None:
    """An ISO 8601 time, in UTC when it says no offset (a stored row's, written by hand)."""
    if not moment:
        return None
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _failed(exc: BaseException) -> PageOut:
    return PageOut(None, "worker_failed", f"{type(exc).__name__}: {exc}")


# One pool per process and configuration, shared by the crawl's spiders.
_POOLS: dict[bytes, AnalysisPool] = {}


def shared_pool(config: AnalysisConfig, **options: Any) -> AnalysisPool:
    key = pickle.dumps((config, sorted(options.items())))
    if key not in _POOLS or _POOLS[key].users == 0 and _POOLS[key].pool is None:
        _POOLS[key] = AnalysisPool(config, **options)
    return _POOLS[key]


def analysis_config(settings: BaseSettings) -> AnalysisConfig:
    """The analysis's configuration from the crawl's settings (RuntimeError when a spaCy
    model it names is not installed: said before any fetch, not in every worker)."""
    model = settings.get("STARCITY_SPACY_MODEL") or DEFAULT_MODEL
    language_models = settings.getdict("STARCITY_SPACY_MODELS", DEFAULT_LANGUAGE_MODELS)
    for name, setting in [(model, "STARCITY_SPACY_MODEL")] + [
        (m, "STARCITY_SPACY_MODELS") for m in language_models.values()
    ]:
        if importlib.util.find_spec(name) is None:
            raise RuntimeError(f"spaCy model {name!r} is not installed ({setting})")
    return AnalysisConfig(
        topic=load_topic(settings["STARCITY_TOPIC"]),
        knowledge=load_knowledge(settings.get("STARCITY_KNOWLEDGE_BASE") or KNOWLEDGE_FILE),
        model=model,
        language_models=language_models,
        labels=frozenset(settings.getlist("STARCITY_ANALYSE_LABELS")),
        ner_batch_size=settings.getint("STARCITY_NER_BATCH_SIZE", 16),
    )


def load_knowledge_base(path: str, config: AnalysisConfig) -> None:
    """The configured knowledge base's people, works and organisations into the database."""
    kb = KnowledgeBase.from_data(config.knowledge)
    db = open_database(path)
    try:
        load_into(db, kb.people, kb.works, kb.organisations)
    finally:
        db.close()


class AnalysisPipeline:
    """Analyse each fetched page (extraction, relevance, fingerprints, people and dates)
    and attach the record to the item; pages with nothing to store are dropped, counted."""

    def __init__(self, crawler: Crawler, pool: AnalysisPool) -> None:
        self.crawler = crawler
        self.pool = pool
        # Each record says which analysis derived it (a reprocess can skip current ones).
        self.version = analysis_version(pool.config)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnalysisPipeline:
        settings = crawler.settings
        config = analysis_config(settings)
        workers = settings.get("STARCITY_ANALYSIS_WORKERS")
        pool = shared_pool(
            config,
            workers=default_workers() if workers in (None, "", "auto") else int(workers),
            batch_size=settings.getint("STARCITY_ANALYSIS_BATCH_SIZE", 8),
            batch_wait=settings.getfloat("STARCITY_ANALYSIS_BATCH_WAIT", 0.1),
            max_batches=settings.getint("STARCITY_ANALYSIS_WORKER_MAX_BATCHES", 500),
            timeout=settings.getfloat("STARCITY_ANALYSIS_TIMEOUT", 300.0),
        )
        return cls(crawler, pool)

    def open_spider(self) -> None:
        # A distributed crawler never opens the database: its writer loads the knowledge base.
        if not self.crawler.settings.get("STARCITY_REDIS_URL"):
            load_knowledge_base(self.crawler.settings["STARCITY_DB"], self.pool.config)
        self.pool.open()

    async def close_spider(self) -> None:
        await self.pool.close()
        stats = self.crawler.stats
        stats.set_value("analysis/workers", self.pool.workers)
        stats.max_value("analysis/worker_peak_rss_mb", round(self.pool.worker_peak_kb / 1024))
        stats.max_value("analysis/failed_batches", self.pool.failed_batches)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        adapter = ItemAdapter(item)
        stats = self.crawler.stats
        source = adapter.get("source")
        fetched_at = adapter.get("fetched_at")
        out = await self.pool.analyse(
            PageIn(
                url=adapter["url"],
                body=adapter["body"],
                headers=adapter.get("headers"),
                fetched_at=_aware(fetched_at),
                hints=adapter.get("hints"),
            )
        )
        for stage, seconds in out.cpu.items():
            stats.inc_value(f"stage_cpu/{stage}", seconds)
        if out.article is None:
            problem = out.problem or "worker_failed"
            stats.inc_value(f"source/{source}/errors/{problem}")
            if problem in WALL_KINDS:
                log.warning(
                    "source %s: %s is a %s, not an article (%s): not stored",
                    source,
                    adapter["url"],
                    problem.replace("_", " "),
                    out.message,
                )
            elif problem == "needs_browser":
                log.warning(
                    "source %s: %s is built by JavaScript: not stored (render: true in its"
                    " source renders it in a browser)",
                    source,
                    adapter["url"],
                )
            elif problem != "empty_page":
                log.warning("cannot analyse %s: %s", adapter["url"], out.message)
            raise DropItem(f"{problem} for {adapter['url']}: {out.message or 'no article'}")
        record = out.article
        if out.problem == "analyse_failed":
            # Stored without people and dates.
            log.warning("cannot analyse people and dates of %s: %s", adapter["url"], out.message)
            stats.inc_value(f"source/{source}/errors/analyse_failed")
        if record.get("text_partial"):
            # A paywalled article: stored with its metadata, its text partial.
            stats.inc_value(f"source/{source}/paywalled")
        if record["provenance"].get("limits"):
            # A page larger than the bounds on the work of one page (kept, counted).
            stats.inc_value(f"source/{source}/pages_bounded")
        label = record["relevance"]
        stats.inc_value(f"relevance/{label}")
        stats.inc_value(f"source/{source}/{label}")
        if record.get("people") is not None:
            stats.inc_value("analysed/articles")
            stats.inc_value("analysed/people", len(record["people"]))
            stats.inc_value("analysed/dates", len(record["text_dates"]))
        record["extractor_version"] = self.version
        key = adapter.get("reprocess_of")
        if key and record["canonical_url"] != key:
            # A reprocess derives the stored row again under its own key, even when the
            # page now gives another canonical address (counted; the row is not moved).
            stats.inc_value("reprocess/canonical_differs")
            record["canonical_url"] = key
        adapter["article"] = record
        # The page's bytes are not needed after this (the store never parses HTML).
        adapter["body"] = b""
        return item
