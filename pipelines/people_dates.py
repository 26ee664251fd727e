"""Pipeline: the people, works and dates of each relevant article.

The work is done by pipelines.entities (spaCy and the knowledge base) and
pipelines.text_dates; this component runs them on the articles whose relevance label is
in STARCITY_ANALYSE_LABELS and attaches plain lists to the item for the storage step.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from db.knowledge import load_into
from db.migrations import open_database
from pipelines.entities import (
    DEFAULT_MODEL,
    KNOWLEDGE_FILE,
    WORDS_PER_CALL,
    EntityLinker,
    KnowledgeBase,
)
from pipelines.text_dates import attribute_works, find_dates
from starcity.config import ROOT

log = logging.getLogger(__name__)


def publication_day(record: dict[str, Any]) -> date | None:
    """The day the article was published, in its own time zone when the page gave one."""
    value = record.get("published") or record.get("published_utc")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


# People and dates are looked for in the first this many words of an article: the
# statistical model needs about 15 KB of memory per word in flight, so a page of a
# million short words would need gigabytes. Cost: a name or a date mentioned only after
# the 6,000th word is not found; of the 471 evaluation articles, one is longer (6,758
# words), the median has 547.
MAX_ANALYSED_WORDS = 6_000
# ... and in at most this many characters (Chinese and Japanese have no spaces to count
# words by; a run without spaces is one word however long).
MAX_ANALYSED_CHARS = 60_000
_WORD = re.compile(r"\S+")


def _text_of(record: dict[str, Any]) -> str:
    """Headline, standfirst (the description, unless the text already holds it) and text,
    up to MAX_ANALYSED_WORDS words."""
    text = record.get("text") or ""
    description = record.get("description") or ""
    standfirst = description if description and description[:60] not in text else ""
    whole = "\n".join(part for part in (record.get("title"), standfirst, text) if part)
    return _first_words(whole, MAX_ANALYSED_WORDS)[:MAX_ANALYSED_CHARS]


def _first_words(text: str, limit: int) -> str:
    """``text`` up to the end of its ``limit``-th word (whole when shorter)."""
    if len(text) < limit * 2:  # cannot hold that many words
        return text
    for count, word in enumerate(_WORD.finditer(text), start=1):
        if count == limit:
            return text[: word.end()]
    return text


def analyse(linker: EntityLinker, record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """People (byline authors included), works and text dates of one extracted article."""
    return analyse_many(linker, [record])[0]


def analyse_many(
    linker: EntityLinker, records: list[dict[str, Any]], batch_size: int = 16
) -> list[dict[str, list[dict[str, Any]]]]:
    """``analyse`` for several articles, their texts parsed by spaCy in batches."""
    docs = linker.docs([(_text_of(r), r.get("language")) for r in records], batch_size)
    return [_analysis(linker, record, doc) for record, doc in zip(records, docs, strict=True)]


def _analysis(linker: EntityLinker, record: dict[str, Any], doc: Any) -> dict[str, Any]:
    text = _text_of(record)
    dates = attribute_works(
        text,
        find_dates(text, publication_day(record), record.get("language")),
        linker.work_spans(doc),
        linker.kb.subject_work,
    )
    return {
        "people": [asdict(m) for m in linker.people(doc, record.get("authors"))],
        "works": [asdict(w) for w in linker.works(doc)],
        "text_dates": [d.as_row() for d in dates],
    }


def relevance_of(record: dict[str, Any]) -> dict[str, Any]:
    """The crawl's relevance judgement of one extracted record: label, score, evidence."""
    from pipelines.relevance import RelevanceScorer
    from starcity.config import load_topic

    judgement = RelevanceScorer(load_topic()).judge(
        record.get("title"), record.get("description"), record.get("text")
    )
    return {"label": judgement.label, "score": judgement.score, "evidence": judgement.evidence}


def describe(record: dict[str, Any], model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """What the crawl would store for one extracted record, for the extraction CLI: the
    people and dates of its text (the crawl analyses only relevant articles; the CLI
    analyses any page it is given).

    ``people`` items are ``{"name", "role", "mentions", "kb_id", "confidence", "method"}``
    and ``dates`` items ``{"date", "precision", "text", "kind", "sentence", "qualifier",
    "other_work"}``, from the same code the pipeline runs.
    """
    found = analyse(EntityLinker(KnowledgeBase.load(KNOWLEDGE_FILE), model), record)
    people = [
        {
            "name": m["name"],
            "role": m["role"],
            "mentions": m["count"],
            "kb_id": m["person_id"] if m["in_knowledge_base"] else None,
            "confidence": m["confidence"],
            "method": m["method"],
        }
        for m in found["people"]
    ]
    keys = ("date", "precision", "text", "kind", "sentence", "qualifier", "other_work")
    dates = [{key: d[key] for key in keys} for d in found["text_dates"]]
    return {"people": people, "dates": dates}


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
        path = Path(settings.get("STARCITY_KNOWLEDGE_BASE") or KNOWLEDGE_FILE)
        kb = KnowledgeBase.load(path if path.is_absolute() else ROOT / path)
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
            load_into(db, self.linker.kb)
        finally:
            db.close()

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("article")
        if not article or article.get("relevance") not in self.labels:
            return item
        done = asyncio.get_running_loop().create_future()
        self.pending.append((adapter, article, done))
        self.pending_words += len(_text_of(article).split())
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
        try:
            try:
                results = analyse_many(self.linker, [article for _, article, _ in batch])
            except Exception:  # find the odd text out: one at a time
                results = [self._one(adapter, article) for adapter, article, _ in batch]
            for (_, article, _), result in zip(batch, results, strict=True):
                if result is not None:
                    article.update(result)
                    self.crawler.stats.inc_value("analysed/articles")
                    self.crawler.stats.inc_value("analysed/people", len(result["people"]))
                    self.crawler.stats.inc_value("analysed/dates", len(result["text_dates"]))
        finally:
            # whatever happened, every waiting item goes on (a timer callback's error
            # would otherwise leave them waiting and the crawl never ending)
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _one(self, adapter: ItemAdapter, article: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return analyse(self.linker, article)
        except Exception as exc:  # one odd text must not cost the article
            log.warning("cannot analyse people and dates of %s: %s", adapter["url"], exc)
            self.crawler.stats.inc_value(f"source/{adapter['source']}/errors/analyse_failed")
            return None
