"""Article extraction: HTML bytes in, one record out, every value with the signal that gave it.

One code path serves the crawl (starcity/components/extract.py), the function
`extract(body, url, headers, fetched_at=...)` and the command line
`python -m pipelines.extract FILE_OR_URL` (starcity/extract_command.py).

Signals are tried in this order of trust (docs/extraction.md): JSON-LD, OpenGraph and
`article:*` meta, other common meta tags, `<time>` elements and bylines in the page,
the URL, then text heuristics (htmldate for dates, trafilatura for the main text).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode, http_content_type_encoding

from pipelines import page_metadata as metadata
from pipelines.authors import ORG, clean_credits
from pipelines.main_text import main_text, trim_leading_chrome
from pipelines.page_dates import (
    DateValue,
    parse_date,
    plausible,
    with_local_offset,
    with_url_day,
    year_written,
)
from starcity.article import EXTRACTED_FIELDS, ExtractedArticle
from starcity.hygiene import clean_markup, clean_value, utf8_holds_controls
from starcity.pagebounds import MAX_TAGS, bound_markup, cut_tags
from starcity.urls import canonical_elsewhere, pick_canonical

log = logging.getLogger(__name__)


def decode_body(body: bytes | str, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode a page the way a browser would: BOM, then HTTP charset, then <meta charset>."""
    if isinstance(body, str):
        return body, "unicode"
    content_type = _header(headers, "content-type")
    encoding, text = html_to_unicode(content_type, body)
    if encoding.replace("_", "-") in ("utf-8", "utf-8-sig") or http_content_type_encoding(
        content_type
    ):
        return text, encoding
    # Many CMS templates keep an old <meta charset> (latin-1, gb2312) while serving UTF-8.
    # Text in a legacy single- or double-byte charset almost never forms valid UTF-8, so
    # bytes that decode cleanly as UTF-8 are taken as UTF-8 when the server names no charset.
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return text, encoding


# lxml.html elements, because trafilatura and htmldate take a parsed tree only in that
# form. Comments are kept: some templates hold their publication date only in a
# comment, and htmldate reads them.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", collect_ids=False, default_doctype=False)


def looks_binary(text: str, sample: int = 4000) -> bool:
    """True when the start of a decoded page is mostly control or replacement characters."""
    head = text[:sample]
    if not head:
        return False
    odd = sum(1 for ch in head if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    return odd / len(head) > 0.05


# A parsed page with more elements than this keeps only its first MAX_ELEMENTS (in
# document order) for signals and main text: trafilatura's work grows faster than the
# number of paragraphs (a 2 MB page of 60,000 short paragraphs took 87 s and 350 MB).
# Cost: what comes after the 60,000th element is not read. The bounds on the markup
# itself (size, tags, huge tags) are in starcity/pagebounds.py, shared with the spiders.
MAX_ELEMENTS = 60_000
# A run of letters and digits longer than this is no word (a base64 blob, a hostile
# page's one 16 MB "word"): the text keeps its first characters only. Regular expressions
# of the later steps (the topic's terms, dates, names) cost time by the length of a
# word, some quadratically.
MAX_WORD_CHARS = 200
# (Anchored at a word's start, so that every word is read once: linear.)
_LONG_WORD = re.compile(rf"(?<!\w)\w{{{MAX_WORD_CHARS + 1},}}")


def cut_long_words(text: str | None) -> str | None:
    """``text`` with every run of more than MAX_WORD_CHARS word characters cut to that many."""
    if not text:
        return text
    return _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_CHARS], text)


def cap_elements(tree: lxml.html.HtmlElement, limit: int = MAX_ELEMENTS) -> bool:
    """Keep only the first ``limit`` elements of ``tree`` in document order; True if cut."""
    last = None
    for count, node in enumerate(tree.iter(), start=1):
        if count >= limit:
            last = node
            break
    if last is None:
        return False
    for child in list(last):
        last.remove(child)
    node = last
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    return True


