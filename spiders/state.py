"""What a crawl knows before it fetches: the stored pages it must not fetch again, the
feeds' validators, the Google News links decoded before.

A one-process crawl reads them from its database (db/pages.py); a distributed crawler
never opens the database and reads what the writer published in Redis
(starcity/components/frontier.py). The components ask the class STARCITY_CRAWL_STATE
names, built with the crawler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from db.pages import decoded_gnews_links, feed_validators, stored_pages
from starcity.urls import normalize_url


def _young(when: str | None, now: datetime, window: timedelta) -> bool:
    try:
        moment = datetime.fromisoformat(when) if when else None
    except ValueError:
        return False
    if moment is None:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return now - moment < window


def addresses_to_skip(
    rows: list[tuple[str, str, str | None, int | None]], now: datetime, window: timedelta
) -> set[str]:
    """The normalised addresses (fetched and canonical) of the stored articles a crawl does
    not fetch again: all of them, except those younger than ``window`` (by publication,
    else first sight) and seen once only, which are fetched once more for updates.
    ``rows``: (url, canonical URL, publication or first sight, times seen)."""
    skip: set[str] = set()
    for url, canonical, when, times_seen in rows:
        if (times_seen or 0) < 2 and _young(when, now, window):
            continue
        skip.add(normalize_url(url))
        skip.add(normalize_url(canonical))
    return skip


class CrawlState(Protocol):
    def addresses_to_skip(self, now: datetime, window: timedelta) -> set[str]: ...

    def feed_validators(self) -> dict[str, tuple[str | None, str | None]]: ...

    def gnews_links(self) -> dict[str, str]: ...


class DatabaseState:
    """The state of a one-process crawl: read from its database (STARCITY_DB)."""

    def __init__(self, crawler: Crawler) -> None:
        self.path = crawler.settings["STARCITY_DB"]

    def addresses_to_skip(self, now: datetime, window: timedelta) -> set[str]:
        return addresses_to_skip(stored_pages(self.path), now, window)

    def feed_validators(self) -> dict[str, tuple[str | None, str | None]]:
        return feed_validators(self.path)

    def gnews_links(self) -> dict[str, str]:
        return decoded_gnews_links(self.path)


def crawl_state(crawler: Crawler) -> Any:
    """The crawl's state reader (STARCITY_CRAWL_STATE, default DatabaseState)."""
    cls = load_object(crawler.settings.get("STARCITY_CRAWL_STATE") or DatabaseState)
    return cls(crawler)
