"""Schema of data/starcity.db, as ordered sqlite-utils migrations (applied on every open)."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("starcity")


@migrations()
def m001_articles(db: Database) -> None:
    db["articles"].create(
        {
            "canonical_url": str,
            "url": str,
            "source": str,
            "site_name": str,
            "title": str,
            "description": str,
            "authors": str,  # JSON list of names
            "published_at": str,  # ISO 8601 in UTC
            "published_at_local": str,  # as the page gave it, with its own UTC offset
            "modified_at": str,
            "modified_at_local": str,
            "language": str,
            "section": str,
            "tags": str,  # JSON list
            "text": str,
            "word_count": int,
            "provenance": str,  # JSON: field -> signal that produced it
            "http_status": int,
            "first_seen": str,
            "last_seen": str,
            "fetched_at": str,
            "times_seen": int,
        },
        pk="canonical_url",
        not_null={"url", "source", "first_seen", "last_seen", "fetched_at"},
    )
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["source"])


@migrations()
def m002_runs(db: Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # ok, partial, failed, interrupted
            "source_set": str,
            "sources": str,  # JSON list of source names
            "pages_fetched": int,
            "articles_stored": int,
            "articles_new": int,
            "errors": int,
            "finish_reason": str,
            "stats": str,  # Scrapy's full stats, JSON
        },
        pk="id",
    )
    db["source_runs"].create(
        {
            "run_id": int,
            "source": str,
            "status": str,  # ok, failed
            "feeds_fetched": int,
            "discovered": int,
            "filtered_offtopic": int,
            "fetched": int,
            "stored": int,
            "errors": int,
            "errors_by_kind": str,  # JSON: kind -> count
            "bytes": int,
        },
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )


def open_database(path: str) -> Database:
    """Open (creating if needed) the database at ``path`` with the schema up to date.

    WAL mode lets Datasette read while a crawl writes.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.enable_wal()
    migrations.apply(db)
    return db
