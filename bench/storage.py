"""Storage cost: writing articles into a fresh database, by batch size, and what the
full-text index and the other triggers on `articles` cost.

Usage (part of `make bench`):

    .venv/bin/python bench/storage.py [--articles 1000] [--repeat 3]

Builds N article records shaped like the crawl's (about 550 words of text, title,
description, authors, tags, provenance, relevance evidence, a MinHash signature; one in
three relevant, with people, works and reported dates), then, for each configuration, into
a fresh database made by the project's migrations (FTS5 and its triggers included) with
the knowledge base loaded, as a crawl has it: stores them all (new rows), then all again
(the updates of a re-crawl), through db/batches.py's WriteBatch as the storage pipeline
does. Configurations: each write its own transaction (as before batches), batch sizes 1
to 500, and, at batch sizes 1 and the default, the same writes with the FTS triggers on
`articles` dropped, and with every trigger dropped. The databases are made under
data/bench/, on the disk that holds the crawl's database: a commit's cost is mostly the
disk's sync. Reports wall and CPU milliseconds per article (median of the repeats) in
bench/results.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import settings  # noqa: E402  (the crawl's defaults)
from bench.results import write_section  # noqa: E402
from db.articles import store_article_and_people  # noqa: E402
from db.batches import WriteBatch  # noqa: E402
from db.knowledge import load_into  # noqa: E402
from db.migrations import open_database  # noqa: E402
from starcity.config import load_knowledge  # noqa: E402

DEFAULT_SIZE = settings.STARCITY_STORE_BATCH_SIZE
FTS_TRIGGERS = ("articles_ai", "articles_ad", "articles_au")

COMMON = (
    "the of and to a in that is was for on it with as his her at by from they be this have "
    "an which or had not but are were has their been its one all who would there more when "
    "will said after about up out into new first than two also over time year like season"
).split()
TOPIC = (
    "apple tv series drama space race soviet cosmonaut premiere trailer season episode cast "
    "showrunner creator review filming moscow launch rocket programme chief designer history "
    "spinoff mankind streaming release date interview thriller cold war mission engineer"
).split()


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Made-up words, so that the full-text index meets a vocabulary of a realistic size."""
    syllables = "ka lo mi re su ta ne vo pi da ru ze sho ba li mo ter an el gor vin".split()
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return sorted(words)


