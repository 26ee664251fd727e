"""Command line: `python -m starcity crawl | serve | run | demo | demo-web | publish`.

The Makefile's targets call these; so do the tests, as subprocesses.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starcity.config import KINDS, ROOT, ConfigError, load_sources, resolve_sources_path

DEFAULT_DB = "data/starcity.db"
# The demo's own database, so that trying the demo never mixes it into the real one.
DEMO_DB = "data/demo.db"
DEFAULT_PORT = 8001
# Exit statuses of a crawl stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal number.
INTERRUPTED = (128 + signal.SIGINT, 128 + signal.SIGTERM)
console = logging.getLogger("starcity")


def _setup_console(verbose: bool) -> None:
    """Our own messages (the `starcity` loggers) go to stdout; Scrapy's go to the log file.

    With --verbose Scrapy logs everything to stderr, ours included, so no extra handler.
    """
    console.setLevel(logging.INFO)
    if verbose or any(getattr(h, "_starcity", False) for h in console.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._starcity = True  # type: ignore[attr-defined]
    console.addHandler(handler)


def _parse_settings(pairs: list[str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"error: -s expects KEY=VALUE, got {pair!r}")
        overrides[key] = value
    return overrides


def crawl(
    sources: str = "real",
    db: str = DEFAULT_DB,
    only: list[str] | None = None,
    demo_url: str | None = None,
    settings_overrides: dict[str, Any] | None = None,
    verbose: bool = False,
) -> int:
    """Run one crawl of the chosen sources into ``db``; return the process exit code.

    0 when at least one source was read, 1 when every source failed, 2 on bad config,
    3 when another crawl is writing to the same database.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from starcity.demoweb import start_or_reuse

    demo = None
    try:
        path = resolve_sources_path(sources)
        needs_demo = "{demo}" in path.read_text(encoding="utf-8")
        if needs_demo and not demo_url:
            demo, demo_url = start_or_reuse(demo_port())
            console.info("demo web on %s%s", demo_url, " (already running)" if not demo else "")
        source_list = load_sources(path, demo_url)
        set_settings = _source_set_settings(path)
    except (ConfigError, OSError) as exc:
        console.error("error: %s", exc)
        if demo is not None:
            demo.stop()
        return 2

    active = [s for s in source_list if (s.name in only if only else s.active)]
    unknown = set(only or ()) - {s.name for s in source_list}
    if unknown:
        console.error("error: no source named %s in %s", ", ".join(sorted(unknown)), path)
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
            if crawlers and interruption.signum is None:
                process.start(install_signal_handlers=False)
    finally:
        if demo is not None:
            demo.stop()
        lock.close()
    for message in startup_errors:
        console.error("error: %s", message)
    status = _run_status(db, run_id)
    if status == "running" and interruption.signum is not None:
        # Stopped before a spider could close the run.
        reason = f"interrupted by {signal.Signals(interruption.signum).name} before it ran"
        status = _fail_run(db, run_id, reason, status="interrupted")
    elif status == "running":
        # No spider closed the run (none started): record it as failed, not running.
        status = _fail_run(db, run_id, "; ".join(startup_errors) or "no spider ran")
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


def _open_run(db: str, source_set: str, names: list[str]) -> int:
    """Record a new run. Called with the database's crawl lock held, so a run still
    marked as running belongs to a crawl that died (killed, out of memory, a power cut):
    it is closed as failed first."""
    from db.migrations import open_database

    database = open_database(db)
    try:
        stale = [row["id"] for row in database["crawl_runs"].rows_where("status = 'running'")]
        for run_id in stale:
            database["crawl_runs"].update(
                run_id,
                {
                    "status": "failed",
                    "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "finish_reason": "the crawl process ended before it recorded the run",
                },
            )
            console.warning("run %s was left running by a crawl that died: now failed", run_id)
        table = database["crawl_runs"]
        table.insert(
            {
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "status": "running" if names else "failed",
                "source_set": source_set,
                "sources": json.dumps(names),
            }
        )
        return int(table.last_pk)
    finally:
        database.close()


def _run_status(db: str, run_id: int) -> str:
    from db.migrations import open_database

    database = open_database(db)
    try:
        return database["crawl_runs"].get(run_id)["status"]
    finally:
        database.close()


def _fail_run(db: str, run_id: int, reason: str, status: str = "failed") -> str:
    """Close a run no spider closed, as failed (or ``status``) with ``reason``; return it."""
    from db.migrations import open_database

    database = open_database(db)
    try:
        database["crawl_runs"].update(
            run_id,
            {
                "status": status,
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "finish_reason": reason[:500],
            },
        )
    finally:
        database.close()
    return status


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


def demo_port() -> int:
    return int(os.environ.get("STARCITY_DEMO_PORT") or 8002)


def _source_set_settings(path: Path) -> dict[str, Any]:
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
    from pipelines.runrecord import per_source, source_status

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


