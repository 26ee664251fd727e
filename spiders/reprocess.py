"""The reprocess spider: stored articles' archived responses, handed to the pipelines again.

`python -m starcity reprocess` (starcity/reprocess.py) chooses the articles and writes
them, one JSON object a line, to the file STARCITY_REPROCESS_LIST names: the article's
key and address, its source, its fetch time and where its response is archived. Each
becomes a request that the replay middleware (spiders/archive.py) answers from that very
record: nothing is sent to the network. The response goes through the same pipelines as
a crawl's (analysis, duplicates, storage) with the context the crawl archived beside it
(the feed entry's hints) and the original fetch time, marked as the reprocess of its row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.base import kept_headers
from spiders.items import FetchedPage
from starcity.hygiene import printable

log = logging.getLogger(__name__)


class ReprocessSpider(scrapy.Spider):
    name = "reprocess"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReprocessSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        listed = crawler.settings.get("STARCITY_REPROCESS_LIST")
        if not listed:
            raise ValueError("the reprocess spider needs STARCITY_REPROCESS_LIST")
        spider.listed = Path(listed)
        names = crawler.settings.getlist("STARCITY_REPROCESS_SOURCES")
        # The sources of the articles (names only: the progress line counts per source).
        spider.sources = [SimpleNamespace(name=name) for name in names]
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        with self.listed.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                try:
                    request = scrapy.Request(
                        row["url"],
                        callback=self.parse_archived,
                        errback=self.unreadable,
                        dont_filter=True,
                        meta={
                            "source": row["source"],
                            "role": "article",
                            "replay": {
                                "file": row["archive_file"],
                                "offset": row["archive_offset"],
                                "record_id": row.get("archive_record_id"),
                            },
                            "reprocess_of": row["canonical_url"],
                            "fetched_at": row.get("fetched_at"),
                        },
                    )
                except ValueError as exc:  # a stored address Scrapy refuses
                    self._failed(row["source"], row["url"], f"{type(exc).__name__}: {exc}")
                    continue
                yield request

    def parse_archived(self, response: Response) -> Iterator[FetchedPage]:
        meta = response.meta
        source = meta["source"]
        context = meta.get("archived_context") or {}
        hints = context.get("hints")
        self.crawler.stats.inc_value("reprocess/read")
        self.crawler.stats.inc_value(f"source/{source}/fetched")
        replay = meta["replay"]
        yield FetchedPage(
            url=response.url,
            source=source,
            body=response.body,
            status=response.status,
            headers=kept_headers(response),
            requested_url=response.url,
            fetched_at=meta.get("fetched_at"),
            discovered_via=context.get("discovered_via"),
            hints=hints if isinstance(hints, dict) else {},
            archive={
                "file": replay["file"],
                "offset": replay["offset"],
                "record_id": replay.get("record_id"),
            },
            reprocess_of=meta["reprocess_of"],
        )

    def unreadable(self, failure: Failure) -> None:
        request = failure.request
        self._failed(request.meta.get("source", "?"), request.url, failure.getErrorMessage())

    def _failed(self, source: str, url: str, reason: str) -> None:
        """An article whose archived response cannot be read: counted, its row untouched."""
        self.crawler.stats.inc_value("reprocess/errors")
        self.crawler.stats.inc_value(f"source/{source}/errors/archive_unreadable")
        log.warning(
            "reprocess: %s left as it is: %s [archive_unreadable]",
            printable(url),
            printable(reason),
        )
