"""Broken and unreachable sources: one clear line each, the run recorded, nothing lost."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request

from tests.helpers import ROOT, free_port, run_crawl


def write_sources(path, demo_url: str, closed_port: int) -> None:
    path.write_text(
        f"""
defaults: {{kind: feed, prefilter: false}}
sources:
  - name: good
    start_urls: ["{demo_url}/launchpad/feed.xml"]
  - name: no-dns
    start_urls: ["http://no-such-host.invalid/feed/"]
  - name: refused
    start_urls: ["http://127.0.0.1:{closed_port}/feed/"]
  - name: missing
    start_urls: ["{demo_url}/nowhere/feed.xml"]
  - name: malformed
    start_urls: ["{demo_url}/broken/feed.xml"]
  - name: html-not-feed
    start_urls: ["{demo_url}/broken/not-a-feed.html"]
settings:
  DOWNLOAD_DELAY: 0
  AUTOTHROTTLE_ENABLED: false
  RETRY_TIMES: 0
""",
        encoding="utf-8",
    )


def test_broken_sources_do_not_stop_the_good_one(demo_web, tmp_path):
    sources = tmp_path / "sources.yml"
    write_sources(sources, demo_web.url, free_port())
    db = tmp_path / "t.db"
    result = run_crawl(db, "--sources", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "source no-dns: cannot fetch feed http://no-such-host.invalid/feed/" in out
    assert "source refused: cannot fetch feed" in out and "connection refused" in out
    assert "source missing: cannot fetch feed" in out and "HTTP 404" in out
    assert "source malformed: feed" in out and "no entries" in out
    assert "source html-not-feed: feed" in out and "[not_a_feed]" in out

    conn = sqlite3.connect(db)
    stored = conn.execute("select count(*) from articles where source = 'good'").fetchone()[0]
    run = conn.execute("select status, errors from crawl_runs").fetchone()
    kinds = dict(conn.execute("select source, errors_by_kind from source_runs").fetchall())
    statuses = dict(conn.execute("select source, status from source_runs").fetchall())
    conn.close()
    assert stored == 4  # every Launchpad Ledger article
    assert run == ("partial", 5)
    assert kinds["no-dns"] == '{"dns": 1}'
    assert kinds["refused"] == '{"connection_refused": 1}'
    assert kinds["missing"] == '{"http_404": 1}'
    assert kinds["malformed"] == '{"malformed_feed": 1}'
    assert kinds["html-not-feed"] == '{"not_a_feed": 1}'
    # a feed that is no feed, or too broken to give one entry, is a failed read
    assert statuses == {
        "good": "ok",
        "no-dns": "failed",
        "refused": "failed",
        "missing": "failed",
        "malformed": "failed",
        "html-not-feed": "failed",
    }


def test_unreachable_sources_fail_fast_and_run_is_recorded(tmp_path):
    sources = tmp_path / "offline.yml"
    sources.write_text(
        f"""
sources:
  - name: a
    start_urls: ["https://a.no-such-host.invalid/feed/"]
  - name: b
    start_urls: ["http://127.0.0.1:{free_port()}/feed/"]
""",
        encoding="utf-8",
    )
    db = tmp_path / "offline.db"
    started = time.monotonic()
    result = run_crawl(db, "--sources", str(sources))
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("source ")]
    assert len(lines) == 2, result.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("select status from crawl_runs").fetchall() == [("failed",)]
    conn.close()


def test_a_crawl_that_cannot_start_is_a_failed_run_with_its_reason(tmp_path):
    sources = tmp_path / "one.yml"
    sources.write_text(
        f"""
sources:
  - name: a
    start_urls: ["http://127.0.0.1:{free_port()}/feed/"]
