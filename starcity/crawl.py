"""One crawl of the chosen sources: settings, the run's record, the lock, the spiders,
signals and the summary. `python -m starcity crawl` (starcity/cli.py) calls `crawl`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db import runs
from starcity.config import KINDS, ROOT, ConfigError, load_sources, resolve_sources_path
from starcity.demoweb import demo_port

DEFAULT_DB = "data/starcity.db"
console = logging.getLogger("starcity")


def crawl(
    sources: str = "real",
    db: str = DEFAULT_DB,
    only: list[str] | None = None,
    demo_url: str | None = None,
    settings_overrides: dict[str, Any] | None = None,
    verbose: bool = False,
    redis_url: str | None = None,
) -> int:
    """Run one crawl of the chosen sources into ``db``; return the process exit code.

    0 when at least one source was read, 1 when every source failed, 2 on bad config,
    3 when another crawl is writing to the same database.

    ``redis_url``: this process is one crawler of a distributed run (docs/distributed.md):
    it joins the run the writer published in that Redis, shares its frontier, and never
    opens the database (``db`` only places the web archive, as in a one-process crawl).
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from spiders.render import browser_confinement
    from starcity.demoweb import start_or_reuse
    from starcity.urlgate import sites_for

    demo = None
    try:
        path = resolve_sources_path(sources)
        needs_demo = "{demo}" in path.read_text(encoding="utf-8")
        if needs_demo and not demo_url:
            demo, demo_url = start_or_reuse(demo_port())
            console.info("demo web on %s%s", demo_url, " (already running)" if not demo else "")
        source_list = load_sources(path, demo_url)
        set_settings = source_set_settings(path)
    except (ConfigError, OSError) as exc:
        console.error("error: %s", exc)
        if demo is not None:
            demo.stop()
        return 2

    run = None
    if redis_url:
        from starcity.components.frontier import join_run

        try:
            run = join_run(redis_url, get_project_settings(), settings_overrides or {})
        except RuntimeError as exc:
            console.error("error: %s", exc)
            if demo is not None:
                demo.stop()
            return 2
        only = list(run["sources"])  # the run's sources, whatever this crawler was told
    active = [s for s in source_list if (s.name in only if only else s.active)]
    unknown = set(only or ()) - {s.name for s in source_list}
    if unknown:
        console.error("error: no source named %s in %s", ", ".join(sorted(unknown)), path)
        if demo is not None:
            demo.stop()
        return 2

    settings = get_project_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_file = Path(db).resolve().parent / "logs" / f"crawl-{stamp}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    settings.setdict(set_settings, priority="project")
    settings.setdict(
        {
            "STARCITY_DB": db,
            "STARCITY_SOURCES": _rel(path),
            "STARCITY_DEMO_URL": demo_url,
            "STARCITY_ONLY_SOURCES": list(only or []),
        },
        priority="cmdline",
    )
    if not verbose:
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
    settings.setdict(settings_overrides or {}, priority="cmdline")
    if any(s.render for s in active):
        # A source renders pages: scrapy-playwright's handler for http(s) (it fetches the
        # other requests as Scrapy's own does; the browser starts with the first page).
        handler = settings["STARCITY_RENDER_HANDLER"]
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), "http": handler, "https": handler}
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")
        launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
        launch["executable_path"] = settings["STARCITY_CHROMIUM"]
        # the browser reaches the rendering sources' sites and nothing else
        rendering = [sites_for(s.allowed_domains, s.start_urls) for s in active if s.render]
        launch["args"] = [*launch.get("args", []), *browser_confinement(rendering)]
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    if run is not None:
        from starcity.components.frontier import crawler_settings

        # after the rendering's handler: the run's shared rate wraps it
        settings.setdict(crawler_settings(settings, redis_url, run), priority="cmdline")
        try:
            return _run_crawler(settings, active, run)
        finally:
            if demo is not None:
                demo.stop()
    console.info(
        "crawl: %d source(s) from %s into %s%s",
        len(active),
        _rel(path),
        db,
        "" if verbose else f" (log: {_rel(log_file)})",
    )
    lock = _lock(db)
    if lock is None:
        console.error(
            "error: another crawl is writing to %s (lock file %s); this run does nothing",
            db,
            _lock_path(db),
        )
        if demo is not None:
            demo.stop()
        return 3
    # SIGINT/SIGTERM from the moment the run is recorded: it is then recorded interrupted.
    interruption = _Interruption()
    crawlers = []
    # A crawler that cannot start (a component failing in from_crawler, such as a
    # missing spaCy model) reports it here; Scrapy alone would only log it.
    startup_errors: list[str] = []
    try:
        with interruption:
            # One run, several spiders (one per kind of source), one process.
            run_id = _open_run(db, _rel(path), [s.name for s in active])
            settings.set("STARCITY_RUN_ID", run_id, priority="cmdline")
            process = CrawlerProcess(settings)
            crawlers, startup_errors = _start_spiders(process, active, interruption)
            if crawlers and interruption.signum is None:
                process.start(install_signal_handlers=False)
    finally:
        if demo is not None:
            demo.stop()
        lock.close()
    for message in startup_errors:
        console.error("error: %s", message)
    status = settle_run(db, run_id, interruption.signum, startup_errors, "no spider ran")
    stats = _merge_stats([c.stats.get_stats() for c in crawlers])
    stats["starcity/run_id"] = run_id
    stats["starcity/run_status"] = status
    # Why each source's spider ended: one may have finished before a signal stopped another.
    reasons = {
        source.name: crawler.stats.get_value("finish_reason", "finished")
        for crawler in crawlers
        for source in getattr(crawler.spider, "sources", [])
    }
    code = _report(stats, db, [s.name for s in active], reasons)
    if interruption.signum is not None and status != "interrupted":
        # The signal came as the crawl was closing: it had finished, and says so.
        console.warning(
            "%s received after the crawl had finished: run %s recorded as %s",
            signal.Signals(interruption.signum).name,
            run_id,
            status,
        )
    elif interruption.signum is not None:
        # 128 + the signal's number, as shells report a process a signal ended: 130 for
        # Ctrl-C (SIGINT), 143 for SIGTERM. A scheduler or crawl-and-publish.sh sees the
        # run did not complete (it is recorded "interrupted", its sources too).
        console.error(
            "crawl interrupted by %s: run %s recorded as %s",
            signal.Signals(interruption.signum).name,
            run_id,
            status,
        )
        return 128 + interruption.signum
    return code


