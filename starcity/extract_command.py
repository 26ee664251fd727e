"""`python -m pipelines.extract FILE_OR_URL`: the record the crawl would store for one page.

The same steps as the crawl's components, built from the same settings (settings.py: the
topic, the knowledge base, the spaCy model); a URL is fetched with the crawl's User-Agent,
download timeout and size limit, and only when the URL gate lets it through.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.extract import extract
from pipelines.language import with_language
from pipelines.relevance import RelevanceScorer
from starcity.config import ROOT, ConfigError, load_knowledge, load_topic
from starcity.urlgate import RefusedURL, request_url


def crawl_settings() -> Any:
    """The crawl's Scrapy settings (settings.py, with SCRAPY_SETTINGS_MODULE)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


class FetchError(Exception):
    """A page that could not be fetched, with the reason in words."""


def fetch(url: str, settings: Any) -> tuple[bytes, dict[str, str], str]:
    """(body, headers, final URL) of ``url``, fetched as the crawl fetches a page: its
    User-Agent, DOWNLOAD_TIMEOUT and DOWNLOAD_MAXSIZE; http(s) only."""
    try:
        address = request_url(url)
    except RefusedURL as refused:
        raise FetchError(refused.reason) from refused
    limit = settings.getint("DOWNLOAD_MAXSIZE")
    request = urllib.request.Request(address, headers={"User-Agent": settings["USER_AGENT"]})
    try:
        with urllib.request.urlopen(  # noqa: S310 (the gate allowed http(s) only)
            request, timeout=settings.getfloat("DOWNLOAD_TIMEOUT")
        ) as response:
            body = response.read(limit + 1 if limit else -1)
            if limit and len(body) > limit:
                raise FetchError(f"larger than DOWNLOAD_MAXSIZE ({limit:,} bytes)")
            return body, dict(response.headers.items()), response.geturl()
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(str(getattr(exc, "reason", exc))) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.extract",
        description="Extract an article record from a saved page or a URL and print it as JSON.",
    )
    parser.add_argument("page", help="a local HTML file, or an http(s) URL to fetch")
    parser.add_argument("--url", help="the page's URL (for a local file: resolves links, dates)")
    parser.add_argument(
        "--no-people",
        action="store_true",
        help="leave out people and dates (no spaCy model is loaded)",
    )
    parser.add_argument(
        "--spacy-model",
        default=os.environ.get("STARCITY_SPACY_MODEL"),
        help="spaCy model for people (default: STARCITY_SPACY_MODEL, else the crawl's default)",
    )
    args = parser.parse_args(argv)
    settings = crawl_settings()
    headers: dict[str, str] = {}
    if args.page.startswith(("http://", "https://")):
        try:
            body, headers, fetched_url = fetch(args.page, settings)
        except FetchError as exc:
            print(f"error: cannot fetch {args.page}: {exc}", file=sys.stderr)
            return 1
        url = args.url or fetched_url
    else:
        path = Path(args.page)
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return 2
        url = args.url or path.resolve().as_uri()
    now = datetime.now(UTC)
    record: dict[str, Any] = dict(extract(body, url, headers, fetched_at=now))
    record.update(with_language(record))  # as the crawl's analysis does
    try:
        scorer = RelevanceScorer(load_topic(settings["STARCITY_TOPIC"]))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    judgement = scorer.judge(record["title"], record["description"], record["text"])
    record["relevance"] = {
        "label": judgement.label,
        "score": judgement.score,
        "evidence": judgement.evidence,
    }
    if not args.no_people:
        from pipelines.entities import EntityLinker, KnowledgeBase
        from pipelines.people_dates import describe

        try:
            kb = KnowledgeBase.from_data(load_knowledge(settings["STARCITY_KNOWLEDGE_BASE"]))
            linker = EntityLinker(
                kb,
                args.spacy_model or settings["STARCITY_SPACY_MODEL"],
                settings.getdict("STARCITY_SPACY_MODELS"),
            )
            record.update(describe(linker, record, now.date()))
        except (RuntimeError, ConfigError) as exc:  # a spaCy model that is not installed
            print(f"error: {exc}", file=sys.stderr)
            return 2
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