""",
        encoding="utf-8",
    )
    db = tmp_path / "nostart.db"
    result = run_crawl(
        db, "--sources", str(sources), "-s", "STARCITY_SPACY_MODEL=no_such_spacy_model"
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "could not start" in output and "no_such_spacy_model" in output
    assert "Unhandled error in Deferred" not in output
    conn = sqlite3.connect(db)
    ((status, reason, finished),) = conn.execute(
        "select status, finish_reason, finished_at from crawl_runs"
    ).fetchall()
    conn.close()
    assert status == "failed" and "no_such_spacy_model" in reason and finished


def test_run_serves_datasette_even_when_every_source_fails(tmp_path):
    sources = tmp_path / "offline.yml"
    sources.write_text(
        'sources:\n  - name: a\n    start_urls: ["https://no-such-host.invalid/feed/"]\n',
        encoding="utf-8",
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "starcity",
            "run",
            "--sources",
            str(sources),
            "--db",
            str(tmp_path / "run.db"),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/run/crawl_runs.json?_shape=array", timeout=2
                ) as response:
                    body = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "Datasette did not start"
                time.sleep(0.3)
        assert '"status": "failed"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_bad_sources_file_is_a_clear_error(tmp_path):
    sources = tmp_path / "bad.yml"
    sources.write_text("sources:\n  - start_urls: [http://x/]\n", encoding="utf-8")
    result = run_crawl(tmp_path / "x.db", "--sources", str(sources))
    assert result.returncode == 2
    assert "has no name" in result.stdout


def test_sources_table_counts_consecutive_failures(demo_web, tmp_path):
    sources = tmp_path / "sources.yml"
    write_sources(sources, demo_web.url, free_port())
    db = tmp_path / "t.db"
    for _ in range(2):
        run_crawl(db, "--sources", str(sources))
    conn = sqlite3.connect(db)
    rows = {
        name: (status, failures, success)
        for name, status, failures, success in conn.execute(
            "select name, last_status, consecutive_failures, last_success_at from sources"
        )
    }
    conn.close()
    assert rows["no-dns"][:2] == ("failed", 2) and rows["no-dns"][2] is None
    assert rows["good"][:2] == ("ok", 0) and rows["good"][2]


def test_broken_pages_are_counted_and_the_good_one_stored(demo_web, tmp_path):
    sources = tmp_path / "mixed.yml"
    sources.write_text(
        f"sources:\n  - name: mixed\n    prefilter: false\n"
        f'    start_urls: ["{demo_web.url}/broken/mixed-feed.xml"]\n'
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
        encoding="utf-8",
    )
    db = tmp_path / "mixed.db"
    result = run_crawl(db, "--sources", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(db)
    titles = [t for (t,) in conn.execute("select title from articles")]
    kinds = json.loads(conn.execute("select errors_by_kind from source_runs").fetchone()[0])
    (skipped,) = conn.execute("select skipped_not_html from source_runs").fetchone()
    check = conn.execute("pragma integrity_check").fetchone()[0]
    conn.close()
    assert titles == ["Rhys Ifans to lead Apple's Soviet space drama Star City"]
    assert kinds == {"empty_page": 1, "http_404": 1, "entry_without_link": 1}
    # the PDF press kit and the image are skipped and counted, not stored or errors
    assert skipped == 2
    assert check == "ok"


def test_datasette_reads_during_a_crawl_and_a_killed_crawl_is_closed_by_the_next(
    demo_web, tmp_path, start_datasette
):
    import signal

    db = tmp_path / "starcity.db"
    slow = ["--sources", "demo", "--demo-url", demo_web.url, "-s", "DOWNLOAD_DELAY=1"]
    crawl = subprocess.Popen(
        [sys.executable, "-m", "starcity", "crawl", "--db", str(db), *slow],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and not stored:
            time.sleep(0.3)
            if db.exists():
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    try:
                        stored = conn.execute("select count(*) from articles").fetchone()[0]
                    except sqlite3.OperationalError:  # tables not created yet
                        stored = 0
        assert stored, "the crawl stored nothing within a minute"
        # Datasette serves the database while the crawl writes to it (WAL mode)
        datasette = start_datasette(db)
        with urllib.request.urlopen(f"{datasette.url}/starcity/articles.json?_shape=array") as r:
            assert r.status == 200 and json.load(r)
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=10)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select status from crawl_runs").fetchall() == [("running",)]
    # the next crawl closes the dead run as failed and completes its own
    result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as conn:
        runs = conn.execute("select status, finish_reason from crawl_runs order by id").fetchall()
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        urls = [u for (u,) in conn.execute("select canonical_url from articles")]
    assert runs[0][0] == "failed" and "ended before" in runs[0][1]
    assert runs[1][0] == "ok"
    assert len(urls) == len(set(urls)) == 12
