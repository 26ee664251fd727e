"""Articles are written in batched transactions (db/batches.py, the storage pipeline):
committed by count, by time and at close, one failing article costing only itself, and
the crawl's other writers never locked out."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from db.articles import store_article_and_people
from db.batches import TransactionLost, WriteBatch
from db.migrations import open_database
from spiders.items import FetchedPage, SeenPage
from starcity.components.store import SQLiteStorePipeline
from tests.helpers import ROOT
from tests.hostile_web import HTML, HostileWeb, article

SEEN_AT = "2026-11-25T00:00:00+00:00"


def record(n: int, **fields: Any) -> dict[str, Any]:
    url = f"https://news.example/{n}.html"
    return {"canonical_url": url, "url": url, "source": "news", "title": f"Story {n}",
            "text": f"Star City story number {n}.", **fields}  # fmt: skip


def with_people(n: int) -> dict[str, Any]:
    person = {"person_id": "rhys-ifans", "name": "Rhys Ifans", "in_knowledge_base": True,
              "role": "mentioned", "count": 1, "first_offset": 0, "snippet": "Rhys Ifans",
              "method": "knowledge_base", "confidence": 1.0,
              "surface_forms": ["Ifans"]}  # fmt: skip
    return record(n, people=[person], works=[], text_dates=[])


def store(n_or_record: int | dict[str, Any]):
    rec = record(n_or_record) if isinstance(n_or_record, int) else n_or_record
    return lambda db: store_article_and_people(db, rec, SEEN_AT)


def committed(path: Path, table: str = "articles") -> int:
    """Rows another connection sees (what Datasette would show)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "starcity.db"
    open_database(str(path)).close()
    return path


@pytest.fixture
def db(db_path: Path):
    database = open_database(str(db_path))
    yield database
    database.close()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# The write batch (db/batches.py)


def test_writes_are_committed_once_a_batch_is_full(db, db_path):
    batch = WriteBatch(db, size=3, seconds=60)
    batch.write(store(1))
    batch.write(store(2))
    assert committed(db_path) == 0 and batch.pending == 2
    batch.write(store(3))
    assert committed(db_path) == 3 and batch.pending == 0
    batch.write(store(4))
    assert committed(db_path) == 3
    assert batch.flush() == 1
    assert committed(db_path) == 4
    assert batch.commits == 2
    assert batch.flush() == 0 and batch.commits == 2  # nothing open, nothing committed


def test_a_batch_is_committed_at_the_first_write_after_its_time(db, db_path):
    clock = Clock()
    batch = WriteBatch(db, size=100, seconds=2.0, clock=clock)
    batch.write(store(1))
    clock.now = 1.9
    batch.write(store(2))
    assert committed(db_path) == 0 and not batch.due()
    clock.now = 2.0
    assert batch.due()
    batch.write(store(3))
    assert committed(db_path) == 3 and batch.commits == 1
    assert not batch.due()  # the next batch's time starts with its first write
    clock.now = 10.0
    batch.write(store(4))
    assert committed(db_path) == 3  # began at 10.0


def test_batch_size_one_commits_every_article_before_write_returns(db, db_path):
    batch = WriteBatch(db, size=1)
    for n in range(1, 4):
        batch.write(store(with_people(n)))
        assert committed(db_path) == n
        assert committed(db_path, "article_people") == n
        assert not db.conn.in_transaction
    assert batch.commits == 3
    with pytest.raises(ValueError):
        batch.write(store(record(9, canonical_url=None)))
    assert not db.conn.in_transaction  # a failed write leaves no transaction open


def test_a_failing_article_inside_a_batch_loses_nothing_else(db, db_path):
    batch = WriteBatch(db, size=10, seconds=60)
    batch.write(store(with_people(1)))
    batch.write(store(with_people(2)))
    # Fails half-way: its row is inserted, then its signature cannot be bound.
    with pytest.raises(sqlite3.Error):
        batch.write(store(record(3, minhash=object())))
    # Fails after its row: the people step finds a person without a name.
    broken = with_people(4)
    del broken["people"][0]["name"]
    with pytest.raises(KeyError):
        batch.write(store(broken))
    batch.write(store(with_people(5)))
    assert batch.flush() == 3
    conn = sqlite3.connect(db_path)
    urls = [u for (u,) in conn.execute("select canonical_url from articles order by 1")]
    people = [a for (a,) in conn.execute("select article from article_people order by 1")]
    signatures = conn.execute("select count(*) from article_signatures").fetchone()[0]
    conn.close()
    # 3 is rolled back whole (store_article's own savepoint); 4 keeps its row without its
    # people, as it did when each write was its own transaction.
    assert urls == [record(n)["url"] for n in (1, 2, 4, 5)]
    assert people == [record(n)["url"] for n in (1, 2, 5)]
    assert signatures == 0


