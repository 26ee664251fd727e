"""Write articles: one row per canonical URL, upserted so that re-crawls keep first_seen."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

# Columns of `articles` that come from extraction (see db/migrations.py).
ARTICLE_FIELDS = (
    "url",
    "source",
    "site_name",
    "title",
    "description",
    "authors",
    "published_at",
    "published_at_local",
    "modified_at",
    "modified_at_local",
    "language",
    "section",
    "tags",
    "text",
    "word_count",
    "provenance",
    "http_status",
    "relevance",
    "relevance_score",
    "relevance_evidence",
    "url_key",
    "text_hash",
    "minhash",
    "duplicate_match",
    "duplicate_kind",
    "duplicate_similarity",
)
_JSON_FIELDS = {"authors", "tags", "provenance", "relevance_evidence"}


def store_article(db: Database, record: dict[str, Any], seen_at: str) -> bool:
    """Insert or update one article keyed on ``record["canonical_url"]``.

    ``first_seen`` is written only when the row is new; ``last_seen`` and
    ``fetched_at`` always move to ``seen_at``. Returns True when the row is new.
    """
    key = record["canonical_url"]
    if not key:
        raise ValueError("article has no canonical_url")
    row: dict[str, Any] = {"canonical_url": key}
    for name in ARTICLE_FIELDS:
        value = record.get(name)
        if name in _JSON_FIELDS and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        row[name] = value
    row["last_seen"] = seen_at
    row["fetched_at"] = record.get("fetched_at") or seen_at
    table = db["articles"]
    with db.atomic():
        existing = table.count_where("canonical_url = ?", [key])
        if existing:
            table.update(key, row)
            db.execute(
                "update articles set times_seen = coalesce(times_seen, 0) + 1"
                " where canonical_url = ?",
                [key],
            )
        else:
            table.insert({**row, "first_seen": seen_at, "times_seen": 1})
    return not existing
