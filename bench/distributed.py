"""Distributed crawl throughput: the benchmark web crawled by 1, 2 and 4 crawler processes
against one Redis and one writer, next to the one-process crawl, on this machine.

Usage (part of `make bench`):

    .venv/bin/python bench/distributed.py [--articles 1000] [--workers 1 2 4]
        [--eval-dir ../shared/eval/dev]

The web is bench/crawl.py's (real pages' markup, generated text, an RSS feed per 200
articles, served on 127.0.0.1, no download delay). Each run is exactly
`python -m starcity crawl-distributed --workers N` (a private redis-server, the writer,
N crawlers) into a fresh database; each crawler gets an equal share of the cores for its
analysis workers (at least one). Reports articles per second (wall time, with the start
and model load of every process), peak memory per process (each crawler with its analysis
workers; the writer; redis-server), and the writer's rows per second, from which the
ceiling on more machines is estimated. Writes the "Distributed crawl" section of
bench/results.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl import (  # noqa: E402
    EVAL_DIR,
    QuietHandler,
    _descendants,
    build_web,
    load_templates,
    tree_memory,
)
from bench.results import write_section  # noqa: E402

SETTINGS = [
    "DOWNLOAD_DELAY: 0",
    "AUTOTHROTTLE_ENABLED: false",
    "CONCURRENT_REQUESTS: 16",
    "CONCURRENT_REQUESTS_PER_DOMAIN: 16",
]


def sources_file(folder: Path, feeds: list[str]) -> Path:
    lines = ["sources:"]
    for n, feed in enumerate(feeds):
        lines += [f"  - name: bench-{n}", f'    start_urls: ["{feed}"]', "    prefilter: false"]
    lines += ["settings:", *[f"  {s}" for s in SETTINGS]]
    path = folder / "sources.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _role(pid: int) -> str | None:
    """writer, crawler or redis, from a process's command line."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    words = [a.decode(errors="replace") for a in args]
    if words and "redis-server" in words[0]:  # it names itself "redis-server host:port"
        return "redis"
    if "writer" in words:
        return "writer"
    if "crawl" in words:  # a crawler of the run (its Redis URL is in its environment)
        return "crawler"
    return None