def test_a_transaction_sqlite_rolls_back_whole_names_the_writes_it_took(db, db_path):
    # RAISE(ROLLBACK) ends the whole transaction, as SQLite does on a full disk.
    db.execute(
        "create temp trigger boom before insert on articles when new.title = 'boom'"
        " begin select raise(rollback, 'disk full'); end"
    )
    batch = WriteBatch(db, size=10, seconds=60)
    batch.write(store(1), "one")
    batch.write(store(2), "two")
    with pytest.raises(TransactionLost) as lost:
        batch.write(store(record(3, title="boom")), "three")
    assert lost.value.lost == ["one", "two"]
    assert "disk full" in str(lost.value.__cause__)
    assert batch.pending == 0 and not db.conn.in_transaction
    batch.write(store(4), "four")  # the batch goes on with a new transaction
    batch.flush()
    assert committed(db_path) == 1


# The storage pipeline (starcity/components/store.py), on the asyncio loop as in a crawl.


def crawler_for(path: Path, **settings: Any):
    return get_crawler(
        settings_dict={
            "STARCITY_DB": str(path),
            "STARCITY_STORE_BATCH_SIZE": 100,
            "STARCITY_STORE_BATCH_SECONDS": 600,
            **settings,
        }
    )


def opened(crawler) -> SQLiteStorePipeline:
    """The pipeline as the engine opens it: built, open_spider, then spider_opened."""
    pipeline = SQLiteStorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.spider_opened()
    return pipeline


def closed(pipeline: SQLiteStorePipeline) -> None:
    pipeline.close_spider()
    pipeline.spider_closed()


def page(n: int) -> FetchedPage:
    rec = record(n)
    return FetchedPage(url=rec["url"], source="news", body=b"", article=rec, fetched_at=SEEN_AT)


def test_the_pipeline_commits_a_batch_on_time_when_no_item_follows(db_path):
    crawler = crawler_for(db_path, STARCITY_STORE_BATCH_SECONDS=0.3)

    async def crawl() -> None:
        pipeline = opened(crawler)
        pipeline.process_item(page(1))
        pipeline.process_item(page(2))
        assert committed(db_path) == 0
        await asyncio.sleep(0.6)
        assert committed(db_path) == 2
        assert crawler.stats.get_value("store/commits") == 1
        closed(pipeline)

    asyncio.run(crawl())
    assert crawler.stats.get_value("store/commits") == 1  # nothing left for the close


def test_the_pipeline_commits_at_close_and_counts_its_commits(db_path):
    crawler = crawler_for(db_path, STARCITY_STORE_BATCH_SIZE=4)

    async def crawl() -> None:
        pipeline = opened(crawler)
        for n in range(5):
            pipeline.process_item(page(n))
        # a feed listing a stored page again: through the same batch
        pipeline.process_item(SeenPage(page(0).url, "news", "2026-11-26T00:00:00+00:00"))
        assert committed(db_path) == 4
        closed(pipeline)

    asyncio.run(crawl())
    assert committed(db_path) == 5
    assert crawler.stats.get_value("store/commits") == 2
    assert crawler.stats.get_value("articles/stored") == 5
    conn = sqlite3.connect(db_path)
    seen = conn.execute("select last_seen from articles where url = ?", [page(0).url]).fetchone()
    conn.close()
    assert seen == ("2026-11-26T00:00:00+00:00",)


def test_a_failing_article_is_dropped_and_counted_and_its_batch_kept(db_path):
    from scrapy.exceptions import DropItem

    crawler = crawler_for(db_path)
    bad = page(2)
    bad.article["minhash"] = object()  # its signature cannot be written

    async def crawl() -> None:
        pipeline = opened(crawler)
        pipeline.process_item(page(1))
        with pytest.raises(DropItem):
            pipeline.process_item(bad)
        pipeline.process_item(page(3))
        closed(pipeline)

    asyncio.run(crawl())
    assert committed(db_path) == 2
    assert crawler.stats.get_value("source/news/errors/store_failed") == 1


