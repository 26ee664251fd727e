"""`python -m starcity reprocess`: stored articles derived again from their archived
responses, with the current code and configuration, and no network request (issue #18).

The articles chosen (by source, date, relevance label, address; or only those an older
analysis derived) go through the crawl's own pipelines (analysis in worker processes,
duplicates, storage) by the reprocess spider (spiders/reprocess.py), which the replay
middleware answers from the archive; the grouping settles duplicates and stories after
it as after a crawl. The run is recorded in `crawl_runs` with kind "reprocess" and what
changed. It holds the crawl's lock on the database: a crawl and a reprocess never write
at once. An article keeps when it was first seen and fetched; a reprocess killed
half-way leaves every article either as it was or derived again (one transaction per
batch), and the next one goes over them all again (or, with ``--outdated``, over those
not yet derived by the current analysis).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db import runs
from db.articles import CHANGE_FIELDS, archived_articles
from starcity.config import ROOT
from starcity.crawl import _Interruption, _lock, _lock_path, _now, _with_db, settle_run

console = logging.getLogger("starcity")

# Articles of a reprocess in flight at once (they are read from local files: the analysis
# workers set the pace, and Scrapy's scraper slot bounds the bytes waiting for them).
CONCURRENCY = 32


def reprocess(
    db: str,
    sources: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    relevance: list[str] | None = None,
    articles: list[str] | None = None,
    outdated: bool = False,
    archive_dir: str | None = None,
    settings_overrides: dict[str, Any] | None = None,
    verbose: bool = False,
) -> int:
    """Derive the chosen stored articles again from the archive; return the exit code:
    0 when the run finished (some articles may have been unreadable: counted), 1 when
    no article could be read back, 2 on a bad argument, 3 when a crawl or another
    reprocess is writing to the database, 128 + the signal when interrupted."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from pipelines.version import analysis_version
    from spiders.reprocess import ReprocessSpider
    from starcity.components.analysis import analysis_config

    if not Path(db).is_file():
        console.error("error: no database at %s", db)
        return 2
    settings = get_project_settings()
    settings.setdict(settings_overrides or {}, priority="cmdline")
    folder = Path(
        archive_dir or settings.get("STARCITY_ARCHIVE_DIR") or Path(db).resolve().parent / "archive"
    )
    try:
        version = analysis_version(analysis_config(settings))
    except (RuntimeError, OSError, ValueError) as exc:
        console.error("error: %s", exc)
        return 2
    lock = _lock(db)
    if lock is None:
        console.error(
            "error: a crawl or reprocess is writing to %s (lock file %s); this run does nothing",
            db,
            _lock_path(db),
        )
        return 3
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = Path(db).resolve().parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    listed = logs / f"reprocess-{stamp}-{os.getpid()}.jsonl"
    interruption = _Interruption()
    started = time.monotonic()
    startup_errors: list[str] = []
    crawler = None
    try:
        chosen, unarchived = _with_db(
            db,
            lambda d: archived_articles(
                d, sources, since, until, relevance, articles, version if outdated else None
            ),
        )
        if unarchived:
            console.warning(
                "%d chosen article(s) have no archived response (stored before the archive,"
                " or pruned by its retention): left as they are",
                unarchived,
            )
        if not chosen:
            console.info(
                "reprocess: nothing to do in %s (no chosen article has an archived response%s)",
                db,
                ", or every one is current" if outdated else "",
            )
            return 0
        names = sorted({row["source"] for row in chosen})
        with listed.open("w", encoding="utf-8") as out:
            for row in chosen:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        settings.setdict(
            {
                "STARCITY_DB": db,
                "STARCITY_RUN_KIND": "reprocess",
                "STARCITY_REPROCESS_LIST": str(listed),
                "STARCITY_REPROCESS_SOURCES": names,
                # every request answered from the archive; nothing archived again
                "STARCITY_REPLAY_FROM": str(folder),
                "STARCITY_ARCHIVE": False,
                "ROBOTSTXT_OBEY": False,
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "CONCURRENT_REQUESTS": CONCURRENCY,
                "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            },
            priority="cmdline",
        )
        if not verbose:
            settings.set("LOG_FILE", str(logs / f"reprocess-{stamp}.log"), priority="cmdline")
        console.info(
            "reprocess: %d article(s) of %d source(s) from %s into %s (analysis %s)%s",
            len(chosen),
            len(names),
            folder,
            db,
            version,
            "" if verbose else f" (log: {logs / f'reprocess-{stamp}.log'})",
        )
        with interruption:
            run_id, stale = _with_db(
                db, lambda d: runs.open_run(d, "reprocess", names, _now(), kind="reprocess")
            )
            for old in stale:
                console.warning("run %s was left running by a process that died: now failed", old)
            settings.set("STARCITY_RUN_ID", run_id, priority="cmdline")
            process = CrawlerProcess(settings)
            crawler = process.create_crawler(ReprocessSpider)
            interruption.watch(crawler)
            process.crawl(crawler).addErrback(
                lambda failure: startup_errors.append(
                    f"the reprocess could not start: {failure.getErrorMessage()}"
                )
            )
            if interruption.signum is None:
                process.start(install_signal_handlers=False)
    finally:
        lock.close()
        listed.unlink(missing_ok=True)
    for message in startup_errors:
        console.error("error: %s", message)
    status = settle_run(db, run_id, interruption.signum, startup_errors, "did not run")
    stats = crawler.stats.get_stats() if crawler is not None else {}
    _report(run_id, status, stats, len(chosen), time.monotonic() - started, db)
    if interruption.signum is not None:
        return 128 + interruption.signum
    return 1 if status == "failed" else 0


def _report(
    run_id: int, status: str, stats: dict[str, Any], chosen: int, seconds: float, db: str
) -> None:
    read = int(stats.get("reprocess/read", 0))
    changes = ", ".join(
        f"{field} {stats[f'reprocess/changed/{field}']}"
        for field in CHANGE_FIELDS
        if stats.get(f"reprocess/changed/{field}")
    )
    console.info(
        "reprocess run %s %s: %d of %d article(s) read from the archive, %d stored again,"
        " %d changed%s, %d unreadable, in %.1f s (%.1f articles/s), %d copies, %d placed in"
        " stories, in %s",
        run_id,
        status,
        read,
        chosen,
        stats.get("articles/stored", 0),
        stats.get("reprocess/changed_articles", 0),
        f" ({changes})" if changes else "",
        stats.get("reprocess/errors", 0),
        seconds,
        read / seconds if seconds > 0 else 0.0,
        stats.get("duplicates/copies", 0),
        stats.get("stories/articles_placed", 0),
        db,
    )
