"""Sitemap spider: sitemaps (and sitemap indexes, gzipped or not) found directly or through
robots.txt; Google News sitemap fields (news:title, news:publication_date) become hints and
feed the topic pre-filter."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders.base import SourceSpider, source_log
from starcity.config import Source
from starcity.hygiene import printable

MAX_DEPTH = 3  # sitemap index -> sitemap -> ... never deeper than this
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass
class SitemapEntries:
    """What one sitemap lists: its kind (``urlset``, ``sitemapindex`` or another root),
    the first entries (address and hints), and how many entries it lists in all."""

    kind: str | None = None
    entries: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    listed: int = 0


def _localname(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def read_sitemap(body: bytes, max_entries: int) -> SitemapEntries:
    """The entries of a sitemap or sitemap index, read as a stream.

    Streaming (iterparse, each entry dropped once read) keeps the memory flat whatever the
    sitemap's size, where a parsed tree of a 16 MB sitemap costs hundreds of megabytes.
    Entries are found at any depth, so that a broken tag that the parser's recovery wraps
    around the rest of the file does not hide them; no entity is resolved, nothing is
    fetched. Raises etree.XMLSyntaxError when not even a root element can be read.
    """
    found = SitemapEntries()
    # Entries begun and not yet ended: the parser's recovery may never end an entry whose
    # tag a broken one swallowed; those are read when the stream is done.
    open_entries: list[Any] = []

    def take(element: Any) -> None:
        loc = next((c.text for c in element if _localname(c.tag) == "loc" and c.text), None)
        if loc and loc.strip():
            found.listed += 1
            if len(found.entries) < max_entries:
                found.entries.append((loc.strip(), _hints(element)))

    events = etree.iterparse(
        io.BytesIO(body),
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    )
    try:
        for event, element in events:
            name = _localname(element.tag)
            if event == "start":
                if found.kind is None:
                    found.kind = name
                elif name in ("url", "sitemap"):
                    open_entries.append(element)
                continue
            if name not in ("url", "sitemap"):
                continue
            if open_entries and open_entries[-1] is element:
                open_entries.pop()
            take(element)
            element.clear()
            parent = element.getparent()
            # Entries read before this one: nothing keeps them (other elements stay: in a
            # recovered tree an entry may sit inside another, next to its <loc>).
            while parent is not None and (previous := element.getprevious()) is not None:
                if _localname(previous.tag) not in ("url", "sitemap"):
                    break
                parent.remove(previous)
    except etree.XMLSyntaxError:
        if found.kind is None:
            raise
    for element in open_entries:
        take(element)
    return found


# A <loc> written out, for sitemaps the parser gives up on part way (an unclosed comment or
# CDATA section, a stray end tag): their addresses are read from the text itself.
_LOC = re.compile(rb"<(?:[\w.-]+:)?loc\s*>\s*(?:<!\[CDATA\[)?\s*([^<\s]{1,2083})", re.I)


def _without_comments(body: bytes) -> bytes:
    """``body`` without its closed comments (an unclosed one is kept: it is the break)."""
    kept: list[bytes] = []
    pos = 0
    while (start := body.find(b"<!--", pos)) >= 0:
        end = body.find(b"-->", start + 4)
        if end < 0:
            break
        kept.append(body[pos:start])
        pos = end + 3
    kept.append(body[pos:])
    return b"".join(kept)


def locs_written(body: bytes, max_entries: int) -> tuple[list[str], int]:
    """The addresses of every <loc> in ``body`` outside comments (up to ``max_entries``),
    and how many."""
    matches = _LOC.finditer(_without_comments(body))
    found = [m.group(1).decode("utf-8", "replace") for m in islice(matches, max_entries)]
    return found, len(found) + sum(1 for _ in matches)


def _hints(entry: Any) -> dict[str, str]:
    hints = {
        "title": entry.findtext(f"{_NEWS}news/{_NEWS}title"),
        "published": entry.findtext(f"{_NEWS}news/{_NEWS}publication_date")
        or next((c.text for c in entry if _localname(c.tag) == "lastmod"), None),
    }
    return {k: v.strip() for k, v in hints.items() if v and v.strip()}


class SitemapsSpider(SourceSpider):
    name = "sitemaps"
    kind = "sitemap"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SitemapsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_sitemaps = crawler.settings.getint("STARCITY_MAX_SITEMAPS_PER_SOURCE", 100)
        spider.sitemaps_seen = {}
        return spider

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        robots = url.rstrip("/").endswith("/robots.txt")
        return self.parse_robots if robots else self.parse_sitemap

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.discovery_read(response)
        if source is None:
            return
        # A robots.txt of thousands of Sitemap lines: no more are read than may be fetched.
        found = list(
            islice(
                sitemap_urls_from_robots(response.text, base_url=response.url),
                self.max_sitemaps + 1,
            )
        )
        if not found:
            self._inc(source.name, "errors/no_sitemap_in_robots")
            source_log.warning(
                "source %s: %s names no sitemap", source.name, printable(response.url)
            )
            return
        self.discovery_ok(source)
        for url in found:
            request = self._sitemap_request(source, url, response.url, 0)
            if request is not None:
                yield request

    def _sitemap_request(
        self, source: Source, link: str, base: str | None, depth: int
    ) -> scrapy.Request | None:
        """A request for one more sitemap of the source, or None past
        STARCITY_MAX_SITEMAPS_PER_SOURCE (an index of 250,000 sitemaps would queue them all)."""
        asked = self.crawler.stats.get_value(f"source/{source.name}/sitemaps_requested", 0)
        if asked >= self.max_sitemaps:
            if not self.crawler.stats.get_value(f"source/{source.name}/sitemaps_capped"):
                self._inc(source.name, "errors/too_many_sitemaps")
                source_log.warning(
                    "source %s: more than %d sitemaps: the others are not fetched"
                    " [too_many_sitemaps]",
                    source.name,
                    self.max_sitemaps,
                )
            self._inc(source.name, "sitemaps_capped")
            return None
        # Each source reads each sitemap once (an index listing itself, two indexes listing
        # each other), but a sitemap two sources share is read by both: Scrapy's duplicate
        # filter would give it to the first source alone.
        request = self.discovery_request(
            source, link, base, self.parse_sitemap, dont_filter=True, sitemap_depth=depth
        )
        if request is None:
            return None
        seen = self.sitemaps_seen.setdefault(source.name, set(source.start_urls))
        if request.url in seen:
            return None
        seen.add(request.url)
        self._inc(source.name, "sitemaps_requested")
        return request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.discovery_read(response)
        if source is None:
            return
        body = response.body
        if body[:2] == gzip_magic_number or response.url.endswith(".gz"):
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as exc:
                self._inc(source.name, "errors/malformed_sitemap")
                source_log.warning(
                    "source %s: cannot gunzip %s: %s",
                    source.name,
                    printable(response.url),
                    printable(str(exc)),
                )
                return
        depth = response.meta.get("sitemap_depth", 0)
        limit = self.max_sitemaps if depth < MAX_DEPTH else 0
        try:
            found = read_sitemap(body, max(self.max_links, limit))
        except etree.XMLSyntaxError:
            found = SitemapEntries()
        if found.kind not in ("sitemapindex", "urlset"):
            self._inc(source.name, "errors/malformed_sitemap")
            shown = f" (<{printable(found.kind, 40)}>)" if found.kind else ""
            source_log.warning(
                "source %s: %s is not a sitemap%s", source.name, printable(response.url), shown
            )
            return
        self.discovery_ok(source)
        written, written_count = locs_written(body, max(self.max_links, limit))
        if written_count > found.listed:
            # A broken part (an unclosed comment or CDATA section, a stray end tag) ended
            # the parse early: the addresses written after it are read from the text.
            self._inc(source.name, "sitemaps_read_by_loc")
            hints = dict(found.entries)
            found.entries = [(loc, hints.get(loc, {})) for loc in written]
            found.listed = written_count
        if found.kind == "sitemapindex":
            if depth >= MAX_DEPTH:
                self._inc(source.name, "errors/sitemap_too_deep")
                return
            for loc, _ in found.entries:
                request = self._sitemap_request(source, loc, response.url, depth + 1)
                if request is not None:
                    yield request
            return
        if found.listed > self.max_links:
            self.links_capped(source, response.url, found.listed - self.max_links)
        requested = 0
        offsite: list[str] = []
        for loc, hints in found.entries[: self.max_links]:
            request = self.article_request(source, loc, response.url, hints, offsite)
            if request is not None:
                requested += 1
                yield request
        if offsite and not requested and len(offsite) == len(found.entries):
            self.nothing_on_site(source, response.url, offsite)
