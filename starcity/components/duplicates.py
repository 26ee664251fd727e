"""Item pipeline 300: link each article to an earlier copy of it (pipelines.fingerprints)."""

from __future__ import annotations

import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from db.duplicates import stored_fingerprints
from db.migrations import open_database
from pipelines.fingerprints import (
    DuplicateIndex,
    minhash,
    signature_bytes,
    signature_from_bytes,
    text_hash,
    url_key,
)

log = logging.getLogger(__name__)


class DedupePipeline:
    """Fingerprint each article and link it to an earlier copy, stored or of this crawl."""

    def __init__(self, crawler: Crawler, path: str, threshold: float) -> None:
        self.crawler = crawler
        self.path = path
        self.index = DuplicateIndex(threshold)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        settings = crawler.settings
        return cls(
            crawler,
            settings["STARCITY_DB"],
            settings.getfloat("STARCITY_DEDUPE_NEAR_THRESHOLD", 0.8),
        )

    def open_spider(self) -> None:
        db = open_database(self.path)
        try:
            rows = stored_fingerprints(db)
        finally:
            db.close()
        for canonical, key, digest, blob in rows:
            sig = signature_from_bytes(blob) if blob else None
            self.index.add(canonical, key, digest, sig)
        log.info("duplicate index: %d stored articles", len(rows))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("article")
        if not article:
            return item
        cpu = time.thread_time()
        canonical = article["canonical_url"]
        key = url_key(canonical)
        digest = text_hash(article["text"])
        sig = minhash(article["text"])
        article["url_key"] = key
        article["text_hash"] = digest
        article["minhash"] = signature_bytes(sig) if sig is not None else None
        found = None
        if article.get("syndication_of"):
            # A syndicated copy declares its original on another site (rel=canonical).
            original = self.index.by_url_key.get(url_key(article["syndication_of"]))
            if original and original != canonical:
                found = (original, "canonical", 1.0)
        found = found or self.index.match(canonical, key, digest, sig)
        if found:
            original, kind, similarity = found
            article["duplicate_match"] = original
            article["duplicate_kind"] = kind
            article["duplicate_similarity"] = similarity
            self.crawler.stats.inc_value(f"dedupe/{kind}")
        self.index.add(canonical, key, digest, sig)
        self.crawler.stats.inc_value("stage_cpu/duplicates", time.thread_time() - cpu)
        return item
