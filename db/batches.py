"""Writes in batched transactions: one transaction held open across several writes,
committed after so many writes or so many seconds, and whenever the caller flushes.

A commit is what a small write costs most (SQLite syncs the write-ahead log to disk at
each one, and merges the FTS index's new segments); `bench/storage.py` measures it. The
writes' own ``db.atomic()`` blocks (db/articles.py) become savepoints inside the open
transaction, so a write that fails rolls back only itself and the batch goes on. An error
that ends the whole transaction (SQLite rolls back by itself on a full disk or an I/O
error) takes the batch's earlier writes with it: ``TransactionLost`` names them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlite_utils import Database

T = TypeVar("T")


class TransactionLost(Exception):
    """The open transaction was rolled back as a whole; ``lost`` are the labels of the
    writes that had succeeded in it and are gone with it."""

    def __init__(self, lost: list[str]) -> None:
        super().__init__(f"{len(lost)} write(s) rolled back with their transaction")
        self.lost = lost


class WriteBatch:
    """Run writes on ``db`` inside one open transaction, committed after ``size`` writes
    or once the transaction is ``seconds`` old (checked at each write: a caller that wants
    the time limit kept while no write comes calls ``flush`` from a timer), and by
    ``flush``. With ``size`` 1 every write is committed before ``write`` returns.

    ``clock`` gives seconds (monotonic); tests hand in their own.
    """

    def __init__(
        self,
        db: Database,
        size: int = 100,
        seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.size = max(1, size)
        self.seconds = seconds
        self.clock = clock
        self.labels: list[str] = []  # the writes of the open transaction
        self.began: float | None = None  # when the open transaction began
        self.commits = 0

    @property
    def pending(self) -> int:
        """Writes done but not committed yet."""
        return len(self.labels)

    def write(self, work: Callable[[Database], T], label: str = "") -> T:
        """``work(db)`` inside the open transaction (begun if none is); returns its result.

        ``label`` names the write (a URL) should its transaction be lost. If ``work``
        raises, its own savepoints have undone it and the exception goes to the caller;
        if the error ended the whole transaction, ``TransactionLost`` (caused by it) names
        the earlier writes that went with it.
        """
        if self.began is None:
            self.db.begin()
            self.began = self.clock()
        try:
            result = work(self.db)
        except BaseException as exc:
            if not self.db.conn.in_transaction:  # SQLite rolled the whole transaction back
                lost, self.labels, self.began = self.labels, [], None
                if lost:
                    raise TransactionLost(lost) from exc
            elif not self.labels:  # nothing else in it: end it as if it never began
                self.db.rollback()
                self.began = None
            raise
        self.labels.append(label)
        if len(self.labels) >= self.size or self.due():
            self.flush()
        return result

    def due(self) -> bool:
        """The open transaction is ``seconds`` old or older."""
        return self.began is not None and self.clock() - self.began >= self.seconds

    def flush(self) -> int:
        """Commit the open transaction, if any; returns the number of writes committed.

        A commit that fails is rolled back and raises ``TransactionLost``.
        """
        if self.began is None:
            return 0
        written, self.labels, self.began = self.labels, [], None
        try:
            self.db.commit()
        except sqlite3.Error as exc:
            self.db.rollback()
            raise TransactionLost(written) from exc
        self.commits += 1
        return len(written)