def test_articles_a_rolled_back_transaction_took_are_counted_and_named(db_path, caplog):
    from scrapy.exceptions import DropItem

    crawler = crawler_for(db_path)
    boom = page(3)
    boom.article["title"] = "boom"

    async def crawl() -> None:
        pipeline = opened(crawler)
        pipeline.writer.db.execute(
            "create temp trigger boom before insert on articles when new.title = 'boom'"
            " begin select raise(rollback, 'disk full'); end"
        )
        pipeline.process_item(page(1))
        pipeline.process_item(page(2))
        with pytest.raises(DropItem):
            pipeline.process_item(boom)
        pipeline.process_item(page(4))
        closed(pipeline)

    asyncio.run(crawl())
    assert committed(db_path) == 1
    assert crawler.stats.get_value("store/rolled_back") == 2
    assert crawler.stats.get_value("source/news/errors/store_failed") == 1
    assert page(1).url in caplog.text and "disk full" in caplog.text


def test_the_spiders_of_a_crawl_share_one_writer_and_never_lock_out_another_writer(db_path):
    """While one spider opens or closes, the components writing through connections of
    their own (knowledge base, grouping, run record) find no transaction left open."""
    first, second = crawler_for(db_path), crawler_for(db_path)

    def other_writer_can_write() -> bool:
        conn = sqlite3.connect(db_path, timeout=0.1)
        try:
            conn.execute("insert into feed_state (url) values (?)", [f"x{time.monotonic()}"])
            conn.commit()
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            conn.close()

    async def crawl() -> None:
        a = opened(first)
        a.process_item(page(1))
        assert committed(db_path) == 0
        assert not other_writer_can_write()  # what the batch would do to the run record
        # the second spider starts: the open batch is committed at once
        b = SQLiteStorePipeline.from_crawler(second)
        assert b.writer is a.writer
        assert committed(db_path) == 1 and other_writer_can_write()
        b.open_spider()
        a.process_item(page(2))  # while b opens, each write is committed at once
        assert committed(db_path) == 2 and other_writer_can_write()
        b.spider_opened()
        b.process_item(page(3))
        assert committed(db_path) == 2
        # the first spider closes: its grouping and run record write between these two
        a.close_spider()
        assert committed(db_path) == 3 and other_writer_can_write()
        b.process_item(page(4))
        assert committed(db_path) == 4 and other_writer_can_write()
        a.spider_closed()
        b.process_item(page(5))
        assert committed(db_path) == 4
        closed(b)

    asyncio.run(crawl())
    assert committed(db_path) == 5
    assert a_writer_is_gone(db_path)


def a_writer_is_gone(path: Path) -> bool:
    from starcity.components import store

    return os.path.realpath(path) not in store._WRITERS


# Real crawls


def held_until(event: threading.Event, route: tuple[int, dict[str, str], bytes]):
    """A route that answers only once ``event`` is set."""

    def answer(_handler) -> tuple[int, dict[str, str], bytes]:
        event.wait(60)
        return route

    return answer


def wait_for(condition, what: str, output: list[str] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n" + "".join(
            output or []
        )
        time.sleep(0.1)


def read_lines(stream, into: list[str]) -> threading.Thread:
    def read() -> None:
        for line in stream:
            into.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


# Sources-file settings of the crawls below: no waiting, no retries, and batches that
# commit only when a spider opens or closes.
CRAWL_SETTINGS = (
    "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n  RETRY_TIMES: 0\n"
    "  CONCURRENT_REQUESTS_PER_DOMAIN: 8\n  DOWNLOAD_TIMEOUT: 60\n"
    "  STARCITY_PROGRESS_INTERVAL: 0.2\n"
    "  STARCITY_STORE_BATCH_SIZE: 1000\n  STARCITY_STORE_BATCH_SECONDS: 600\n"
)


