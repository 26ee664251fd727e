"""Crawl safety (issue #12): a hostile web must not read local files, lead the crawler off
its sources' sites, overwrite stored articles, break dates or text, or lose the rest of a
feed. One crawl of a hostile web (tests/hostile_web.py, servers on 127.0.0.1 only) feeds
the tests of this module; each test checks one class of attack on the stored rows and
the run record."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_crawl
from tests.hostile_web import (
    HTML,
    RSS,
    HostileWeb,
    article,
    cookie_check,
    many_headers,
    reset_connection,
    slow,
)

MB = 1024 * 1024
MANY, MAX_LINKS = 40, 25  # entries of a feed, and STARCITY_MAX_LINKS_PER_PAGE of the crawl
PASSWD_MARK = "root:x:0:0"  # what /etc/passwd holds; must never reach the database


@dataclass
class Crawl:
    db: Path
    stdout: str
    returncode: int
    a: HostileWeb  # the sources' own site
    b: HostileWeb  # another origin that syndicates
    c: HostileWeb  # an origin no source may reach

    def rows(self, sql: str, *params) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def source_run(self, name: str) -> dict:
        (row,) = self.rows(
            "select * from source_runs where source = ? order by run_id desc limit 1", name
        )
        return {**dict(row), "errors_by_kind": json.loads(row["errors_by_kind"])}

    def stats(self, name: str) -> dict:
        """Scrapy's stats of the last run for one source, without the ``source/<name>/``."""
        (row,) = self.rows("select stats from crawl_runs order by id desc limit 1")
        merged: dict = {}
        for spider_stats in json.loads(row["stats"]).values():
            merged.update(spider_stats)
        prefix = f"source/{name}/"
        return {k[len(prefix) :]: v for k, v in merged.items() if k.startswith(prefix)}

    def article(self, path_or_url: str) -> sqlite3.Row | None:
        url = path_or_url if "://" in path_or_url else self.a.url + path_or_url
        found = self.rows("select * from articles where canonical_url = ?", url)
        return found[0] if found else None


