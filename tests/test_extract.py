"""Extraction on small pages written for one behaviour each (accuracy is measured on real
pages in docs/accuracy.md, not here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import decode_body
from starcity.urls import normalize_url
from tests.helpers import ROOT, extract

URL = "https://news.example.com/2026/02/26/star-city-first-look/"
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


ARTICLE_TEXT = "<p>" + " ".join(["Apple TV sets the Star City premiere for May 29."] * 12) + "</p>"


def title_of(head: str, body: str = ARTICLE_TEXT) -> str | None:
    return extract(page(head, body), URL, fetched_at=NOW)["title"]


def test_jsonld_graph_with_nested_author_references():
    jsonld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "@id": "#site", "name": "Orbit News"},
      {"@type": "Person", "@id": "#p1", "name": "Dana Whitfield"},
      {"@type": ["NewsArticle"], "headline": "First look at Star City",
       "datePublished": "2026-02-26T14:05:00-08:00", "author": [{"@id": "#p1"}],
       "publisher": {"@id": "#site"}}]}</script>"""
    record = extract(page(jsonld, "<h1>Other</h1>" + ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "First look at Star City"
    assert record["authors"] == ["Dana Whitfield"]
    assert record["site_name"] == "Orbit News"
    assert record["published_at_local"] == "2026-02-26T14:05:00-08:00"
    assert record["published_at"] == "2026-02-26T22:05:00+00:00"
    assert record["provenance"]["published"] == "jsonld:datePublished"


def test_broken_jsonld_block_does_not_hide_the_next_one():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", broken</script>'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Kept",'
        ' "datePublished": "2026-03-01"}</script>'
    )
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "Kept"
    assert record["published_at_local"] == "2026-03-01"


def test_jsonld_html_entities_are_decoded():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "R&uuml;ckblick &#8216;Star City&#8217;"}</script>'  # noqa: E501
    assert extract(page(head), URL)["title"] == "Rückblick ‘Star City’"


def test_microdata_and_rdfa():
    body = (
        '<article itemscope itemtype="https://schema.org/NewsArticle">'
        '<h1 itemprop="headline">Microdata headline</h1>'
        '<span itemprop="author" itemscope><span itemprop="name">Marco Ruiz</span></span>'
        '<time itemprop="datePublished" datetime="2025-02-14T09:00:00-08:00">Feb 14</time>'
        '<figure><figcaption><span itemprop="author">Getty Images/Cultura RF</span>'
        "</figcaption></figure>" + ARTICLE_TEXT + "</article>"
    )
    record = extract(page("", body), URL, fetched_at=NOW)
    assert record["title"] == "Microdata headline"
    assert record["authors"] == ["Marco Ruiz"]
    assert record["published_at_local"] == "2025-02-14T09:00:00-08:00"

    rdfa = (
        '<div vocab="https://schema.org/" typeof="NewsArticle">'
        '<span property="schema:author">Priya Castellano</span>'
        '<span property="datePublished" content="2026-05-28">May 28</span>'
        + ARTICLE_TEXT
        + "</div>"
    )
    record = extract(page("", rdfa), URL, fetched_at=NOW)
    assert record["authors"] == ["Priya Castellano"]
    assert record["published_at_local"] == "2026-05-28"


def test_opengraph_only_page():
    head = (
        '<meta property="og:title" content="Star City review | ScreenWire">'
        '<meta property="og:site_name" content="ScreenWire">'
        '<meta property="article:published_time" content="2026-05-28T06:00:00-04:00">'
        '<meta property="article:modified_time" content="2026-05-29T08:15:00-04:00">'
        '<meta property="article:section" content="Reviews">'
        '<meta property="article:tag" content="Star City">'
        '<meta property="article:tag" content="Apple TV">'
        '<meta name="author" content="By Priya Castellano, Senior Critic">'
    )
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "Star City review"  # site name cut
    assert record["authors"] == ["Priya Castellano"]
    assert record["modified_at_local"] == "2026-05-29T08:15:00-04:00"
    assert record["section"] == "Reviews"
    assert record["tags"] == ["Star City", "Apple TV"]


def test_byline_in_sidebar_or_comments_is_not_the_author():
    body = (
        '<aside class="related"><p class="byline">By Someone Else</p>'
        '<time datetime="2020-01-01">old</time></aside>'
        '<div class="comments"><span class="author">Reader Name</span></div>'
        '<h1>Headline</h1><p class="byline">By Eleanor Price | Updated 3 hours ago</p>'
        '<time datetime="2025-02-06T10:15:00+00:00">6 February 2025</time>' + ARTICLE_TEXT
    )
    record = extract(page("<title>Headline - Courier</title>", body), URL, fetched_at=NOW)
    assert record["authors"] == ["Eleanor Price"]
    assert record["published_at_local"] == "2025-02-06T10:15:00+00:00"
    assert record["provenance"]["authors"] == "byline"


