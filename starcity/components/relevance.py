"""Item pipeline 200: relevance label, score and evidence of each article."""

from __future__ import annotations

import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from pipelines.relevance import RelevanceScorer
from starcity.config import load_topic


class RelevancePipeline:
    """Judge each extracted article against the crawl's topic (STARCITY_TOPIC)."""

    def __init__(self, crawler: Crawler, scorer: RelevanceScorer) -> None:
        self.crawler = crawler
        self.scorer = scorer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        return cls(crawler, RelevanceScorer(load_topic(crawler.settings["STARCITY_TOPIC"])))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("article")
        if not article:
            return item
        cpu = time.thread_time()
        judgement = self.scorer.judge(article["title"], article["description"], article["text"])
        self.crawler.stats.inc_value("stage_cpu/relevance", time.thread_time() - cpu)
        article["relevance"] = judgement.label
        article["relevance_score"] = judgement.score
        article["relevance_evidence"] = judgement.evidence
        self.crawler.stats.inc_value(f"relevance/{judgement.label}")
        self.crawler.stats.inc_value(f"source/{adapter['source']}/{judgement.label}")
        return item
