"""Pages built by JavaScript (issue #19): rendered in Debian's Chromium through
scrapy-playwright for a source with `render`, never for the others."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from spiders.render import abort_request, render_meta, renders
from starcity.config import ConfigError, load_sources
from starcity.urlgate import sites_for
from tests.helpers import run_crawl

CHROMIUM = "/usr/bin/chromium"
browser = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason="Debian's chromium is not installed (scripts/ensure-chromium.sh installs it)",
)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def run_stats(db: Path) -> dict:
    (stats,) = query(db, "select stats from crawl_runs")[0]
    merged: dict = {}
    for spider in json.loads(stats).values():
        merged.update(spider)
    return merged


@browser
def test_an_article_built_by_javascript_is_rendered_and_stored_with_its_text(demo_web, tmp_path):
    db = tmp_path / "render.db"
    result = run_crawl(
        db, "--sources", "demo", "--demo-url", demo_web.url, "--source", "orbit-press"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ((title, authors, published, text),) = query(
        db, "select title, authors, published_at, text from articles"
    )
    assert title == "Star City: premiere date and first look"
    assert json.loads(authors) == ["Orbit+ Press Office"]
    assert published.startswith("2026-03-10")
    assert "Soviet space programme" in text
    people = {p for (p,) in query(db, "select person_id from article_people")}
    assert {"rhys-ifans", "anna-maxwell-martin", "matt-wolpert"} <= people
    assert ("2026-05-29", "premiere/release") in query(db, "select date, kind from article_dates")
    stats = run_stats(db)
    assert stats["playwright/browser_count"] == 1
    # the style sheet, the image and the tracker off the site were never requested
    assert stats["playwright/request_count/aborted"] == 3
    asked = {r.path for r in demo_web.requests}
    assert "/render/api/star-city-premiere.json" in asked
    assert not asked & {"/render/app.css", "/render/still.jpg"}


@browser
def test_without_render_the_page_is_empty_and_no_browser_starts(demo_web, tmp_path):
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - name: orbit-press\n"
        f'    start_urls: ["{demo_web.url}/render/feed.xml"]\n    prefilter: false\n'
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
        encoding="utf-8",
    )
    db = tmp_path / "plain.db"
    result = run_crawl(db, "--sources", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(db, "select count(*) from articles") == [(0,)]
    stats = run_stats(db)
    assert stats["source/orbit-press/errors/needs_browser"] == 1
    assert "built by JavaScript" in result.stdout
    assert not [k for k in stats if k.startswith("playwright/")]


class Page:
    """Stands for a Playwright page (abort_request only tells one from another)."""

    def on(self, event: str, handler: object) -> None:
        self.handlers = {**getattr(self, "handlers", {}), event: handler}


def _request(url: str, kind: str, page: object) -> SimpleNamespace:
    return SimpleNamespace(url=url, resource_type=kind, frame=SimpleNamespace(page=page))


def test_the_browser_asks_only_the_sources_sites_for_what_the_text_needs():
    import asyncio

    source = SimpleNamespace(name="press", render=".*")
    sites = sites_for([], ["https://press.example/feed.xml"])
    page = Page()
    meta = render_meta(source, sites)
    assert meta["playwright"] and meta["playwright_context"] == "render"
    asyncio.run(
        meta["playwright_page_init_callback"](page, SimpleNamespace(url="https://press.example/a"))
    )
    assert not abort_request(_request("https://press.example/app.js", "script", page))
    assert not abort_request(_request("data:text/plain,x", "fetch", page))
    assert abort_request(_request("https://tracker.example/c", "fetch", page))
    assert abort_request(_request("https://press.example/still.jpg", "image", page))
    assert abort_request(_request("https://press.example/a.woff2", "font", page))
    # a page no rendering source opened: nothing is vouched for
    assert abort_request(_request("https://press.example/app.js", "script", Page()))


def test_render_is_per_source_and_per_address(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(
        "sources:\n"
        "  - name: all\n    start_urls: [https://a.example/feed]\n    render: true\n"
        "  - name: some\n    start_urls: [https://b.example/feed]\n    render: '/shows/'\n"
        "  - name: none\n    start_urls: [https://c.example/feed]\n",
        encoding="utf-8",
    )
    every, some, none = load_sources(path)
    assert renders(every, "https://a.example/news/1")
    assert renders(some, "https://b.example/shows/star-city") and not renders(
        some, "https://b.example/news/1"
    )
    assert not renders(none, "https://c.example/shows/star-city")
    path.write_text(
        "sources:\n  - name: bad\n    start_urls: [https://a.example/feed]\n    render: '(['\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="render pattern"):
        load_sources(path)
    # a source that may go anywhere cannot have its pages rendered: the browser is
    # confined to the rendering sources' sites
    path.write_text(
        "sources:\n  - name: agg\n    start_urls: [https://a.example/feed]\n"
        "    allowed_domains: ['*']\n    render: true\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="render cannot go with allowed_domains"):
        load_sources(path)


@browser
def test_walls_rendered_in_the_browser_are_counted_under_their_kinds(demo_web, tmp_path):
    """The Done-when of issue #19: a render: true source on the fixture web."""
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        "  - name: walled-gazette\n"
        f'    start_urls: ["{demo_web.url}/walls/feed.xml"]\n'
        "    prefilter: false\n    render: true\n"
        "  - name: orbit-press\n"
        f'    start_urls: ["{demo_web.url}/render/feed.xml"]\n'
        "    prefilter: false\n    render: true\n"
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
        encoding="utf-8",
    )
    db = tmp_path / "walls.db"
    result = run_crawl(db, "--sources", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr
    stored = {u.rsplit("/", 1)[-1] for (u,) in query(db, "select canonical_url from articles")}
    assert stored == {
        "star-city-premiere.html",
        "star-city-cosmonaut-casting.html",
        "star-city-showrunners-space-race.html",
    }
    errors = dict(
        query(db, "select source, errors_by_kind from source_runs where source = 'walled-gazette'")
    )
    # the redirect to consent.google.com was refused by the browser itself (confined to
    # the sources' sites), and counted as the consent wall it is
    assert json.loads(errors["walled-gazette"]) == {
        "consent_wall": 2,
        "bot_challenge": 2,
        "paywall": 1,
    }


def test_the_browser_is_confined_to_the_rendering_sources_sites():
    from spiders.render import browser_confinement

    flags = browser_confinement(
        [sites_for([], ["https://press.example/feed"]), sites_for(["127.0.0.1:8002"], [])]
    )
    proxy, bypass = flags
    assert proxy == "--proxy-server=http://127.0.0.1:1"
    rules = bypass.removeprefix("--proxy-bypass-list=").split(";")
    assert rules[0] == "<-loopback>"  # first, or it cancels the rules before it
    # a site without a port: its default ports only (a rule without one allows any)
    assert {"press.example:443", "*.press.example:80", "127.0.0.1:8002"} <= set(rules)
    assert "press.example" not in rules and "press.example:6379" not in rules
