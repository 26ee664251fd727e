"""Google News links (issue #19): decoded to the publishers' addresses through a stand-in
decoder on loopback (the real one asks Google), throttled, cached in the database, and a
link that cannot be decoded counted and skipped."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from starcity.demoweb import DemoWeb
from starcity.urls import is_gnews_link
from tests.helpers import run_crawl

INTERVAL = 0.6


@pytest.fixture
def web():
    with DemoWeb(test_endpoints=True) as server:
        yield server


def sources(folder: Path, base: str) -> Path:
    host = base.split("://", 1)[1]
    path = folder / "sources.yml"
    path.write_text(
        "sources:\n"
        "  - name: gnews-star-city\n"
        f'    start_urls: ["{base}/gnews/rss.xml"]\n'
        f'    allowed_domains: ["{host}"]\n'
        "    google_news: true\n"
        "    prefilter: false\n"
        "settings:\n"
        "  DOWNLOAD_DELAY: 0\n"
        "  AUTOTHROTTLE_ENABLED: false\n"
        "  STARCITY_GNEWS_DECODER: tests.gnews_standin.decode\n"
        f"  STARCITY_GNEWS_INTERVAL: {INTERVAL}\n",
        encoding="utf-8",
    )
    return path


def stats_of(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        (stats,) = conn.execute("select stats from crawl_runs order by id desc").fetchone()
    merged: dict = {}
    for spider in json.loads(stats).values():
        merged.update(spider)
    return merged


def test_google_news_links_are_decoded_once_throttled_and_followed(web, tmp_path):
    config = sources(tmp_path, web.url)
    db = tmp_path / "gnews.db"
    result = run_crawl(db, "--sources", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as conn:
        stored = {u for (u,) in conn.execute("select url from articles")}
        cached = dict(conn.execute("select google_url, publisher_url from gnews_links"))
    # the publishers' pages, fetched and stored under their own addresses
    assert stored == {
        f"{web.url}/screenwire/news/star-city-premiere-date-may-29/",
        f"{web.url}/courier/tv/rhys-ifans-star-city.html",
    }
    assert set(cached.values()) == stored
    asked = [r for r in web.requests if r.path.startswith("/_test/gnews-decode")]
    assert len(asked) == 3  # two decoded, one not
    # one decoder call at a time, STARCITY_GNEWS_INTERVAL apart
    gaps = [b.at - a.at for a, b in zip(asked, asked[1:], strict=False)]
    assert all(gap >= INTERVAL * 0.9 for gap in gaps), gaps
    # the Google links themselves are never fetched
    assert not [r for r in web.requests if r.path.startswith("/rss/articles/")]
    stats = stats_of(db)
    assert stats["gnews/decoded"] == 2
    assert stats["source/gnews-star-city/errors/gnews_undecoded"] == 1
    assert "gnews_undecoded" in result.stdout
    # Again, the feed read anew (not "not modified"): the decoded links come from the
    # database; only the undecodable one is tried again.
    with sqlite3.connect(db) as conn:
        conn.execute("delete from feed_state")
    before = len(asked)
    again = run_crawl(db, "--sources", str(config))
    assert again.returncode == 0, again.stdout + again.stderr
    asked = [r for r in web.requests if r.path.startswith("/_test/gnews-decode")]
    assert len(asked) == before + 1
    stats = stats_of(db)
    assert stats["gnews/cached"] == 2
    assert stats["source/gnews-star-city/skipped_known"] == 2  # stored: not fetched again


def test_google_news_article_links_are_told_by_their_path():
    assert is_gnews_link("https://news.google.com/rss/articles/CBMiK2h0dHBzOi8vd3d3?oc=5")
    assert is_gnews_link("https://news.google.com/articles/CBMiK2h0dHBzOi8vd3d3")
    assert is_gnews_link("https://news.google.com/read/CBMiK2h0dHBzOi8vd3d3")
    assert not is_gnews_link("https://news.google.com/rss/search?q=%22Star+City%22")
    assert not is_gnews_link("https://news.google.com/topics/CAAqBwgKMP")


def test_only_the_feeds_own_links_are_decoded_not_publishers_it_lists_directly():
    from spiders.base import SourceSpider
    from starcity.config import Source

    source = Source(
        name="google-news",
        kind="feed",
        start_urls=("https://news.google.com/rss/search?q=star+city",),
        google_news=True,
    )
    assert SourceSpider._on_start_host(
        source, "https://news.google.com/rss/articles/CBMiabcdefghij"
    )
    assert not SourceSpider._on_start_host(
        source, "https://www.ign.example/articles/star-city-review"
    )
