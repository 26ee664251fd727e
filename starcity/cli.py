"""Command line: `python -m starcity crawl | serve | run | demo | demo-web | publish |
reprocess | check-config | writer | crawl-distributed`.

The Makefile's targets call these; so do the tests, as subprocesses.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from starcity.crawl import DEFAULT_DB, crawl
from starcity.demoweb import demo_port
from starcity.publish import DEFAULT_PORT, publish, serve

# The demo's own database, so that trying the demo never mixes it into the real one.
DEMO_DB = "data/demo.db"
# Exit statuses of a crawl stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal number.
INTERRUPTED = (128 + signal.SIGINT, 128 + signal.SIGTERM)
console = logging.getLogger("starcity")


EXIT_STATUSES = """exit status of crawl, run and demo:
  0    at least one source was read
  1    every source failed
  2    a configuration error (the message names the file and the key, and the line
       of a value that does not fit the file's schema)
  3    another crawl is writing to the same database
  130  interrupted by Ctrl-C (SIGINT); 143 by SIGTERM"""


def _version() -> str:
    """The installed package's version, else the one pyproject.toml declares."""
    from importlib import metadata

    try:
        return metadata.version("starcity-monitor")
    except metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def _setup_console(verbose: bool) -> None:
    """Our own messages (the `starcity` loggers) go to stdout; Scrapy's go to the log file.

    With --verbose Scrapy logs everything to stderr, ours included, so no extra handler.
    """
    console.setLevel(logging.INFO)
    if verbose or any(getattr(h, "_starcity", False) for h in console.handlers):
        return
    from starcity.components.progress import ClearingFormatter

    handler = logging.StreamHandler(sys.stdout)
    # A line printed while the progress line is live starts on a clean line.
    handler.setFormatter(ClearingFormatter("%(message)s"))
    # The components' own notes (index sizes, grouping counts) belong in the log file; their
    # warnings and errors are shown.
    handler.addFilter(
        lambda record: (
            not record.name.startswith("starcity.components.") or record.levelno >= logging.WARNING
        )
    )
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


def main(argv: list[str] | None = None) -> int:
    """The command line; Ctrl-C before a crawl has started ends it quietly (status 130)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT


def _main(argv: list[str] | None = None) -> int:
    command = Path(sys.argv[0]).name
    parser = argparse.ArgumentParser(
        # `starcity` once installed as a package (docs/install.md)
        prog="starcity" if command == "starcity" else "python -m starcity",
        description=__doc__,
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
        p.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="no progress lines while the crawl runs (the summary is still printed)",
        )

    def add_serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--host", default="127.0.0.1", help="address Datasette listens on (%(default)s)"
        )
        p.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help="Datasette's port (%(default)s)"
        )

    p = sub.add_parser("crawl", help="crawl the sources into the database")
    add_crawl_options(p, "real")
    p.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("STARCITY_REDIS_URL"),
        help="be one crawler of the distributed run a writer published in this Redis"
        " (default: $STARCITY_REDIS_URL; docs/distributed.md)",
    )
    p = sub.add_parser(
        "writer", help="the one writer of a distributed run: Redis into the database"
    )
    add_crawl_options(p, "real")
    p.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("STARCITY_REDIS_URL"),
        required=not os.environ.get("STARCITY_REDIS_URL"),
        help="the run's Redis (default: $STARCITY_REDIS_URL)",
    )
    p = sub.add_parser(
        "crawl-distributed",
        help="a distributed run on this machine: redis-server, the writer, N crawlers",
    )
    add_crawl_options(p, "real")
    p.add_argument("--workers", type=int, default=2, help="crawler processes (%(default)s)")
    p.add_argument(
        "--redis", metavar="URL", help="an existing Redis (default: start a private one)"
    )
    p = sub.add_parser("serve", help="serve the database in Datasette")
    p.add_argument("--db", default=DEFAULT_DB, help="database to serve (%(default)s)")
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
    p.add_argument("--db", default=DEFAULT_DB, help="database to publish (%(default)s)")
    p.add_argument(
        "--dry-run", action="store_true", help="print the datasette command, run nothing"
    )
    p.epilog = "Options after -- go to datasette publish, e.g. -- --service starcity."
    p = sub.add_parser(
        "check-config",
        help="check a sources file and the topic file; exit 2 naming the first error",
    )
    p.add_argument(
        "--sources", default="real", help="'real', 'demo' or a sources file (default: real)"
    )
    p.add_argument("--topic", help="topic file (default: STARCITY_TOPIC of settings.py)")
    p = sub.add_parser(
        "reprocess",
        help="derive stored articles again from their archived responses (no network)",
    )
    p.add_argument("--db", default=DEFAULT_DB, help="database (%(default)s)")
    p.add_argument(
        "--source", action="append", dest="only", metavar="NAME", help="only this source's articles"
    )
    p.add_argument("--since", metavar="DATE", help="only articles published on or after DATE")
    p.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")
    p.add_argument(
        "--relevance",
        action="append",
        metavar="LABEL",
        help="only articles with this relevance label (relevant, mention, offtopic, ...)",
    )
    p.add_argument(
        "--article", action="append", metavar="URL", help="only this article (canonical or URL)"
    )
    p.add_argument(
        "--outdated",
        action="store_true",
        help="only articles an older analysis derived (code, libraries or configuration)",
    )
    p.add_argument("--archive-dir", help="the web archive (default: 'archive' beside the database)")
    p.add_argument("-s", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's log on the console")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.epilog = "Repeat --source, --relevance and --article to take several; dates are YYYY-MM-DD."
    p = sub.add_parser(
        "summaries",
        help="compare the summary tables with a full recount (exit 1 if they differ),"
        " or rebuild them",
    )
    p.add_argument("--db", default=DEFAULT_DB, help="database (%(default)s)")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="recount every summary from the rows (and re-create their triggers), then check",
    )
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
    if args.command == "check-config":
        return _check_config(args.sources, args.topic)
    if args.command == "serve":
        return serve(args.db, args.host, args.port)
    if args.command == "publish":
        return publish(args.db, args.target, passthrough, args.dry_run)
    if args.command == "summaries":
        return _summaries(args.db, args.rebuild)
    if args.command == "reprocess":
        from starcity.reprocess import reprocess

        return reprocess(
            args.db,
            sources=args.only,
            since=_day(args.since),
            until=_day(args.until),
            relevance=args.relevance,
            articles=args.article,
            outdated=args.outdated,
            archive_dir=args.archive_dir,
            settings_overrides=_overrides(args),
            verbose=args.verbose,
        )
    args.db = args.db or (DEMO_DB if args.sources == "demo" else DEFAULT_DB)
    if args.command == "writer":
        from starcity.writer import write

        return write(args.db, args.redis, args.sources, args.only, args.demo_url, _overrides(args))
    if args.command == "crawl-distributed":
        from starcity.distributed import crawl_distributed

        return crawl_distributed(
            args.workers,
            args.sources,
            args.db,
            args.only,
            args.redis,
            args.demo_url,
            args.settings,
            args.quiet,
        )
    crawl_args = dict(
        sources=args.sources,
        db=args.db,
        only=args.only,
        demo_url=args.demo_url,
        settings_overrides=_overrides(args),
        verbose=args.verbose,
    )
    if args.command == "crawl":
        return crawl(**crawl_args, redis_url=args.redis)
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


def _summaries(path: str, rebuild: bool) -> int:
    """Check (and with ``rebuild`` first recount) the summary tables (db/summaries.py)."""
    from db import summaries
    from db.migrations import open_database

    if not Path(path).exists():
        console.error("error: no database at %s", path)
        return 2
    db = open_database(path)
    try:
        if rebuild:
            # the tables and their triggers too, should a hand or a tool have dropped them
            for name, rows in summaries.create(db).items():
                console.info("%s: %s rows recounted", name, f"{rows:,}")
        differing = {name: n for name, n in summaries.differences(db).items() if n}
    finally:
        db.close()
    for name, n in differing.items():
        console.error("%s: %s rows differ from a full recount", name, f"{n:,}")
    if differing:
        console.error("rebuild them with: python -m starcity summaries --rebuild --db %s", path)
        return 1
    console.info("every summary equals a full recount")
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given with -s; --quiet wins over a -s STARCITY_PROGRESS_INTERVAL."""
    return {
        **_parse_settings(args.settings),
        **({"STARCITY_PROGRESS_INTERVAL": 0} if args.quiet else {}),
    }


def _day(value: str | None) -> str | None:
    """A YYYY-MM-DD date given on the command line, as it is (SystemExit when not one)."""
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        print(f"error: not a date (YYYY-MM-DD): {value!r}", file=sys.stderr)
        raise SystemExit(2) from None


def _check_config(sources: str, topic: str | None) -> int:
    """Read the sources and topic files as a crawl would, without crawling."""
    from starcity.config import ConfigError, load_sources, load_topic, resolve_sources_path
    from starcity.crawl import source_set_settings

    try:
        path = resolve_sources_path(sources)
        found = load_sources(path, demo_url=f"http://127.0.0.1:{demo_port()}")
        if topic is None:  # the sources file's own, else settings.py's
            import settings as project_settings

            topic = source_set_settings(path).get("STARCITY_TOPIC", project_settings.STARCITY_TOPIC)
        subject = load_topic(topic)
    except ConfigError as exc:
        console.error("error: %s", exc)
        return 2
    active = sum(s.active for s in found)
    console.info("%s: %d source(s), %d active", path, len(found), active)
    console.info("%s: topic %r, %d query terms", topic, subject.name, len(subject.query_terms))
    return 0


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
