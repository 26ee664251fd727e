"""Politeness and errors against a misbehaving server: Retry-After, backoff on server
errors, no retries on 4xx, redirects followed, redirect loops, robots.txt and timeouts.
Each broken source is counted and never stops the others."""

from __future__ import annotations

import json
import sqlite3

import pytest

from starcity.demoweb import DemoWeb
from tests.helpers import run_crawl


@pytest.fixture
def bad_web():
    with DemoWeb(test_endpoints=True) as web:
        yield web


def crawl_one(web, tmp_path, path: str, **settings) -> tuple[dict, list]:
    sources = tmp_path / "s.yml"
    extra = "".join(f"\n  {k}: {v}" for k, v in settings.items())
    sources.write_text(
        "sources:\n  - name: bad\n    prefilter: false\n"
        f'    start_urls: ["{web.url}{path}"]\n'
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false" + extra + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    run_crawl(db, "--sources", str(sources))
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("select * from source_runs").fetchone())
    conn.close()
    hits = [r for r in web.requests if r.path.split("?")[0] == path.split("?")[0]]
    return row, hits


def test_retry_after_is_honoured(bad_web, tmp_path):
    row, hits = crawl_one(bad_web, tmp_path, "/_test/flaky/a?fail=1&code=429&retry-after=2")
    assert [h.status for h in hits] == [429, 200]
    assert hits[1].at - hits[0].at >= 1.9
    assert row["feeds_fetched"] == 1  # read on the second try (an empty test feed)
    assert "http_429" not in json.loads(row["errors_by_kind"])


def test_retry_after_too_long_is_given_up(bad_web, tmp_path):
    row, hits = crawl_one(bad_web, tmp_path, "/_test/status/429?retry-after=3600")
    assert len(hits) == 1
    assert json.loads(row["errors_by_kind"]) == {"http_429": 1}


@pytest.mark.parametrize("code", [403, 404, 410])
def test_no_retries_on_other_client_errors(bad_web, tmp_path, code):
    row, hits = crawl_one(bad_web, tmp_path, f"/_test/status/{code}")
    assert len(hits) == 1
    assert json.loads(row["errors_by_kind"]) == {f"http_{code}": 1}


def test_server_errors_are_retried_with_a_limit(bad_web, tmp_path):
    row, hits = crawl_one(
        bad_web, tmp_path, "/_test/status/503", RETRY_TIMES=2, STARCITY_RETRY_BACKOFF_BASE=0.2
    )
    assert len(hits) == 3
    assert json.loads(row["errors_by_kind"]) == {"http_503": 1}


def test_a_server_error_is_retried_after_a_backoff_and_then_read(bad_web, tmp_path):
    row, hits = crawl_one(bad_web, tmp_path, "/_test/flaky/b?fail=2&code=500")
    assert [h.status for h in hits] == [500, 500, 200]
    # 1 s before the first retry, 2 s before the second (STARCITY_RETRY_BACKOFF_BASE = 1)
    assert hits[1].at - hits[0].at >= 0.9 and hits[2].at - hits[1].at >= 1.9
    assert row["feeds_fetched"] == 1  # read on the third try (an empty test feed)
    assert "http_500" not in json.loads(row["errors_by_kind"])


def test_a_redirect_is_followed_and_the_final_url_recorded(bad_web, tmp_path):
    target = "/courier/tv/rhys-ifans-star-city.html"
    feed = f"/_test/feed?links=/_test/redirect?to={target}"
    row, _ = crawl_one(bad_web, tmp_path, feed)
    conn = sqlite3.connect(tmp_path / "t.db")
    urls = conn.execute("select url from articles").fetchall()
    conn.close()
    assert urls == [(f"{bad_web.url}{target}",)]
    assert row["stored"] == 1


def test_robots_txt_is_obeyed(bad_web, tmp_path):
    # robots.txt of the demo web disallows /private/
    row, _ = crawl_one(bad_web, tmp_path, "/_test/feed?links=/private/star-city.html")
    assert not [r for r in bad_web.requests if r.path.startswith("/private/")]
    assert row["fetched"] == 0


def test_endless_redirects_stop(bad_web, tmp_path):
    # an address may come back once in a chain (a cookie check); the second time is a loop
    row, hits = crawl_one(bad_web, tmp_path, "/_test/redirect-loop", REDIRECT_MAX_TIMES=5)
    assert len(hits) == 2
    assert json.loads(row["errors_by_kind"]) == {"too_many_redirects": 1}


def test_timeouts_are_counted(bad_web, tmp_path):
    row, _ = crawl_one(
        bad_web, tmp_path, "/_test/slow?seconds=4", DOWNLOAD_TIMEOUT=1, RETRY_TIMES=0
    )
    assert json.loads(row["errors_by_kind"]) == {"timeout": 1}
    assert row["status"] == "failed"
