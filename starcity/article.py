"""The article record: what extraction returns, the later steps add to, and storage writes.

One declared shape from the page to the `articles` table: a field has the name of its
column. Extraction fills every field of ``ExtractedArticle``; relevance, duplicates,
people and dates and the storage step add the fields of ``Article`` after it.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ExtractedArticle(TypedDict):
    """What pipelines.extract.extract returns for one page."""

    url: str  # the page's address, after redirects
    canonical_url: str  # the article's key: its canonical address on its own site
    syndication_of: str | None  # a canonical declared on another site (a copy of it)
    title: str | None
    description: str | None
    site_name: str | None
    authors: list[str]  # persons, agencies and organisations credited, in byline order
    author_kinds: list[str]  # beside each author: "person", "agency" or "organisation"
    published_at: str | None  # ISO 8601, UTC
    published_at_local: str | None  # ISO 8601 as the page wrote it (its own UTC offset)
    modified_at: str | None
    modified_at_local: str | None
    language: str | None
    section: str | None
    tags: list[str]
    text: str | None  # the main text
    word_count: int
    encoding: str | None  # how the page's bytes were decoded (not stored)
    provenance: dict[str, str]  # field -> the signal its value came from


class Article(ExtractedArticle, total=False):
    """The record as the storage step writes it."""

    # the fetch (the storage component, from the item)
    source: str
    http_status: int | None
    fetched_at: str | None
    # where the response is in the web archive (spiders/archive.py)
    archive_file: str | None  # the WARC file, relative to the archive folder
    archive_offset: int | None  # the offset of the response record in it
    archive_record_id: str | None  # its WARC-Record-ID
    # 1 when the text is a paywall's teaser, the rest behind the wall (pipelines/walls.py)
    text_partial: int | None
    # the analysis that derived the record (pipelines/version.py)
    extractor_version: str | None
    # language (pipelines/language.py): ``language`` becomes the one the analysis uses
    declared_language: str | None  # what the page's markup declares
    detected_language: str | None  # what its text is written in
    # relevance
    relevance: str
    relevance_score: float
    relevance_evidence: dict[str, Any]
    # duplicates
    url_key: str | None
    text_hash: str | None
    minhash: bytes | None  # stored in article_signatures
    duplicate_match: str | None
    duplicate_kind: str | None
    duplicate_similarity: float | None
    # people and dates of relevant articles (stored in their own tables)
    people: list[dict[str, Any]]
    works: list[dict[str, Any]]
    text_dates: list[dict[str, Any]]


EXTRACTED_FIELDS: tuple[str, ...] = tuple(ExtractedArticle.__annotations__)
# Fields that are columns of `articles` (the key, canonical_url, apart).
ARTICLE_COLUMNS: tuple[str, ...] = tuple(
    name
    for name in Article.__annotations__
    if name not in ("canonical_url", "encoding", "minhash", "people", "works", "text_dates")
)
