"""Property-based tests: the extractor never fails on random or damaged input (issue #3).

Whatever the bytes, `extract()` returns a record with every key, dates that are real and
plausible, and authors that are strings; it never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT, extract

URL = "https://news.example.com/2026/02/26/star-city-first-look/"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
KEYS = {
    "url",
    "canonical_url",
    "title",
    "authors",
    "published_at_local",
    "modified_at_local",
    "language",
    "text",
}
# A real article of the demo web, with JSON-LD, meta tags, a byline and a <time>.
PAGE = (ROOT / "demoweb/site/courier/tv/rhys-ifans-star-city.html").read_bytes()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(record: dict) -> None:
    assert set(record) >= KEYS
    # "published" and "modified" name the signal of both a date's fields (UTC and local)
    known = set(record) | {"published", "modified", "unreadable", "limits"}
    assert set(record["provenance"]) <= known
    assert all(isinstance(a, str) and a for a in record["authors"])
    for field in ("published_at", "modified_at"):
        value = record.get(field)
        if value:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            # never after the fetch (a day's grace for time zones), never before 1995
            assert datetime(1995, 1, 1, tzinfo=UTC) <= moment <= NOW + timedelta(days=2)


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes(body: bytes) -> None:
    check(extract(body, URL, fetched_at=NOW))


@SETTINGS
@given(st.text(max_size=4000))
def test_random_text(body: str) -> None:
    check(extract(body, URL, fetched_at=NOW))


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The demo article cut short, with pieces deleted, duplicated or overwritten."""
    body = bytearray(PAGE)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(body)))
        end = draw(st.integers(start, min(len(body), start + 2000)))
        action = draw(st.sampled_from(["truncate", "delete", "duplicate", "overwrite"]))
        if action == "truncate":
            del body[start:]
        elif action == "delete":
            del body[start:end]
        elif action == "duplicate":
            body[start:start] = body[start:end]
        else:
            body[start:end] = draw(st.binary(min_size=end - start, max_size=end - start))
    return bytes(body)


@SETTINGS
@given(damaged())
def test_damaged_html(body: bytes) -> None:
    check(extract(body, URL, fetched_at=NOW))


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["0000-00-00", "9999-12-31T25:61:00Z", "1066-10-14", "2099-01-01", ""]),
    )
)
def test_absurd_dates_in_jsonld_are_refused(value: str) -> None:
    jsonld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Star City",'
        f' "datePublished": {value!r}, "dateModified": {value!r}}}</script>'
    ).replace("'", '"')
    check(
        extract(f"<html><head>{jsonld}</head><body><p>Text</p></body></html>", URL, fetched_at=NOW)
    )


def test_a_ten_megabyte_page() -> None:
    paragraphs, size, n = [], 0, 0
    while size < 10_000_000:
        paragraph = (
            f"<p>Report {n}: Star City premieres May 29 on Apple TV, and part {n} follows the"
            f" cosmonauts of the Soviet programme in {1960 + n % 10}.</p>"
        )
        paragraphs.append(paragraph)
        size, n = size + len(paragraph), n + 1
    body = (
        "<html><head><title>Star City, at length</title></head><body><h1>Star City, at length"
        "</h1>" + "".join(paragraphs) + "</body></html>"
    ).encode()
    record = extract(body, URL, fetched_at=NOW)
    check(record)
    assert record["title"] == "Star City, at length"
    # read up to the page bound (MAX_PAGE_CHARS), and the record says it was cut
    assert record["word_count"] > 500_000
    assert "cut at" in record["provenance"]["limits"]
