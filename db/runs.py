"""Run records: the only writer of `crawl_runs`, `source_runs`, `sources` and `feed_state`.

The command line opens a run before its spiders start (`open_run`) and closes one no
spider closed (`close_run_as`); the run-record extension writes each spider's source rows
and totals when it closes (`record_spider`). Times are passed in as ISO 8601 strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from starcity.hygiene import clean_value

# Counters of a source's run, one column each in `source_runs`.
SOURCE_COUNTERS = (
    "feeds_fetched",
    "discovered",
    "filtered_offtopic",
    "fetched",
    "stored",
    "bytes",
    "skipped_known",
    "not_modified",
    "new",
    "skipped_not_html",
    "paywalled",
)


def open_run(
    db: Database,
    source_set: str,
    names: list[str],
    now: str,
    close_stale: bool = True,
    kind: str = "crawl",
) -> tuple[int, list[int]]:
    """Record a new run; returns its id and the ids of stale runs closed as failed.

    ``kind``: "crawl", or "reprocess" (stored articles derived again from the archive).

    ``close_stale``: the caller holds the database's crawl lock (the command line), so a
    run still marked as running belongs to a crawl that died (killed, out of memory, a
    power cut). A crawl Scrapy started on its own (Scrapyd) holds no lock and closes none.
    """
    stale = (
        [row["id"] for row in db["crawl_runs"].rows_where("status = 'running'")]
        if close_stale
        else []
    )
    for run_id in stale:
        db["crawl_runs"].update(
            run_id,
            {
                "status": "failed",
                "finished_at": now,
                "finish_reason": "the crawl process ended before it recorded the run",
            },
        )
    table = db["crawl_runs"]
    table.insert(
        {
            "started_at": now,
            "status": "running" if names else "failed",
            "kind": kind,
            "source_set": source_set,
            "sources": json.dumps(names),
        }
    )
    return int(table.last_pk), stale


def run_status(db: Database, run_id: int) -> str:
    return db["crawl_runs"].get(run_id)["status"]


def close_run_as(db: Database, run_id: int, status: str, reason: str, now: str) -> str:
    """Close a run no spider closed, as ``status`` with ``reason``; return the status."""
    db["crawl_runs"].update(
        run_id, {"status": status, "finished_at": now, "finish_reason": reason[:500]}
    )
    return status


def _close_run(
    db: Database, run_id: int, spider_name: str, stats: dict[str, Any], reason: str, now: str
) -> str:
    """Totals and status of the run from all its source rows so far.

    Several spiders may share one run (the command line starts them together): the run
    is finished when every source it lists has its row; until then it stays "running"
    with the totals so far.
    """
    run = db["crawl_runs"].get(run_id)
    expected = set(json.loads(run["sources"] or "[]"))
    rows = list(db.query("select * from source_runs where run_id = ?", [run_id]))
    done = {r["source"] for r in rows}
    statuses = [r["status"] for r in rows]
    all_stats = json.loads(run["stats"]) if run.get("stats") else {}
    all_stats[spider_name] = stats
    interrupted = reason != "finished" or run.get("finish_reason") not in (None, "finished")
    if not expected <= done:
        status = "running"
    elif interrupted:
        status = "interrupted"
    elif statuses and all(s == "failed" for s in statuses):
        status = "failed"
    elif any(s != "ok" for s in statuses):
        status = "partial"
    else:
        status = "ok"
    update = {
        "status": status,
        "pages_fetched": sum(r["fetched"] or 0 for r in rows),
        "articles_stored": sum(r["stored"] or 0 for r in rows),
        "articles_new": sum(r["new"] or 0 for r in rows),
        "errors": sum(r["errors"] or 0 for r in rows),
        "finish_reason": reason if reason != "finished" else run.get("finish_reason") or reason,
        # Stats hold what servers sent (validators, addresses): no control characters.
        "stats": json.dumps(clean_value(all_stats), default=str, sort_keys=True),
    }
    if status != "running":
        update["finished_at"] = now
    db["crawl_runs"].update(run_id, update)
    return status


def _store_feed_state(
    db: Database,
    validators: Mapping[str, Mapping[str, str]],
    source_of: Mapping[str, str],
    now: str,
) -> None:
    """ETag and Last-Modified of each feed, for the next run's conditional GET."""
    for url, fields in validators.items():
        db["feed_state"].upsert(
            {
                "url": url,
                "source": source_of.get(url),
                "etag": clean_value(fields.get("etag")),
                "last_modified": clean_value(fields.get("last_modified")),
                "checked_at": now,
            },
            pk="url",
        )


