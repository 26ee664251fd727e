"""The sitemap spider: robots.txt discovery, Google News fields as hints and pre-filter,
and several kinds of sources crawled in one run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.helpers import ROOT, run_crawl


def test_scrapy_list_shows_every_spider():
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert {"feeds", "sitemaps", "sites"} <= set(out)


def test_news_sitemap_found_through_robots_txt(demo_web, tmp_path):
    db = tmp_path / "sm.db"
    result = run_crawl(
        db, "--sources", "demo", "--demo-url", demo_web.url, "--source", "demo-sitemap"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    paths = [r.path for r in demo_web.requests]
    assert "/news-sitemap.xml" in paths
    conn = sqlite3.connect(db)
    row = conn.execute(
        "select discovered, filtered_offtopic, fetched, stored from source_runs"
    ).fetchone()
    titles = {t for (t,) in conn.execute("select title from articles")}
    conn.close()
    # 12 listed; the casino story's news:title and address do not name the topic.
    assert row == (12, 1, 11, 11)
    assert "Sydney's Star casino faces fresh licence review" not in titles


def test_feeds_and_sitemaps_share_one_run(demo_web, tmp_path):
    sources = tmp_path / "both.yml"
    sources.write_text(
        "sources:\n"
        f"  - name: courier\n    kind: feed\n    prefilter: false\n"
        f'    start_urls: ["{demo_web.url}/courier/rss.xml"]\n'
        f"  - name: sitemap\n    kind: sitemap\n    prefilter: true\n"
        f'    start_urls: ["{demo_web.url}/news-sitemap.xml"]\n'
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
        encoding="utf-8",
    )
    db = tmp_path / "both.db"
    result = run_crawl(db, "--sources", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(db)
    runs = conn.execute("select id, status, sources, stats from crawl_runs").fetchall()
    per_source = dict(conn.execute("select source, status from source_runs").fetchall())
    conn.close()
    assert len(runs) == 1
    run_id, status, names, stats = runs[0]
    assert status == "ok" and json.loads(names) == ["courier", "sitemap"]
    assert set(json.loads(stats)) == {"feeds", "sitemaps"}
    assert per_source == {"courier": "ok", "sitemap": "ok"}


def test_site_section_pages_and_pagination(demo_web, tmp_path):
    db = tmp_path / "site.db"
    result = run_crawl(
        db, "--sources", "demo", "--demo-url", demo_web.url, "--source", "courier-tv-section"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    paths = [r.path for r in demo_web.requests]
    assert paths.count("/courier/tv/page/2/") == 1  # found twice (pattern and rel=next)
    conn = sqlite3.connect(db)
    titles = {t for (t,) in conn.execute("select title from articles")}
    status = conn.execute("select status from source_runs").fetchone()[0]
    conn.close()
    assert titles == {
        "Star City to launch on Apple TV on 29 May",
        "Rhys Ifans to lead Apple's Soviet space drama Star City",
    }
    assert status == "ok"


def test_site_listing_pages_are_followed_to_max_depth_only(demo_web, tmp_path):
    import yaml

    sources = yaml.safe_load((ROOT / "config/sources-demo.yml").read_text(encoding="utf-8"))
    section = next(s for s in sources["sources"] if s["name"] == "courier-tv-section")
    shallow = {**section, "active": True, "max_depth": 0}
    path = tmp_path / "shallow.yml"
    path.write_text(yaml.safe_dump({"sources": [shallow]}), encoding="utf-8")
    db = tmp_path / "shallow.db"
    earlier = len(demo_web.requests)
    result = run_crawl(db, "--sources", str(path), "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    # the start page only: its page 2 is one link away
    paths = [r.path for r in demo_web.requests[earlier:]]
    assert "/courier/tv/" in paths and "/courier/tv/page/2/" not in paths
    conn = sqlite3.connect(db)
    titles = {t for (t,) in conn.execute("select title from articles")}
    conn.close()
    assert "Rhys Ifans to lead Apple's Soviet space drama Star City" not in titles


def test_site_source_without_article_patterns_is_a_config_error(tmp_path):
    sources = tmp_path / "bad.yml"
    sources.write_text(
        'sources:\n  - name: s\n    kind: site\n    start_urls: ["http://x.invalid/"]\n',
        encoding="utf-8",
    )
    result = run_crawl(tmp_path / "x.db", "--sources", str(sources))
    assert result.returncode == 2 and "needs allow patterns" in result.stdout


def test_sitemap_index_and_gzipped_sitemap(tmp_path):
    from starcity.demoweb import DemoWeb

    with DemoWeb(test_endpoints=True) as web:
        sources = tmp_path / "gz.yml"
        sources.write_text(
            "sources:\n  - name: gz\n    kind: sitemap\n    prefilter: false\n"
            f'    start_urls: ["{web.url}/_test/sitemap-index.xml"]\n'
            "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
            encoding="utf-8",
        )
        db = tmp_path / "gz.db"
        result = run_crawl(db, "--sources", str(sources))
        assert result.returncode == 0, result.stdout + result.stderr
        paths = [r.path for r in web.requests]
    assert "/_test/news-sitemap.xml.gz" in paths
    conn = sqlite3.connect(db)
    discovered, stored = conn.execute("select discovered, stored from source_runs").fetchone()
    conn.close()
    assert (discovered, stored) == (12, 12)