def test_future_and_ancient_dates_are_rejected_and_the_next_signal_used():
    head = (
        '<meta property="article:published_time" content="2031-01-01T00:00:00Z">'
        '<meta name="date" content="1970-01-01">'
    )
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["published_at_local"] == "2026-02-26"
    assert record["provenance"]["published"] == "url"


def test_modified_before_published_is_dropped():
    head = (
        '<meta property="article:published_time" content="2026-02-26T10:00:00Z">'
        '<meta property="article:modified_time" content="2026-02-20T10:00:00Z">'
    )
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["modified_at_local"] is None


def test_utc_metadata_takes_the_pages_own_offset():
    head = '<meta property="article:published_time" content="2023-11-09T03:28:35+00:00">'
    body = '<time datetime="2023-11-08T22:28:35-05:00">November 8</time>' + ARTICLE_TEXT
    record = extract(page(head, body), URL, fetched_at=NOW)
    assert record["published_at_local"] == "2023-11-08T22:28:35-05:00"
    assert record["published_at"] == "2023-11-09T03:28:35+00:00"
    assert record["provenance"]["published"].startswith("meta:article:published_time+offset")


def test_organisations_credited_as_authors_are_authors_with_their_kind():
    head = """<script type="application/ld+json">{"@type": "NewsArticle", "author": [
      {"@type": "Organization", "name": "Example Daily News"},
      {"@type": "Organization", "name": "Associated Press"}]}</script>"""
    record = extract(page(head), URL)
    assert record["authors"] == ["Example Daily News", "Associated Press"]
    assert record["author_kinds"] == ["organisation", "agency"]


def test_an_outlet_credited_as_byline_is_the_author_unless_a_person_is_credited():
    outlet = """<meta property="og:site_name" content="Example Daily">
      <meta name="author" content="Example Daily Redaktion">"""
    record = extract(page(outlet), URL)
    assert record["authors"] == ["Example Daily Redaktion"]
    assert record["author_kinds"] == ["organisation"]
    # a person credited by a later signal wins over the outlet
    with_person = page(outlet, '<p class="byline">By Dana Whitfield</p><p>Text.</p>')
    record = extract(with_person, URL)
    assert record["authors"] == ["Dana Whitfield"] and record["author_kinds"] == ["person"]
    # the site's name in the page's chrome only is no author
    chrome = '<meta property="og:site_name" content="Example Daily">'
    assert extract(page(chrome), URL)["authors"] == []


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("windows-1251", "Звёздный городок: Apple показала первые кадры сериала"),
        ("iso-8859-1", "Première: «Star City» arrive sur Apple TV"),
        ("koi8-r", "Сериал о советской космической программе"),
    ],
)
def test_legacy_encodings_from_meta_charset(encoding, text):
    html = (
        f'<html><head><meta charset="{encoding}"><title>{text}</title></head>'
        f"<body><h1>{text}</h1><p>{text}</p></body></html>"
    )
    record = extract(html.encode(encoding), URL)
    assert record["title"] == text
    assert record["encoding"].replace("_", "-") in (encoding, "cp1251", "cp1252", "koi8-r")


def test_http_charset_wins_over_meta_and_bom_over_both():
    text = "Звёздный городок"
    body = f'<html><head><meta charset="utf-8"><title>{text}</title></head></html>'
    decoded, _ = decode_body(body.encode("cp1251"), {"Content-Type": "text/html; charset=cp1251"})
    assert text in decoded
    decoded, encoding = decode_body(
        b"\xef\xbb\xbf" + body.encode("utf-8"), {"Content-Type": "text/html; charset=cp1251"}
    )
    assert text in decoded and encoding.startswith("utf")


def test_utf8_page_with_a_stale_legacy_meta_charset_decodes_as_utf8():
    text = "für Zuschauer — Звёздный"
    body = f'<html><head><meta charset="iso-8859-1"><title>{text}</title></head></html>'
    decoded, encoding = decode_body(body.encode("utf-8"))
    assert text in decoded and encoding == "utf-8"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/a/story/amp/", "https://x.com/a/story/"),
        ("https://x.com/a/story.amp.html", "https://x.com/a/story.html"),
        ("https://x.com/a/s?amp=1&id=2", "https://x.com/a/s?id=2"),
        ("https://x.com/a/s?outputType=amp", "https://x.com/a/s"),
        ("https://x.com/amplify/", "https://x.com/amplify/"),
        ("https://x.com/a/s?format=json", "https://x.com/a/s?format=json"),
    ],
)
def test_amp_variants_normalised(url, expected):
    assert normalize_url(url) == expected


def test_amp_page_uses_its_canonical():
    head = '<link rel="canonical" href="https://news.example.com/2026/02/26/star-city/">'
    record = extract(page(head), "https://news.example.com/2026/02/26/star-city/amp/")
    assert record["canonical_url"] == "https://news.example.com/2026/02/26/star-city/"
    assert record["provenance"]["canonical_url"] == "link:canonical"


