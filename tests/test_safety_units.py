"""The pure parts of crawl safety (issue #12): the URL gate, text hygiene, date guards and
the bounds on the work one page may cost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from pipelines.entities import word_budget_groups
from pipelines.extract import MAX_ELEMENTS, cap_elements, cut_long_words, parse_html
from pipelines.fingerprints import MAX_SHINGLED_WORDS, minhash, text_hash
from pipelines.page_dates import parse_date, plausible
from pipelines.people_dates import MAX_ANALYSED_WORDS, text_of
from spiders.errors import classify_failure
from starcity.hygiene import clean_markup, clean_text, clean_value, printable
from starcity.pagebounds import bound_markup, cut_tags
from starcity.urlgate import RefusedURL, request_url, same_site, sites_for
from starcity.urls import canonical_elsewhere, pick_canonical
from tests.helpers import extract

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("link", "kind"),
    [
        ("file:/etc/passwd", "refused_scheme"),
        ("file://localhost/etc/passwd", "refused_scheme"),
        ("data:text/html,<p>Star City</p>", "refused_scheme"),
        ("javascript:alert(1)", "refused_scheme"),
        ("mailto:tips@example.com", "refused_scheme"),
        ("ftp://example.com/x", "refused_scheme"),
        ("s3://bucket/key", "refused_scheme"),
        ("http://[::1/x", "bad_link"),
        ("http://example.com:99999/", "bad_link"),
        ("http:///no-host", "bad_link"),
        ("   ", "bad_link"),
    ],
)
def test_the_gate_refuses_what_is_no_http_address(link, kind):
    with pytest.raises(RefusedURL) as refused:
        request_url(link, "https://example.com/feed/")
    assert refused.value.kind == kind


def test_the_gate_reads_the_address_as_the_http_client_will():
    # a backslash ends the authority, as in browsers and in Scrapy: the host is 127.0.0.1:2
    assert request_url("http://127.0.0.1:2\\@localhost:1/x") == "http://127.0.0.1:2/@localhost:1/x"
    # credentials are dropped; the host after them is the one connected to
    assert request_url("http://user:pw@Example.COM/a") == "http://example.com/a"
    assert request_url("/a?b=1", "https://example.com/feed/") == "https://example.com/a?b=1"


def test_sites_count_ports_and_default_to_the_start_urls():
    sites = sites_for([], ["http://127.0.0.1:18100/feed.xml"])
    assert sites.allows("http://127.0.0.1:18100/a")
    assert not sites.allows("http://127.0.0.1:18101/a")
    assert not sites.allows("http://localhost:18100/a")
    news = sites_for([], ["https://www.deadline.com/feed/"])
    assert news.allows("https://deadline.com/a") and news.allows("http://m.deadline.com/b")
    assert not news.allows("https://deadline.com.evil.example/a")
    assert not news.allows("https://deadline.com:8443/a")
    named = sites_for(["example.org:8080"], ["https://feeds.example.net/rss"])
    assert named.allows("http://www.example.org:8080/x")
    assert not named.allows("http://example.org/x")
    assert named.allows("https://feeds.example.net/other")  # the start URL's own host


def test_any_site_still_refuses_private_addresses():
    sites = sites_for(["*"], ["https://news.google.com/rss"])
    assert sites.allows("https://variety.com/2026/tv/star-city/")
    private_addresses = [
        "http://127.0.0.1:8001/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://0x7f.1/",
    ]
    for private in private_addresses:
        with pytest.raises(RefusedURL) as refused:
            sites.check(private)
        assert refused.value.kind == "private_address"


def test_idn_start_urls_allow_their_own_pages():
    sites = sites_for([], ["https://bücher.de/feed"])
    assert sites.allows(request_url("https://bücher.de/artikel/star-city"))
    assert sites.allows(request_url("https://www.xn--bcher-kva.de/a"))


def test_out_of_range_port_is_a_bad_link_everywhere():
    with pytest.raises(RefusedURL) as refused:
        sites_for([], ["http://example.com/"]).check("http://example.com:99999/")
    assert refused.value.kind == "bad_link"


def test_canonical_keys_keep_their_spelling():
    page = "https://www.example.de/a.html"
    found = pick_canonical(page, [("link:canonical", "/artikel/orden-fürs-morden.html")])
    assert found == ("https://www.example.de/artikel/orden-fürs-morden.html", "link:canonical")


def test_only_the_most_trusted_canonical_declares_a_copy():
    page = "https://a.example/story"
    own_first = [("link:canonical", "/story"), ("meta:og:url", "https://b.example/story")]
    assert canonical_elsewhere(page, own_first) == (None, None)
    assert canonical_elsewhere(page, [("meta:og:url", "https://b.example/story")]) == (
        "https://b.example/story",
        "meta:og:url",
    )


def test_a_declared_copy_is_never_the_original_however_early(tmp_path):
    from db.articles import store_article
    from db.duplicates import resolve
    from db.migrations import open_database

    db = open_database(str(tmp_path / "d.db"))

    def row(url: str, source: str, published: str, **extra: str) -> dict:
        return {"canonical_url": url, "url": url, "source": source, "title": "t",
                "published_at": published, **extra}  # fmt: skip

    store_article(db, row("https://a.example/o", "a", "2026-03-01T00:00:00+00:00"), "s")
    copy = row("https://b.example/c", "b", "2020-01-01T00:00:00+00:00")
    store_article(db, {**copy, "syndication_of": "https://a.example/o"}, "s")
    assert resolve(db) == 1
    of = {r["canonical_url"]: r["duplicate_of"] for r in db.query("select * from articles")}
    assert of == {"https://a.example/o": None, "https://b.example/c": "https://a.example/o"}


def test_the_migration_cleans_old_text_and_leaves_keys_alone(tmp_path):
    from sqlite_utils import Database

    from db.migrations import migrations, open_database

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m011_syndication_and_clean_text")
    base = {"source": "s", "first_seen": "x", "last_seen": "x", "fetched_at": "x"}
    old["articles"].insert_all(
        [
            {**base, "canonical_url": "http://x/a\x01", "url": "http://x/a", "title": "A\x0bB"},
            {**base, "canonical_url": "http://x/a", "url": "http://x/a", "title": "C\x00D"},
        ]
    )
    old.close()
    db = open_database(str(path))  # applies m011
    titles = {r["canonical_url"]: r["title"] for r in db.query("select * from articles")}
    assert titles == {"http://x/a\x01": "A B", "http://x/a": "CD"}


def test_canonical_on_another_port_is_another_site():
    page = "http://127.0.0.1:18101/copy.html"
    candidates = [("link:canonical", "http://127.0.0.1:18100/original.html")]
    assert pick_canonical(page, candidates) == (page, "url")
    assert canonical_elsewhere(page, candidates) == (
        "http://127.0.0.1:18100/original.html",
        "link:canonical",
    )
    assert not same_site(page, "http://127.0.0.1:18100/")
    assert same_site("https://www.bbc.co.uk/a", "http://bbc.co.uk/b")
    assert canonical_elsewhere(page, [("link:canonical", "javascript:x()")]) == (None, None)


def test_clean_text_keeps_tabs_and_newlines_and_spaces_form_feeds():
    assert clean_text("a\x0bb\x0cc\x00d\x1b[31m\te\nf\r\ud800\ufffeg\x85") == "a b cd[31m\te\nf\rg"
    assert clean_text("plain") == "plain"
    # in markup, references to control characters go too; Windows-1252 ones (&#150;) stay
    assert clean_markup("a&#12;b&#x0B;c&#0;d&#31;e&#9;f&#150;g&#39;") == "a b cde&#9;f&#150;g&#39;"
    assert clean_value({"k\x00": ["a\x07", ("b\x08",)], "n": 1}) == {"k": ["a", ("b",)], "n": 1}
    assert printable("line\nforged\x1b[2J" + "x" * 400, 50).startswith("line forged[2J")
    assert len(printable("x" * 400, 50)) == 50


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Mon, 01 Jan 01 00:00:00 GMT",
        "3/4/24",
        "1989-06-01",
        "x" * 500,
        "2026-02-30",
    ],
)
def test_implausible_or_unreadable_dates_are_refused_never_raised(value):
    parsed = parse_date(value)
    assert parsed is None or not plausible(parsed, NOW)


def test_a_bad_date_signal_falls_through_to_the_next():
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Star City", "datePublished": "0001-01-01T00:00:00+14:00",'
        ' "dateModified": "9999-12-31T23:59:59-14:00"}</script>'
        '<meta property="article:published_time" content="2026-05-01T10:00:00Z">'
        "</head><body><p>Text</p></body></html>"
    )
    record = extract(page, "https://example.com/a", fetched_at=NOW)
    assert record["published_at"] == "2026-05-01T10:00:00+00:00"
    assert record["modified_at_local"] is None


def test_january_first_written_as_a_date_still_counts():
    page = (
        "<html><head><title>Star City</title></head><body><article><h1>Star City</h1>"
        "<p>Posted on January 1, 2026 by the news desk. Apple TV's series follows the"
        " Soviet space programme and its cosmonauts.</p></article></body></html>"
    )
    record = extract(page, "https://example.com/a", fetched_at=NOW)
    assert record["published_at_local"] == "2026-01-01"


def test_a_year_in_running_text_is_no_publication_date():
    page = (
        "<html><head><title>Star City</title></head><body><article><h1>Star City</h1>"
        "<p>The real training centre near Moscow grew long before 1995, the year the"
        " station opened, and Apple TV's series tells its story.</p></article></body></html>"
    )
    assert extract(page, "https://example.com/a", fetched_at=NOW)["published_at_local"] is None


@pytest.mark.parametrize("kind", [str, bytes])
def test_large_pages_are_reduced_and_cut_linearly(kind):
    def page(text: str) -> str | bytes:
        return text if kind is str else text.encode()

    small = page("<html><body><p>Star City</p></body></html>")
    assert bound_markup(small) == (small, [])
    big = page("<script>" + "x" * 300 + "</script>" + "<p>Star City</p>" * 100)
    reduced, notes = bound_markup(big, limit=1000)
    assert page("<script>") not in reduced and len(reduced) <= 1000 and notes
    jsonld = page('<script type="application/ld+json">{}</script>' + "<p>a</p>" * 300)
    assert page("ld+json") in bound_markup(jsonld, 500)[0]
    # many unclosed openers: linear, not quadratic
    reduced, _ = bound_markup(page("<script" * 400_000 + "<!--" * 400_000), limit=1000)
    assert len(reduced) <= 1000
    assert len(cut_tags(page("<b>" * 1000), 10)[0]) == 27


def test_a_tag_of_thousands_of_attributes_keeps_its_name_only():
    attributes = " ".join(f"a{n}=1" for n in range(5000))
    page, notes = bound_markup(
        f'<p>x</p><div {attributes}>Star City</div><div data-x="{"y" * 30000}">'
    )
    assert page.startswith("<p>x</p><div>Star City</div>") and notes
    assert 'data-x="' in page  # one long attribute is no attack


def test_words_longer_than_any_word_are_cut():
    assert cut_long_words("a " + "x" * 5000 + " b") == "a " + "x" * 200 + " b"
    assert cut_long_words("plain words") == "plain words"


def test_only_so_many_json_ld_blocks_are_read():
    blocks = "".join(
        f'<script type="application/ld+json">{{"@type": "Thing", "name": "t{n}"}}</script>'
        for n in range(200)
    )
    record = extract(f"<html><head>{blocks}</head><body><p>x</p></body></html>", "https://e.com/a")
    assert "150 JSON-LD blocks were not read" in record["provenance"]["limits"]


def test_cap_elements_keeps_the_first_elements_in_document_order():
    tree = parse_html(
        "<html><body>" + "".join(f"<p>p{n}</p>" for n in range(100)) + "</body></html>"
    )
    assert cap_elements(tree, 20)
    assert sum(1 for _ in tree.iter()) == 20
    assert tree.xpath("string(//p[1])") == "p0"
    assert not cap_elements(tree, MAX_ELEMENTS)


def test_near_duplicate_signature_reads_a_bounded_number_of_words():
    words = [f"w{n % 997}x{n // 997}" for n in range(MAX_SHINGLED_WORDS)]
    head = " ".join(words)
    a = minhash(head + " tail one " * 1000)
    b = minhash(head + " another ending " * 1000)
    assert a is not None and a.jaccard(b) == 1.0
    assert text_hash(head + " one") != text_hash(head + " two")  # the hash reads everything


def test_people_and_dates_read_a_bounded_number_of_words():
    text = "Rhys Ifans " * (MAX_ANALYSED_WORDS * 2)
    analysed = text_of({"title": "Star City", "text": text})
    assert len(analysed.split()) == MAX_ANALYSED_WORDS
    assert word_budget_groups(["a b", "c d e", "f", "g " * 20], 5) == [[0, 1], [2], [3]]


def test_a_text_of_thousands_of_dates_costs_little():
    from datetime import date

    from pipelines.reported_dates import MAX_DATES, find_dates

    text = "Star City premieres on these dates: " + "1 January 2024, " * 2000
    assert len(find_dates(text, date(2026, 1, 1))) == MAX_DATES


def test_a_through_filter_must_name_one_value():
    from db.plugins.newsroom import bad_parameter

    assert bad_parameter('_through={"table": "a", "column": "b", "value": [1]}')
    assert bad_parameter("_through=%7B%7D")
    assert bad_parameter('_through={"table": "a", "column": "b", "value": "c"}') is None


def test_only_the_header_section_counts_against_the_header_limit():
    from spiders.headerlimit import header_part

    head = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n"
    assert header_part(b"", head + b"line\n" * 1000) == (head, True)
    assert header_part(b"", b"HTTP/1.1 200 OK\r\nA: b") == (b"HTTP/1.1 200 OK\r\nA: b", False)
    # the blank line split between two reads
    assert header_part(b"A: b\r\n\r"[-3:], b"\nline\n\nline\n") == (b"\n", True)
    assert header_part(b"", b"HTTP/1.0 200 OK\nA: b\n\nbody\n") == (
        b"HTTP/1.0 200 OK\nA: b\n\n",
        True,
    )


def test_connection_errors_are_described_without_reprs():
    from scrapy.exceptions import DownloadFailedError

    cause = ResponseNeverReceived(
        [Failure(ConnectionLost("Connection to the other side was lost"))]
    )
    try:
        raise DownloadFailedError(str(cause)) from cause
    except DownloadFailedError:
        kind, reason = classify_failure(Failure())
    assert kind == "connection_lost"
    assert "Connection to the other side was lost" in reason
    assert "Failure" not in reason and "<" not in reason


def test_a_canonical_read_differently_by_the_client_keys_nothing():
    page = "http://127.0.0.1:2/b/evil.html"
    trick = [("link", "http://127.0.0.1:2\\@127.0.0.1:1/art/story.html")]
    assert pick_canonical(page, trick) == (page, "url")
    assert canonical_elsewhere(page, trick) == (None, None)


@pytest.mark.parametrize(
    "link",
    ["http://%31%32%37.0.0.1:8/x", "http://127.0.0.1%3A8/x", "http://evil\x00.example/s"],
)
def test_a_host_no_resolver_reads_the_same_way_is_a_bad_link(link):
    with pytest.raises(RefusedURL) as refused:
        request_url(link)
    assert refused.value.kind == "bad_link"
    # the site check alone (behind request_url in the gate) judges it without raising
    assert sites_for(["*"], []).allows("http://evil\x00.example/s") in (True, False)


def test_impossible_and_negative_dates_make_up_no_date():
    import lxml.html

    from pipelines.page_metadata import htmldate_guess

    assert parse_date("Mon, 01 Jan -2026 00:00:00 GMT") is None
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for value in ("2026-02-30", "2025-02-29T10:00:00Z"):
        page = (
            '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            f'"datePublished": "{value}"}}</script></head><body><h1>Star City</h1>'
            "<p>Some text about the show.</p></body></html>"
        )
        assert htmldate_guess(lxml.html.fromstring(page), "http://x.test/a", now) is None
    written = "<html><body><h1>Star City</h1><p>Published 1 February 2026.</p></body></html>"
    assert htmldate_guess(lxml.html.fromstring(written), "http://x.test/a", now) == "2026-02-01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"@type": "NewsArticle", "headline": "A"}', [{"@type": "NewsArticle", "headline": "A"}]),
        ('[{"a": 1}, {}, {"b": 2}]', [{"a": 1}, {"b": 2}]),
        # comments: HTML, JavaScript line and block comments, CDATA markers
        ('<!--\n{"a": 1}\n-->', [{"a": 1}]),
        ('// generated\n{"a": "http://x.test/b"}', [{"a": "http://x.test/b"}]),
        ('/*<![CDATA[*/{"a": /* one */ 1}/*]]>*/', [{"a": 1}]),
        # trailing commas
        ('{"a": [1, 2,], "b": {"c": 3,},}', [{"a": [1, 2], "b": {"c": 3}}]),
        # escapes JSON does not know, read as JavaScript reads them: the character
        ('{"headline": "It\\\'s \\-here", "u": "\\u00e9"}', [{"headline": "It's -here", "u": "é"}]),
        # a trailing comma before a comment
        ('{"a": 1, // c\n}', [{"a": 1}]),
        ('{"a": [1, /* c */ ]}', [{"a": [1]}]),
        # a raw line break inside a string
        ('{"a": "one\ntwo"}', [{"a": "one\ntwo"}]),
        ('"just a string"', []),
    ],
)
def test_jsonld_blocks_are_read_as_pages_write_them(text, expected):
    from pipelines.jsonld import parse_block

    assert parse_block(text) == expected


def test_a_jsonld_block_beyond_repair_is_an_error():
    from pipelines.jsonld import parse_block

    with pytest.raises(ValueError):
        parse_block('{"a": ')