def start_crawl(db: Path, sources: Path) -> tuple[subprocess.Popen, list[str], threading.Thread]:
    """A crawl in its own process, its output read line by line into a list as it comes."""
    crawl = subprocess.Popen(
        [sys.executable, "-m", "starcity", "crawl", "--db", str(db), "--sources", str(sources)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    return crawl, lines, read_lines(crawl.stdout, lines)


def test_a_spider_closing_while_another_holds_a_batch_records_its_run(tmp_path):
    """Two spiders in one process (a feed, a site) share one writer: the feed spider has
    articles in the open batch when the site spider closes, and the site spider's close
    commits them before its grouping and run record write (with a writer each, the open
    batch of the feed spider would lock them out: "database is locked")."""
    web = HostileWeb()
    feed_done, site_go = threading.Event(), threading.Event()
    fast = [f"/articles/star-city-{n}.html" for n in range(3)]
    for n, path in enumerate(fast):
        web.page(path, article(f"Star City feed story number {n}"))
    held = article("Star City feed story held back")
    web.routes["/articles/held.html"] = held_until(
        feed_done, (200, {"Content-Type": HTML}, held.encode())
    )
    web.feed("/feed.xml", [web.url + p for p in [*fast, "/articles/held.html"]])
    listing = '<html><body><a href="/section/one.html">one</a></body></html>'
    web.routes["/section/"] = held_until(
        site_go, (200, {"Content-Type": "text/html"}, listing.encode())
    )
    web.page("/section/one.html", article("Star City section story"))
    sources = tmp_path / "web.yml"
    sources.write_text(
        "sources:\n"
        f'  - name: feed\n    prefilter: false\n    start_urls: ["{web.url}/feed.xml"]\n'
        f"  - name: section\n    kind: site\n    prefilter: false\n"
        f'    start_urls: ["{web.url}/section/"]\n'
        "    allow: ['/section/[^/]+\\.html$']\n" + CRAWL_SETTINGS,
        encoding="utf-8",
    )
    db = tmp_path / "starcity.db"

    def section_recorded() -> bool:
        try:
            return bool(committed(db, "source_runs where source = 'section'"))
        except sqlite3.OperationalError:
            return False

    crawl, lines, reader = start_crawl(db, sources)
    try:
        wait_for(
            lambda: any(re.search(r"feeds .*\bstored 3\b", x) for x in lines),
            "the feed's 3 articles stored",
            lines,
            timeout=120,  # the analysis workers load spaCy first
        )
        assert committed(db) == 0  # in the feed spider's open batch
        site_go.set()  # the site spider reads its page and closes, the feed spider waits
        wait_for(section_recorded, "the site spider's run record", lines)
        assert committed(db) == 4  # its close committed the batch the spiders share
        feed_done.set()
        crawl.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        feed_done.set()
        site_go.set()
        if crawl.poll() is None:
            crawl.kill()
        web.stop()
    out = "".join(lines)
    assert crawl.returncode == 0, out
    assert "locked" not in out
    conn = sqlite3.connect(db)
    try:
        status, stats = conn.execute("select status, stats from crawl_runs").fetchone()
        sources_recorded = conn.execute("select count(*) from source_runs").fetchone()[0]
    finally:
        conn.close()
    assert status == "ok" and sources_recorded == 2 and committed(db) == 5
    commits = sum(s.get("store/commits", 0) for s in json.loads(stats).values())
    assert 1 <= commits < 5


def test_an_interrupted_crawl_keeps_what_it_stored(tmp_path):
    """Ctrl-C while a batch is open: the graceful stop commits it before the run record."""
    web = HostileWeb()
    release = threading.Event()
    fast = [f"/articles/star-city-{n}.html" for n in range(4)]
    for n, path in enumerate(fast):
        web.page(path, article(f"Star City cast news number {n}"))
    web.routes["/articles/held.html"] = held_until(release, (404, {}, b""))
    web.feed("/feed.xml", [web.url + p for p in [*fast, "/articles/held.html"]])
    sources = tmp_path / "web.yml"
    sources.write_text(
        f'sources:\n  - name: web\n    prefilter: false\n    start_urls: ["{web.url}/feed.xml"]\n'
        + CRAWL_SETTINGS,
        encoding="utf-8",
    )
    db = tmp_path / "starcity.db"
    crawl, lines, reader = start_crawl(db, sources)
    try:
        wait_for(
            lambda: any(re.search(r"\bstored 4\b", x) for x in lines),
            "4 articles stored",
            lines,
            timeout=120,  # the analysis workers load spaCy first
        )
        assert committed(db) == 0  # stored in the open batch, not committed yet
        crawl.send_signal(signal.SIGINT)
        release.set()  # the request in flight ends; the graceful stop goes on
        crawl.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        release.set()
        if crawl.poll() is None:
            crawl.kill()
        web.stop()
    assert crawl.returncode == 130, "".join(lines)
    assert committed(db) == 4
    conn = sqlite3.connect(db)
    try:
        run = conn.execute("select status, articles_stored from crawl_runs").fetchone()
    finally:
        conn.close()
    assert run == ("interrupted", 4)