def test_broken_input_gives_an_empty_record_not_an_error():
    for body in (b"", b"<!-- only a comment -->", b"\x00\x01\x02", "<html><body>"):
        record = extract(body, URL)
        assert record["title"] is None and record["authors"] == []


def test_byline_completes_metadata_that_lists_one_of_two_authors():
    head = '<meta name="author" content="Marlene Holm">'
    body = (
        '<div class="article-byline"><a rel="author">Ingrid Treborg</a>'
        '<a rel="author">Marlene Holm</a></div>' + ARTICLE_TEXT
    )
    record = extract(page(head, body), URL)
    assert record["authors"] == ["Ingrid Treborg", "Marlene Holm"]
    assert record["provenance"]["authors"] == "meta:author+byline"


def test_the_site_credited_as_author_is_an_organisation_author():
    head = '<meta name="author" content="Der Postillon">'
    record = extract(page(head, ARTICLE_TEXT), "https://www.der-postillon.com/2024/04/x.html")
    assert record["authors"] == ["Der Postillon"]
    assert record["author_kinds"] == ["organisation"]


def test_headline_on_page_confirmed_by_a_metadata_title_beats_a_rewritten_one():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Star City: seven things to know"}</script>'
        '<meta property="og:title" content="Everything we know about Star City so far">'
    )
    body = "<h1>Everything we know about Star City so far</h1>" + ARTICLE_TEXT
    record = extract(page(head, body), URL, fetched_at=NOW)
    assert record["title"] == "Everything we know about Star City so far"
    assert record["provenance"]["title"] == "meta:og:title"
    # without an <h1> saying the same, JSON-LD stays first
    record = extract(page(head, "<h1>Star City</h1>" + ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "Star City: seven things to know"


def test_page_wide_body_classes_do_not_hide_the_byline_and_headline():
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"></head>'
        '<body class="post-template-default single wp-embed-responsive">'
        '<h1>Star City premiere set</h1><p class="byline">By Eleanor Price</p>'
        '<time datetime="2026-02-26T10:15:00+01:00">26 February</time>'
        + ARTICLE_TEXT
        + "</body></html>"
    )
    record = extract(html, URL, fetched_at=NOW)
    assert record["authors"] == ["Eleanor Price"]
    assert record["title"] == "Star City premiere set"
    assert record["published_at_local"] == "2026-02-26T10:15:00+01:00"


def test_title_spelled_as_the_social_title_when_the_words_agree():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Star City\u2019s \u2018space race\u2019 - what to know"}</script>'
        '<meta property="og:title" content="Star City\'s \'space race\': what to know">'
    )
    body = "<h1>Star City\u2019s \u2018space race\u2019 - what to know</h1>" + ARTICLE_TEXT
    record = extract(page(head, body), URL, fetched_at=NOW)
    assert record["title"] == "Star City's 'space race': what to know"
    assert record["provenance"]["title"] == "meta:og:title"
    # a shouted or decorated social title is not a re-spelling
    for social in (
        "STAR CITY'S 'SPACE RACE': WHAT TO KNOW",
        "Star City's 'space race': what to know!!",
    ):
        shout = head.replace("Star City's 'space race': what to know", social)
        assert title_of(shout, body) == ("Star City\u2019s \u2018space race\u2019 - what to know")
    # other words in the social title: the printed headline stays
    other = head.replace('what to know">', 'all you need to know">')
    assert title_of(other, body) == ("Star City\u2019s \u2018space race\u2019 - what to know")


def test_kicker_before_the_headline_is_dropped_when_the_social_title_omits_it():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Apple TV: Star City gets its premiere date"}</script>'
        '<meta property="og:title" content="Star City gets its premiere date">'
    )
    body = "<h1>Apple TV: Star City gets its premiere date</h1>" + ARTICLE_TEXT
    record = extract(page(head, body), URL, fetched_at=NOW)
    assert record["title"] == "Star City gets its premiere date"
    assert record["provenance"]["title"] == "meta:og:title"
    # a social title that is a shortening, not the part after the kicker, changes nothing
    short = head.replace('content="Star City gets its premiere date"', 'content="Star City"')
    assert title_of(short, body) == ("Apple TV: Star City gets its premiere date")
    # a speaker before a quote is no kicker
    quote = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Nedivi: \'We wanted the other side of the race\'"}</script>'
        '<meta property="og:title" content="\'We wanted the other side of the race\'">'
    )
    body = "<h1>Nedivi: 'We wanted the other side of the race'</h1>" + ARTICLE_TEXT
    assert title_of(quote, body) == ("Nedivi: 'We wanted the other side of the race'")
    # nor does a "kicker" longer than what follows it (a headline with a colon)
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "The Soviet space drama returns with a new date: Star City"}</script>'
        '<meta property="og:title" content="Star City">'
    )
    body = "<h1>The Soviet space drama returns with a new date: Star City</h1>" + ARTICLE_TEXT
    assert title_of(head, body) == ("The Soviet space drama returns with a new date: Star City")