def run(command: list[str], db: Path) -> dict[str, Any]:
    """Run `python -m starcity <command>`; its wall time, peak memory per process of each
    role (RSS and PSS with its descendants, KB: a crawler's, the writer's, redis-server's;
    a one-process crawl's whole) and the run's record."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "starcity", *command],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peaks: dict[int, tuple[str, int, int]] = {}
        while proc.poll() is None:
            for pid in _descendants(proc.pid):
                # the one-process crawl is measured whole (with its analysis workers)
                single = pid == proc.pid and command[0] == "crawl"
                role = "crawl" if single else _role(pid) if pid != proc.pid else None
                if role is None:
                    continue
                rss, pss = tree_memory(pid)
                old = peaks.get(pid, (role, 0, 0))
                peaks[pid] = (role, max(old[1], rss), max(old[2], pss))
            time.sleep(0.3)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:1])} failed ({proc.returncode}):\n{output}")
    with sqlite3.connect(db) as conn:
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        stats = json.loads(conn.execute("select stats from crawl_runs").fetchone()[0] or "{}")
    return {"wall": wall, "stored": stored, "peaks": list(peaks.values()), "stats": stats}


def writer_capacity(folder: Path, sources: Path) -> dict[str, float]:
    """The writer's own rate with a backlog: it is stopped (SIGSTOP) while one crawler
    crawls the web and sends everything, then let go; its items over its storing seconds
    (full batches), and the wall time from its release to the run recorded."""
    import signal

    import redis

    from starcity.redisserver import RedisServer

    db = folder / "capacity" / "bench.db"
    db.parent.mkdir()
    with RedisServer(db.parent / "redis") as server:
        base = [sys.executable, "-m", "starcity"]
        common = ["--sources", str(sources), "--db", str(db), "--redis", server.url, "-q"]
        quiet = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        writer = subprocess.Popen([*base, "writer", *common], **quiet)
        client = redis.Redis.from_url(server.url)
        while not client.hget("starcity:run", "id"):
            time.sleep(0.05)
        writer.send_signal(signal.SIGSTOP)
        subprocess.run([*base, "crawl", *common], check=True, **quiet)
        released = time.perf_counter()
        writer.send_signal(signal.SIGCONT)
        writer.wait()
        wall = time.perf_counter() - released
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("select stats from crawl_runs").fetchone()[0])
    mine = stats["distributed"]
    return {"items": mine["writer/items"], "seconds": mine["writer/store_seconds"], "wall": wall}


def _peak(peaks: list[tuple[str, int, int]], role: str) -> str:
    mine = [p for p in peaks if p[0] == role]
    if not mine:
        return "-"
    rss = max(p[1] for p in mine) / 1024
    pss = max(p[2] for p in mine) / 1024
    return f"{rss:.0f} / {pss:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    args = parser.parse_args()
    if not (args.eval_dir / "cases.jsonl").is_file():
        raise SystemExit(f"bench/distributed.py: no real pages in {args.eval_dir}")
    templates, _cases = load_templates(args.eval_dir)
    cores = os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="starcity-bench-dist-") as tmp:
        folder = Path(tmp)
        web = folder / "web"
        web.mkdir()
        handler = functools.partial(QuietHandler, directory=str(web))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            feeds, _sizes = build_web(web, args.articles, base, templates)
            sources = sources_file(folder, feeds)
            plans = [("one process (`make crawl`)", 0)] + [
                (f"{n} crawler(s), Redis, writer", n) for n in args.workers
            ]
            for label, workers in plans:
                db = folder / f"run-{workers}" / "bench.db"
                db.parent.mkdir()
                if workers == 0:
                    command = ["crawl", "--sources", str(sources), "--db", str(db), "-q"]
                    peaks_role = "crawl"
                else:
                    analysis = max(1, cores // workers)
                    command = [
                        "crawl-distributed", "--workers", str(workers), "--sources",
                        str(sources), "--db", str(db), "-q",
                        "-s", f"STARCITY_ANALYSIS_WORKERS={analysis}",
                    ]  # fmt: skip
                    peaks_role = "crawler"
                print(f"{label}: crawling {args.articles} articles", file=sys.stderr)
                figures = run(command, db)
                figures.update(label=label, workers=workers, role=peaks_role)
                rows.append(figures)
            print("the writer's own rate, with a backlog", file=sys.stderr)
            capacity = writer_capacity(folder, sources)
        finally:
            server.shutdown()
    text = report(rows, args.articles, cores, capacity)
    write_section("Distributed crawl", text)
    print(text)
    return 0


def report(
    rows: list[dict[str, Any]], articles: int, cores: int, capacity: dict[str, float]
) -> str:
    lines = [
        f"Generated by `make bench` (bench/distributed.py) on {datetime.now(UTC):%Y-%m-%d %H:%M}"
        f" UTC, {cores} cores.",
        "",
        f"The benchmark web of {articles:,} articles (bench/crawl.py's), crawled into a fresh"
        " database by one process, then by `python -m starcity crawl-distributed --workers N`:"
        " a private redis-server, the writer, N crawler processes, each with"
        f" max(1, {cores} / N) analysis workers. Wall time includes every process's start"
        " and model load. Memory: the peak of one process of each role, with its analysis"
        " workers for a crawler, RSS / PSS in MB.",
        "",
        "| run | articles stored | wall time | articles per second | crawler (or the crawl)"
        " | writer | redis-server |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['label']} | {row['stored']:,} | {row['wall']:.1f} s |"
            f" {row['stored'] / row['wall']:.1f} | {_peak(row['peaks'], row['role'])} |"
            f" {_peak(row['peaks'], 'writer')} | {_peak(row['peaks'], 'redis')} |"
        )
    rate = capacity["items"] / capacity["seconds"] if capacity["seconds"] else 0.0
    best = max(r["stored"] / r["wall"] for r in rows)
    per_core = best / cores
    lines += [
        "",
        f"**The writer's ceiling.** Given a backlog of {capacity['items']:,.0f} articles (it"
        " was stopped while one crawler sent them all), the writer stored"
        f" {rate:,.0f} articles per second of its own time: items taken from Redis in"
        " batches, duplicates looked up, rows, people and dates written, committed with"
        " their receipts (`writer/items` over `writer/store_seconds` in the run's stats);"
        f" {capacity['wall']:.1f} s from its release to the run recorded, grouping included."
        f" The best run here made {best:.1f} articles per second on {cores} cores, about"
        f" {per_core:.1f} per core, nearly all of it the analysis (spaCy) in the crawlers."
        f" One writer therefore keeps up with about {rate / per_core:,.0f} such cores"
        f" (about {rate / per_core / 8:,.0f} eight-core crawler machines) before it is the"
        " limit; past that, more crawlers only lengthen the item list in Redis (crawlers"
        " wait when it holds STARCITY_REDIS_MAX_QUEUED_ITEMS).",
        "",
        f"On this {cores}-core machine the crawlers share the same cores: more of them"
        " cannot beat one process, and each added process costs its own start, model load"
        " and memory. The gain of more crawlers is on more machines.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
