"""Distributed crawls (issue #20): crawler processes sharing a frontier in a real Redis
(Debian's redis-server, started here on a free loopback port), one writer, the demo web.

The databases a distributed run writes are compared with the one `make crawl` writes, row
for row; crawlers, the writer and Redis are killed in the middle of runs.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import redis

from starcity.components.redisrun import Keys
from starcity.demoweb import DemoWeb
from starcity.redisserver import RedisServer
from tests.helpers import ROOT, run_crawl

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="no redis-server (scripts/ensure-redis.sh)"
)

DEMO_ARTICLES = 12
# Columns that differ between any two crawls: times, the order pages arrived in, and
# where each crawler process wrote its web archive (a file per process).
TIMES = {
    # which stored article a copy matched when it was stored: the first of the two to
    # arrive, in a one-process crawl too (duplicate_of, the group's original, is compared)
    "duplicate_match",
    "first_seen", "last_seen", "fetched_at", "archive_file", "archive_offset",
    "archive_record_id", "started_at", "finished_at", "checked_at", "last_success_at",
    "stats", "decoded_at",
}  # fmt: skip
# Tables compared, each by a key that does not depend on the order rows were written in.
TABLES = {
    "articles": "canonical_url",
    "people": "id",
    "works": "id",
    "organisations": "id",
    "article_people": "article, person_id, role",
    "article_works": "article, work_id",
    "article_dates": "article, offset, date, kind",
    "article_signatures": "article",
    "stories": "id",
    "feed_state": "url",
    "sources": "name",
    "source_runs": "source",
}


@pytest.fixture(scope="module")
def demo():
    with DemoWeb() as web:
        yield web


@pytest.fixture(scope="module")
def single(demo, tmp_path_factory) -> Path:
    """The demo web crawled by one process (`python -m starcity crawl`)."""
    db = tmp_path_factory.mktemp("single") / "demo.db"
    result = run_crawl(db, "--sources", "demo", "--demo-url", demo.url)
    assert result.returncode == 0, result.stdout + result.stderr
    return db


@pytest.fixture
def server(tmp_path):
    with RedisServer(tmp_path / "redis") as started:
        yield started


def rows(db: Path, table: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute(f"select * from {table} order by {TABLES[table]}").fetchall()
    finally:
        conn.close()
    keep = [k for k in found[0].keys() if k not in TIMES] if found else []  # noqa: SIM118
    return [{k: row[k] for k in keep} for row in found]


# The sources' counters of a request a killed crawler had in hand, which another fetches
# again: a feed read twice lists its entries twice.
RETRIED = ("feeds_fetched", "discovered", "fetched", "bytes")


def assert_same_articles(expected: Path, got: Path, refetched: bool = False) -> None:
    """``refetched``: requests were fetched twice (a crawler killed before it finished
    them): the counters of RETRIED are at least as large, everything else is the same."""
    for table in TABLES:
        want, have = rows(expected, table), rows(got, table)
        if table == "source_runs" and refetched:
            # what the crawlers counted per request counts both tries (docs/distributed.md);
            # stored, new and errors, from the writer's receipts, stay exact
            for counter in RETRIED:
                assert all(h[counter] >= w[counter] for h, w in zip(have, want, strict=True))
            want = [{k: v for k, v in r.items() if k not in RETRIED} for r in want]
            have = [{k: v for k, v in r.items() if k not in RETRIED} for r in have]
        if table == "article_dates":  # row ids are the order they were written in
            want = [{k: v for k, v in r.items() if k != "id"} for r in want]
            have = [{k: v for k, v in r.items() if k != "id"} for r in have]
        assert have == want, f"table {table} differs: {_diff(want, have)}"


def one(db: Path, sql: str, *params) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def start(kind: str, db: Path, redis_url: str, demo: DemoWeb, *options: str) -> subprocess.Popen:
    """`python -m starcity writer|crawl --redis ...` on the demo sources, its output in a
    file beside the database."""
    log = open(db.parent / f"{kind}-{time.monotonic_ns()}.out", "wb")  # noqa: SIM115
    command = [sys.executable, "-m", "starcity", kind, "--sources", "demo", "--db", str(db)]
    command += ["--demo-url", demo.url, "--redis", redis_url, "-q", *options]
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def outputs(db: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(db.parent.glob("*.out")))


def wait_for(check, timeout: float = 60, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out")


def run_keys(client: redis.Redis) -> Keys:
    run_id = wait_for(lambda: client.hget("starcity:run", "id"))
    return Keys().for_run(int(run_id))


def worker(client: redis.Redis, keys: Keys, proc: subprocess.Popen) -> str:
    """The name the crawler process registered in the run (host, pid, a random part)."""
    prefix = f"{socket.gethostname().split('.')[0]}-{proc.pid}-"

    def registered() -> str | None:
        names = [f.decode().split("/", 1)[0] for f in client.hkeys(keys.workers)]
        return next((n for n in names if n.startswith(prefix)), None)

    return wait_for(registered, 60)


def finish(proc: subprocess.Popen, timeout: float = 120) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_make_crawl_distributed_stores_what_make_crawl_stores(demo, single, tmp_path):
    """The issue's Done-when: two crawler processes, one Redis, one writer, row for row
    the database of the one-process crawl (times and archive files aside), its run
    recorded once with every source's counts."""
    db = tmp_path / "demo.db"
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "crawl-distributed",
            "WORKERS=2",
            "SOURCES=demo",
            f"DB={db}",
            f"DEMO_PORT={urlsplit(demo.url).port}",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("joined run 1") == 2, result.stdout
    assert_same_articles(single, db)
    columns = "status, pages_fetched, articles_stored, articles_new, errors, kind"
    assert one(db, f"select {columns} from crawl_runs") == one(
        single, f"select {columns} from crawl_runs"
    )
    assert one(db, "select count(*) from crawl_runs") == (1,)
    assert one(db, "select count(*) from writer_receipts") == (0,)
    # each crawler archived its responses in files of its own, and the rows point into them:
    # a reprocess derives every article again from there, changing nothing
    assert one(db, "select count(*) from articles where archive_file is null") == (0,)
    again = subprocess.run(
        [sys.executable, "-m", "starcity", "reprocess", "--db", str(db), "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert one(
        db, "select status, pages_fetched, articles_changed from crawl_runs where id = 2"
    ) == (
        "ok",
        DEMO_ARTICLES,
        0,
    )
    # the private Redis is gone with the run
    assert "redis-server on redis://127.0.0.1:" in result.stdout


def test_a_crawler_killed_mid_run_loses_nothing(demo, single, server, tmp_path):
    """SIGKILL a crawler holding requests: the other crawler fetches them once its
    heartbeat has stopped; each article is stored and counted once."""
    db = tmp_path / "demo.db"
    slow = ["-s", "DOWNLOAD_DELAY=0.4", "-s", "STARCITY_REDIS_HEARTBEAT_TTL=2"]
    writer = start("writer", db, server.url, demo, *slow)
    client = redis.Redis.from_url(server.url)
    keys = run_keys(client)
    procs = [start("crawl", db, server.url, demo, *slow) for _ in range(2)]
    crawlers = {worker(client, keys, proc): proc for proc in procs}

    def holding() -> tuple[str, int] | None:
        """A crawler holding 3 requests or more in flight, and how many. (Whether it has
        sent items yet is a race with its analysis; a page delivered twice is the writer
        test's.)"""
        for name in crawlers:
            held = client.hlen(keys.inflight("feeds", name))
            if held >= 3:
                return name, held
        return None

    killed, held = wait_for(holding, 90)
    crawlers[killed].send_signal(signal.SIGKILL)
    crawlers[killed].wait()
    other = next(proc for name, proc in crawlers.items() if name != killed)
    assert finish(writer) == 0, outputs(db)
    assert finish(other) == 0, outputs(db)
    assert f"crawler {killed} stopped answering: {held} request(s) back" in outputs(db)
    assert_same_articles(single, db, refetched=True)
    status, stored, new = one(db, "select status, articles_stored, articles_new from crawl_runs")
    assert (status, stored, new) == ("ok", DEMO_ARTICLES, DEMO_ARTICLES)
    assert one(db, "select sum(stored), sum(new) from source_runs") == (
        DEMO_ARTICLES,
        DEMO_ARTICLES,
    )


def test_a_writer_killed_mid_batch_loses_nothing_and_stores_nothing_twice(
    demo, single, server, tmp_path
):
    """SIGKILL the writer while it holds a batch (items moved to its processing list, not
    yet let go): started again, it resumes the run, stores what was not committed, and
    neither stores nor counts twice what was."""
    db = tmp_path / "demo.db"
    writer = start("writer", db, server.url, demo)
    client = redis.Redis.from_url(server.url)
    keys = run_keys(client)
    writer.send_signal(signal.SIGSTOP)  # the items pile up meanwhile
    crawler = start("crawl", db, server.url, demo)
    assert finish(crawler) == 0, outputs(db)
    assert client.llen(keys.items) == DEMO_ARTICLES
    writer.send_signal(signal.SIGCONT)
    wait_for(lambda: client.llen(keys.processing), 30, step=0.0005)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    in_batch = client.lrange(keys.processing, 0, -1)
    assert in_batch, "the writer was not killed mid-batch"
    # and a page delivered twice (its crawler killed between sending it and saying so)
    client.lpush(keys.items, in_batch[0])
    again = start("writer", db, server.url, demo)
    assert finish(again) == 0, outputs(db)
    assert "run 1 resumed" in outputs(db)
    assert_same_articles(single, db)
    assert one(db, "select count(*), max(times_seen) from articles") == (DEMO_ARTICLES, 1)
    status, stored, new = one(db, "select status, articles_stored, articles_new from crawl_runs")
    assert (status, stored, new) == ("ok", DEMO_ARTICLES, DEMO_ARTICLES)
    assert client.llen(keys.processing) == 0 and client.llen(keys.items) == 0


def test_redis_restarted_mid_run_the_crawl_waits_and_resumes(demo, single, server, tmp_path):
    """Redis killed and started again (from its append-only file) in the middle of a run:
    the crawlers and the writer wait for it and go on; nothing is lost."""
    db = tmp_path / "demo.db"
    slow = ["-s", "DOWNLOAD_DELAY=0.4"]
    writer = start("writer", db, server.url, demo, *slow)
    client = redis.Redis.from_url(server.url)
    keys = run_keys(client)
    crawlers = [start("crawl", db, server.url, demo, *slow) for _ in range(2)]

    def pushed() -> float:
        value = client.hget(keys.stats, "redis/items_pushed")
        return float(value or 0)

    wait_for(lambda: pushed() >= 1, 90)
    server.restart(down_for=2.0)
    for proc in [writer, *crawlers]:
        assert finish(proc) == 0, outputs(db)
    assert_same_articles(single, db)
    status, stored = one(db, "select status, articles_stored from crawl_runs")
    assert (status, stored) == ("ok", DEMO_ARTICLES)


def test_a_second_distributed_run_fetches_no_stored_page(demo, single, server, tmp_path):
    """The incremental rules hold across machines: the stored articles the writer
    publishes are not fetched again (those younger than STARCITY_REFETCH_HOURS and seen
    once are, once, as in a one-process crawl: here the window is 0)."""
    db = tmp_path / "demo.db"
    window = ["-s", "STARCITY_REFETCH_HOURS=0"]
    conn = sqlite3.connect(single)
    pages = {urlsplit(url).path for (url,) in conn.execute("select url from articles")}
    conn.close()
    for run in (1, 2, 3):
        if run == 3:  # no validators: the feeds list their articles again
            conn = sqlite3.connect(db)
            with conn:
                conn.execute("delete from feed_state")
            conn.close()
        before = len(demo.requests)
        writer = start("writer", db, server.url, demo, *window)
        crawlers = [start("crawl", db, server.url, demo, *window) for _ in range(2)]
        for proc in [writer, *crawlers]:
            assert finish(proc) == 0, outputs(db)
        paths = [r.path for r in demo.requests[before:]]
        if run == 1:
            assert len([p for p in paths if p in pages]) >= DEMO_ARTICLES - 1  # one redirects
        else:  # the feeds (and robots.txt) again, nothing else
            assert all(p.endswith((".xml", "/robots.txt")) for p in paths), paths
    assert one(db, "select count(*), max(times_seen) from articles") == (DEMO_ARTICLES, 1)
    sql = (
        "select r.status, r.articles_stored, r.pages_fetched, sum(s.not_modified),"
        " sum(s.skipped_known) from crawl_runs r join source_runs s on s.run_id = r.id"
        " where r.id = ?"
    )
    # run 2: the feeds' validators (published in Redis) had them answer 304
    assert one(db, sql, 2) == ("ok", 0, 0, 4, 0)
    # run 3: every article they list is stored already (the addresses published in Redis)
    assert one(db, sql, 3) == ("ok", 0, 0, 0, DEMO_ARTICLES)


def _diff(want: list[dict], have: list[dict]) -> list[str]:
    """The differing values of rows compared in order (for the assertion's message)."""
    found = []
    for a, b in zip(want, have, strict=False):
        found += [f"{k}: {a.get(k)!r} != {b.get(k)!r}" for k in a if a.get(k) != b.get(k)]
    return found[:10]


def test_politeness_per_site_holds_across_crawlers(demo, single, server, tmp_path):
    """Two crawlers fetching from one site at once keep DOWNLOAD_DELAY between any two of
    its requests, whichever crawler sends them: the site's rate is shared in Redis."""
    db = tmp_path / "demo.db"
    # two requests at a time each: both crawlers get pages of the one demo site
    polite = ["-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS=2"]
    before = len(demo.requests)
    writer = start("writer", db, server.url, demo, *polite)
    crawlers = [start("crawl", db, server.url, demo, *polite) for _ in range(2)]
    for proc in [writer, *crawlers]:
        assert finish(proc) == 0, outputs(db)
    fetched = re.findall(r"crawler \S+: (\d+) page\(s\) fetched", outputs(db))
    assert len(fetched) == 2 and all(int(n) > 0 for n in fetched), outputs(db)
    times = sorted(r.at for r in demo.requests[before:])
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) > DEMO_ARTICLES
    assert min(gaps) >= 0.25, gaps


