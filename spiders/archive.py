"""The web archive: every response the crawl receives, as fetched, in WARC files.

A page is parsed once; when extraction, people or dates improve, what was actually
fetched is the evidence to derive the stored values again (issue #18). Each response
(article pages, feeds, sitemaps, robots.txt) is written with its request to a WARC file
(ISO 28500) under the archive folder, one gzip member per record, so that any record can
be read back alone from its offset. Files are named by run and rotated by size. warcio
writes the records; this module decides what goes in, where, and what the article row
keeps: ``request.meta["archive"]`` (the response's meta): the file (relative to the
folder), the offset of the response record and its WARC-Record-ID.

The middleware sits next to the downloader (after the HTTP compression middleware, as
Scrapy counts priorities), so it sees the body and headers as the server sent them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.signals import spider_closed
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

# The content type of the metadata record holding the crawl's context of a response.
CONTEXT_TYPE = "application/json; profile=starcity-context"
# What of a request's meta goes into that record.
CONTEXT_KEYS = ("source", "discovered_via", "hints")

# A WARC file is closed and the next one begun past this size (compressed bytes).
DEFAULT_MAX_BYTES = 1_000_000_000


def prune(
    folder: Path,
    now: datetime,
    max_total_bytes: int | None = None,
    max_age_days: float | None = None,
    keep: frozenset[str] = frozenset(),
) -> list[str]:
    """Delete whole WARC files, oldest first, older than ``max_age_days`` or beyond
    ``max_total_bytes`` in all; never those named in ``keep`` (the running crawl's).
    Returns the names deleted. None for a limit: no limit."""
    files = sorted(
        (p for p in folder.glob("*.warc.gz") if p.is_file()), key=lambda p: p.stat().st_mtime
    )
    total = sum(p.stat().st_size for p in files)
    deleted: list[str] = []
    for path in files:
        if path.name in keep:
            continue
        age_days = (now.timestamp() - path.stat().st_mtime) / 86_400
        too_old = max_age_days is not None and age_days > max_age_days
        too_much = max_total_bytes is not None and total > max_total_bytes
        if not (too_old or too_much):
            continue
        size = path.stat().st_size
        try:
            path.unlink()
        except OSError as exc:
            log.warning("archive: cannot delete %s: %s", path, exc)
            continue
        total -= size
        deleted.append(path.name)
    return deleted


class WarcArchive:
    """WARC files of one run under ``folder``: ``<prefix>-<run>-<n>.warc.gz``, a new one
    past ``max_bytes``. Not thread-safe: the crawl writes from the reactor's thread."""

    def __init__(self, folder: Path, run: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.run = run
        self.max_bytes = max_bytes
        self.number = 0
        self._file: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self.records = 0
        self.bytes = 0

    @property
    def name(self) -> str:
        return f"starcity-{self.run}-{self.number:05d}.warc.gz"

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._file is not None:
            if self._file.tell() < self.max_bytes:
                return self._writer
            self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.number += 1
        # "xb": a run never overwrites a file, whatever a page or a clock says
        self._file = open(self.folder / self.name, "xb")  # noqa: SIM115 (closed in close())
        self._writer = WARCWriter(self._file, gzip=True)
        return self._writer

    def write(
        self,
        url: str,
        request: tuple[str, str, list[tuple[str, str]]],
        response: tuple[int, str, list[tuple[str, str]], bytes],
        fetched_at: datetime,
        context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write one request and its response; returns where the response record is:
        ``{"file", "offset", "record_id"}``. ``request``: (method, path, headers);
        ``response``: (status, reason, headers, body as received). ``context``: what the
        crawl knew of the page besides its response (the feed entry's hints, the page
        that listed it), written after them as a WARC metadata record (JSON), so that a
        reprocess analyses the page with what the crawl had."""
        writer = self._open()
        assert self._file is not None
        method, path, request_headers = request
        status, reason, response_headers, body = response
        date = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        http = StatusAndHeaders(f"{status} {reason}".strip(), response_headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )
        asked = writer.create_warc_record(
            url,
            "request",
            http_headers=StatusAndHeaders(
                f"{method} {path} HTTP/1.1", request_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        offset = self._file.tell()
        writer.write_request_response_pair(asked, record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if context:
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "metadata",
                    payload=io.BytesIO(json.dumps(context, ensure_ascii=False).encode()),
                    warc_content_type=CONTEXT_TYPE,
                    warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
                )
            )
        self._file.flush()
        self.records += 1
        self.bytes += self._file.tell() - offset
        return {"file": self.name, "offset": offset, "record_id": record_id}

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _headers(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) pairs of text, every value of every name."""
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


class ArchiveMiddleware:
    """Downloader middleware: each response, as received, into the run's WARC files
    (settings STARCITY_ARCHIVE, STARCITY_ARCHIVE_DIR, STARCITY_ARCHIVE_MAX_BYTES)."""

    def __init__(self, archive: WarcArchive, crawler: Crawler) -> None:
        self.archive = archive
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:

        settings = crawler.settings
        if not settings.getbool("STARCITY_ARCHIVE", True):
            raise NotConfigured("STARCITY_ARCHIVE is off")
        if settings.get("STARCITY_REPLAY_FROM"):
            raise NotConfigured("a replayed crawl archives nothing again")
        folder = settings.get("STARCITY_ARCHIVE_DIR") or os.path.join(
            os.path.dirname(settings.get("STARCITY_DB") or "data/starcity.db") or ".", "archive"
        )
        # One set of files per run and spider (a run crawls feeds, sitemaps and sites with
        # one crawler each, at the same second): "20261201T120000-run12-feeds".
        # A crawler of a distributed run adds its name: "...-run12-host-4242-feeds" (the
        # run's crawlers may share the folder).
        run_id = settings.get("STARCITY_RUN_ID")
        run = "-".join(
            part
            for part in (
                datetime.now(UTC).strftime("%Y%m%dT%H%M%S"),
                f"run{run_id}" if run_id is not None else f"pid{os.getpid()}",
                settings.get("STARCITY_WORKER_ID") if settings.get("STARCITY_REDIS_URL") else None,
                getattr(crawler.spidercls, "name", None) or "spider",
            )
            if part
        )
        archive = WarcArchive(
            Path(folder), run, settings.getint("STARCITY_ARCHIVE_MAX_BYTES", DEFAULT_MAX_BYTES)
        )
        middleware = cls(archive, crawler)
        crawler.signals.connect(middleware.spider_closed, signal=spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        parts = urlsplit(request.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        started = time.thread_time()
        try:
            pointer = self.archive.write(
                response.url,
                (request.method, path, _headers(request.headers)),
                (response.status, reason, _headers(response.headers), response.body),
                datetime.now(UTC),
                {k: request.meta[k] for k in CONTEXT_KEYS if request.meta.get(k)},
            )
        except OSError as exc:  # a full disk must not stop the crawl: counted, logged
            self.crawler.stats.inc_value("archive/write_failed")
            log.warning("archive: cannot write %s: %s", request.url, exc)
            return response
        self.crawler.stats.inc_value("archive/records")
        # the write's CPU time, for the benchmark (bench/crawl.py)
        self.crawler.stats.inc_value("archive/cpu_seconds", time.thread_time() - started)
        # (the response is tied to its request later: its meta is the request's)
        request.meta["archive"] = pointer
        return response

    def _current_run_files(self) -> frozenset[str]:
        """The files of this run (every spider's: another may still be writing)."""
        run_id = self.crawler.settings.get("STARCITY_RUN_ID")
        marker = f"-run{run_id}-" if run_id is not None else f"starcity-{self.archive.run}-"
        return frozenset(p.name for p in self.archive.folder.glob("*.warc.gz") if marker in p.name)

    def spider_closed(self, spider: Spider) -> None:
        self.crawler.stats.set_value("archive/bytes", self.archive.bytes)
        self.archive.close()
        # Retention (STARCITY_ARCHIVE_MAX_TOTAL_BYTES, STARCITY_ARCHIVE_MAX_AGE_DAYS): whole
        # files of earlier runs; the rows pointing into them are cleared by the archive
        # component (starcity/components/archive.py), which reads the names deleted here.
        settings = self.crawler.settings
        total = settings.get("STARCITY_ARCHIVE_MAX_TOTAL_BYTES")
        age = settings.get("STARCITY_ARCHIVE_MAX_AGE_DAYS")
        if total is None and age is None or not self.archive.folder.is_dir():
            return
        deleted = prune(
            self.archive.folder,
            datetime.now(UTC),
            int(total) if total is not None else None,
            float(age) if age is not None else None,
            keep=self._current_run_files(),
        )
        if deleted:
            log.info("archive: %d old file(s) pruned", len(deleted))
            self.crawler.stats.set_value("archive/pruned_files", deleted)


# -- replay: a crawl served from the archive ------------------------------------------------


def index_archive(folder: Path) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """URL -> (file, offset) of its last archived response, over every WARC file in
    ``folder`` (in name order: runs by time); and the problems met, one line each. A
    corrupt or truncated file gives the records read before the damage, and a line."""
    index: dict[str, tuple[str, int]] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.warc.gz")):
        end = 0
        try:
            with path.open("rb") as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    if not record.rec_headers.get_header("WARC-Record-ID"):
                        raise ArchiveLoadFailed("a record without a WARC-Record-ID: no WARC")
                    offset = records.get_record_offset()
                    # read to its end, as stored (not inflated: a compressed body is
                    # not decompressed to look at it): a record cut short must not stand
                    # in for an earlier whole one of the same URL
                    while record.raw_stream.read(1 << 16):
                        pass
                    records.read_to_end(record)
                    end = offset + records.get_record_length()
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    if record.rec_type == "response" and url:
                        index[urldefrag(url)[0]] = (path.name, offset)
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        # warcio stops quietly at a record cut short: the bytes after the last whole one
        if end < path.stat().st_size:
            problems.append(f"{path.name}: cut short after byte {end:,} of {path.stat().st_size:,}")
    return index, problems


# Headers that described the bytes on the wire, not the body warcio hands back (decoded
# from gzip and chunks).
_WIRE_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


@dataclass
class ArchivedResponse:
    """One archived response, as the crawl received it, and the crawl's context of it."""

    url: str
    status: int
    headers: list[tuple[str, str]]  # without the headers of the bytes on the wire
    body: bytes
    fetched_at: str | None  # its WARC-Date
    record_id: str | None
    context: dict[str, Any]  # the metadata record's JSON ({} when there is none)


def read_response(path: Path, offset: int, record_id: str | None = None) -> ArchivedResponse:
    """The response record at ``offset`` of the WARC file ``path``, and the context the
    crawl wrote after it. ValueError when no response record starts there, or not the one
    ``record_id`` names; warcio's and the file system's errors when the file is damaged."""
    with path.open("rb") as stream:
        stream.seek(offset)
        records = iter(ArchiveIterator(stream))
        record = next(records, None)
        if record is None or record.rec_type != "response":
            raise ValueError(f"no response record at byte {offset:,} of {path.name}")
        found_id = record.rec_headers.get_header("WARC-Record-ID")
        if record_id and found_id != record_id:
            raise ValueError(f"the record at byte {offset:,} of {path.name} is {found_id}")
        status = int(record.http_headers.get_statuscode() or 200)
        pairs = [
            (k, v)
            for k, v in record.http_headers.headers
            if k.lower().encode() not in _WIRE_HEADERS
        ]
        body = record.content_stream().read(MAX_BODY + 1)
        if len(body) > MAX_BODY:  # a body that inflates past the crawl's own size limit
            raise ValueError(f"the record at byte {offset:,} of {path.name} is too large")
        if getattr(record.raw_stream, "limit", 0):
            # warcio ends a record cut short quietly, with what it had: refused here
            raise ValueError(f"the record at byte {offset:,} of {path.name} is cut short")
        answer = ArchivedResponse(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=status,
            headers=pairs,
            body=body,
            fetched_at=record.rec_headers.get_header("WARC-Date"),
            record_id=found_id,
            context={},
        )
        # The request and the context follow the response (spiders/archive.py writes
        # them so); a file cut short after the response loses only the context.
        try:
            for _ in range(2):
                following = next(records, None)
                if following is None:
                    break
                concurrent = following.rec_headers.get_header("WARC-Concurrent-To")
                if following.rec_type == "metadata" and concurrent == found_id:
                    context = json.loads(following.content_stream().read(_MAX_CONTEXT))
                    answer.context = context if isinstance(context, dict) else {}
                    break
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            log.info("archive: no context after %s in %s: %s", answer.url, path.name, exc)
        return answer


# The largest body read back: the crawl's download limit (settings.DOWNLOAD_MAXSIZE).
MAX_BODY = 16 * 1024 * 1024
# The largest context record read back (a feed entry's hints are far smaller).
_MAX_CONTEXT = 1_000_000


class ReplayMiddleware:
    """Downloader middleware: with STARCITY_REPLAY_FROM (an archive folder), every request
    is answered from the archive, never the network: the crawl is reproduced offline, as
    it was fetched. A request that names its record (``meta["replay"]``: file, offset,
    record id; a reprocess's) is answered with that record; any other with the last
    archived response of its URL, from an index of the folder made at the first such
    request. A URL the archive does not hold is refused (``replay/missing``), a record
    that cannot be read too (``replay/unreadable``)."""

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self._index: dict[str, tuple[str, int]] | None = None

    @property
    def index(self) -> dict[str, tuple[str, int]]:
        if self._index is None:
            self._index, problems = index_archive(self.folder)
            for problem in problems:
                log.warning(
                    "replay: damaged archive file skipped (what came before is kept): %s",
                    problem,
                )
                self.crawler.stats.inc_value("replay/damaged_files")
            log.info("replay: %d archived responses in %s", len(self._index), self.folder)
        return self._index

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        folder = crawler.settings.get("STARCITY_REPLAY_FROM")
        if not folder:
            raise NotConfigured("no STARCITY_REPLAY_FROM")
        return cls(crawler, Path(folder))

    def process_request(self, request: Request, spider: Spider) -> Response:
        pointer = request.meta.get("replay")
        if pointer:
            name, offset, record_id = pointer["file"], pointer["offset"], pointer.get("record_id")
        else:
            found = self.index.get(urldefrag(request.url)[0])  # (a fragment is never sent)
            if found is None:
                self.crawler.stats.inc_value("replay/missing")
                raise IgnoreRequest(f"not in the archive: {request.url}")
            (name, offset), record_id = found, None
        try:
            # only a file of the folder, whatever a pointer names
            archived = read_response(self.folder / Path(name).name, int(offset), record_id)
        except Exception as exc:  # a damaged file, a record not there (any error of warcio)
            self.crawler.stats.inc_value("replay/unreadable")
            raise IgnoreRequest(
                f"archived record unreadable: {request.url}: {type(exc).__name__}: {exc}"
            ) from exc
        request.meta["archived_context"] = archived.context
        headers = Headers(archived.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=archived.body)
        self.crawler.stats.inc_value("replay/responses")
        return cls(
            url=request.url,
            status=archived.status,
            headers=headers,
            body=archived.body,
            request=request,
        )
