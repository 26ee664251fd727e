"""Relevance scoring plus duplicate lookup per article, with 100,000 articles stored.

Usage (part of `make bench`):

    .venv/bin/python bench/dedupe_relevance.py [--stored 100000]

The duplicate index is what a crawl builds when it starts (`DedupePipeline.open_spider`):
URL keys and text hashes in hash maps, MinHash signatures in an LSH index. It is filled
with ``--stored`` articles (random URL keys, hashes and signatures: what matters for the
lookup is the index's size, not the texts), then every page of the labelled development
set (bench/relevance/) is scored by the crawl's relevance scorer and looked up the way
the crawl does it (URL key, text hash, MinHash query). Writes
bench/results/dedupe_relevance.md; exits 1 when the median is 5 ms or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasketch import MinHash  # noqa: E402

from pipelines.extract import extract  # noqa: E402
from pipelines.fingerprints import (  # noqa: E402
    NUM_PERM,
    SCHEME,
    DuplicateIndex,
    minhash,
    text_hash,
    url_key,
)
from pipelines.relevance import RelevanceScorer  # noqa: E402
from starcity.config import load_topic  # noqa: E402

# The fetch time of the pages read here: this run's (what a crawl would give them).
NOW = datetime.now(UTC)

PAGES = ROOT / "bench" / "relevance" / "pages"
TARGET_MS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    index = DuplicateIndex(threshold=0.8)
    started = time.perf_counter()
    for n in range(args.stored):
        values = rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
        index.add(
            f"https://stored.example/{n}",
            f"stored.example/{n}",
            f"{rng.integers(0, 2**63):016x}",
            MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME),
        )
    fill_seconds = time.perf_counter() - started

    scorer = RelevanceScorer(load_topic())
    records = [
        extract(path.read_bytes(), f"https://dev.example/{path.stem}", fetched_at=NOW)
        for path in sorted(PAGES.glob("*.html"))
    ]
    timings = []
    for _ in range(3):
        for record in records:
            started = time.perf_counter()
            scorer.judge(record["title"], record["description"], record["text"])
            canonical = record["canonical_url"]
            index.match(
                canonical, url_key(canonical), text_hash(record["text"]), minhash(record["text"])
            )
            timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    worst = max(timings)
    p90 = sorted(timings)[int(0.9 * (len(timings) - 1))]
    verdict = "under" if median < TARGET_MS else "NOT under"
    text = (
        f"Relevance scoring plus duplicate lookup (URL key, text hash, MinHash LSH query) with"
        f" {args.stored:,} articles in the index, over {len(records)} pages three times:"
        f" median {median:.2f} ms, 90th percentile {p90:.2f} ms, worst {worst:.2f} ms per"
        f" article ({verdict} the {TARGET_MS:.0f} ms target). Building the index of"
        f" {args.stored:,} articles, once per crawl: {fill_seconds:.1f} s."
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dedupe_relevance.md").write_text("# Relevance and duplicate lookup\n\n" + text + "\n")
    print(text)
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
