"""Pure helpers: author cleaning, date parsing and plausibility, URL normalisation."""

from datetime import UTC, datetime

import pytest

from pipelines.authors import clean_authors
from pipelines.page_dates import parse_date, plausible
from starcity.urls import normalize_url, pick_canonical


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Eleanor Price | Updated 3 hours ago"], ["Eleanor Price"]),
        (["Dana Whitfield and Marco Ruiz"], ["Dana Whitfield", "Marco Ruiz"]),
        (["By A. Smith, B. Jones & Carla Diaz"], ["A. Smith", "B. Jones", "Carla Diaz"]),
        (["Jane Doe, Senior Editor"], ["Jane Doe"]),
        (["Staff Writer"], []),
        (["jane@example.com"], []),
        (["Variety Staff"], []),
        (["F.P. Report"], []),
        (["Deutsches Weininstitut GmbH", "Bundesrat Onlineredaktion"], []),
        (["AP National Writer", "HT Correspondent", "Lifestyle Writer"], []),
        (["Amitai Winehouse For Mailonline"], ["Amitai Winehouse"]),
        (["FOCUS-Online-Experte Robin Tschöpe"], ["Robin Tschöpe"]),
        (["Inga HoeltmannFollowTransformationsbegleiterin"], []),
        (
            ["GARY B. GRAVES", "Chokri GHARBI", "Ann O'NEIL"],
            ["Gary B. Graves", "Chokri Gharbi", "Ann O'Neil"],
        ),
        (
            ["AJ Taylor", "John Smith III", "JEAN-PAUL SARTRE"],
            ["AJ Taylor", "John Smith III", "Jean-Paul Sartre"],
        ),
        (["Jessica DeFino", "Ann McConnell-DeWitt"], ["Jessica DeFino", "Ann McConnell-DeWitt"]),
        (["Glen Owen and Brendan Carlin for The Mail on Sunday"], ["Glen Owen", "Brendan Carlin"]),
        (["The Launchpad Ledger"], []),
        (["Marco Ruiz", "marco ruiz"], ["Marco Ruiz"]),
        (["Written by Priya Castellano @priyac"], ["Priya Castellano"]),
    ],
)
def test_clean_authors(raw, expected):
    assert clean_authors(raw, site_name="The Launchpad Ledger") == expected


def test_clean_authors_collapses_a_name_read_twice():
    # a byline with a hidden duplicate of the name (screen-reader or mobile copy)
    assert clean_authors(["Eleanor Price Eleanor Price", "Eleanor Price"]) == ["Eleanor Price"]
    assert clean_authors(["Bao Bao"]) == ["Bao Bao"]  # a two-word name stays


def test_clean_authors_drops_site_name():
    assert clean_authors(["ScreenWire"], site_name="ScreenWire") == []
    # the site's name after an article, matched against the host name
    assert clean_authors(["Die FURCHE"], host="www.furche.at") == []
    assert clean_authors(["The Verge"], host="www.theverge.com") == []


def test_parse_date_keeps_offset_and_converts_to_utc():
    value = parse_date("2026-02-26T14:05:00-08:00")
    assert value.iso == "2026-02-26T14:05:00-08:00"
    assert value.utc == "2026-02-26T22:05:00+00:00"


def test_parse_date_only_stays_a_date():
    value = parse_date("2026-05-29")
    assert value.iso == "2026-05-29" and not value.has_time


def test_parse_rfc822():
    assert parse_date("Thu, 26 Feb 2026 14:05:00 -0800").utc == "2026-02-26T22:05:00+00:00"


@pytest.mark.parametrize("raw", ["", "not a date", None, "99999999999"])
def test_parse_date_rejects_junk(raw):
    assert parse_date(raw) is None


def test_plausible_rejects_future_and_ancient():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert plausible(parse_date("2026-02-28T10:00:00Z"), now)
    assert not plausible(parse_date("2026-03-05T10:00:00Z"), now)
    assert not plausible(parse_date("1970-01-01T00:00:00Z"), now)


def test_normalize_url_drops_tracking_and_fragment():
    assert (
        normalize_url("HTTPS://Example.COM:443/a/b?utm_source=rss&id=3&fbclid=x#comments")
        == "https://example.com/a/b?id=3"
    )


