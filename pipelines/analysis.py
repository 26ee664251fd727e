"""Everything the crawl computes about one fetched page, as one step: extraction,
relevance, fingerprints for the duplicate check, and people and dates of the articles
whose relevance label is analysed.

These are the crawl's CPU-heavy steps, and none of them needs anything but the page and
the configuration, so the analysis component (starcity/components/analysis.py) runs them
in worker processes, a batch of pages at a time: ``start_worker`` builds one
``PageAnalyser`` per process (the spaCy model loads once there) and ``analyse_in_worker``
runs a batch. With no workers the component calls ``PageAnalyser.analyse`` itself.
"""

from __future__ import annotations

import logging
import resource
import signal
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines.entities import EntityLinker, KnowledgeBase
from pipelines.extract import extract
from pipelines.fingerprints import fingerprint
from pipelines.people_dates import analyse, analyse_many
from pipelines.relevance import RelevanceScorer
from starcity.config import Topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisConfig:
    """What a worker needs to analyse pages: the topic, the knowledge base (as read from
    its file), the spaCy model, which relevance labels get people and dates, and how many
    texts spaCy parses at a time."""

    topic: Topic
    knowledge: dict[str, Any]
    model: str
    labels: frozenset[str]
    ner_batch_size: int = 16


@dataclass
class PageIn:
    """A fetched page, as much of it as the analysis reads."""

    url: str
    body: bytes
    headers: dict[str, str] | None = None
    fetched_at: datetime | None = None
    hints: dict[str, Any] | None = None


@dataclass
class PageOut:
    """What the analysis made of one page.

    ``article`` is the record (None when there is none); ``problem`` names why not
    (``extract_failed``, ``empty_page``) or what went wrong after extraction
    (``analyse_failed``: the article is kept without people and dates), with
    ``message``; ``cpu`` holds CPU seconds by stage.
    """

    article: dict[str, Any] | None
    problem: str | None = None
    message: str | None = None
    cpu: dict[str, float] = field(default_factory=dict)


class PageAnalyser:
    """Runs the analysis steps over batches of pages, with one configuration."""

    def __init__(self, config: AnalysisConfig, linker: EntityLinker | None = None) -> None:
        """``linker``: one already built for this configuration (the model loads once)."""
        self.config = config
        self.scorer = RelevanceScorer(config.topic)
        self.linker = linker or EntityLinker(
            KnowledgeBase.from_data(config.knowledge), config.model
        )

    def analyse(self, pages: list[PageIn], now: datetime) -> list[PageOut]:
        """One ``PageOut`` per page, in order. ``now`` (aware) stands for the fetch time of
        a page that has none and gives "today" to dates read relative to it."""
        results = [self._page(page, now) for page in pages]
        chosen = [
            out
            for out in results
            if out.article is not None and out.article["relevance"] in self.config.labels
        ]
        if chosen:
            self._people_dates(chosen, now.date())
        return results

    def _page(self, page: PageIn, now: datetime) -> PageOut:
        out = PageOut(None)
        cpu = time.thread_time()
        try:
            record: dict[str, Any] = dict(
                extract(
                    page.body,
                    page.url,
                    page.headers,
                    fetched_at=page.fetched_at or now,
                    hints=page.hints,
                )
            )
        except Exception as exc:  # a page we cannot parse must not stop the crawl
            out.problem, out.message = "extract_failed", f"{type(exc).__name__}: {exc}"
            return out
        finally:
            out.cpu["extract"] = time.thread_time() - cpu
        own_title = record["title"] and record["provenance"].get("title") != "feed:title"
        if not own_title and not record["text"]:
            # Nothing of its own (a feed's title alone does not make a page an article).
            out.problem = "empty_page"
            return out
        cpu = time.thread_time()
        judgement = self.scorer.judge(record["title"], record["description"], record["text"])
        record["relevance"] = judgement.label
        record["relevance_score"] = judgement.score
        record["relevance_evidence"] = judgement.evidence
        out.cpu["relevance"] = time.thread_time() - cpu
        cpu = time.thread_time()
        record.update(fingerprint(record))
        out.cpu["duplicates"] = time.thread_time() - cpu
        out.article = record
        return out

    def _people_dates(self, outs: list[PageOut], today: date) -> None:
        cpu = time.thread_time()
        records = [out.article for out in outs]
        try:
            found: list[dict[str, Any] | None] = list(
                analyse_many(self.linker, records, today, self.config.ner_batch_size)
            )
        except Exception:  # find the odd text out: one at a time
            found = []
            for out in outs:
                try:
                    found.append(analyse(self.linker, out.article, today))
                except Exception as exc:  # one odd text must not cost the article
                    out.problem = "analyse_failed"
                    out.message = f"{type(exc).__name__}: {exc}"
                    found.append(None)
        for out, result in zip(outs, found, strict=True):
            if result is not None:
                out.article.update(result)
        spent = (time.thread_time() - cpu) / len(outs)
        for out in outs:
            out.cpu["people_dates"] = spent


# The worker process's analyser, built by start_worker.
_analyser: PageAnalyser | None = None


def start_worker(config: AnalysisConfig) -> None:
    """Initialise a worker process: build its analyser (loads the spaCy model).

    Ctrl-C in a terminal reaches every process of the group, and a service manager's
    SIGTERM may too: a worker ignores both, so that the crawl's graceful stop can finish
    the batches in flight; the component ends the workers when the crawl closes.
    """
    global _analyser
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _analyser = PageAnalyser(config)


def analyse_in_worker(pages: list[PageIn], now: datetime) -> tuple[list[PageOut], int]:
    """Analyse a batch in a worker; returns the results and the worker's peak RSS in KB."""
    if _analyser is None:
        raise RuntimeError("start_worker was not called in this process")
    results = _analyser.analyse(pages, now)
    return results, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
