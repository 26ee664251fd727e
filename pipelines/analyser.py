"""The analysis of a batch of pages: extraction, relevance, fingerprints, then people and
dates of the articles whose relevance label is analysed (pipelines/analysis.py says where
it runs)."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from pipelines.analysis import AnalysisConfig, PageIn, PageOut
from pipelines.entities import EntityLinker, KnowledgeBase
from pipelines.extract import extract
from pipelines.fingerprints import fingerprint
from pipelines.language import with_language
from pipelines.people_dates import analyse, analyse_many
from pipelines.relevance import RelevanceScorer
from pipelines.walls import find_wall, needs_browser


class PageAnalyser:
    """Runs the analysis steps over batches of pages, with one configuration."""

    def __init__(self, config: AnalysisConfig, linker: EntityLinker | None = None) -> None:
        """``linker``: one already built for this configuration (the model loads once)."""
        self.config = config
        self.scorer = RelevanceScorer(config.topic)
        self.linker = linker or EntityLinker(
            KnowledgeBase.from_data(config.knowledge), config.model, config.language_models
        )

    def analyse(self, pages: list[PageIn], now: datetime) -> list[PageOut]:
        """One ``PageOut`` per page, in order. ``now`` (aware) stands for the fetch time of
        a page that has none and gives "today" to dates read relative to it."""
        results = [self._page(page, now) for page in pages]
        # Dates without a year are read against the day the page was fetched (a
        # reprocess's pages were fetched on other days than today).
        by_day: dict[date, list[PageOut]] = {}
        for page, out in zip(pages, results, strict=True):
            if out.article is not None and out.article["relevance"] in self.config.labels:
                by_day.setdefault((page.fetched_at or now).date(), []).append(out)
        for day, chosen in by_day.items():
            self._people_dates(chosen, day)
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
        wall = find_wall(record, page.body, page.url, page.headers)
        if wall is not None and not wall.keeps_article:
            # A consent page, a bot challenge or a paywall's stub: no article (counted).
            out.problem, out.message = wall.kind, wall.evidence
            return out
        if wall is None and needs_browser(record):
            # The shell of a page built by JavaScript (counted: its source needs render).
            out.problem = "needs_browser"
            out.message = "the page is built by JavaScript (the source needs render: true)"
            return out
        if wall is not None:
            # A paywalled article: its metadata is the article's, its text a teaser.
            record["text_partial"] = 1
            record["provenance"] = {**record["provenance"], "text_partial": wall.evidence}
        own_title = record["title"] and record["provenance"].get("title") != "feed:title"
        if not own_title and not record["text"]:
            # Nothing of its own (a feed's title alone does not make a page an article).
            out.problem = "empty_page"
            return out
        cpu = time.thread_time()
        record.update(with_language(record))
        out.cpu["language"] = time.thread_time() - cpu
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