def test_a_title_that_is_only_the_site_name_is_passed_over_and_a_leading_one_cut():
    head = (
        '<meta property="og:site_name" content="Orbit News">'
        '<meta name="twitter:title" content="Orbit News">'
        '<meta property="og:title" content="Star City gets its premiere date">'
        "<title>Star City gets its premiere date - Orbit News</title>"
    )
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "Star City gets its premiere date"
    assert record["provenance"]["title"] == "meta:og:title"
    head = (
        '<meta property="og:site_name" content="Orbit News">'
        '<meta property="og:title" content="Orbit News | Star City gets its premiere date">'
    )
    assert title_of(head) == ("Star City gets its premiere date")
    # a "site name" that is the page's <title> proves nothing
    head = (
        '<meta property="og:site_name" content="Star City gets its premiere date">'
        '<meta property="og:title" content="Star City gets its premiere date">'
        "<title>Star City gets its premiere date</title>"
    )
    assert title_of(head) == ("Star City gets its premiere date")


def test_title_tail_printed_in_the_h1_is_not_cut_as_a_site_name():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Star City gets a date – what we expect"}</script>'
        "<title>Star City gets a date – what we expect</title>"
    )
    body = "<h1>Star City gets a date – what we expect</h1>" + ARTICLE_TEXT
    record = extract(page(head, body), URL, fetched_at=NOW)
    assert record["title"] == "Star City gets a date – what we expect"
    # no <h1> printing the tail: a short last part of a title equal to <title> is cut
    record = extract(page(head, "<h1>Star City</h1>" + ARTICLE_TEXT), URL, fetched_at=NOW)
    assert record["title"] == "Star City gets a date"


def test_dateline_under_the_headline_when_no_machine_readable_date():
    body = (
        "<header><h1>Courier</h1></header>"
        "<h1>Star City premiere draws a crowd downtown</h1>"
        '<p class="meta">Updated: 14.10.2020</p><p class="meta">13 Oct 2020 18:29</p>'
        "<p>The festival runs until 30 November 2020 in the old town.</p>" + ARTICLE_TEXT
    )
    url = "https://news.example.com/culture/star-city-premiere"
    record = extract(page("", body), url, fetched_at=NOW)
    assert record["published_at_local"] == "2020-10-13"
    assert record["provenance"]["published"] == "text:dateline"


def test_utc_timestamp_takes_the_local_day_of_the_permalink():
    head = '<meta property="article:published_time" content="2026-02-25T23:10:00+00:00">'
    record = extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)  # URL: /2026/02/26/
    assert record["published_at_local"] == "2026-02-26T00:10:00+01:00"
    assert record["published_at"] == "2026-02-25T23:10:00+00:00"
    assert record["provenance"]["published"] == "meta:article:published_time+offset:url"
    # a URL day no UTC offset can reach is not a local day: the value stays as written
    head = '<meta property="article:published_time" content="2026-02-20T10:00:00+00:00">'
    assert extract(page(head, ARTICLE_TEXT), URL, fetched_at=NOW)["published_at_local"] == (
        "2026-02-20T10:00:00+00:00"
    )


def test_dateline_with_spaced_day_and_month():
    body = (
        "<h1>Star City premiere draws a crowd</h1>"
        '<div class="publish-date">Von <span>Kulturredaktion</span> 4. 2. 2022.</div>'
        + ARTICLE_TEXT
    )
    url = "https://news.example.com/culture/star-city-premiere"
    record = extract(page("", body, lang="de"), url, fetched_at=NOW)
    assert record["published_at_local"] == "2022-02-04"


def test_date_labelled_as_published_when_no_machine_readable_date():
    url = "https://blog.example.org/news/star-city-premiere/"
    # a blog footer sentence: the date is cut out of the labelled text
    body = (
        "<h1>Star City premiere</h1>" + ARTICLE_TEXT + '<p class="postmetadata"><small>'
        "Dieser Beitrag wurde am Samstag, 3. Dezember 2011 um 10:00 Uhr veröffentlicht und "
        'unter <a href="/cat/kultur/">Kultur</a> abgelegt.</small></p>'
    )
    record = extract(page("", body, lang="de"), url, fetched_at=NOW)
    assert record["published_at_local"] == "2011-12-03"
    assert record["provenance"]["published"] == "text:labelled"
    # label and date in neighbouring elements; an update label next to a date is not used
    body = (
        "<h1>Star City premiere</h1>"
        "<p>Updated 14 October 2020</p>" + ARTICLE_TEXT + "<div class='meta'><span>Published"
        "</span> <span>13 October 2020</span></div>"
    )
    assert extract(page("", body), url, fetched_at=NOW)["published_at_local"] == "2020-10-13"
    # a date far from the label is prose, not the page's publication date
    body = (
        "<h1>Star City premiere</h1><p>The novel was published long before the studio "
        "bought the rights and announced the series on 3 March 2019.</p>" + ARTICLE_TEXT
    )
    record = extract(page("", body), url, fetched_at=NOW)
    assert record["provenance"].get("published") != "text:labelled"


