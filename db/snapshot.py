"""A consistent copy of a database, for publishing."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def snapshot(db_path: str | Path, folder: str | Path) -> Path:
    """A consistent copy of the database for publishing, with the same file name.

    The crawler writes in WAL mode: commits may still sit in the -wal file while
    another process (a local Datasette) keeps the database open, and `datasette publish`
    copies the main file only. SQLite's backup API copies what is committed, WAL included.
    """
    target = Path(folder) / Path(db_path).name
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("pragma journal_mode = delete")
    finally:
        copy.close()
        source.close()
    return target