def serve(db: str = DEFAULT_DB, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
    """Serve the database read-only in Datasette until interrupted."""
    from db.migrations import open_database
    from starcity.serve import DatabaseNameError, check_db_name, datasette_command

    # An empty, well-formed database rather than an error when there is none yet, and an
    # older database brought up to the schema the metadata and stored queries expect.
    try:
        check_db_name(db)
    except DatabaseNameError as exc:
        console.error("error: %s", exc)
        return 2
    open_database(db).close()
    with tempfile.TemporaryDirectory(prefix="starcity-serve-") as folder:
        command = datasette_command(db, host=host, port=port, folder=folder)
        console.info("Datasette on http://%s:%d/ (Ctrl-C to stop)", host, port)
        return _run_foreground(command)


def publish(db: str, target: str, extra: list[str], dry_run: bool = False) -> int:
    """Publish the database with `datasette publish` / `datasette package` (see README)."""
    from starcity.serve import DatabaseNameError, format_command, publish_command, snapshot

    if not Path(db).exists():
        console.error("error: no database at %s (crawl first)", db)
        return 2
    if target == "package" and not dry_run and not docker_running():
        # `datasette package` prints Docker's error but exits 0 without an image.
        console.error("error: `datasette package` needs Docker, and no Docker daemon answers")
        return 2
    try:
        if dry_run:  # the command as it will run, on a snapshot of the database
            print(format_command(publish_command(db, target, extra)), flush=True)
            return 0
        with tempfile.TemporaryDirectory(prefix="starcity-publish-") as folder:
            copy = snapshot(db, folder)
            command = publish_command(copy, target, extra, folder=folder)
            print(format_command(command), flush=True)
            return _run_foreground(command)
    except DatabaseNameError as exc:
        console.error("error: %s", exc)
        return 2


def docker_running() -> bool:
    """True when a Docker daemon answers (`datasette package` needs one)."""
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return probe.returncode == 0


def _run_foreground(command: list[str]) -> int:
    """Run a child in the foreground; SIGINT and SIGTERM are passed on so it never outlives us."""
    import subprocess

    child = subprocess.Popen(command)

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    """The command line; Ctrl-C before a crawl has started ends it quietly (status 130)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m starcity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_crawl_options(p: argparse.ArgumentParser, default_sources: str) -> None:
        p.add_argument(
            "--sources",
            default=default_sources,
            help="'real', 'demo' or a sources file (default: %(default)s)",
        )
        p.add_argument(
            "--db",
            help=f"database path (default: {DEFAULT_DB}, {DEMO_DB} with --sources demo)",
        )
        p.add_argument(
            "--source",
            action="append",
            dest="only",
            metavar="NAME",
            help="crawl only this source (repeatable)",
        )
        p.add_argument("--demo-url", help="base URL of an already running demo web")
        p.add_argument(
            "-s",
            dest="settings",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a Scrapy setting",
        )
        p.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="Scrapy's full log on the console instead of a log file",
        )

    def add_serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=DEFAULT_PORT)

    p = sub.add_parser("crawl", help="crawl the sources into the database")
    add_crawl_options(p, "real")
    p = sub.add_parser("serve", help="serve the database in Datasette")
    p.add_argument("--db", default=DEFAULT_DB)
    add_serve_options(p)
    p = sub.add_parser("run", help="crawl, then serve (whatever the crawl's outcome)")
    add_crawl_options(p, "real")
    add_serve_options(p)
    p = sub.add_parser("demo", help="crawl the bundled demo web, then serve it and Datasette")
    add_crawl_options(p, "demo")
    add_serve_options(p)
    from starcity.serve import PUBLISH_TARGETS

    p = sub.add_parser("publish", help="publish the database (datasette publish / package)")
    p.add_argument("target", choices=PUBLISH_TARGETS, help="where to: %(choices)s")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument(
        "--dry-run", action="store_true", help="print the datasette command, run nothing"
    )
    p.epilog = "Options after -- go to datasette publish, e.g. -- --service starcity."
    p = sub.add_parser("demo-web", help="serve the demo web only")
    p.add_argument("--port", type=int, default=0, help="default: STARCITY_DEMO_PORT or 8002")

    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after "--" is handed to `datasette publish` untouched.
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    _setup_console(getattr(args, "verbose", False))
    if args.command == "demo-web":
        return _demo_web(args.port)
    if args.command == "serve":
        return serve(args.db, args.host, args.port)
    if args.command == "publish":
        return publish(args.db, args.target, passthrough, args.dry_run)
    args.db = args.db or (DEMO_DB if args.sources == "demo" else DEFAULT_DB)
    crawl_args = dict(
        sources=args.sources,
        db=args.db,
        only=args.only,
        demo_url=args.demo_url,
        settings_overrides=_parse_settings(args.settings),
        verbose=args.verbose,
    )
    if args.command == "crawl":
        return crawl(**crawl_args)
    if args.command == "run":
        code = crawl(**crawl_args)
        if code in INTERRUPTED:  # Ctrl-C during the crawl stops the whole command
            return code
        return serve(args.db, args.host, args.port)
    # demo: keep the demo web up while Datasette serves, so article links work.
    from starcity.demoweb import start_or_reuse

    web = None
    if not crawl_args["demo_url"]:
        try:
            web, crawl_args["demo_url"] = start_or_reuse(demo_port())
        except OSError as exc:
            console.error("error: %s", exc)
            return 2
    try:
        code = crawl(**crawl_args)
        if code in INTERRUPTED:
            return code
        return serve(args.db, args.host, args.port)
    finally:
        if web is not None:
            web.stop()


def _demo_web(port: int) -> int:
    import time

    from starcity.demoweb import DemoWeb

    with DemoWeb(port=port or demo_port()) as web:
        print(f"demo web on {web.url}/ (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0
