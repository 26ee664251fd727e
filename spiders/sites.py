"""Site spider: section, tag and search pages of a site; article links chosen by the
source's `allow` patterns, listing pages (more sections, pagination) by its `follow`
patterns and rel="next" links, up to `max_pages` listing pages per source and `max_depth`
links away from a start page. Every link stays on the source's sites (the URL gate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from spiders.base import SourceSpider
from starcity.config import Source
from starcity.pagebounds import bound_markup, cut_tags
from starcity.urlgate import RefusedURL, request_url


class SitesSpider(SourceSpider):
    name = "sites"
    kind = "site"

    def start_callback(self, url: str) -> Callable[[Response], Any]:
        return self.parse_listing

    def _listing(self, source: Source, url: str, depth: int) -> scrapy.Request | None:
        return self.discovery_request(source, url, None, self.parse_listing, listing_depth=depth)

    def _on_site(self, source: Source, url: str) -> bool:
        """Links to other sites are not followed on a site crawl (and not counted)."""
        try:
            return self.sites[source.name].allows(request_url(url))
        except RefusedURL:
            return False

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self._inc(response.meta["source"], "listing_pages")
        source = self.discovery_read(response)
        if source is None:
            return
        self.discovery_ok(source)
        # Links are read from the page within the bounds on markup (a 16 MB page of
        # 600,000 links parsed whole takes close to 900 MB).
        body, notes = bound_markup(response.body)
        body, cut = cut_tags(body)
        if notes or cut:
            self._inc(source.name, "listing_pages_bounded")
            response = response.replace(body=body)
        articles = LinkExtractor(allow=source.allow, deny=source.deny)
        links = articles.extract_links(response)
        requested = 0
        for position, link in enumerate(links):
            if requested >= self.max_links:
                self.links_capped(source, response.url, len(links) - position)
                break
            # The gate counts links to other sites and of other schemes.
            request = self.article_request(
                source, link.url, response.url, {"title": link.text.strip()}
            )
            if request is not None:
                requested += 1
                yield request
        seen = self.crawler.stats.get_value(f"source/{source.name}/listing_pages", 0)
        depth = response.meta.get("listing_depth", 0) + 1
        follow = LinkExtractor(allow=source.follow, deny=source.deny)
        listings = follow.extract_links(response) if source.follow else []
        next_pages = response.xpath('//a[@rel="next"]/@href | //link[@rel="next"]/@href')
        urls = [link.url for link in listings]
        for href in next_pages.getall():
            try:
                urls.append(request_url(href, response.url))
            except RefusedURL:
                continue  # a rel="next" that is no http(s) address: nothing to follow
        urls = [u for u in urls if self._on_site(source, u)]
        if urls and depth > source.max_depth:
            self._inc(source.name, "listing_pages_too_deep", len(set(urls)))
            return
        for url in dict.fromkeys(urls):
            if seen >= source.max_pages:
                self._inc(source.name, "listing_pages_capped")
                break
            request = self._listing(source, url, depth)
            if request is None:
                continue
            seen += 1
            yield request
