"""Write articles: one row per canonical URL, upserted so that re-crawls keep first_seen."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from starcity.article import ARTICLE_COLUMNS, Article
from starcity.hygiene import clean_value
from starcity.urls import normalize_url

_JSON_FIELDS = {"authors", "author_kinds", "tags", "provenance", "relevance_evidence"}


# What store_article did with a record.
NEW, UPDATED, KEPT = "new", "updated", "kept"


def store_article(db: Database, record: Article, seen_at: str) -> str:
    """Insert or update one article keyed on ``record["canonical_url"]``.

    ``first_seen`` is written only when the row is new; ``last_seen`` and
    ``fetched_at`` always move to ``seen_at``. A row stored from another source is never
    replaced (a page of one source cannot take over what another source stored under
    that address): only its ``last_seen`` moves. Every string is stored without control
    characters. Returns ``"new"``, ``"updated"`` or ``"kept"`` (another source's row).
    """
    key = record["canonical_url"]
    if not key:
        raise ValueError("article has no canonical_url")
    row: dict[str, Any] = {"canonical_url": key}
    for name in ARTICLE_COLUMNS:
        value = clean_value(record.get(name))
        if name in _JSON_FIELDS and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        row[name] = value
    row["last_seen"] = seen_at
    row["fetched_at"] = record.get("fetched_at") or seen_at
    table = db["articles"]
    with db.atomic():
        existing = next(
            db.query("select source from articles where canonical_url = ?", [key]), None
        )
        if existing and existing["source"] != row["source"]:
            db.execute("update articles set last_seen = ? where canonical_url = ?", [seen_at, key])
            return KEPT
        if existing:
            table.update(key, row)
            db.execute(
                "update articles set times_seen = coalesce(times_seen, 0) + 1"
                " where canonical_url = ?",
                [key],
            )
        else:
            table.insert({**row, "first_seen": seen_at, "times_seen": 1})
        signature = record.get("minhash")
        if signature is not None:
            db["article_signatures"].upsert({"article": key, "minhash": signature}, pk="article")
    return UPDATED if existing else NEW


def store_article_and_people(db: Database, record: Article, seen_at: str) -> str:
    """``store_article``, then the article's people, works and dates unless another
    source's row was kept; returns what ``store_article`` did."""
    outcome = store_article(db, record, seen_at)
    if outcome != KEPT:
        store_people_works_dates(db, record["canonical_url"], record, seen_at)
    return outcome


def mark_seen(db: Database, url: str, seen_at: str) -> None:
    """A stored article listed again by a feed: only ``last_seen`` moves."""
    key = normalize_url(url)
    db.execute(
        "update articles set last_seen = ? where canonical_url = ? or url = ?",
        [seen_at, key, url],
    )


def store_people_works_dates(
    db: Database, article: str, record: dict[str, Any], seen_at: str
) -> None:
    """Replace an article's people, works and dates with those of its latest extraction."""
    people = record.get("people")
    if people is None:  # not analysed (not a relevant article): leave earlier rows alone
        return
    people = clean_value(people)
    record = {**record, "text_dates": clean_value(record.get("text_dates"))}
    with db.atomic():
        for table in ("article_people", "article_works", "article_dates"):
            db.execute(f"delete from {table} where article = ?", [article])
        for person in people:
            db["people"].insert(
                {
                    "id": person["person_id"],
                    "name": person["name"],
                    "in_knowledge_base": int(person["in_knowledge_base"]),
                    "first_seen": seen_at,
                },
                pk="id",
                ignore=True,
            )
        db["article_people"].insert_all(
            [
                {
                    "article": article,
                    "person_id": p["person_id"],
                    "role": p["role"],
                    "mention_count": p["count"],
                    "first_offset": p["first_offset"],
                    "snippet": p["snippet"],
                    "method": p["method"],
                    "confidence": p["confidence"],
                    "surface_forms": json.dumps(p["surface_forms"], ensure_ascii=False),
                }
                for p in people
            ],
            pk=("article", "person_id", "role"),
            replace=True,
        )
        db["article_works"].insert_all(
            [
                {
                    "article": article,
                    "work_id": w["work_id"],
                    "mention_count": w["count"],
                    "first_offset": w["first_offset"],
                }
                for w in record.get("works") or []
            ],
            pk=("article", "work_id"),
            replace=True,
        )
        db["article_dates"].insert_all(
            [{"article": article, **d} for d in record.get("text_dates") or []], pk="id"
        )


def clear_archive_pointers(db: Database, files: list[str]) -> int:
    """Forget where articles' responses were in archive files that were deleted (the
    archive's retention); returns how many rows pointed into them."""
    if not files:
        return 0
    marks = ", ".join("?" for _ in files)
    with db.atomic():
        cursor = db.execute(
            "update articles set archive_file = null, archive_offset = null,"
            f" archive_record_id = null where archive_file in ({marks})",
            list(files),
        )
    return cursor.rowcount