def test_pick_canonical_refuses_other_site_and_homepage():
    page = "https://news.example.com/2026/02/story/"
    assert pick_canonical(page, [("link:canonical", "https://other.org/x")]) == (page, "url")
    assert pick_canonical(page, [("link:canonical", "https://example.com/")]) == (page, "url")
    assert pick_canonical(page, [("link:canonical", "/2026/02/story/?utm_medium=x")]) == (
        "https://news.example.com/2026/02/story/",
        "link:canonical",
    )
    # an unfilled template placeholder is no URL: the next candidate is taken
    assert pick_canonical(
        page, [("link:canonical", "{{base}}/2026/02/story/"), ("meta:og:url", page)]
    ) == (page, "meta:og:url")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Von Seb Dumitru"], ["Seb Dumitru"]),
        (["Par Bertrand Bissuel"], ["Bertrand Bissuel"]),
        (
            ["Trine Juncher Jørgensen og Tôrtia Reimer-Johansen"],
            ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"],
        ),
        (["Michelle de Oliveira"], ["Michelle de Oliveira"]),
        (["大渡 美咲"], ["大渡 美咲"]),
        (["dpa"], ["dpa"]),
        (["Adam Vidler, AP"], ["Adam Vidler", "AP"]),
        (["ndr.de"], []),
        (["Redaktion hessenschau.de"], []),
        (["BBC News"], []),
    ],
)
def test_clean_authors_languages_agencies_and_sites(raw, expected):
    assert clean_authors(raw) == expected


@pytest.mark.parametrize(
    ("raw", "site", "host", "expected"),
    [
        (["BBC News"], None, "www.bbc.com", [("BBC News", "organisation")]),
        (["ndr.de"], None, "www.ndr.de", [("ndr.de", "organisation")]),
        (["kicker"], "kicker", "www.kicker.de", [("kicker", "organisation")]),
        (["Variety Staff"], None, None, [("Variety Staff", "organisation")]),
        # the site's own name beside a person in one credit is where the person works
        (["Julian Seiferth, t-online"], None, "www.t-online.de",
         [("Julian Seiferth", "person")]),
        (["Julian Seiferth", "t-online"], None, "www.t-online.de",
         [("Julian Seiferth", "person"), ("t-online", "organisation")]),
        # a job title after the name is no organisation, in capitals or not
        (["JANE DOE, Staff Writer"], None, None, [("Jane Doe", "person")]),
        (["Jane Doe and John Roe, Times Staff Writers"], None, None,
         [("Jane Doe", "person"), ("John Roe", "person")]),
        (["Colleen Barry, The Associated Press"], None, None,
         [("Colleen Barry", "person"), ("The Associated Press", "agency")]),
        (["Procter & Gamble GmbH"], None, None, [("Procter & Gamble GmbH", "organisation")]),
        (["Le Journal et AFP"], "Le Journal", None,
         [("Le Journal", "organisation"), ("AFP", "agency")]),
        # prose and page furniture are neither
        (["Share this article"], None, None, []),
        (["Updated 5 minutes ago"], None, None, []),
    ],
)  # fmt: skip
def test_credits_keep_organisations_with_their_kind(raw, site, host, expected):
    from pipelines.authors import clean_authors, clean_credits

    assert clean_credits(raw, site, host) == expected
    # the names-only view keeps persons and agencies, as before
    assert clean_authors(raw, site, host) == [n for n, k in expected if k != "organisation"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["홍길동 기자"], ["홍길동"]),
        (["홍길동 외 1명"], ["홍길동"]),
        (["김영희 기자, 박철수 기자"], ["김영희", "박철수"]),
        (["山田太郎記者"], ["山田太郎"]),
        (["张伟 特派记者"], ["张伟"]),
    ],
)
def test_korean_japanese_and_chinese_reporter_titles_are_not_part_of_the_name(raw, expected):
    assert clean_authors(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Dr. Jane Smith"], ["Jane Smith"]),
        (["Prof. Dr. med. Anna Berg"], ["Anna Berg"]),
        (["Dipl.-Ing. Petra Holz und Mag. Eva Gruber"], ["Petra Holz", "Eva Gruber"]),
        (["DR. JANE SMITH"], ["Jane Smith"]),
        (["Prof. dr hab. Jan Kowalski"], ["Jan Kowalski"]),
        (["Dott.ssa Maria Rossi"], ["Maria Rossi"]),
        # a surname alone keeps its title, which is all the name there is
        (["Dr. Smith"], ["Dr. Smith"]),
        # names that begin like a title, and titles that are part of a name
        (["Drew Barrymore", "Ingrid Bergman", "Sir Salman Rushdie"],
         ["Drew Barrymore", "Ingrid Bergman", "Sir Salman Rushdie"]),
    ],
)  # fmt: skip
def test_a_title_before_a_name_is_not_part_of_it(raw, expected):
    from pipelines.authors import clean_authors

    assert clean_authors(raw) == expected
