"""The writer's receipts of a distributed run (starcity/writer.py): one row per item
stored, in the same transaction as the item's rows, so that an item delivered again is
recognised; the run's counts of stored, new and kept articles are read from them."""

from __future__ import annotations

from collections import Counter

from sqlite_utils import Database


def received(db: Database, run_id: int, keys: list[str]) -> set[str]:
    """Which of ``keys`` the run's writer has stored already."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0]
            for row in db.execute(
                f"select item_key from writer_receipts where run_id = ? and item_key in ({marks})",
                [run_id, *chunk],
            )
        )
    return found


def add_receipt(
    db: Database,
    run_id: int,
    key: str,
    source: str | None,
    outcome: str,
    duplicate_kind: str | None = None,
) -> None:
    db.execute(
        "insert or replace into writer_receipts (run_id, item_key, source, outcome,"
        " duplicate_kind) values (?, ?, ?, ?, ?)",
        [run_id, key, source, outcome, duplicate_kind],
    )


def receipt_counts(db: Database, run_id: int) -> Counter[tuple[str, str]]:
    """(source, outcome) -> items; (source, "duplicate:<kind>") -> copies found."""
    counts: Counter[tuple[str, str]] = Counter()
    rows = db.execute(
        "select source, outcome, duplicate_kind, count(*) from writer_receipts"
        " where run_id = ? group by 1, 2, 3",
        [run_id],
    )
    for source, outcome, kind, n in rows:
        counts[(source or "?", outcome)] += n
        if kind:
            counts[(source or "?", f"duplicate:{kind}")] += n
    return counts


def drop_receipts(db: Database, run_id: int) -> None:
    with db.atomic():
        db.execute("delete from writer_receipts where run_id = ?", [run_id])