class _Interruption:
    """SIGINT and SIGTERM during a crawl: the first stops the crawl gracefully (the run is
    recorded, as interrupted), a second one ends the process at once (its run is closed by
    the next crawl); remembers the signal for the exit status. Installed around the crawl,
    in place of Scrapy's own handlers, which keep no record of the signal and lose one that
    comes while a spider is still opening (the crawl then ran on, and the process hung).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.crawlers: list[Any] = []
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _Interruption:
        self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def watch(self, crawler: Any) -> None:
        """Stop ``crawler`` too when the signal came before its engine was running."""
        from scrapy import signals

        self.crawlers.append(crawler)
        # weak=False: Scrapy holds receivers weakly, and nothing else holds this lambda.
        crawler.signals.connect(
            lambda: self._stop_one(crawler), signal=signals.engine_started, weak=False
        )

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signum is not None:
            # The second signal: the reactor may be busy with one long page, so nothing is
            # handed to it; the run stays open until the next crawl closes it.
            os._exit(128 + signum)
        self.signum = signum
        from twisted.internet import reactor

        # Never log or do real work inside a signal handler: hand it to the reactor.
        reactor.callFromThread(self._stop)

    def _stop(self) -> None:
        console.warning(
            "%s received: stopping the crawl (send it again to stop at once)",
            signal.Signals(self.signum or signal.SIGINT).name,
        )
        for crawler in self.crawlers:
            self._stop_one(crawler)

    def _stop_one(self, crawler: Any, tries: int = 200) -> None:
        engine = getattr(crawler, "engine", None)
        if self.signum is None or engine is None:
            return  # no signal yet; or no engine yet: engine_started will call again
        if engine.running:
            crawler.stop()
        elif tries:
            # Scrapy sends engine_started just before the engine counts as running, and a
            # stop before that is lost: try again in a moment.
            from twisted.internet import reactor

            reactor.callLater(0.05, self._stop_one, crawler, tries - 1)


SPIDER_FOR_KIND = {"feed": "feeds", "sitemap": "sitemaps", "site": "sites"}


def _start_spiders(process: Any, active: list[Any], interruption: _Interruption) -> tuple:
    """A crawler per kind of source among ``active``, started in ``process``; the
    crawlers, and a list that collects the errors of those that cannot start."""
    crawlers, startup_errors = [], []
    for kind in KINDS:
        if any(s.kind == kind for s in active):
            crawler = process.create_crawler(SPIDER_FOR_KIND[kind])
            interruption.watch(crawler)
            started = process.crawl(crawler)
            started.addErrback(
                lambda failure, kind=kind: startup_errors.append(
                    f"the {kind} crawl could not start: {failure.getErrorMessage()}"
                )
            )
            crawlers.append(crawler)
    return crawlers, startup_errors


def _run_crawler(settings: Any, active: list[Any], run: dict[str, Any]) -> int:
    """One crawler of a distributed run: the spiders, then a summary of what it did (the
    run itself is recorded by the writer)."""
    from scrapy.crawler import CrawlerProcess

    from starcity.components.redisrun import shown

    worker = settings["STARCITY_WORKER_ID"]
    console.info(
        "crawler %s: joined run %s (%d source(s)) in %s%s",
        worker,
        run["id"],
        len(active),
        shown(settings["STARCITY_REDIS_URL"]),
        f" (log: {_rel(Path(settings['LOG_FILE']))})" if settings.get("LOG_FILE") else "",
    )
    interruption = _Interruption()
    with interruption:
        process = CrawlerProcess(settings)
        crawlers, startup_errors = _start_spiders(process, active, interruption)
        if crawlers and interruption.signum is None:
            process.start(install_signal_handlers=False)
    for message in startup_errors:
        console.error("error: %s", message)
    stats = _merge_stats([c.stats.get_stats() for c in crawlers])
    fetched = sum(v for k, v in stats.items() if k.startswith("source/") and k.endswith("/fetched"))
    errors = sum(v for k, v in stats.items() if k.startswith("source/") and "/errors/" in k)
    console.info(
        "crawler %s: %d page(s) fetched, %d item(s) sent to the writer, %d error(s)",
        worker,
        fetched,
        stats.get("redis/items_pushed", 0),
        errors,
    )
    if interruption.signum is not None:
        return 128 + interruption.signum
    gone = any(c.stats.get_value("finish_reason") == "redis_unavailable" for c in crawlers)
    return 1 if startup_errors or gone else 0


def _merge_stats(all_stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Stats of several crawlers as one: numbers added up, other values kept."""
    merged: dict[str, Any] = {}
    for stats in all_stats:
        for key, value in stats.items():
            if isinstance(value, int | float) and isinstance(merged.get(key), int | float):
                merged[key] += value
            else:
                merged.setdefault(key, value)
    return merged


