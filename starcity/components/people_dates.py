"""Item pipeline 400: people, works and dates of the relevant articles, in batches."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from db.knowledge import load_into
from db.migrations import open_database
from pipelines.entities import DEFAULT_MODEL, WORDS_PER_CALL, EntityLinker, KnowledgeBase
from pipelines.people_dates import analyse, analyse_many, text_of
from starcity.config import KNOWLEDGE_FILE, load_knowledge

log = logging.getLogger(__name__)


class PeopleDatesPipeline:
    """People, works and dates of relevant articles, parsed by spaCy in batches.

    Items wait until ``STARCITY_NER_BATCH_SIZE`` relevant articles, or
    ``STARCITY_NER_BATCH_WORDS`` words to analyse, are pending, or
    ``STARCITY_NER_BATCH_WAIT`` seconds have passed, then go through ``nlp.pipe`` together;
    the model is loaded once per process. A waiting item holds its page (up to 16 MB) in
    memory, so long articles do not wait for company. An article whose analysis fails is
    stored without people and dates, and counted.
    """

    def __init__(
        self,
        crawler: Crawler,
        linker: EntityLinker,
        labels: set[str],
        batch_size: int = 16,
        batch_wait: float = 0.25,
        batch_words: int = WORDS_PER_CALL,
    ) -> None:
        self.crawler = crawler
        self.linker = linker
        self.labels = labels
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.batch_words = max(1, batch_words)
        self.pending: list[tuple[ItemAdapter, dict[str, Any], asyncio.Future]] = []
        self.pending_words = 0
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PeopleDatesPipeline:
        settings = crawler.settings
        kb = KnowledgeBase.from_data(
            load_knowledge(settings.get("STARCITY_KNOWLEDGE_BASE") or KNOWLEDGE_FILE)
        )
        linker = EntityLinker(kb, settings.get("STARCITY_SPACY_MODEL") or DEFAULT_MODEL)
        return cls(
            crawler,
            linker,
            set(settings.getlist("STARCITY_ANALYSE_LABELS")),
            settings.getint("STARCITY_NER_BATCH_SIZE", 16),
            settings.getfloat("STARCITY_NER_BATCH_WAIT", 0.25),
            settings.getint("STARCITY_NER_BATCH_WORDS", WORDS_PER_CALL),
        )

    def open_spider(self) -> None:
        db = open_database(self.crawler.settings["STARCITY_DB"])
        try:
            kb = self.linker.kb
            load_into(db, kb.people, kb.works, kb.organisations)
        finally:
            db.close()

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("article")
        if not article or article.get("relevance") not in self.labels:
            return item
        done = asyncio.get_running_loop().create_future()
        self.pending.append((adapter, article, done))
        self.pending_words += len(text_of(article).split())
        if len(self.pending) >= self.batch_size or self.pending_words >= self.batch_words:
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.batch_wait, self.flush)
        await done
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Analyse every pending article and let their items go on."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending, self.pending_words = self.pending, [], 0
        if not batch:
            return
        cpu = time.thread_time()
        try:
            try:
                today = datetime.now(UTC).date()
                results = analyse_many(self.linker, [article for _, article, _ in batch], today)
            except Exception:  # find the odd text out: one at a time
                results = [self._one(adapter, article) for adapter, article, _ in batch]
            for (_, article, _), result in zip(batch, results, strict=True):
                if result is not None:
                    article.update(result)
                    self.crawler.stats.inc_value("analysed/articles")
                    self.crawler.stats.inc_value("analysed/people", len(result["people"]))
                    self.crawler.stats.inc_value("analysed/dates", len(result["text_dates"]))
        finally:
            self.crawler.stats.inc_value("stage_cpu/people_dates", time.thread_time() - cpu)
            # whatever happened, every waiting item goes on (a timer callback's error
            # would otherwise leave them waiting and the crawl never ending)
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _one(self, adapter: ItemAdapter, article: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return analyse(self.linker, article, datetime.now(UTC).date())
        except Exception as exc:  # one odd text must not cost the article
            log.warning("cannot analyse people and dates of %s: %s", adapter["url"], exc)
            self.crawler.stats.inc_value(f"source/{adapter['source']}/errors/analyse_failed")
            return None
