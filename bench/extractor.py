"""Our extractor behind the evaluate.py contract (`fn(html, url)` returning ``title``,
``authors``, ``published``), for `make accuracy`.

The page is judged as fetched at the moment it is scored, as the crawl judges a page at
its fetch; ``published`` is the publication date as the page wrote it
(``published_at_local``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipelines.extract import extract as extract_page


def extract(html: bytes | str, url: str) -> dict[str, Any]:
    record = dict(extract_page(html, url, fetched_at=datetime.now(UTC)))
    record["published"] = record["published_at_local"]
    return record
