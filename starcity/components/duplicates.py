"""Item pipeline 300: link each article to an earlier copy of it (pipelines.fingerprints).

The fingerprints (URL key, text hash, MinHash signature) come with the article from the
analysis; this component holds the index of what was seen, so it runs in the crawl's
process.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from db.duplicates import stored_fingerprints
from db.migrations import open_database
from pipelines.fingerprints import DuplicateIndex, fingerprint, signature_from_bytes, url_key

log = logging.getLogger(__name__)


class DedupePipeline:
    """Fingerprint each article and link it to an earlier copy, stored or of this crawl."""

    def __init__(self, crawler: Crawler, path: str, threshold: float) -> None:
        self.crawler = crawler
        self.path = path
        self.index = DuplicateIndex(threshold)
        # Each stored article's place in the order they were first seen: in a reprocess, an
        # article's original can only be one seen before it, as in the crawl that stored it.
        self.rank: dict[str, int] = {}

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
            count = load_index(self.index, db, self.rank)
        finally:
            db.close()
        log.info("duplicate index: %d stored articles", count)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article = adapter.get("article")
        if not article:
            return item
        cpu = time.thread_time()
        canonical = article["canonical_url"]
        again = adapter.get("reprocess_of") == canonical and canonical in self.rank
        kind = link_copy(self.index, article, self.rank if again else None)
        if kind:
            self.crawler.stats.inc_value(f"dedupe/{kind}")
        self.crawler.stats.inc_value("stage_cpu/duplicates", time.thread_time() - cpu)
        return item


def load_index(index: DuplicateIndex, db: Any, rank: dict[str, int] | None = None) -> int:
    """Fill ``index`` with the stored articles' fingerprints (and ``rank`` with each one's
    place in the order they were first seen); how many."""
    rows = stored_fingerprints(db)
    for place, (canonical, key, digest, blob) in enumerate(rows):
        sig = signature_from_bytes(blob) if blob else None
        index.add(canonical, key, digest, sig)
        if rank is not None:
            rank[canonical] = place
    return len(rows)


def link_copy(
    index: DuplicateIndex, article: dict[str, Any], rank: dict[str, int] | None = None
) -> str | None:
    """Link ``article`` to an earlier copy of it in ``index`` (its ``duplicate_match``,
    ``_kind`` and ``_similarity``), then add it to the index; the kind of copy, or None.

    ``rank``: the article is stored already and derived again (a reprocess): only articles
    first seen before it can be its original, and its fingerprints replace its old ones.
    """
    canonical = article["canonical_url"]
    if "url_key" not in article:  # not fingerprinted by the analysis
        article.update(fingerprint(article))
    key, digest = article["url_key"], article["text_hash"]
    sig = signature_from_bytes(article["minhash"]) if article["minhash"] else None
    found = None
    if article.get("syndication_of"):
        # A syndicated copy declares its original on another site (rel=canonical).
        original = index.by_url_key.get(url_key(article["syndication_of"]))
        if original and original != canonical:
            found = (original, "canonical", 1.0)
    if rank is not None:
        mine = rank[canonical]
        found = found or index.match(
            canonical, key, digest, sig, lambda other: rank.get(other, mine) < mine
        )
    else:
        found = found or index.match(canonical, key, digest, sig)
    if found:
        original, kind, similarity = found
        article["duplicate_match"] = original
        article["duplicate_kind"] = kind
        article["duplicate_similarity"] = similarity
    if rank is not None:
        index.replace(canonical, key, digest, sig)
    else:
        index.add(canonical, key, digest, sig)
    return found[1] if found else None