def build_web(a: HostileWeb, b: HostileWeb, c: HostileWeb) -> None:
    good = article("Star City premiere date set by Apple TV")
    # 1. Schemes: local files, data: URLs, mail and script links, a broken IPv6 literal;
    # a good article listed after them must still be fetched.
    a.feed(
        "/schemes/feed.xml",
        [
            "file:/etc/passwd",
            "file://localhost/etc/passwd",
            f"file://127.0.0.1:{a.port}/etc/passwd",
            "data:text/html,<title>Star City</title><p>Star City Apple TV Rhys Ifans</p>",
            "ftp://127.0.0.1/star-city.html",
            "mailto:tips@example.com",
            "javascript:alert(1)",
            "http://[::1/star-city",
            f"{a.url}/star-city/" + "x" * 3000,  # longer than any address we request
            f"{a.url}/articles/after-schemes.html",
        ],
    )
    a.page("/articles/after-schemes.html", good)
    # 2. Hops: redirects and meta refreshes to another origin (another port of the same
    # host), to file: and data:, a backslash and a userinfo address, loops, long chains.
    a.feed(
        "/hops/feed.xml",
        [
            f"{a.url}/hops/redirect-offsite",
            f"{a.url}/hops/redirect-to-file",
            f"{a.url}/hops/redirect-to-data",
            f"{a.url}/hops/meta-offsite",
            f"http://127.0.0.1:{c.port}\\@localhost:{a.port}/articles/backslash.html",
            f"http://127.0.0.1:{a.port}@127.0.0.1:{c.port}/articles/userinfo.html",
            f"{c.url}/articles/other-port.html",
            f"{a.url}/hops/loop-a",
            f"{a.url}/hops/chain/0",
            f"{a.url}/hops/fragment-a",
            f"{a.url}/hops/credentials",
            f"{a.url}/hops/cookie-check.html",
            f"{a.url}/articles/after-hops.html",
        ],
    )
    a.redirect("/hops/redirect-offsite", f"{c.url}/articles/offsite.html")
    a.redirect("/hops/redirect-to-file", "file:///etc/passwd")
    a.redirect("/hops/redirect-to-data", "data:text/html,<title>Star City</title>")
    a.page(
        "/hops/meta-offsite",
        f'<html><head><meta http-equiv="refresh" content="0; url={c.url}/articles/meta.html">'
        "<title>Star City moved</title></head><body>Star City</body></html>",
    )
    # robots.txt is fetched by Scrapy itself, for every site: its redirects are gated too
    a.redirect("/robots.txt", f"{c.url}/internal-admin?robots")
    a.routes["/hops/cookie-check.html"] = cookie_check(article("Star City behind a cookie check"))
    a.redirect("/hops/loop-a", "/hops/loop-b")
    # the duplicate filter ignores fragments: so does the loop check
    a.redirect("/hops/fragment-a", "/hops/fragment-b#x")
    a.redirect("/hops/fragment-b", "/hops/fragment-a#y")
    a.redirect(
        "/hops/credentials", f"http://user:secret@127.0.0.1:{a.port}/articles/after-hops.html"
    )
    a.redirect("/hops/loop-b", "/hops/loop-a")
    for n in range(30):
        a.redirect(f"/hops/chain/{n}", f"/hops/chain/{n + 1}")
    a.page("/articles/after-hops.html", article("Star City casts its cosmonauts"))
    for path in ("/articles/offsite.html", "/articles/meta.html", "/articles/backslash.html"):
        c.page(path, article("Star City page of another origin"))
    # Sitemaps and listing pages carry the same kinds of links.
    a.routes["/sitemap.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>file:///etc/passwd</loc></url>"
            f"<url><loc>{c.url}/articles/offsite.html</loc></url>"
            "<url><loc>http://[::1/x</loc></url>"
            f"<url><loc>{a.url}/articles/lt-2<b></loc></url>"
            f"<url><loc>{a.url}/articles/after-sitemap.html</loc></url></urlset>"
        ).encode(),
    )
    a.page("/articles/after-sitemap.html", article("Star City in a sitemap"))
    a.page("/articles/lt-2", article("Star City in a broken sitemap entry"))
    a.routes["/sitemap-index.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            '<?xml version="1.0"?><sitemapindex'
            ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{a.url}/sitemaps/{n}.xml</loc></sitemap>" for n in range(12))
            + "</sitemapindex>"
        ).encode(),
    )
    for n in range(12):
        a.routes[f"/sitemaps/{n}.xml"] = (
            200,
            {"Content-Type": "application/xml"},
            b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"</urlset>",
        )
    a.page(
        "/section/",
        '<html><body><a href="file:///articles/passwd">x</a>'
        f'<a href="{c.url}/articles/offsite.html">x</a>'
        '<a href="/articles/after-listing.html">Star City listed</a>'
        '<a rel="next" href="file:///etc/passwd">next</a>'
        f'<link rel="next" href="{c.url}/section/2"></body></html>',
    )
    a.page("/articles/after-listing.html", article("Star City on a listing page"))
    # 3. Canonical takeover: the original is stored by one source first (a crawl of its
    # own); then a page on another origin declares it as canonical, and a second source
    # lists a print version of it on its own site.
    original = article(
        "Original: Star City first look",
        head=f'<link rel="canonical" href="{a.url}/articles/original.html">'
        '<meta property="article:published_time" content="2026-03-01T10:00:00+00:00">',
    )
    a.page("/articles/original.html", original)
    a.feed("/origin/feed.xml", [f"{a.url}/articles/original.html"])
    b.page(
        "/copy.html",
        article(
            "HIJACKED title",
            ["HIJACKED text of another site. Star City on Apple TV, Rhys Ifans, cosmonauts."] * 3,
            # dated years before the original: a declared copy is still never the original
            head=f'<link rel="canonical" href="{a.url}/articles/original.html">'
            '<meta property="article:published_time" content="2020-01-01T10:00:00+00:00">',
        ),
    )
    # A canonical whose host reads one way to the HTTP client (b, a backslash ends it) and
    # another to a URL parser (a, after the "@"): it keys nothing on a's site.
    b.page(
        "/backslash.html",
        article(
            "HIJACKED by a backslash",
            head=f'<link rel="canonical" href="http://127.0.0.1:{b.port}\\@127.0.0.1:{a.port}'
            '/articles/unpublished.html">',
        ),
    )
    b.feed("/syndicator/feed.xml", [f"{b.url}/copy.html", f"{b.url}/backslash.html"])
    a.page(
        "/articles/original-print.html",
        article(
            "PRINT version of Star City first look",
            head=f'<link rel="canonical" href="{a.url}/articles/original.html">',
        ),
    )
    a.feed("/second-source/feed.xml", [f"{a.url}/articles/original-print.html"])
    # 4. Dates at the edges of what Python can hold, years that are not four digits, a
    # year in the running text.
    dated = {
        "overflow-min": '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "0001-01-01T00:00:00+14:00"}</script>'
        '<meta property="article:published_time" content="2026-05-01T10:00:00+00:00">',
        "overflow-max": '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "9999-12-31T23:59:59-14:00"}</script>',
        "year-one": '<meta property="article:published_time" content="Mon, 01 Jan 0001'
        ' 00:00:00 GMT">',
        "two-digit-year": '<meta name="pubdate" content="Mon, 01 Jan 01 00:00:00 GMT">',
        "year-as-offset": '<meta property="article:published_time"'
        ' content="Mon, 01 Jan 01 00:00:00 +2001">',
        "offset-of-a-day": '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2025-01-01T00:30:00+23:59"}</script>',
        "two-digit-in-text": "",
        "two-digit-meta": '<meta name="date" content="01-01-01">',
        "year-in-text": "",
    }
    for name, head in dated.items():
        paragraphs = None
        if name == "two-digit-in-text":
            paragraphs = ["Published: 01/02/03", "Star City on Apple TV follows the cosmonauts."]
        if name == "year-in-text":
            paragraphs = [
                "Star City follows the Soviet space programme; the real training centre"
                " outside Moscow took its name long before 1995, when the station opened.",
                "Rhys Ifans stars in the Apple TV series from Ben Nedivi and Matt Wolpert.",
            ]
        a.page(f"/dates/{name}.html", article(f"Star City dates {name}", paragraphs, head))
    a.feed("/dates/feed.xml", [f"{a.url}/dates/{n}.html" for n in dated])
    # 5. Control characters in the body, the headline, JSON-LD escapes.
    a.page(
        "/controls/body.html",
        article(
            "Star City controls in the body",
            [
                "Star City\x0bthe Apple TV spinoff of For All Mankind\x0cfollows the Soviet"
                " space programme\x00 and the KGB.",
                "Rhys Ifans stars\x1b[31m as the Chief Designer, with cosmonauts in training.",
                "Ben Nedivi and Matt Wolpert made the series;&#12;it premieres&#x0B;on Apple TV.",
            ],
        ),
    )
    a.page(
        "/controls/headline.html",
        article(
            "Star City\x08 headline\x07 with controls",
            head='<script type="application/ld+json">{"@type": "NewsArticle", "headline":'
            ' "Star City\\u000b headline\\u0007 with controls", "author": {"@type": "Person",'
            ' "name": "Jane\\u0000 Doe"}, "datePublished": "2026-05-02T10:00:00Z"}</script>',
        ),
    )
    a.feed("/controls/feed.xml", [f"{a.url}/controls/body.html", f"{a.url}/controls/headline.html"])
    # 6. Feeds that are no feeds.
    a.routes["/not-feeds/empty.xml"] = (200, {"Content-Type": RSS}, b"")
    a.routes["/not-feeds/html.xml"] = (200, {"Content-Type": HTML}, good.encode())
    a.routes["/not-feeds/garbage.xml"] = (200, {"Content-Type": RSS}, bytes(range(256)) * 20)
    a.routes["/not-feeds/not-modified.xml"] = (304, {}, b"")  # 304 to a first request
    a.routes["/not-feeds/valid-empty.xml"] = (
        200,
        {"Content-Type": "text/xml"},  # a charset other than the XML's: a notice, no error
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"</channel></rss>",
    )
    # 7. A server that drops the connection, one that sends 100,000 header lines.
    a.routes["/articles/reset.html"] = reset_connection
    a.routes["/articles/headers.html"] = many_headers(100_000)
    a.feed("/resets/feed.xml", [f"{a.url}/articles/reset.html", f"{a.url}/articles/headers.html"])
    # Feeds: an Atom feed whose entries carry a namespace prefix (counted all the same), an
    # entry with a description of 2 MB of escaped markup (emptied before parsing).
    a.routes["/feeds/prefixed.xml"] = (
        200,
        {"Content-Type": "application/atom+xml"},
        (
            '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>t</a:title>'
            + "".join(
                f"<a:entry><a:title>Star City {n}</a:title>"
                f'<a:link href="{a.url}/prefixed/{n}.html"/></a:entry>'
                for n in range(MANY)
            )
            + "</a:feed>"
        ).encode(),
    )
    a.routes["/feeds/big-description.xml"] = (
        200,
        {"Content-Type": RSS},
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>Star City big</title><link>{a.url}/bigdesc/0.html</link>"
            "<description>" + "&lt;b&gt;x&lt;/b&gt; " * 100_000 + "</description></item>"
            f"<item><title>Star City small</title><link>{a.url}/bigdesc/1.html</link></item>"
            "</channel></rss>"
        ).encode(),
    )
    # A sitemap whose second entry opens a CDATA section it never closes.
    a.routes["/broken-sitemap.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{a.url}/brokensm/0.html</loc></url>"
            f"<url><loc><![CDATA[{a.url}/brokensm/1.html</loc></url>"
            + "".join(f"<url><loc>{a.url}/brokensm/{n}.html</loc></url>" for n in (2, 3, 4))
            + "</urlset>"
        ).encode(),
    )
    for n in range(MANY):
        a.page(f"/prefixed/{n}.html", article(f"Star City prefixed note {n}"))
    for n in range(2):
        a.page(f"/bigdesc/{n}.html", article(f"Star City described {n}"))
    for n in range(5):
        a.page(f"/brokensm/{n}.html", article(f"Star City mapped {n}"))
    # Two sources whose sitemap indexes list one shared sitemap (and themselves): each
    # source reads it once.
    for n in (1, 2):
        a.routes[f"/shared/index{n}.xml"] = (
            200,
            {"Content-Type": "application/xml"},
            (
                '<?xml version="1.0"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{a.url}/shared/child.xml</loc></sitemap>"
                f"<sitemap><loc>{a.url}/shared/index{n}.xml</loc></sitemap></sitemapindex>"
            ).encode(),
        )
    a.routes["/shared/child.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{a.url}/shared/{n}.html</loc></url>" for n in range(2))
            + "</urlset>"
        ).encode(),
    )
    for n in range(2):
        a.page(f"/shared/{n}.html", article(f"Star City shared {n}"))
    # A broken entry (an unclosed CDATA section) must not swallow the entries after it.
    items = "".join(
        f"<item><title>Star City {n}</title><link>{a.url}/cdata/{n}.html</link>"
        + ("<description><![CDATA[ never closed</description>" if n == 1 else "")
        + "</item>"
        for n in range(5)
    )
    a.routes["/cdata/feed.xml"] = (
        200,
        {"Content-Type": RSS},
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
        "</channel></rss>".encode(),
    )
    for n in range(5):
        a.page(f"/cdata/{n}.html", article(f"Star City CDATA {n}"))
    # An empty page: the feed entry's title alone does not make it an article.
    a.page("/cdata/empty.html", "")
    a.routes["/cdata/with-empty.xml"] = (
        200,
        {"Content-Type": RSS},
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        f"<title>Star City premiere</title><link>{a.url}/cdata/empty.html</link></item>"
        "</channel></rss>".encode(),
    )
    # 8. A feed listing more articles than a crawl queues from one page.
    a.feed("/many/feed.xml", [f"{a.url}/many/{n}.html" for n in range(MANY)])
    for n in range(MANY):
        a.page(f"/many/{n}.html", article(f"Star City note {n}"))
    # 9. Pages up to the download limit built to cost memory.
    words = "a to in it of is on at by we".split()
    short = "".join(
        f"<p>Star City {n} " + " ".join(words[(n + i) % 10] for i in range(60)) + "</p>"
        for n in range(15 * MB // 200)
    )
    a.page("/huge/short-words.html", article("Star City in short words", body_extra=short))
    big_jsonld = json.dumps(
        {"@type": "NewsArticle", "headline": "Star City", "items": ["x" * 60] * (14 * MB // 64)}
    )
    a.page(
        "/huge/jsonld.html",
        article(
            "Star City with a huge JSON-LD block",
            head=f'<script type="application/ld+json">{big_jsonld}</script>',
        ),
    )
    nested = "<div>" * 100_000 + "Star City deep inside" + "</div>" * 100_000
    a.page("/huge/nested.html", article("Star City nested deep", body_extra=nested))
    a.page(
        "/huge/elements.html",
        article(
            "Star City in many elements",
            body_extra="<p><b>Star</b> <i>City</i></p>" * (15 * MB // 30),
        ),
    )
    # One "word" of a million letters (quadratic for the topic's "\\w+ County" pattern)
    # and one element of 200,000 attributes (quadratic for libxml2 and htmldate).
    a.page("/huge/one-word.html", article("Star City in one word", body_extra="x" * MB))
    attributes = " ".join(f"a{n}=1" for n in range(200_000))
    a.page(
        "/huge/attributes.html",
        article("Star City in attributes", body_extra=f"<div {attributes}>Star City</div>"),
    )
    a.feed(
        "/huge/feed.xml",
        [
            f"{a.url}/huge/{n}.html"
            for n in ("short-words", "jsonld", "nested", "elements", "one-word", "attributes")
        ],
    )


SOURCES = """
defaults: {{kind: feed, prefilter: false}}
sources:
  - name: schemes
    start_urls: ["{a}/schemes/feed.xml"]
  - name: hops
    start_urls: ["{a}/hops/feed.xml"]
    allowed_domains: ["localhost:{a_port}", "127.0.0.1:{a_port}"]
  - name: sitemap
    kind: sitemap
    start_urls: ["{a}/sitemap.xml"]
  - name: sitemap-index
    kind: sitemap
    start_urls: ["{a}/sitemap-index.xml"]
  - name: listing
    kind: site
    start_urls: ["{a}/section/"]
    allow: ['/articles/']
  - name: origin
    start_urls: ["{a}/origin/feed.xml"]
  - name: syndicator
    start_urls: ["{b}/syndicator/feed.xml"]
  - name: second-source
    start_urls: ["{a}/second-source/feed.xml"]
  - name: dates
    start_urls: ["{a}/dates/feed.xml"]
  - name: controls
    start_urls: ["{a}/controls/feed.xml"]
  - name: empty-feed
    start_urls: ["{a}/not-feeds/empty.xml"]
  - name: html-feed
    start_urls: ["{a}/not-feeds/html.xml"]
  - name: garbage-feed
    start_urls: ["{a}/not-feeds/garbage.xml"]
  - name: not-modified-feed
    start_urls: ["{a}/not-feeds/not-modified.xml"]
  - name: valid-empty-feed
    start_urls: ["{a}/not-feeds/valid-empty.xml"]
  - name: resets
    start_urls: ["{a}/resets/feed.xml"]
  - name: huge
    start_urls: ["{a}/huge/feed.xml"]
  - name: many
    start_urls: ["{a}/many/feed.xml"]
  - name: cdata
    start_urls: ["{a}/cdata/feed.xml"]
  - name: prefixed
    start_urls: ["{a}/feeds/prefixed.xml"]
  - name: big-description
    start_urls: ["{a}/feeds/big-description.xml"]
  - name: shared-1
    kind: sitemap
    start_urls: ["{a}/shared/index1.xml"]
  - name: shared-2
    kind: sitemap
    start_urls: ["{a}/shared/index2.xml"]
  - name: broken-sitemap
    kind: sitemap
    start_urls: ["{a}/broken-sitemap.xml"]
  - name: empty-page
    start_urls: ["{a}/cdata/with-empty.xml"]
settings:
  STARCITY_MAX_LINKS_PER_PAGE: {max_links}
  STARCITY_MAX_SITEMAPS_PER_SOURCE: 5
  DOWNLOAD_DELAY: 0
  AUTOTHROTTLE_ENABLED: false
  RETRY_TIMES: 0
  CONCURRENT_REQUESTS_PER_DOMAIN: 8
"""


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Crawl:
    a, b, c = HostileWeb(), HostileWeb(), HostileWeb()
    try:
        build_web(a, b, c)
        folder = tmp_path_factory.mktemp("hostile")
        sources = folder / "sources.yml"
        sources.write_text(
            SOURCES.format(a=a.url, b=b.url, a_port=a.port, max_links=MAX_LINKS), encoding="utf-8"
        )
        db = folder / "starcity.db"
        first = run_crawl(db, "--sources", str(sources), "--source", "origin")
        assert first.returncode == 0, first.stdout + first.stderr
        result = run_crawl(db, "--sources", str(sources), timeout=300)
        yield Crawl(db, result.stdout, result.returncode, a, b, c)
    finally:
        for web in (a, b, c):
            web.stop()


def all_text(crawl: Crawl) -> str:
    """Every value of every table, as one string."""
    conn = sqlite3.connect(crawl.db)
    try:
        tables = [
            t
            for (t,) in conn.execute("select name from sqlite_master where type = 'table'")
            if "_fts" not in t
        ]
        return "\n".join(
            str(value)
            for table in tables
            for row in conn.execute(f"select * from [{table}]")
            for value in row
        )
    finally:
        conn.close()


def test_the_hostile_crawl_finishes_and_keeps_the_good_articles(crawl):
    assert crawl.returncode == 0, crawl.stdout
    assert crawl.article("/articles/after-schemes.html") is not None
    assert crawl.article("/articles/after-hops.html") is not None
    assert crawl.rows("pragma integrity_check")[0][0] == "ok"


def test_only_http_is_ever_requested_or_stored(crawl):
    stored = [r["url"] for r in crawl.rows("select url from articles")]
    assert all(u.startswith(("http://", "https://")) for u in stored)
    assert PASSWD_MARK not in all_text(crawl)
    assert crawl.article("/articles/after-schemes.html")["relevance"] == "relevant"
    run = crawl.source_run("schemes")
    errors = run["errors_by_kind"]
    # file: (three), data:, ftp:, mailto:, javascript: refused; the IPv6 literal is no URL
    assert errors == {"refused_scheme": 7, "bad_link": 2}
    assert run["status"] == "partial" and run["stored"] == 1
    assert "[refused_scheme]" in crawl.stdout and "file: links are never fetched" in crawl.stdout


def test_sitemaps_and_listing_pages_pass_the_same_gate(crawl):
    sitemap = crawl.source_run("sitemap")
    assert sitemap["errors_by_kind"] == {"refused_scheme": 1, "bad_link": 1}
    assert crawl.stats("sitemap")["filtered_offsite"] == 1
    assert crawl.article("/articles/after-sitemap.html") is not None
    # the broken <b> of one entry wraps the next: both read all the same
    assert sitemap["stored"] == 2 and crawl.article("/articles/lt-2") is not None
    index = crawl.source_run("sitemap-index")
    assert index["errors_by_kind"] == {"too_many_sitemaps": 1}
    assert crawl.stats("sitemap-index")["sitemaps_capped"] == 12 - 5
    listing = crawl.source_run("listing")
    assert listing["stored"] == 1 and crawl.article("/articles/after-listing.html")
    assert PASSWD_MARK not in all_text(crawl)


def test_no_hop_leaves_the_sources_sites(crawl):
    # not one request reached the third origin: not the redirect, the meta refresh, the
    # backslash or userinfo addresses, nor the other port
    assert crawl.c.requests == []
    run = crawl.source_run("hops")
    assert run["errors_by_kind"] == {
        "offsite_redirect": 2,  # a 302 and a meta refresh
        "refused_scheme": 2,  # redirects to file: and data:
        "too_many_redirects": 3,  # two loops, and a chain longer than REDIRECT_MAX_TIMES
        "bad_link": 1,  # a redirect to an address with credentials
    }
    assert crawl.stats("hops")["filtered_offsite"] == 3  # backslash, userinfo, other port
    stored = {r["url"] for r in crawl.rows("select url from articles where source = 'hops'")}
    # a page that sends the crawler back to itself once (with a cookie) is still read
    assert stored == {
        f"{crawl.a.url}/articles/after-hops.html",
        f"{crawl.a.url}/hops/cookie-check.html",
    }
    assert "redirect loop" in crawl.stdout


def test_a_canonical_on_another_site_takes_over_nothing(crawl):
    original = crawl.article("/articles/original.html")
    assert original["source"] == "origin"
    assert original["title"] == "Original: Star City first look"
    assert "HIJACKED" not in original["text"] and "PRINT" not in original["title"]
    copy = crawl.article(f"{crawl.b.url}/copy.html")
    assert copy["source"] == "syndicator" and copy["title"] == "HIJACKED title"
    assert copy["syndication_of"] == f"{crawl.a.url}/articles/original.html"
    assert copy["duplicate_of"] == f"{crawl.a.url}/articles/original.html"
    assert copy["duplicate_kind"] == "canonical"
    assert original["duplicate_of"] is None and original["duplicate_kind"] is None
    backslash = crawl.article(f"{crawl.b.url}/backslash.html")
    assert backslash["source"] == "syndicator" and backslash["syndication_of"] is None
    assert not crawl.rows("select * from articles where canonical_url like '%unpublished%'")
    # the second source's print page keys on the original (same site) but never replaces it
    assert crawl.stats("second-source")["kept_other_source"] == 1
    assert crawl.source_run("second-source")["stored"] == 0


def test_absurd_dates_fall_through_and_never_drop_an_article(crawl):
    published = {
        r["url"].rsplit("/", 1)[-1]: r["published_at"]
        for r in crawl.rows("select url, published_at from articles where source = 'dates'")
    }
    assert published == {
        "overflow-min.html": "2026-05-01T10:00:00+00:00",
        "overflow-max.html": None,
        "year-one.html": None,
        "two-digit-year.html": None,
        "year-in-text.html": None,
        "year-as-offset.html": None,
        # the day as written, without the impossible offset (+23:59)
        "offset-of-a-day.html": "2025-01-01",
        "two-digit-in-text.html": None,
        "two-digit-meta.html": None,
    }
    assert crawl.source_run("dates")["errors_by_kind"] == {}


def test_control_characters_never_reach_the_database(crawl):
    body = crawl.article("/controls/body.html")
    assert body["relevance"] == "relevant"
    assert "the Apple TV spinoff" in body["text"] and "Rhys Ifans stars" in body["text"]
    assert "it premieres on Apple TV" in body["text"]  # written as character references
    headline = crawl.article("/controls/headline.html")
    assert headline["title"] == "Star City headline with controls"
    assert json.loads(headline["authors"]) == ["Jane Doe"]
    text = all_text(crawl)
    controls = [ch for ch in set(text) if ord(ch) < 32 and ch not in "\t\n\r"]
    assert controls == []


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("empty-feed", "not_a_feed"),
        ("html-feed", "not_a_feed"),
        ("garbage-feed", "not_a_feed"),
        ("not-modified-feed", "bad_response"),
    ],
)
def test_a_feed_that_is_no_feed_is_a_failed_read(crawl, source, kind):
    run = crawl.source_run(source)
    assert run["status"] == "failed" and run["errors_by_kind"] == {kind: 1}
    (row,) = crawl.rows("select consecutive_failures from sources where name = ?", source)
    assert row["consecutive_failures"] == 1


def test_a_valid_empty_feed_is_a_successful_read(crawl):
    run = crawl.source_run("valid-empty-feed")
    assert run["status"] == "ok" and run["errors_by_kind"] == {}


def test_a_page_listing_too_many_articles_queues_only_so_many(crawl):
    run = crawl.source_run("many")
    assert run["errors_by_kind"] == {"too_many_links": 1}
    assert run["stored"] == MAX_LINKS
    assert crawl.stats("many")["links_capped"] == MANY - MAX_LINKS


def test_a_broken_entry_does_not_swallow_the_rest_of_its_feed(crawl):
    run = crawl.source_run("cdata")
    assert run["stored"] == 5 and run["errors_by_kind"] == {}
    assert crawl.stats("cdata")["feeds_read_entry_by_entry"] == 1


def test_an_empty_page_is_no_article_whatever_its_feed_says(crawl):
    run = crawl.source_run("empty-page")
    assert run["stored"] == 0 and run["errors_by_kind"] == {"empty_page": 1}


def test_a_prefixed_atom_feed_is_capped_like_any(crawl):
    run = crawl.source_run("prefixed")
    assert run["errors_by_kind"] == {"too_many_links": 1} and run["stored"] == MAX_LINKS


def test_a_huge_description_is_emptied_and_its_entry_kept(crawl):
    run = crawl.source_run("big-description")
    assert run["stored"] == 2 and run["errors_by_kind"] == {}
    assert crawl.stats("big-description")["feed_texts_emptied"] == 1


def test_a_sitemap_broken_part_way_is_read_to_its_end(crawl):
    run = crawl.source_run("broken-sitemap")
    assert run["stored"] == 5 and run["errors_by_kind"] == {}
    assert crawl.stats("broken-sitemap")["sitemaps_read_by_loc"] == 1


def test_a_sitemap_two_sources_share_is_read_by_each_once(crawl):
    for name in ("shared-1", "shared-2"):
        assert crawl.source_run(name)["discovered"] == 2
        assert crawl.stats(name)["sitemaps_requested"] == 1
    assert len(crawl.rows("select * from articles where url like '%/shared/%'")) == 2


def test_error_lines_are_written_for_people(crawl):
    run = crawl.source_run("resets")
    # a dropped connection; a header section longer than any server sends
    assert run["errors_by_kind"] == {"connection_lost": 1, "too_large": 1}
    lines = [line for line in crawl.stdout.splitlines() if "source resets:" in line]
    assert any("[connection_lost]" in line and "/articles/reset.html" in line for line in lines)
    assert any("[too_large]" in line and "/articles/headers.html" in line for line in lines)
    assert "Failure" not in crawl.stdout and "<twisted" not in crawl.stdout


def test_pages_built_to_cost_memory_are_stored_within_bounds(crawl):
    rows = {
        r["url"].rsplit("/", 1)[-1]: r
        for r in crawl.rows("select * from articles where source = 'huge'")
    }
    assert set(rows) == {
        "short-words.html",
        "jsonld.html",
        "nested.html",
        "elements.html",
        "one-word.html",
        "attributes.html",
    }
    limits = {name: json.loads(r["provenance"]).get("limits", "") for name, r in rows.items()}
    assert "cut at" in limits["short-words.html"]
    assert "JSON-LD block" in limits["jsonld.html"]
    assert "elements were read" in limits["elements.html"]
    assert rows["jsonld.html"]["title"] == "Star City with a huge JSON-LD block"
    assert crawl.source_run("huge")["errors_by_kind"] == {}
    assert "tags were read" in limits["nested.html"]
    assert "attributes" in limits["attributes.html"]
    assert crawl.stats("huge")["pages_bounded"] == 5
    assert max(len(w) for w in rows["one-word.html"]["text"].split()) <= 200


# Interrupted runs: exit status, the run record, and no publishing after one.


def _slow_web() -> HostileWeb:
    web = HostileWeb()
    web.feed("/feed.xml", [f"{web.url}/articles/slow-{n}.html" for n in range(3)])
    for n in range(3):
        web.routes[f"/articles/slow-{n}.html"] = slow(30, (200, {"Content-Type": HTML}, b""))
    return web


def _start_crawl(tmp_path: Path, web: HostileWeb, *command: str) -> subprocess.Popen:
    sources = tmp_path / "slow.yml"
    sources.write_text(
        f'sources:\n  - name: slow\n    prefilter: false\n    start_urls: ["{web.url}/feed.xml"]\n'
        # A graceful stop lets requests in flight finish or time out: keep that short.
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n  DOWNLOAD_TIMEOUT: 2\n"
        "  RETRY_TIMES: 0\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHON": sys.executable, "DB": str(tmp_path / "starcity.db"),
           "CRAWL_ARGS": f"--sources {sources}", "PUBLISH_DRY_RUN": "1"}  # fmt: skip
    return subprocess.Popen(
        list(command) or [sys.executable, "-m", "starcity", "crawl", "--db", env["DB"],
                          "--sources", str(sources)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (read from /proc: no procps needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_crawl_exits_non_zero_and_is_recorded_interrupted(tmp_path, signum, code):
    # a first run in which the source fails: the interrupted run leaves its count alone
    dead = tmp_path / "dead.yml"
    dead.write_text(
        'sources:\n  - name: slow\n    start_urls: ["http://127.0.0.1:9/feed.xml"]\n',
        encoding="utf-8",
    )
    assert run_crawl(tmp_path / "starcity.db", "--sources", str(dead)).returncode == 1
    web = _slow_web()
    try:
        crawl = _start_crawl(tmp_path, web)
        _wait_for(lambda: web.hits("/articles/"))
        crawl.send_signal(signum)
        out, _ = crawl.communicate(timeout=60)
    finally:
        web.stop()
    assert crawl.returncode == code, out
    assert "interrupted" in out
    conn = sqlite3.connect(tmp_path / "starcity.db")
    try:
        runs = conn.execute("select status from crawl_runs order by id").fetchall()
        assert runs == [("failed",), ("interrupted",)]
        statuses = conn.execute("select status from source_runs order by run_id").fetchall()
        assert statuses == [("failed",), ("interrupted",)]
        sources = conn.execute("select last_status, consecutive_failures from sources")
        assert sources.fetchall() == [("interrupted", 1)]
    finally:
        conn.close()


def test_a_signal_while_the_crawl_starts_is_not_lost(tmp_path):
    """SIGTERM as soon as the run is recorded (spiders still loading the spaCy model)."""
    web = _slow_web()
    db = tmp_path / "starcity.db"

    def run_opened() -> bool:
        if not db.exists():
            return False
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                return bool(conn.execute("select count(*) from crawl_runs").fetchone()[0])
        except sqlite3.OperationalError:
            return False

    try:
        crawl = _start_crawl(tmp_path, web)
        _wait_for(run_opened, timeout=60)
        crawl.send_signal(signal.SIGTERM)
        out, _ = crawl.communicate(timeout=60)
    finally:
        web.stop()
    assert crawl.returncode == 143, out
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("select status from crawl_runs").fetchall() == [("interrupted",)]
    finally:
        conn.close()


def test_crawl_and_publish_does_not_publish_an_interrupted_crawl(tmp_path):
    web = _slow_web()
    try:
        script = _start_crawl(tmp_path, web, "deploy/crawl-and-publish.sh", "heroku")
        _wait_for(lambda: web.hits("/articles/"))
        # the crawl is the script's child: stop it as a shutdown or a timeout would
        (child,) = _children(script.pid)
        os.kill(child, signal.SIGTERM)
        out, _ = script.communicate(timeout=60)
    finally:
        web.stop()
    assert script.returncode == 143, out
    assert "not publishing" in out and "datasette publish" not in out


# The newsroom's edges: bad requests, writes, huge values, and outputs that stay valid.


def _status(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=b"a=1" if method != "GET" else None)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/starcity/articles?_sort=no_such_column", 400),
        ("/starcity/articles.json?_sort_desc=no_such_column", 400),
        ("/starcity/articles?_sort=title&_sort_desc=title", 400),
        ("/starcity/articles.json?_through=not-json", 400),
        ("/starcity/articles/a/b/c", 404),
        ("/starcity/articles?_through=1", 400),
        ("/starcity/articles.json?_through=%7B%7D", 400),
        (
            "/starcity/articles?_through="
            "%7B%22table%22:%22articles%22,%22column%22:%22source%22,%22value%22:%7B%7D%7D",
            400,
        ),
        (
            "/starcity.atom?sql=select+%27x%27+as+atom_id,+%27t%27+as+atom_title,"
            "+%2799999999999999999999%27+as+atom_updated",
            400,
        ),
        ("/starcity/articles?_timelimit=abc", 400),
        ("/starcity/articles.json?_timelimit=1e400", 400),
        (
            "/starcity.atom?sql=select+1+as+atom_id,+%27%27+as+atom_title,+%27x%27+as+atom_updated",
            400,
        ),
        ("/starcity/no_such_table", 404),
    ],
)
def test_bad_requests_answer_4xx_not_500(newsroom, path, code):
    status, body = _status(newsroom.url + path)
    assert status == code
    assert "Traceback" not in body


@pytest.mark.parametrize(
    "path", ["/starcity/articles", "/starcity/articles/-/insert", "/starcity/latest_relevant",
             "/starcity", "/-/messages"]
)  # fmt: skip
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_write_endpoints_answer_405(newsroom, path, method):
    assert _status(newsroom.url + path, method)[0] == 405


def test_no_sql_value_grows_past_the_length_limit(newsroom):
    ok, _ = _status(newsroom.url + "/starcity.json?sql=select+length(zeroblob(1000000))")
    assert ok == 200
    status, body = _status(newsroom.url + "/starcity.json?sql=select+zeroblob(300000000)")
    assert status == 400 and "too big" in body


def test_feed_and_json_stay_valid_when_a_stored_headline_holds_controls(
    newsroom, tmp_path, start_datasette
):
    """A row written before text hygiene (straight into the table) still gives valid output."""
    import shutil

    from lxml import etree

    db = tmp_path / "starcity.db"
    shutil.copy(newsroom.db, db)
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into articles (canonical_url, url, source, title, relevance, published_at,"
        " first_seen, last_seen, fetched_at) values (?, ?, 'old', ?, 'relevant', ?, ?, ?, ?)",
        ["http://old.example/x", "http://old.example/x", "Star City\x0b old\x00 row",
         "2026-11-30T10:00:00+00:00", "2026-11-30", "2026-11-30", "2026-11-30"],
    )  # fmt: skip
    conn.commit()
    conn.close()
    url = start_datasette(db).url
    status, atom = _status(f"{url}/starcity/new_relevant_articles.atom")
    assert status == 200
    titles = etree.fromstring(atom.encode()).findall(".//{http://www.w3.org/2005/Atom}title")
    assert "Star City old row" in [" ".join(t.text.split()) for t in titles]
    status, body = _status(f"{url}/starcity/articles.json?_shape=array&source=old")
    assert status == 200 and json.loads(body)[0]["title"] == "Star City\x0b old\x00 row"


def test_the_safety_docs_examples_answer_as_written(newsroom):
    """docs/safety.md's curl lines, on the newsroom (database "starcity" instead of "demo")."""
    doc = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    examples = re.findall(
        r"^curl .*?(-X POST )?'?http://127\.0\.0\.1:8001/demo([^' ]*)'?.*# (.+)$", doc, re.M
    )
    assert len(examples) == 3, examples
    for post, path, expected in examples:
        status, body = _status(f"{newsroom.url}/starcity{path}", "POST" if post else "GET")
        expected = expected.strip()
        if expected.isdigit():
            assert status == int(expected), path
        else:
            assert expected in body, path
