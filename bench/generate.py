"""Generate a large synthetic database with the real schema, for timing the newsroom's queries.

    python bench/generate.py --articles 100000 --out data/bench/starcity.db

Rows are random but shaped like a long-running crawl: about 40 sources over three years,
a third of the pages relevant, copies, stories, people from the knowledge base and outside
it, dates reported in the text, and two crawl runs a day with one record per source. The
schema, triggers (FTS5) and indexes are the project's own (db/migrations.py), so what
`make bench` times is what a real installation runs. The same seed gives the same database.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.knowledge import load_into  # noqa: E402
from db.migrations import open_database  # noqa: E402
from pipelines.entities import KnowledgeBase  # noqa: E402
from starcity.config import load_knowledge  # noqa: E402

RELEVANCE = (("relevant", 0.33), ("mention", 0.15), ("uncertain", 0.04), ("off_topic", 0.48))
LANGUAGES = (("en", 0.8), ("de", 0.05), ("fr", 0.04), ("ru", 0.05), ("es", 0.03), ("pl", 0.03))
DATE_KINDS = ("premiere/release", "filming", "trailer/first look", "episode", "finale", "other")
WORDS = (
    "apple tv series drama space race soviet cosmonaut premiere trailer season episode cast "
    "showrunner creator review first look filming moscow launch rocket programme kgb chief "
    "designer alternate history spinoff mankind streaming release date announced newsroom "
    "interview report story week television critics audience thriller cold war mission "
    "engineer secret town training centre orbit capsule control lunar landing producer"
).split()


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def generate(path: Path, articles: int, seed: int = 7) -> dict[str, int]:
    """Write ``articles`` synthetic articles and their related rows to a new database."""
    rng = random.Random(seed)
    if path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = open_database(str(path))
    kb = KnowledgeBase.from_data(load_knowledge())
    load_into(db, kb.people, kb.works, kb.organisations)
    kb_people = [p["id"] for p in kb.people]
    others = [f"person-{i}" for i in range(2000)]
    db["people"].insert_all(
        [
            {"id": pid, "name": f"Person {pid[7:]}", "in_knowledge_base": 0, "first_seen": None}
            for pid in others
        ],
        pk="id",
    )
    sources = [f"source-{i:02d}" for i in range(40)]
    end = datetime(2026, 11, 1, tzinfo=UTC)
    start = end - timedelta(days=3 * 365)
    span = (end - start).total_seconds()

    rows: list[dict] = []
    relevant_urls: list[str] = []
    for i in range(articles):
        published = start + timedelta(seconds=rng.random() * span)
        relevance = _pick(rng, RELEVANCE)
        source = sources[min(int(rng.expovariate(1 / 8)), 39)]
        url = f"https://{source}.example/news/{i}"
        words = rng.choices(WORDS, k=rng.randint(60, 220))
        if relevance in ("relevant", "mention"):
            words[rng.randrange(len(words))] = "Wolpert" if rng.random() < 0.3 else "Nedivi"
        duplicate_of = None
        if relevance == "relevant" and relevant_urls and rng.random() < 0.08:
            duplicate_of = rng.choice(relevant_urls[-50:])
        elif relevance == "relevant":
            relevant_urls.append(url)
        seen = published + timedelta(hours=rng.random() * 12)
        rows.append(
            {
                "canonical_url": url,
                "url": url,
                "source": source,
                "site_name": source.replace("-", " ").title(),
                "title": " ".join(rng.choices(WORDS, k=8)).capitalize(),
                "description": " ".join(rng.choices(WORDS, k=20)),
                "authors": json.dumps([f"Writer {rng.randrange(300)}"]),
                "published_at": _iso(published),
                "published_at_local": _iso(published),
                "language": _pick(rng, LANGUAGES),
                "section": rng.choice(["TV", "Reviews", "News", "Science"]),
                "tags": "[]",
                "text": " ".join(words),
                "word_count": len(words),
                "provenance": '{"published": "jsonld:datePublished"}',
                "http_status": 200,
                "first_seen": _iso(seen),
                "last_seen": _iso(seen),
                "fetched_at": _iso(seen),
                "times_seen": 1,
                "relevance": relevance,
                "relevance_score": round(rng.uniform(-3, 12), 2),
                "relevance_evidence": "{}",
                "url_key": url,
                "text_hash": f"{rng.getrandbits(64):016x}",
                "duplicate_of": duplicate_of,
                "duplicate_match": duplicate_of,
                "duplicate_kind": "near" if duplicate_of else None,
            }
        )
    db["articles"].insert_all(rows, batch_size=2000)

    # Stories: relevant originals in publication order, a new story every few articles.
    relevant = [r for r in rows if r["relevance"] == "relevant"]
    relevant.sort(key=lambda r: r["published_at"])
    stories: list[dict] = []
    story_of: dict[str, int] = {}
    for row in relevant:
        if not stories or rng.random() < 0.2:
            stories.append(
                {
                    "id": len(stories) + 1,
                    "headline": row["title"],
                    "first_published": row["published_at"],
                    "first_seen": row["first_seen"],
                    "article_count": 0,
                    "original_count": 0,
                    "sources": set(),
                }
            )
        story = stories[-1]
        story["last_published"] = row["published_at"]
        story["last_seen"] = row["first_seen"]
        story["article_count"] += 1
        story["original_count"] += row["duplicate_of"] is None
        story["sources"].add(row["source"])
        story_of[row["canonical_url"]] = story["id"]
    db["stories"].insert_all(
        [
            {
                **{k: v for k, v in s.items() if k != "sources"},
                "source_count": len(s["sources"]),
                "terms": "[]",
            }
            for s in stories
        ],
        pk="id",
        batch_size=2000,
    )
    with db.conn:
        db.conn.executemany(
            "update articles set story_id = ? where canonical_url = ?",
            [(sid, url) for url, sid in story_of.items()],
        )

    people_rows, date_rows = [], []
    for row in rows:
        if row["relevance"] not in ("relevant", "mention"):
            continue
        url = row["canonical_url"]
        named = set(rng.sample(kb_people, rng.randint(1, 4)))
        named |= set(rng.sample(others, rng.randint(0, 2)))
        for offset, pid in enumerate(sorted(named)):
            people_rows.append(
                {
                    "article": url,
                    "person_id": pid,
                    "role": "mentioned",
                    "mention_count": rng.randint(1, 5),
                    "first_offset": offset * 100,
                    "snippet": "A sentence naming them.",
                    "method": "knowledge_base",
                    "confidence": 1.0,
                    "surface_forms": "[]",
                }
            )
        if row["relevance"] == "relevant":
            for _ in range(rng.randint(0, 3)):
                day = datetime.fromisoformat(row["published_at"]) + timedelta(
                    days=rng.randint(-30, 200)
                )
                date_rows.append(
                    {
                        "article": url,
                        "date": day.date().isoformat(),
                        "precision": "day",
                        "text": day.strftime("%B %d"),
                        "kind": rng.choice(DATE_KINDS),
                        "sentence": "A sentence with the date.",
                        "offset": rng.randrange(2000),
                    }
                )
    db["article_people"].insert_all(people_rows, batch_size=5000)
    db["article_dates"].insert_all(date_rows, batch_size=5000)

    # Two crawl runs a day, one record per source per run.
    runs, source_runs = [], []
    run_start = end - timedelta(days=365)
    for run_id in range(1, 731):
        started = run_start + timedelta(hours=12 * run_id)
        runs.append(
            {
                "id": run_id,
                "started_at": _iso(started),
                "finished_at": _iso(started + timedelta(minutes=4)),
                "status": "ok",
                "source_set": "config/sources.yml",
                "sources": json.dumps(sources),
                "pages_fetched": 60,
                "articles_stored": 55,
                "articles_new": 20,
                "errors": 0,
                "finish_reason": "finished",
                "stats": "{}",
            }
        )
        for source in sources:
            failed = rng.random() < 0.03
            source_runs.append(
                {
                    "run_id": run_id,
                    "source": source,
                    "status": "failed" if failed else "ok",
                    "feeds_fetched": 1,
                    "discovered": 30,
                    "filtered_offtopic": 5,
                    "fetched": 0 if failed else 3,
                    "stored": 0 if failed else 3,
                    "errors": int(failed),
                    "errors_by_kind": '{"timeout": 1}' if failed else "{}",
                    "bytes": 120000,
                    "skipped_known": 20,
                    "not_modified": 0,
                    "new": 0 if failed else 2,
                }
            )
    db["crawl_runs"].insert_all(runs, pk="id", batch_size=2000)
    db["source_runs"].insert_all(source_runs, pk=("run_id", "source"), batch_size=5000)
    db["sources"].insert_all(
        [
            {
                "name": source,
                "kind": "feed",
                "start_urls": json.dumps([f"https://{source}.example/feed"]),
                "last_run_id": 730,
                "last_status": "failed" if i % 13 == 5 else "ok",
                "last_success_at": _iso(end - timedelta(days=3 if i % 13 == 5 else 0)),
                "consecutive_failures": 6 if i % 13 == 5 else 0,
                "last_errors": '{"http_403": 1}' if i % 13 == 5 else "{}",
            }
            for i, source in enumerate(sources)
        ],
        pk="name",
    )
    db.execute("analyze")
    counts = {
        table: db[table].count
        for table in ("articles", "article_people", "article_dates", "stories", "source_runs")
    }
    db.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("data/bench/starcity.db"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    counts = generate(args.out, args.articles, args.seed)
    took = time.perf_counter() - began
    listing = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"wrote {args.out} in {took:.0f} s: {listing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