def _update_sources(
    db: Database,
    run_id: int,
    sources: Iterable[Any],
    grouped: Mapping[str, dict[str, Any]],
    statuses: Mapping[str, str],
    now: str,
) -> None:
    """Each source's last outcome, last success and run of consecutive failures.

    An interrupted run says nothing about a source's health: its count of consecutive
    failures and its last success stay as they were.
    """
    for source in sources:
        status = statuses.get(source.name, "failed")
        previous = next(db.query("select * from sources where name = ?", [source.name]), None)
        failures = (previous or {}).get("consecutive_failures") or 0
        if status == "interrupted":
            pass
        elif status == "failed":
            failures += 1
        else:
            failures = 0
        row = {
            "name": source.name,
            "kind": source.kind,
            "start_urls": json.dumps(list(source.start_urls)),
            "last_run_id": run_id,
            "last_status": status,
            "consecutive_failures": failures,
            "last_errors": json.dumps(dict(grouped[source.name]["errors_by_kind"])),
        }
        if status not in ("failed", "interrupted"):
            row["last_success_at"] = now
        db["sources"].upsert(row, pk="name")


def record_spider(
    db: Database,
    run_id: int,
    spider_name: str,
    sources: list[Any],
    grouped: Mapping[str, dict[str, Any]],
    statuses: Mapping[str, str],
    stats: dict[str, Any],
    reason: str,
    validators: Mapping[str, Mapping[str, str]],
    now: str,
) -> str:
    """One spider's share of a run, in one transaction: a `source_runs` row per source,
    the run's totals and status, the feeds' validators and each source's health.
    Returns the run's status."""
    source_of = {url: s.name for s in sources for url in s.start_urls}
    with db.atomic():
        for name, entry in grouped.items():
            db["source_runs"].insert(
                {
                    "run_id": run_id,
                    "source": name,
                    "status": statuses[name],
                    **{c: int(entry.get(c, 0)) for c in SOURCE_COUNTERS},
                    "errors": sum(entry["errors_by_kind"].values()),
                    "errors_by_kind": json.dumps(dict(entry["errors_by_kind"])),
                },
                replace=True,
            )
        status = _close_run(db, run_id, spider_name, stats, reason, now)
        _store_feed_state(db, validators, source_of, now)
        _update_sources(db, run_id, sources, grouped, statuses, now)
    return status


def record_reprocess(
    db: Database,
    run_id: int,
    stats: Mapping[str, Any],
    changes: Mapping[str, int],
    reason: str,
    now: str,
) -> str:
    """Close a reprocess run: its totals, what changed and its status. A reprocess says
    nothing about the sources' health: `sources` and `source_runs` are left alone.

    ``changes``: "articles" -> articles with any change, and field -> articles whose value
    of it changed. Returns the run's status: interrupted (stopped from outside), failed
    (nothing could be read back), partial (some articles could not be) or ok.
    """
    read = int(stats.get("reprocess/read", 0))
    errors = int(stats.get("reprocess/errors", 0))
    if reason != "finished":
        status = "interrupted"
    elif errors and not read:
        status = "failed"
    elif errors:
        status = "partial"
    else:
        status = "ok"
    db["crawl_runs"].update(
        run_id,
        {
            "status": status,
            "finished_at": now,
            "finish_reason": reason,
            "pages_fetched": read,
            "articles_stored": int(stats.get("articles/stored", 0)),
            "articles_new": 0,
            "errors": errors,
            "articles_changed": int(changes.get("articles", 0)),
            "changes": json.dumps(dict(changes), sort_keys=True),
            "stats": json.dumps(clean_value(dict(stats)), default=str, sort_keys=True),
        },
    )
    return status