def parse_html(text: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML; the text is re-encoded so lxml never second-guesses the charset."""
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_PARSER)
    except etree.ParserError:  # an empty or comment-only document
        return lxml.html.document_fromstring(b"<html><body></body></html>", parser=_PARSER)


# Rules of the extractor that are not signals of their own, which the evaluation can
# switch off like a signal (``extract(..., disabled=...)``).
RULES = (
    "authors:organisations",  # the outlet or its newsroom credited as the byline
    "authors:organisations-beside",  # ... beside persons credited by the same signal
    "authors:byline-merge",  # a byline listing more authors than the metadata's list
    "dates:url-day",  # the page's own day from its URL, for a date given in UTC
    "dates:dateline-later",  # the dateline under the headline, over a day after the metadata
    "title:h1-agreement",  # the metadata title that says what the <h1> says
    "title:og-spelling",  # og:title's spelling of the same words
    "title:kicker",  # "Kicker - Headline" cut where another of the page's titles omits it
    "title:section",  # the page's section set before or after the headline
)


def _first(disabled: frozenset[str], candidates: list[tuple[str, Any]]) -> tuple[Any, str | None]:
    for signal, value in candidates:
        if signal not in disabled and value not in (None, "", [], ()):
            return value, signal
    return None, None


def _pick_date(
    candidates: list[tuple[str, str | None]],
    now: datetime,
    written_in: str | None = None,
    disabled: frozenset[str] = frozenset(),
) -> tuple[DateValue | None, str | None]:
    """The first plausible date by order of trust, in the page's own UTC offset.

    Each signal is read on its own: one that cannot be parsed, or lies outside the
    plausible window, is passed over for the next. ``written_in``: for dates the text
    heuristics read out of the page (which map "01/02/03" into this century), the page
    itself, which must hold the year written with four digits.
    """
    parsed: list[tuple[str, DateValue]] = []
    for signal, raw in candidates:
        if not raw or not isinstance(raw, str) or signal in disabled:
            continue
        value = parse_date(raw)
        if value is None or not plausible(value, now):
            continue
        if written_in is not None and not year_written(written_in, value.value.year):
            continue
        parsed.append((signal, value))
    if not parsed:
        return None, None
    signal, value = parsed[0]
    local, offset_signal = with_local_offset(value, parsed[1:])
    if offset_signal:
        return local, f"{signal}+offset:{offset_signal}"
    return value, signal


def extract(
    body: bytes | str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    fetched_at: datetime,
    hints: Mapping[str, Any] | None = None,
    disabled: frozenset[str] = frozenset(),
) -> ExtractedArticle:
    """Extract one article record from a page.

    ``body`` is the page as fetched (bytes, or an already decoded str), ``url`` the
    page's address, ``headers`` the HTTP response headers (for the charset).
    ``hints`` are what a feed said about the page; they are used only when the page
    itself has nothing. ``fetched_at`` (aware) is when the page was fetched: dates after
    it are not plausible. Returns the fields of ``ExtractedArticle``; values the page
    does not give are None (lists are empty), and ``provenance`` names the signal
    behind each value. ``*_at_local`` are ISO 8601 as the page wrote them (its own UTC
    offset kept); ``*_at`` are the same instants in UTC.

    ``disabled`` names signals (as provenance names them, e.g. ``text:credit-line``) and
    rules (``RULES``) to leave out: the evaluation measures what each one is worth on
    sites it was not written for (bench/generalisation.py). The crawl disables nothing.
    """
    now = fetched_at
    hints = clean_value(dict(hints or {}))
    body, limits = bound_markup(body, jsonld_max=metadata.JSONLD_MAX_CHARS)
    text_html, encoding = decode_body(body, headers)
    if looks_binary(text_html):
        # An image, an archive or a broken transfer served as HTML: nothing to extract,
        # and feed hints must not dress it up as an article.
        empty = {key: None for key in EXTRACTED_FIELDS}
        empty.update(url=url, authors=[], author_kinds=[], tags=[], word_count=0, encoding=encoding)
        empty["provenance"] = {"unreadable": "binary content"}
        return cast(ExtractedArticle, empty)
    # Control characters have no meaning in a news page and break the parser, trafilatura
    # and every XML output downstream (starcity/hygiene.py).
    # (A UTF-8 page whose bytes hold no control character decodes to none.)
    controls = not (
        isinstance(body, bytes)
        and encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig")
        and not utf8_holds_controls(body)
    )
    text_html = clean_markup(text_html, controls=controls)
    tags = text_html.count("<")
    text_html, tags_cut = cut_tags(text_html, tags=tags)
    if tags_cut:
        limits.append(f"only the first {MAX_TAGS:,} tags were read")
    tree = parse_html(text_html)
    # Each element starts with a "<": a page with fewer cannot reach the bound.
    if tags >= MAX_ELEMENTS and cap_elements(tree):
        limits.append(f"only the first {MAX_ELEMENTS:,} elements were read")
    found = metadata.collect(tree)
    limits += found.skipped
    article = found.article  # the JSON-LD article object, or {}
    meta = found.meta
    provenance: dict[str, str] = {}
    record: dict[str, Any] = {"url": url, "encoding": encoding}

    canonical_candidates = [
        ("link:canonical", found.canonical),
        ("meta:og:url", meta.first("og:url")),
        ("jsonld:url", metadata.jsonld_url(article)),
    ]
    canonical, signal = pick_canonical(url, canonical_candidates)
    record["canonical_url"], provenance["canonical_url"] = canonical, signal
    record["syndication_of"], provenance["syndication_of"] = canonical_elsewhere(
        url, canonical_candidates
    )

    parts = urlsplit(url)
    record["title"], provenance["title"] = metadata.pick_title(
        found, hints.get("title"), disabled, parts.hostname, parts.path
    )

    text_value, signal = _first(
        disabled,
        [
            ("jsonld:description", metadata.as_text(article.get("description"))),
            ("meta:og:description", meta.first("og:description")),
            ("meta:description", meta.first("description")),
            ("feed:summary", hints.get("summary")),
        ],
    )
    record["description"], provenance["description"] = text_value, signal

    text_value, signal = _first(
        disabled,
        [
            ("jsonld:publisher", metadata.jsonld_publisher(found)),
            ("meta:og:site_name", meta.first("og:site_name")),
            ("meta:application-name", meta.first("application-name")),
        ],
    )
    record["site_name"], provenance["site_name"] = text_value, signal

    site = record["site_name"]
    host = urlsplit(record["canonical_url"]).hostname or ""
    authors, signal = [], None
    credit_lines = cache(lambda: metadata.cjk_credits(tree))
    fallback: tuple[list[tuple[str, str]], str] | None = None
    for candidate_signal, names in [
        ("jsonld:author", metadata.jsonld_authors(found)),
        (
            "microdata:author",
            found.properties.get("author", []) + found.properties.get("creator", []),
        ),
        ("meta:author", meta.all("author")),
        ("meta:article:author", [a for a in meta.all("article:author") if "://" not in a]),
        ("meta:parsely-author", meta.all("parsely-author")),
        ("meta:sailthru.author", meta.all("sailthru.author")),
        ("meta:dc.creator", meta.all("dc.creator") or meta.all("dcterms.creator")),
        ("meta:twitter:written-by", metadata.twitter_written_by(meta)),
        ("meta:byl", meta.all("byl")),
        ("meta:*author", metadata.other_author_meta(meta)),
        ("byline", found.bylines),
        ("text:author-label", metadata.labelled_author(tree)),
        ("data:author", lambda: metadata.data_attribute_authors(tree)),
        ("feed:author", [hints["author"]] if hints.get("author") else []),
        # Text heuristics for pages that mark up no author, read only when needed.
        ("text:byline-before-date", lambda: metadata.byline_before_dateline(tree, now)),
        ("text:credit-paragraph", lambda: metadata.credit_paragraph(tree)),
        ("text:credit-line", lambda: credit_lines()[0]),
        ("text:editor-credit", lambda: credit_lines()[1]),
    ]:
        if candidate_signal in disabled:
            continue
        if callable(names):
            names = names()
        credits = clean_credits(names, site_name=site, host=host)
        if any(kind != ORG for _, kind in credits):
            if "authors:organisations-beside" in disabled or "authors:organisations" in disabled:
                credits = [c for c in credits if c[1] != ORG]
            authors, signal = credits, candidate_signal
            break
        if credits and fallback is None and "authors:organisations" not in disabled:
            fallback = credits, candidate_signal
    # No person or agency credited anywhere: the outlet or its newsroom credited as the
    # byline is the author (the first signal that credits one).
    if not authors and fallback is not None:
        authors, signal = fallback
    # Metadata sometimes lists only the first of several authors the byline shows.
    if signal and signal != "byline" and "authors:byline-merge" not in disabled:
        shown = clean_credits(found.bylines, site_name=site, host=host)
        if len(shown) > len(authors) and {a.casefold() for a, _ in authors} <= {
            b.casefold() for b, _ in shown
        }:
            authors, signal = shown, f"{signal}+byline"
    record["authors"] = [name for name, _ in authors]
    record["author_kinds"] = [kind for _, kind in authors]
    provenance["authors"] = signal

    published, signal = _pick_date(
        [
            ("jsonld:datePublished", metadata.as_text(article.get("datePublished"))),
            ("jsonld:dateCreated", metadata.as_text(article.get("dateCreated"))),
            ("microdata:datePublished", found.prop("datePublished")),
            ("meta:article:published_time", meta.first("article:published_time")),
            ("meta:og:article:published_time", meta.first("og:article:published_time")),
            ("meta:parsely-pub-date", meta.first("parsely-pub-date")),
            ("meta:sailthru.date", meta.first("sailthru.date")),
            ("meta:pubdate", meta.first("pubdate") or meta.first("publishdate")),
            ("meta:date", meta.first("date")),
            (
                "meta:dc.date",
                meta.first("dc.date.issued")
                or meta.first("dc.date")
                or meta.first("dcterms.created")
                or meta.first("dcterms.date"),
            ),
            ("jsonld:WebPage.datePublished", metadata.jsonld_page_date(found)),
            ("time[datetime]", found.published_time),
            ("url", metadata.date_in_url(url)),
            ("feed:published", hints.get("published")),
        ],
        now,
        disabled=disabled,
    )
    if published is not None and "+offset" not in signal and "dates:url-day" not in disabled:
        local = with_url_day(published, metadata.date_in_url(url))
        if local is not None:
            published, signal = local, f"{signal}+offset:url"
    # The date the page prints under its headline, over a day after the metadata's: the
    # story was published again under that date (moved, rewritten, re-dated), while the
    # metadata kept the day its page was first made. Within a day, the two are one day
    # in different time zones, and the metadata's exact time stays.
    if published is not None and "dates:dateline-later" not in disabled:
        shown, _ = _pick_date(
            [("text:dateline", metadata.dateline_before_text(tree, now))], now, written_in=text_html
        )
        if shown is not None and _day(shown) - _day(published) > timedelta(days=1):
            published, signal = shown, "text:dateline+later"
    if published is None:
        published, signal = _pick_date(
            [
                ("text:labelled", metadata.labelled_date(tree, now)),
                ("text:label-value", metadata.label_value_date(tree, now)),
                ("text:dateline", metadata.date_after_headline(tree, now)),
                ("htmldate", metadata.htmldate_guess(tree, url, now)),
            ],
            now,
            written_in=text_html,
        )
    record["published_at_local"] = published.iso if published else None
    record["published_at"] = published.utc if published else None
    provenance["published"] = signal

    modified, signal = _pick_date(
        [
            ("jsonld:dateModified", metadata.as_text(article.get("dateModified"))),
            ("microdata:dateModified", found.prop("dateModified")),
            ("meta:article:modified_time", meta.first("article:modified_time")),
            ("meta:og:updated_time", meta.first("og:updated_time")),
            ("time[datetime]", found.modified_time),
        ],
        now,
        disabled=disabled,
    )
    # A modified date before the published date is a template error: drop it.
    if modified and published and modified.utc_sort_key() < published.utc_sort_key():
        modified, signal = None, None
    record["modified_at_local"] = modified.iso if modified else None
    record["modified_at"] = modified.utc if modified else None
    provenance["modified"] = signal

    text_value, signal = _first(
        disabled,
        [
            ("jsonld:inLanguage", metadata.as_text(article.get("inLanguage"))),
            ("html[lang]", found.html_lang),
            ("meta:og:locale", meta.first("og:locale")),
            ("http:content-language", _header(headers, "content-language")),
        ],
    )
    record["language"], provenance["language"] = metadata.language_code(text_value), signal

    text_value, signal = _first(
        disabled,
        [
            ("jsonld:articleSection", metadata.as_text(article.get("articleSection"))),
            ("meta:article:section", meta.first("article:section")),
        ],
    )
    record["section"], provenance["section"] = text_value, signal

    tags, signal = _first(
        disabled,
        [
            ("jsonld:keywords", metadata.keywords(article.get("keywords"))),
            ("meta:article:tag", meta.all("article:tag")),
            ("meta:keywords", metadata.keywords(meta.first("keywords"))),
        ],
    )
    record["tags"], provenance["tags"] = list(tags or []), signal

    body_text = cut_long_words(
        trim_leading_chrome(main_text(tree, url), record.get("title"), record["authors"], now)
    )
    record["text"] = body_text or None
    provenance["text"] = "trafilatura" if body_text else None
    record["word_count"] = len(body_text.split()) if body_text else 0
    if limits:
        provenance["limits"] = "; ".join(limits)

    record["title"] = cut_long_words(record["title"])
    record["description"] = cut_long_words(record["description"])
    record["provenance"] = {k: v for k, v in provenance.items() if v}
    return cast(ExtractedArticle, {key: record.get(key) for key in EXTRACTED_FIELDS})


def _day(value: DateValue) -> date:
    """The day a date falls on where the page is (as the page wrote it)."""
    return value.value.date() if isinstance(value.value, datetime) else value.value


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


if __name__ == "__main__":
    # The command line fetches and loads configuration: it lives above the steps
    # (starcity/extract_command.py); this entry point only hands over to it.
    from starcity.extract_command import main

    sys.exit(main())
