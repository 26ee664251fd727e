"""The one kind of item every spider hands to the pipelines: a fetched page and its context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FetchedPage:
    """A page as fetched, before any extraction.

    ``hints`` carries what the discovery step already knew about the page (a feed
    entry's title, date, author, summary); the pipelines treat it as a weak signal.
    """

    url: str  # final URL after redirects
    source: str  # name of the configured source that led to the page
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    requested_url: str | None = None
    fetched_at: str | None = None  # ISO 8601, UTC
    discovered_via: str | None = None  # the feed URL that listed the page
    hints: dict[str, Any] = field(default_factory=dict)
    # Where the response is in the web archive: {"file", "offset", "record_id"}
    # (spiders/archive.py), None when the archive is off.
    archive: dict[str, Any] | None = None
    # A reprocess (spiders/reprocess.py): the stored article's key, whose row the
    # analysis of this archived response replaces. None in a crawl.
    reprocess_of: str | None = None
    # Filled in by pipelines.extract:
    article: dict[str, Any] | None = None


@dataclass
class SeenPage:
    """A feed listed a page that is stored already and was not fetched again."""

    url: str
    source: str
    seen_at: str