def make_records(count: int, seed: int = 15) -> tuple[list[dict[str, Any]], dict]:
    """``count`` article records as the storage step gets them, and the knowledge base."""
    rng = random.Random(seed)
    kb = load_knowledge()
    kb_people = [(p["id"], p["name"]) for p in kb.get("people") or []]
    kb_works = [w["id"] for w in kb.get("works") or []]
    rare = _vocabulary(rng)
    # Zipf-like: common words most, the topic's often, the long tail rarely.
    weights = (
        [40.0] * len(COMMON) + [6.0] * len(TOPIC) + [1.0 / (1 + i / 50) for i in range(len(rare))]
    )
    vocabulary = COMMON + TOPIC + rare
    sources = [f"source-{n}" for n in range(20)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for n in range(count):
        words = rng.choices(vocabulary, weights, k=rng.randint(450, 650))
        text = "\n\n".join(
            " ".join(words[i : i + 60]).capitalize() + "." for i in range(0, len(words), 60)
        )
        source = rng.choice(sources)
        url = f"https://{source}.example/news/{n:06d}-star-city.html"
        published = start + timedelta(minutes=37 * n)
        relevant = n % 3 == 0
        record: dict[str, Any] = {
            "url": url,
            "canonical_url": url,
            "syndication_of": None,
            "title": " ".join(rng.choices(vocabulary, weights, k=rng.randint(7, 13))).title(),
            "description": " ".join(rng.choices(vocabulary, weights, k=30)).capitalize() + ".",
            "site_name": source.title(),
            "authors": [rng.choice(kb_people)[1] if relevant else "Staff Writer"],
            "published_at": published.isoformat(timespec="seconds"),
            "published_at_local": published.isoformat(timespec="seconds"),
            "modified_at": None,
            "modified_at_local": None,
            "language": "en",
            "section": "tv",
            "tags": rng.sample(TOPIC, 3),
            "text": text,
            "word_count": len(words),
            "provenance": {
                "title": "jsonld:headline",
                "authors": "jsonld:author",
                "published_at": "jsonld:datePublished",
                "text": "main_text:trafilatura",
                "language": "html[lang]",
                "site_name": "og:site_name",
            },
            "source": source,
            "http_status": 200,
            "fetched_at": (published + timedelta(hours=1)).isoformat(timespec="seconds"),
            "relevance": "relevant" if relevant else rng.choice(["off_topic", "mention"]),
            "relevance_score": round(rng.uniform(0, 12), 2),
            "relevance_evidence": {"title": ["star city"], "text": ["apple tv", "soviet"]},
            "url_key": url.split("://", 1)[1],
            "text_hash": hashlib.sha1(text.encode()).hexdigest(),
            "minhash": rng.randbytes(128 * 8),
            "duplicate_match": None,
            "duplicate_kind": None,
            "duplicate_similarity": None,
        }
        if relevant:
            named = rng.sample(kb_people, 3) + [(f"outsider-{n}", f"Outside Person {n}")]
            record["people"] = [
                {
                    "person_id": person_id,
                    "name": name,
                    "in_knowledge_base": not person_id.startswith("outsider-"),
                    "role": "mentioned",
                    "count": rng.randint(1, 6),
                    "first_offset": rng.randint(0, 3000),
                    "snippet": " ".join(words[:25]),
                    "method": "knowledge_base",
                    "confidence": 1.0,
                    "surface_forms": [name],
                }
                for person_id, name in named
            ]
            record["works"] = [
                {"work_id": work, "count": 2, "first_offset": 10}
                for work in rng.sample(kb_works, min(1, len(kb_works)))
            ]
            record["text_dates"] = [
                {
                    "date": f"2026-{month:02d}-{rng.randint(1, 28):02d}",
                    "precision": "day",
                    "text": "May 29",
                    "kind": rng.choice(["premiere/release", "filming", "episode"]),
                    "sentence": " ".join(words[30:55]),
                    "offset": rng.randint(0, 3000),
                    "qualifier": None,
                    "other_work": None,
                }
                for month in rng.sample(range(1, 13), 3)
            ]
        records.append(record)
    return records, kb


def fresh_database(path: Path, kb: dict, drop_triggers: tuple[str, ...] | str = ()) -> Any:
    """The project's schema at ``path`` with the knowledge base loaded, as a crawl opens
    it; ``drop_triggers``: trigger names to drop, or "all"."""
    db = open_database(str(path))
    load_into(db, kb.get("people") or [], kb.get("works") or [], kb.get("organisations") or [])
    names = [r["name"] for r in db.query("select name from sqlite_master where type = 'trigger'")]
    for name in names if drop_triggers == "all" else drop_triggers:
        db.execute(f"drop trigger [{name}]")
    return db


def store_all(db: Any, records: list[dict[str, Any]], size: int | None, seen_at: str) -> None:
    """Every record through a WriteBatch of ``size``; None: each write on its own
    transactions, as before batches (the article, then its people)."""
    if size is None:
        for record in records:
            store_article_and_people(db, record, seen_at)
        return
    batch = WriteBatch(db, size=size, seconds=3600)
    for record in records:
        batch.write(
            lambda d, r=record: store_article_and_people(d, r, seen_at), record["canonical_url"]
        )
    batch.flush()


def timed(work: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_once(
    path: Path,
    records: list[dict[str, Any]],
    kb: dict,
    size: int | None,
    drop: tuple[str, ...] | str,
) -> dict[str, float]:
    """Milliseconds per article, wall and CPU, for new rows and for updates, in a fresh
    database at ``path`` (removed afterwards)."""
    figures = {}
    db = fresh_database(path, kb, drop)
    try:
        for key, seen_at in (("new", "2026-12-01T00:00:00+00:00"),
                             ("update", "2026-12-02T00:00:00+00:00")):  # fmt: skip
            wall, cpu = timed(lambda s=seen_at: store_all(db, records, size, s))
            figures[key] = wall * 1000 / len(records)
            figures[f"{key}_cpu"] = cpu * 1000 / len(records)
        rows = db.execute("select count(*) from articles").fetchone()[0]
        assert rows == len(records), rows
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dir",
        type=Path,
        default=ROOT / "data" / "bench",
        help="where the databases are made (a commit's cost depends on this disk)",
    )
    args = parser.parse_args()
    records, kb = make_records(args.articles)
    words = statistics.mean(r["word_count"] for r in records)
    args.dir.mkdir(parents=True, exist_ok=True)
    configurations: list[tuple[str, int | None, tuple[str, ...] | str]] = [
        ("each write its own transaction (before batches)", None, ()),
        ("batch size 1 (a commit per article)", 1, ()),
        ("batch size 10", 10, ()),
        ("batch size 50", 50, ()),
        ("batch size 100", 100, ()),
        ("batch size 500", 500, ()),
    ]
    if DEFAULT_SIZE not in (1, 10, 50, 100, 500):
        configurations.append((f"batch size {DEFAULT_SIZE}", DEFAULT_SIZE, ()))
    for size in (1, DEFAULT_SIZE):
        configurations += [
            (f"batch size {size}, without the FTS triggers", size, FTS_TRIGGERS),
            (f"batch size {size}, without any trigger", size, "all"),
        ]
    # Repeats go round every configuration in turn, so that a moment of load on the
    # machine spreads over all of them rather than weighing on one.
    runs: list[list[dict[str, float]]] = [[] for _ in configurations]
    folder = Path(tempfile.mkdtemp(prefix="storage-", dir=args.dir))
    try:
        for attempt in range(args.repeat):
            for n, (_, size, drop) in enumerate(configurations):
                runs[n].append(measure_once(folder / f"{n}-{attempt}.db", records, kb, size, drop))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results = []
    for (label, size, drop), figures in zip(configurations, runs, strict=True):
        median = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
        results.append((label, size, drop, median))
        print(
            f"{label:50} new {median['new']:5.2f} ms ({median['new_cpu']:4.2f} CPU)"
            f"  update {median['update']:5.2f} ms ({median['update_cpu']:4.2f} CPU)"
        )
    write_section("Storage", report(results, args, words))
    return 0


def report(results: list, args: argparse.Namespace, words: float) -> str:
    by = {(size, drop): figures for _, size, drop, figures in results}
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Generated by `make bench` (bench/storage.py) on {now}; SQLite"
        f" {sqlite3.sqlite_version}, WAL mode with synchronous=FULL (SQLite's default: the"
        f" write-ahead log is synced to disk at every commit), on {os.cpu_count()} cores"
        f" ({platform.machine()}), the databases under {_rel(args.dir)}/.",
        "",
        f"{args.articles:,} articles (mean {words:.0f} words of text; one in three relevant, with"
        " 4 people, a work and 3 reported dates) stored into a fresh database with the"
        " project's schema (FTS5 over title, description and text, kept by triggers), then"
        " stored again (the updates of a re-crawl), through `db/batches.py` as the storage"
        " pipeline writes. Milliseconds per article, wall time and CPU (the difference is"
        f" mostly waiting for the disk); median of {args.repeat} runs.",
        "",
        "| configuration | new: wall | new: CPU | update: wall | update: CPU |",
        "|---|---|---|---|---|",
    ]
    for label, _size, _drop, f in results:
        lines.append(
            f"| {label} | {f['new']:.2f} ms | {f['new_cpu']:.2f} ms | {f['update']:.2f} ms"
            f" | {f['update_cpu']:.2f} ms |"
        )
    lines.append("")
    before, one, default = by[(None, ())], by[(1, ())], by[(DEFAULT_SIZE, ())]
    lines.append(
        f"At the default batch size (`STARCITY_STORE_BATCH_SIZE` = {DEFAULT_SIZE}) a new"
        f" article costs {default['new']:.2f} ms ({default['new_cpu']:.2f} ms CPU), against"
        f" {one['new']:.2f} ms ({one['new_cpu']:.2f} ms CPU) committed one by one and"
        f" {before['new']:.2f} ms ({before['new_cpu']:.2f} ms CPU) as before batches (a"
        " relevant article then took two transactions: its row, then its people)."
    )
    lines.append("")
    for size in (1, DEFAULT_SIZE):
        full, no_fts, bare = by[(size, ())], by[(size, FTS_TRIGGERS)], by[(size, "all")]
        parts = []
        for key, what in (("new", "a new article"), ("update", "an update")):
            fts = full[f"{key}_cpu"] - no_fts[f"{key}_cpu"]
            others = no_fts[f"{key}_cpu"] - bare[f"{key}_cpu"]
            parts.append(
                f"{what}: FTS {fts:.2f} ms CPU of {full[f'{key}_cpu']:.2f}"
                f" ({_share(fts, full[f'{key}_cpu'])}), the other triggers {others:.2f} ms"
                f" (wall: FTS {full[key] - no_fts[key]:.2f} ms of {full[key]:.2f})"
            )
        lines.append(f"- Triggers at batch size {size}: " + "; ".join(parts) + ".")
    lines += [
        "",
        "The FTS triggers keep `articles_fts` (title, description, text) in step with each"
        " row; the other triggers copy an article's publication time and originality to its"
        " `article_people` rows. Here a commit waited"
        f" {one['new'] - one['new_cpu']:.2f} ms for the disk (wall less CPU at batch size 1,"
        " one commit an article); on a disk with slower syncs the gap between committing"
        " each article and committing batches is wider.",
    ]
    return "\n".join(lines)


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
