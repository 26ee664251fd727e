"""What the crawler reads before it fetches: stored pages and feed validators.

Read-only connections: the downloader middlewares read these once when a crawl opens; the
storage pipeline and the run record remain the only writers.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _read(db_path: str, sql: str) -> list[tuple]:
    """Rows from the database, or none when it or the table does not exist yet."""
    if not Path(db_path).exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def stored_pages(db_path: str) -> list[tuple[str, str, str | None, int | None]]:
    """(url, canonical_url, publication or first sight, times seen) of every stored article."""
    return _read(
        db_path,
        "select url, canonical_url, coalesce(published_at, first_seen), times_seen from articles",
    )


def feed_validators(db_path: str) -> dict[str, tuple[str | None, str | None]]:
    """The ETag and Last-Modified each feed sent last time, by feed URL."""
    rows = _read(db_path, "select url, etag, last_modified from feed_state")
    return {url: (etag, modified) for url, etag, modified in rows}


def decoded_gnews_links(db_path: str) -> dict[str, str]:
    """Google News link -> the publisher's address, of every link decoded so far."""
    return dict(_read(db_path, "select google_url, publisher_url from gnews_links"))