def test_a_queued_request_cannot_load_code_or_move_traffic():
    """What Redis holds is not trusted: a queued request names no class, no callback but
    our spiders' methods, and brings no browser or proxy meta (the render settings are
    made again from the source)."""
    import json

    from spiders.feeds import FeedsSpider
    from starcity.components.frontier import decode_request

    spider = FeedsSpider()
    spider.sources, spider.sites = [SimpleNamespace(name="x")], {}

    def queued(**changes) -> bytes:
        entry = {"url": "http://127.0.0.1/a", "callback": "parse_article", "meta": {}}
        return json.dumps({**entry, **changes}).encode()

    request = decode_request(
        queued(
            _class="scrapy.http.FormRequest",
            meta={
                "source": "x",
                "playwright_page_init_callback": "os.system",
                "playwright_context_kwargs": {"proxy": {"server": "http://evil"}},
                "proxy": "http://evil:3128",
                "hints": {"title": "kept"},
            },
        ),
        spider,
    )
    assert type(request).__name__ == "Request"
    assert request.callback == spider.parse_article
    assert request.meta == {"source": "x", "hints": {"title": "kept"}}
    for callback in ("__init__", "close", "from_crawler", "nonexistent"):
        with pytest.raises(ValueError):
            decode_request(queued(callback=callback), spider)
    with pytest.raises(ValueError):
        decode_request(b"[" * 100_000, spider)
    # a request of no source would pass the URL gate unchecked
    for meta in ({}, {"source": "elsewhere"}):
        with pytest.raises(ValueError):
            decode_request(queued(url="http://169.254.169.254/", meta=meta), spider)


def test_the_writer_sets_aside_items_it_cannot_read(demo, single, server, tmp_path):
    """Items no crawler would send (no JSON, deep nesting, wrong shapes) pushed into a run:
    the writer sets them aside in a list of their own, stores the rest, records the run."""
    db = tmp_path / "demo.db"
    writer = start("writer", db, server.url, demo)
    client = redis.Redis.from_url(server.url)
    keys = run_keys(client)
    junk = [
        b"not json",
        b"[" * 5000 + b"]" * 5000,
        b'{"key": ["a"], "kind": "page"}',
        b'{"key": "page:x", "kind": "page", "url": "http://x/", "article": "no"}',
        b'{"key": "seen:x", "kind": "seen", "url": {"a": 1}, "seen_at": "now"}',
    ]
    client.lpush(keys.items, *junk)
    crawler = start("crawl", db, server.url, demo)
    assert finish(crawler) == 0, outputs(db)
    assert finish(writer) == 0, outputs(db)
    assert_same_articles(single, db)
    stats = json.loads(one(db, "select stats from crawl_runs")[0])["distributed"]
    assert stats["writer/rejected"] == len(junk)
