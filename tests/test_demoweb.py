"""The demo / fixture news web holds what the tests and `make demo` rely on."""

from __future__ import annotations

import json
import re
import urllib.request
import xml.etree.ElementTree as ET

import feedparser
import lxml.html
import pytest

from starcity.demoweb import DemoWeb, start_or_reuse
from tests.helpers import free_port, run_crawl

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def test_robots_txt_names_the_news_sitemap(demo_web):
    _, _, robots = fetch(demo_web.url + "/robots.txt")
    assert f"Sitemap: {demo_web.url}/news-sitemap.xml" in robots


def test_news_sitemap_lists_every_article_with_news_fields(demo_web):
    _, _, body = fetch(demo_web.url + "/news-sitemap.xml")
    root = ET.fromstring(body)
    urls = root.findall("sm:url", NS)
    assert len(urls) == 12
    for url in urls:
        assert url.find("sm:loc", NS).text.startswith(demo_web.url + "/")
        assert url.find("news:news/news:publication_date", NS).text
        assert url.find("news:news/news:title", NS).text


@pytest.mark.parametrize(
    ("path", "version", "entries"),
    [
        ("/launchpad/feed.xml", "rss20", 4),
        ("/screenwire/atom.xml", "atom10", 4),
        ("/courier/rss.xml", "rss20", 3),
        ("/streambuzz/feed.xml", "rss20", 1),
    ],
)
def test_feeds(demo_web, path, version, entries):
    _, _, body = fetch(demo_web.url + path)
    parsed = feedparser.parse(body)
    assert parsed.version == version and not parsed.bozo
    assert len(parsed.entries) == entries
    assert all(e.link.startswith(demo_web.url) for e in parsed.entries)


def page(web: DemoWeb, path: str) -> lxml.html.HtmlElement:
    _, ctype, body = fetch(web.url + path)
    assert ctype.startswith("text/html")
    return lxml.html.fromstring(body)


def test_publishers_use_three_kinds_of_markup(demo_web):
    ledger = page(demo_web, "/launchpad/2026/02/26/star-city-first-look-images/")
    blocks = [json.loads(s.text) for s in ledger.xpath('//script[@type="application/ld+json"]')]
    types = {node["@type"] for block in blocks for node in block.get("@graph", [block])}
    assert "NewsArticle" in types

    screenwire = page(demo_web, "/screenwire/reviews/star-city-review-premiere/")
    assert not screenwire.xpath('//script[@type="application/ld+json"]')
    assert not screenwire.xpath("//*[@itemprop]") and not screenwire.xpath("//time")
    assert screenwire.xpath('//meta[@property="article:published_time"]')

    courier = page(demo_web, "/courier/tv/rhys-ifans-star-city.html")
    metas = courier.xpath("//meta")
    assert [m.attrib.keys() for m in metas] == [["charset"]]
    assert courier.xpath("//time[@datetime]") and courier.xpath('//*[@class="byline"]')


@pytest.mark.parametrize(
    "path",
    [
        "/launchpad/2026/02/26/star-city-first-look-images/",
        "/screenwire/news/star-city-for-all-mankind-spinoff-iron-curtain/",
        "/courier/tv/rhys-ifans-star-city.html",
    ],
)
def test_articles_come_wrapped_in_page_chrome(demo_web, path):
    _, _, body = fetch(demo_web.url + path)
    lowered = body.lower()
    assert "<nav" in lowered or "navbar" in lowered or "menu" in lowered
    assert "advertisement" in lowered
    assert "newsletter" in lowered
    assert re.search(r"comment", lowered)
    assert "related" in lowered or "trending" in lowered or "most read" in lowered


def test_seed_article_is_carried_by_a_publisher(demo_web):
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "star-city-first-look.txt"
    tree = page(demo_web, "/screenwire/news/star-city-for-all-mankind-spinoff-iron-curtain/")
    text = " ".join(tree.text_content().split())
    for line in seed.read_text(encoding="utf-8").splitlines():
        line = line.lstrip("- ").strip()
        if line:
            assert " ".join(line.split()) in text


def test_unknown_paths_are_404_and_traversal_is_refused(demo_web):
    for path in ("/nowhere.html", "/../pyproject.toml", "/%2e%2e/settings.py"):
        with pytest.raises(urllib.error.HTTPError) as error:
            fetch(demo_web.url + path)
        assert error.value.code == 404


def test_crawl_reuses_a_demo_web_already_serving_on_the_port(tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("STARCITY_DEMO_PORT", str(port))
    with DemoWeb(port=port) as web:
        result = run_crawl(tmp_path / "t.db", "--sources", "demo")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "(already running)" in result.stdout
        assert any(r.path.endswith("feed.xml") for r in web.requests)


def test_busy_port_that_is_not_a_demo_web_is_a_clear_error():
    import socket

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(OSError, match="STARCITY_DEMO_PORT"):
            start_or_reuse(port)