def test_date_as_the_value_of_a_date_label_element():
    url = "https://news.example.com/europe/star-city-premiere-a-123"
    # a facts list beside the article: a teaser's date comes first in the page, the
    # labelled value is the article's own
    body = (
        "<h1>Star City premiere</h1>" + ARTICLE_TEXT + '<div class="teaser"><h2>Earlier '
        'story <span class="date">24.04.2023</span></h2></div>'
        "<ul class='facts'><li><strong>Datum</strong>\n28.04.2023</li>"
        "<li><strong>Schlagwörter</strong> Raumfahrt</li></ul>"
    )
    record = extract(page("", body, lang="de"), url, fetched_at=NOW)
    assert record["published_at_local"] == "2023-04-28"
    assert record["provenance"]["published"] == "text:label-value"
    # definition lists; an "Updated" label is not a publication label
    body = (
        "<h1>Star City premiere</h1>" + ARTICLE_TEXT + "<dl><dt>Updated:</dt><dd>14 October 2020"
        "</dd><dt>Published:</dt><dd>13 October 2020</dd></dl>"
    )
    assert extract(page("", body), url, fetched_at=NOW)["published_at_local"] == "2020-10-13"
    # "date" as a word in prose is no label
    body = "<h1>Star City premiere</h1><p><b>Date</b> night ideas for 2026 and beyond.</p>"
    record = extract(page("", body + ARTICLE_TEXT), url, fetched_at=NOW)
    assert record["provenance"].get("published") != "text:label-value"


