"""Two overlapping crawls of one database: the second says so and does nothing."""

from __future__ import annotations

import fcntl
import sqlite3

from tests.helpers import run_crawl


def test_second_crawl_on_a_locked_database_exits_with_a_clear_message(demo_web, tmp_path):
    db = tmp_path / "locked.db"
    with open(tmp_path / "locked.db.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a crawl in progress
        result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 3
    assert "another crawl is writing to" in result.stdout
    assert not [r for r in demo_web.requests if r.path.endswith(".xml")]
    # With the lock released, the next crawl runs normally.
    assert run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url).returncode == 0
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from crawl_runs").fetchone()[0] == 1
    conn.close()
