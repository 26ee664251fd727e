"""Site spider: section, tag and search pages of a site; article links chosen by the
source's `allow` patterns, listing pages (more sections, pagination) by its `follow`
patterns and rel="next" links, up to `max_pages` listing pages per source and `max_depth`
links away from a start page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from spiders.base import SourceSpider


class SitesSpider(SourceSpider):
    name = "sites"
    kind = "site"

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        return self.parse_listing

    def _listing(self, source: str, url: str, depth: int) -> scrapy.Request:
        return self.discovery_request(source, url, self.parse_listing, listing_depth=depth)

    @staticmethod
    def _same_site(source, url: str) -> bool:
        """A site crawl stays on its start pages' hosts (or its allowed domains).

        Hosts are compared without ports (Scrapy's allow_domains compares the netloc,
        port included, which never matches a server on a non-default port).
        """
        host = (urlsplit(url).hostname or "").lower()
        domains = source.allowed_domains or [urlsplit(u).hostname or "" for u in source.start_urls]
        return any(host == d or host.endswith("." + d) for d in domains)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self._inc(response.meta["source"], "listing_pages")
        source = self.discovery_read(response)
        if source is None:
            return
        articles = LinkExtractor(allow=source.allow, deny=source.deny)
        for link in articles.extract_links(response):
            if not self._same_site(source, link.url):
                continue
            request = self.article_request(
                source, link.url, response.url, {"title": link.text.strip()}
            )
            if request is not None:
                yield request
        seen = self.crawler.stats.get_value(f"source/{source.name}/listing_pages", 0)
        depth = response.meta.get("listing_depth", 0) + 1
        follow = LinkExtractor(allow=source.follow, deny=source.deny)
        listings = follow.extract_links(response) if source.follow else []
        next_pages = response.xpath('//a[@rel="next"]/@href | //link[@rel="next"]/@href')
        urls = [link.url for link in listings] + [response.urljoin(h) for h in next_pages.getall()]
        urls = [u for u in urls if self._same_site(source, u)]
        if urls and depth > source.max_depth:
            self._inc(source.name, "listing_pages_too_deep", len(set(urls)))
            return
        for url in dict.fromkeys(urls):
            if seen >= source.max_pages:
                self._inc(source.name, "listing_pages_capped")
                break
            seen += 1
            yield self._listing(source.name, url, depth)
