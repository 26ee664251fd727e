"""Sitemap spider: sitemaps (and sitemap indexes, gzipped or not) found directly or through
robots.txt; Google News sitemap fields (news:title, news:publication_date) become hints and
feed the topic pre-filter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


class SitemapsSpider(SourceSpider):
    name = "sitemaps"
    kind = "sitemap"

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        robots = url.rstrip("/").endswith("/robots.txt")
        return self.parse_robots if robots else self.parse_sitemap

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.discovery_read(response)
        if source is None:
            return
        found = list(sitemap_urls_from_robots(response.text, base_url=response.url))
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
        return self.discovery_request(source, link, base, self.parse_sitemap, sitemap_depth=depth)

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
        try:
            parser = etree.XMLParser(resolve_entities=False, recover=True, huge_tree=False)
            root = etree.fromstring(body, parser=parser)
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            self._inc(source.name, "errors/malformed_sitemap")
            source_log.warning(
                "source %s: %s is not a sitemap", source.name, printable(response.url)
            )
            return
        kind = etree.QName(root).localname
        if kind not in ("sitemapindex", "urlset"):
            self._inc(source.name, "errors/malformed_sitemap")
            source_log.warning(
                "source %s: %s is not a sitemap (<%s>)",
                source.name,
                printable(response.url),
                printable(kind, 40),
            )
            return
        self.discovery_ok(source)
        depth = response.meta.get("sitemap_depth", 0)
        if kind == "sitemapindex":
            if depth >= MAX_DEPTH:
                self._inc(source.name, "errors/sitemap_too_deep")
                return
            for loc in root.iterfind("sm:sitemap/sm:loc", _NS):
                if loc.text:
                    request = self._sitemap_request(source, loc.text, response.url, depth + 1)
                    if request is not None:
                        yield request
            return
        requested = listed = 0
        offsite: list[str] = []
        entries = root.iterfind("sm:url", _NS)
        for entry in entries:
            if requested >= self.max_links:
                self.links_capped(source, response.url, 1 + sum(1 for _ in entries))
                break
            loc = entry.findtext("sm:loc", namespaces=_NS)
            if not loc:
                continue
            listed += 1
            request = self.article_request(source, loc, response.url, self._hints(entry), offsite)
            if request is not None:
                requested += 1
                yield request
        if offsite and not requested and len(offsite) == listed:
            self.nothing_on_site(source, response.url, offsite)

    @staticmethod
    def _hints(entry: Any) -> dict[str, Any]:
        hints = {
            "title": entry.findtext("news:news/news:title", namespaces=_NS),
            "published": entry.findtext("news:news/news:publication_date", namespaces=_NS)
            or entry.findtext("sm:lastmod", namespaces=_NS),
        }
        return {k: v.strip() for k, v in hints.items() if v and v.strip()}
