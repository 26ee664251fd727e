"""Site spider: section, tag and search pages of a site; article links chosen by the
source's `allow` patterns, listing pages (more sections, pagination) by its `follow`
patterns and rel="next" links, up to `max_pages` listing pages per source."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from spiders.base import SourceSpider


class SitesSpider(SourceSpider):
    name = "sites"
    kind = "site"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            self.crawler.stats.set_value(f"source/{source.name}/kind", source.kind)
            for url in source.start_urls:
                yield self._listing(source.name, url)

    def _listing(self, source: str, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.fetch_failed,
            meta={"source": source, "role": "feed", "handle_httpstatus_list": [304]},
        )

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
        source = self._source(response.meta["source"])
        self._inc(source.name, "feeds_fetched")
        self._inc(source.name, "listing_pages")
        if response.status == 304:
            self._inc(source.name, "not_modified")
            return
        self._inc(source.name, "bytes", len(response.body))
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
        follow = LinkExtractor(allow=source.follow, deny=source.deny)
        listings = follow.extract_links(response) if source.follow else []
        next_pages = response.xpath('//a[@rel="next"]/@href | //link[@rel="next"]/@href')
        urls = [link.url for link in listings] + [response.urljoin(h) for h in next_pages.getall()]
        urls = [u for u in urls if self._same_site(source, u)]
        for url in dict.fromkeys(urls):
            if seen >= source.max_pages:
                self._inc(source.name, "listing_pages_capped")
                break
            seen += 1
            yield self._listing(source.name, url)