def _lock_path(db: str) -> Path:
    return Path(db).resolve().with_name(Path(db).name + ".lock")


def _lock(db: str):
    """An exclusive lock on the database's lock file, or None when another crawl holds it.

    The operating system drops the lock when the process ends, so a crashed crawl
    never leaves a stale lock behind.
    """
    import fcntl

    path = _lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _with_db(path: str, work: Callable[[Any], Any]) -> Any:
    from db.migrations import open_database

    database = open_database(path)
    try:
        return work(database)
    finally:
        database.close()


def _open_run(db: str, source_set: str, names: list[str]) -> int:
    """Record a new run (with the crawl lock held: stale runs are closed as failed)."""
    run_id, stale = _with_db(db, lambda d: runs.open_run(d, source_set, names, _now()))
    for old in stale:
        console.warning("run %s was left running by a crawl that died: now failed", old)
    return run_id


def _close_run_as(db: str, run_id: int, status: str, reason: str) -> str:
    """Close a run no spider closed, as ``status`` with ``reason``."""
    return _with_db(db, lambda d: runs.close_run_as(d, run_id, status, reason, _now()))


def settle_run(
    db: str, run_id: int, signum: int | None, startup_errors: list[str], none_ran: str
) -> str:
    """The run's status once the process is done; a run still "running" (no spider closed
    it) is closed: interrupted when a signal stopped it before it ran, else failed (with
    the start-up errors, or ``none_ran``)."""
    status = _with_db(db, lambda d: runs.run_status(d, run_id))
    if status == "running" and signum is not None:
        reason = f"interrupted by {signal.Signals(signum).name} before it ran"
        status = _close_run_as(db, run_id, "interrupted", reason)
    elif status == "running":
        status = _close_run_as(db, run_id, "failed", "; ".join(startup_errors) or none_ran)
    return status


def source_set_settings(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data.get("settings") or {})


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _report(
    stats: dict[str, Any], db: str, names: list[str], reasons: dict[str, str] | None = None
) -> int:
    """Print one summary line per source and one for the run; return the exit code.

    ``reasons``: why each source's spider closed (Scrapy's finish reason).
    """
    from starcity.components.runrecord import per_source, source_status

    grouped = per_source(stats, names)
    status = stats.get("starcity/run_status", "unrecorded")
    width = max((len(n) for n in names), default=6)
    for name, entry in grouped.items():
        errors = dict(entry["errors_by_kind"])
        console.info(
            "  %-*s  %-7s  discovered %3d  known %3d  fetched %3d  stored %3d  new %3d"
            "  relevant %3d  mentions %3d  errors %s",
            width,
            name,
            source_status(entry, (reasons or {}).get(name, "finished")),
            entry.get("discovered", 0),
            entry.get("skipped_known", 0),
            entry.get("fetched", 0),
            entry.get("stored", 0),
            entry.get("new", 0),
            entry.get("relevant", 0),
            entry.get("mention", 0),
            json.dumps(errors) if errors else "0",
        )
    console.info(
        "run %s %s: %d article(s) stored, %d new, %d relevant, %d copies, %d in stories, in %s",
        stats.get("starcity/run_id", "?"),
        status,
        stats.get("articles/stored", 0),
        stats.get("articles/new", 0),
        stats.get("relevance/relevant", 0),
        stats.get("duplicates/copies", 0),
        stats.get("stories/articles_placed", 0),
        db,
    )
    return 1 if status in ("failed", "unrecorded") else 0