def test_jsonld_webpage_date_when_no_article_object():
    jsonld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "@id": "#site", "name": "Orbit Blog"},
      {"@type": "CollectionPage", "datePublished": "2019-01-01T00:00:00+00:00"},
      {"@type": "WebPage", "@id": "#page", "datePublished": "2020-10-13T09:41:55+00:00",
       "dateModified": "2021-01-05T10:00:00+00:00", "isPartOf": {"@id": "#site"}}]}</script>"""
    body = "<h1>Star City premiere</h1><p>13 Oct 2019</p>" + ARTICLE_TEXT
    url = "https://blog.example.org/star-city-premiere/"
    record = extract(page(jsonld, body), url, fetched_at=NOW)
    assert record["published_at_local"] == "2020-10-13T09:41:55+00:00"
    assert record["provenance"]["published"] == "jsonld:WebPage.datePublished"
    # an article's own date and the article:* meta tags come first
    head = jsonld + '<meta property="article:published_time" content="2020-10-12T08:00:00+00:00">'
    assert extract(page(head, body), url, fetched_at=NOW)["published_at_local"] == (
        "2020-10-12T08:00:00+00:00"
    )


def test_page_furniture_above_the_first_paragraph_is_trimmed_from_the_text():
    from pipelines.main_text import trim_leading_chrome

    text = (
        "Home » TV & Radio\nStar City premiere set\nBy Dana Whitfield | Updated 3 hours ago\n"
        "6 February 2025\nApple has set the premiere of Star City for May 29.\nMore text."
    )
    trimmed = trim_leading_chrome(text, "Star City premiere set", ["Dana Whitfield"], NOW)
    assert trimmed == "Apple has set the premiere of Star City for May 29.\nMore text."
    # a short first paragraph that is none of these stays, and so does everything after it
    text = "Short opener\n6 February 2025\nBody."
    assert trim_leading_chrome(text, "Another title", [], NOW) == text
    # the demo web's table layout, end to end
    html = (ROOT / "demoweb/site/courier/tv/rhys-ifans-star-city.html").read_bytes()
    record = extract(html, "http://127.0.0.1:8002/courier/tv/rhys-ifans-star-city.html")
    assert record["text"].startswith("Rhys Ifans has been chosen to lead Star City")


def test_author_as_the_value_of_an_author_label_element():
    url = "https://news.example.com/europe/star-city-premiere-a-123"
    body = (
        "<h1>Star City premiere</h1>" + ARTICLE_TEXT + "<ul class='facts'><li><strong>Datum"
        "</strong> 28.04.2023</li><li><strong>Autorin/Autor</strong>\nRoman Beispiel</li></ul>"
    )
    record = extract(page("", body, lang="de"), url, fetched_at=NOW)
    assert record["authors"] == ["Roman Beispiel"]
    assert record["provenance"]["authors"] == "text:author-label"
    # a definition list works the same; a label inside a sentence is no label element
    body = "<h1>Star City</h1>" + ARTICLE_TEXT + "<dl><dt>Author:</dt><dd>Jane Doe</dd></dl>"
    assert extract(page("", body), url, fetched_at=NOW)["authors"] == ["Jane Doe"]
    body = "<h1>Star City</h1><p>The <b>author</b> Jane Doe wrote it.</p>" + ARTICLE_TEXT
    assert extract(page("", body), url, fetched_at=NOW)["authors"] == []


def test_name_set_off_before_the_dateline_when_nothing_marks_up_an_author():
    url = "https://news.example.com/kultur/star-city-premiere"
    body = (
        "<h1>Star City premiere draws a crowd</h1><h4>The series opens in May.</h4>"
        "<div><span>Deniz Aksoy &nbsp;|</span><span>05.04.2025, 14:30</span>"
        "</div>" + ARTICLE_TEXT
    )
    record = extract(page("", body), url, fetched_at=NOW)
    assert record["authors"] == ["Deniz Aksoy"]
    assert record["provenance"]["authors"] == "text:byline-before-date"
    assert record["published_at_local"] == "2025-04-05"
    # a section the site's menu names is not a byline
    menu = "<nav><a href='/kultur'>Kultur News</a></nav>" + body.replace(
        "Deniz Aksoy", "Kultur News"
    )
    assert extract(page("", menu), url, fetched_at=NOW)["authors"] == []
    # no separator: a line before the date is not taken for a byline
    plain = body.replace("&nbsp;|", "")
    assert extract(page("", plain), url, fetched_at=NOW)["authors"] == []
    # a label before the date is no name
    label = body.replace("Deniz Aksoy &nbsp;|", "Published: |")
    assert extract(page("", label), url, fetched_at=NOW)["authors"] == []


def test_credit_typed_as_a_bold_paragraph_of_the_story():
    url = "https://news.example.com/star-city-casting"
    prose = "<p>" + "The cast of Star City met the press in Moscow on Tuesday. " * 3 + "</p>"
    story = (
        "<h1>Star City casting</h1><div class='entry-content'><p>&nbsp;</p>"
        "<p><em>...a spinoff of For All Mankind</em></p>"
        "<p><strong>Lerato Mokoena/Thabo Nkosi</strong></p>" + prose * 4 + "</div>"
    )
    record = extract(page("", story), url, fetched_at=NOW)
    assert record["authors"] == ["Lerato Mokoena", "Thabo Nkosi"]
    assert record["provenance"]["authors"] == "text:credit-paragraph"
    # a heading before a list, a heading in capitals and a credit box in the footer are not
    for lead in (
        "<p><strong>Key Points</strong></p><ul><li>May 29</li></ul>",
        "<p><strong>KEY POINTS</strong></p>",
    ):
        heading = "<h1>Star City casting</h1><div>" + lead + prose * 4 + "</div>"
        assert extract(page("", heading), url, fetched_at=NOW)["authors"] == []
    footer = (
        "<h1>Star City casting</h1><article><p>Short.</p></article><footer>"
        "<p><b>Contact Us</b></p>" + prose * 4 + "</footer>"
    )
    assert extract(page("", footer), url, fetched_at=NOW)["authors"] == []
    # a bold subheading later in the story is not a credit
    later = (
        "<h1>Star City casting</h1><div>"
        + prose
        + "<p><strong>Flawed Approach</strong></p>"
        + prose * 3
        + "</div>"
    )
    assert extract(page("", later), url, fetched_at=NOW)["authors"] == []
    # a right-aligned bold signature closing the story is one
    signed = (
        "<h1>Star City casting</h1><article>"
        + prose * 4
        + '<p style="text-align:right;"><strong>Lê Phương</strong></p></article>'
    )
    record = extract(page("", signed, lang="vi"), url, fetched_at=NOW)
    assert record["authors"] == ["Lê Phương"]
    # a source note is not a signature ("according to Reuters")
    source = signed.replace("Lê Phương", "Theo Reuters")
    assert extract(page("", source, lang="vi"), url, fetched_at=NOW)["authors"] == []
    # ... but a closing bold line that is not set as a signature is not
    unsigned = signed.replace(' style="text-align:right;"', "")
    assert extract(page("", unsigned, lang="vi"), url, fetched_at=NOW)["authors"] == []


def test_cjk_credit_lines_writers_before_editors():
    url = "https://news.example.cn/n1/2026/0529/c1002-1.html"
    prose = "<p>" + "苹果公司宣布《星城》将于五月二十九日首播。" * 8 + "</p>"
    edited = "<h1>星城首播</h1>" + prose + '<div class="edit">(责编：牛镛、岳弘彬)</div>'
    record = extract(page("", edited, lang="zh"), url, fetched_at=NOW)
    assert record["authors"] == ["牛镛", "岳弘彬"]
    assert record["provenance"]["authors"] == "text:editor-credit"
    written = edited.replace("<h1>星城首播</h1>", "<h1>星城首播</h1><p>作者：张三</p>")
    record = extract(page("", written, lang="zh"), url, fetched_at=NOW)
    assert record["authors"] == ["张三"]
    assert record["provenance"]["authors"] == "text:credit-line"
    # "anonymous" names nobody
    anonymous = "<h1>星城首播</h1><p>作者：佚名</p>" + prose
    assert extract(page("", anonymous, lang="zh"), url, fetched_at=NOW)["authors"] == []
    # a credit word inside a sentence is not a credit line
    prose_only = (
        "<h1>星城首播</h1>"
        + prose
        + "<p>本文作者：张三在莫斯科的星城采访了宇航员。这是一段很长的文字。</p>"
    )
    assert extract(page("", prose_only, lang="zh"), url, fetched_at=NOW)["authors"] == []


def test_the_same_page_extracts_the_same_however_often_the_process_has_seen_it():
    # trafilatura's own deduplication remembers paragraphs process-wide and would drop a
    # text seen a few times before (aggregator copies, re-fetches): it is not used
    html = (ROOT / "demoweb/site/courier/tv/rhys-ifans-star-city.html").read_bytes()
    url = "http://127.0.0.1:8002/courier/tv/rhys-ifans-star-city.html"
    texts = {extract(html, url)["text"] for _ in range(5)}
    assert len(texts) == 1 and texts.pop()


def test_a_date_and_the_sites_name_after_the_title_are_cut_as_often_as_they_come():
    head = """<meta property="og:site_name" content="DW.COM">
      <meta property="og:title" content="Ziele, Chancen, Risiken | DW | 28.04.2023">"""
    assert title_of(head) == "Ziele, Chancen, Risiken"


def test_the_sites_name_glued_behind_the_title_is_cut_also_with_a_word_after_it():
    head = '<meta property="og:title" content="Merkez Bankası faizi sabit tuttu - Sabah haberler">'
    record = extract(page(head, ARTICLE_TEXT), "https://www.sabah.com.tr/ekonomi/2026/05/01/x")
    assert record["title"] == "Merkez Bankası faizi sabit tuttu"
    head = '<meta property="og:title" content="정부, 예산안 발표ㅣ한빛일보">'
    head += '<meta property="og:site_name" content="한빛일보">'
    assert title_of(head) == "정부, 예산안 발표"


def test_invisible_characters_are_not_part_of_the_title():
    head = '<meta property="og:title" content="Bundes\u00adtag\u200b stimmt zu">'
    assert title_of(head) == "Bundestag stimmt zu"


def test_a_kicker_before_the_headline_is_cut_where_another_title_omits_it():
    head = '<meta name="twitter:title" content="Einwanderung - Wettstreit der Lösungen">'
    body = "<h1>Wettstreit der Lösungen</h1>" + ARTICLE_TEXT
    assert title_of(head, body) == "Wettstreit der Lösungen"
    # no other title without it: the title stays whole
    assert title_of(head) == "Einwanderung - Wettstreit der Lösungen"
    # the publisher's og:title with the kicker: part of the headline
    og = '<meta property="og:title" content="Einwanderung - Wettstreit der Lösungen">'
    assert title_of(head + og, body) == "Einwanderung - Wettstreit der Lösungen"


def test_an_author_only_in_a_data_attribute_is_read():
    body = '<article data-author="Dana Whitfield" data-id="123">' + ARTICLE_TEXT + "</article>"
    record = extract(page("", body), URL)
    assert record["authors"] == ["Dana Whitfield"]
    assert record["provenance"]["authors"] == "data:author"
    # in a comment box it is a commenter, not the author
    comments = '<div class="comments"><div data-author="Troll 42">Hi</div></div>'
    assert extract(page("", ARTICLE_TEXT + comments), URL)["authors"] == []


def test_the_pages_section_set_before_or_after_the_headline_is_cut():
    head = """<meta property="article:section" content="경제">
      <meta property="og:title" content="정부, 예산안 발표-경제ㅣ한빛일보">
      <meta property="og:site_name" content="한빛일보">"""
    assert title_of(head) == "정부, 예산안 발표"
    head = """<meta property="article:section" content="Sport">
      <meta property="og:title" content="Sport: Ajax verliest opnieuw in eigen huis">"""
    assert title_of(head) == "Ajax verliest opnieuw in eigen huis"
    # a first part that is not the section stays
    head = '<meta property="og:title" content="Brexit: what changes on Monday">'
    head += '<meta property="article:section" content="Politics">'
    assert title_of(head) == "Brexit: what changes on Monday"


def test_the_section_is_also_read_from_breadcrumbs_and_the_urls_folders():
    def title(head: str, url: str) -> str | None:
        return extract(page(head), url, fetched_at=NOW)["title"]

    tv = "https://paper.example/tv-streaming/2026/star-city-returns"
    head = '<meta property="og:title" content="TV Streaming: Star City returns in May">'
    assert title(head, tv) == "Star City returns in May"
    crumbs = """<script type="application/ld+json">{"@type": "BreadcrumbList",
      "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Home"},
      {"@type": "ListItem", "position": 2, "item": {"@id": "/k", "name": "Kultur"}}]}</script>
      <meta property="og:title" content="Star City kehrt im Mai zurück | Kultur">"""
    assert title(crumbs, "https://paper.example/a/123") == "Star City kehrt im Mai zurück"
    # a dash inside a compound is no separator ("Davis Cup-Qualifiers")
    head = '<meta property="og:title" content="Davis Cup-Qualifiers: two new names">'
    assert title(head, "https://paper.example/davis-cup/story") == head.split('"')[3]
    head = '<meta property="og:title" content="Besuch im Zeppelin-Museum">'
    assert title(head, "https://paper.example/museum/story") == "Besuch im Zeppelin-Museum"
    # a speaker before a quote is no section
    head = """<meta property="og:title" content="Trump: 'We will see'">"""
    assert title(head, "https://paper.example/trump/story") == "Trump: 'We will see'"


def test_jsonld_authors_in_an_ordered_list_or_with_given_and_family_names():
    byline = '<p class="byline">By Ana Lind</p>' + ARTICLE_TEXT
    for authors in (
        '{"@list": [{"@type": "Person", "name": "Ana Lind"},'
        ' {"@type": "Person", "name": "Bo Berg"}]}',
        '[{"@type": "Person", "givenName": "Ana", "familyName": "Lind"},'
        ' {"@type": "Person", "givenName": "Bo", "familyName": "Berg"}]',
    ):
        head = (
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
            f' "author": {authors}}}</script>'
        )
        record = extract(page(head, byline), URL, fetched_at=NOW)
        # the metadata's whole list, though the page shows the first author only
        assert record["authors"] == ["Ana Lind", "Bo Berg"]
        assert record["provenance"]["authors"] == "jsonld:author"


def test_a_dateline_over_a_day_after_the_metadatas_date_is_the_publication_date():
    head = '<meta property="article:published_time" content="2026-01-15T11:02:44+01:00">'

    def published(body: str) -> tuple[str | None, str | None]:
        record = extract(page(head, body), "https://paper.example/story", fetched_at=NOW)
        return record["published_at_local"], record["provenance"]["published"]

    # the page prints a later day under its headline: published again then
    body = "<h1>Star City: the Soviet side of the race</h1><p>04.02.2026</p>" + ARTICLE_TEXT
    assert published(body) == ("2026-02-04", "text:dateline+later")
    # a day apart is one moment in two time zones: the metadata's time stays
    body = body.replace("04.02.2026", "16.01.2026")
    assert published(body) == ("2026-01-15T11:02:44+01:00", "meta:article:published_time")
    # a date after the story's first sentence is no dateline (an event's date)
    body = (
        "<h1>Star City: the Soviet side of the race</h1>"
        "<p>The cast meets fans at three screenings in the spring, tickets on sale now.</p>"
        "<p>Termin: 21.02.2026</p>" + ARTICLE_TEXT
    )
    assert published(body) == ("2026-01-15T11:02:44+01:00", "meta:article:published_time")
    # an earlier dateline changes nothing
    body = "<h1>Star City: the Soviet side of the race</h1><p>04.01.2026</p>" + ARTICLE_TEXT
    assert published(body)[1] == "meta:article:published_time"
    # and the rule can be switched off, for the evaluation
    later = "<h1>Star City: the Soviet side of the race</h1><p>04.02.2026</p>" + ARTICLE_TEXT
    off = frozenset({"dates:dateline-later"})
    record = extract(page(head, later), "https://paper.example/s", fetched_at=NOW, disabled=off)
    assert record["provenance"]["published"] == "meta:article:published_time"


def test_the_sites_name_is_also_what_two_titles_end_with_or_its_app_name():
    og = '<meta property="og:title" content="Star City premieres in May - Orbit Weekly">'
    # <title> says another headline, with the same last part: that part is the site
    tag = "<title>Star City gets its date - Orbit Weekly</title>"
    assert title_of(og + tag) == "Star City premieres in May"
    # without it, a last part after a dash may be the headline's own
    assert title_of(og) == "Star City premieres in May - Orbit Weekly"
    app = '<meta name="application-name" content="Orbit Weekly">'
    assert title_of(og + app) == "Star City premieres in May"
    # one headline with the site's name before it in <title> proves nothing
    tag = "<title>Orbit: Star City premieres in May - Orbit Weekly</title>"
    assert title_of(og + tag) == "Star City premieres in May - Orbit Weekly"
