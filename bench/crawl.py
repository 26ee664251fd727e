"""Crawl throughput: a generated local web of N articles through the whole pipeline.

Usage (part of `make bench`):

    .venv/bin/python bench/crawl.py [--articles 2000] [--scrapy-bench-seconds 20]

Generates N article pages (varied text about the series, with JSON-LD, a byline and a
date; one in five about something else) and an RSS feed per 200 articles in a temporary
folder, serves them on 127.0.0.1, and runs one crawl of them exactly as `make crawl` does
(`python -m starcity crawl`, a fresh database, no download delay): fetch, extraction,
relevance, duplicates, people and dates, storage. Reports pages per second, CPU seconds
per page and the crawl process's peak memory, next to `scrapy bench` run in the same
command as the ceiling of Scrapy alone on this machine. Writes bench/results.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402

PEOPLE = ["Rhys Ifans", "Anna Maxwell Martin", "Ben Nedivi", "Matt Wolpert", "Ronald D. Moore",
          "Solly McLeod", "Agnes O'Casey", "Alice Englert", "Adam Nagaitis"]  # fmt: skip
SENTENCES = [
    "Star City, the Apple TV spinoff of For All Mankind, shows the Soviet side of the race.",
    "{person} said the series premieres on Friday, May 29, with two episodes.",
    "New episodes arrive weekly through July 10, when the eight-episode season ends.",
    "The Cold War thriller was filmed in Riga, where production began in March 2025.",
    "{person} plays a cosmonaut whose training at the Soviet centre turns into a mystery.",
    "Created by Ben Nedivi, Matt Wolpert and Ronald D. Moore, it is made by Sony Pictures.",
    "Critics who saw the first episodes praised the production design and the score.",
    "The KGB watches every launch, and every engineer has something to hide.",
]
OTHER = [
    "The casino reported higher revenue from its gaming floor this quarter.",
    "Local council members met on Tuesday to discuss road repairs near the river.",
    "The orchestra announced its autumn programme with three premieres.",
    "Shares in the retailer rose after it raised its forecast for the year.",
]


def article(n: int, rng: random.Random, base: str) -> tuple[str, str]:
    """(path, html) of article n: a few hundred words, unique enough not to be a copy."""
    relevant = n % 5 != 0
    pool = SENTENCES if relevant else OTHER
    words = [f"Report {n}:"]
    for _ in range(rng.randint(18, 30)):
        words.append(rng.choice(pool).format(person=rng.choice(PEOPLE)))
        words.append(
            " ".join(rng.choice(re.findall(r"\w+", " ".join(pool))) for _ in range(8)) + "."
        )
    paragraphs = "".join(f"<p>{' '.join(words[i : i + 4])}</p>" for i in range(0, len(words), 4))
    title = f"Star City dispatch {n}" if relevant else f"Local news {n}"
    published = (datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=n)).isoformat()
    author = rng.choice(["Dana Whitfield", "Marco Ruiz", "Priya Castellano"])
    path = f"/news/{n:05d}.html"
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{base}{path}">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "'
        f'{title}", "datePublished": "{published}", "author": {{"@type": "Person", "name": '
        f'"{author}"}}}}</script></head><body><nav><a href="/">Home</a></nav><article>'
        f'<h1>{title}</h1><p class="byline">By {author}</p>{paragraphs}</article>'
        "<aside>Trending: other stories</aside></body></html>"
    )
    return path, html


def build_web(folder: Path, count: int, base: str) -> list[str]:
    rng = random.Random(2026)
    (folder / "news").mkdir()
    paths = []
    for n in range(count):
        path, html = article(n, rng, base)
        (folder / path.lstrip("/")).write_text(html, encoding="utf-8")
        paths.append(path)
    feeds = []
    for start in range(0, count, 200):
        items = "".join(
            f"<item><title>Story {p}</title><link>{base}{p}</link></item>"
            for p in paths[start : start + 200]
        )
        name = f"feed-{start // 200}.xml"
        (folder / name).write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench {start}</title>'
            f"<link>{base}/</link><description>generated</description>{items}</channel></rss>",
            encoding="utf-8",
        )
        feeds.append(f"{base}/{name}")
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return feeds


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def run_crawl(folder: Path, feeds: list[str]) -> dict[str, float]:
    sources = folder / "sources.yml"
    lines = ["sources:"]
    for n, feed in enumerate(feeds):
        lines += [f"  - name: bench-{n}", f'    start_urls: ["{feed}"]', "    prefilter: false"]
    lines += [
        "settings:",
        "  DOWNLOAD_DELAY: 0",
        "  AUTOTHROTTLE_ENABLED: false",
        "  CONCURRENT_REQUESTS: 16",
        "  CONCURRENT_REQUESTS_PER_DOMAIN: 16",
    ]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "bench.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "starcity", "crawl", "--sources", str(sources), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"the crawl failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    import sqlite3

    with sqlite3.connect(db) as conn:
        run_stats = conn.execute("select stats from crawl_runs order by id desc").fetchone()[0]
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        relevant = conn.execute(
            "select count(*) from articles where relevance = 'relevant'"
        ).fetchone()[0]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # CPU seconds of each pipeline stage, as the components count them (stage_cpu/*), summed
    # over the crawl's spiders.
    stages: dict[str, float] = {}
    for spider_stats in json.loads(run_stats or "{}").values():
        for key, value in spider_stats.items():
            if key.startswith("stage_cpu/"):
                name = key.split("/", 1)[1]
                stages[name] = stages.get(name, 0.0) + float(value)
    return {
        "stages": stages,
        "wall": wall,
        "stored": stored,
        "relevant": relevant,
        "cpu": cpu,
        "rss_mb": after.ru_maxrss / 1024,
    }


# The pipeline's stages, in order, as the components count their CPU (stage_cpu/<stage>).
STAGES = (
    ("extract", "extraction"),
    ("relevance", "relevance"),
    ("duplicates", "duplicates"),
    ("people_dates", "people and dates (relevant articles)"),
    ("store", "storage"),
)


def scrapy_bench(seconds: int) -> float | None:
    """Pages per minute of `scrapy bench` (Scrapy alone, following links, no pipeline)."""
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
         "-s", "LOG_LEVEL=INFO"],
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
    )  # fmt: skip
    rates = [int(r) for r in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", out.stderr)]
    return max(rates) if rates else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--scrapy-bench-seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="starcity-bench-web-") as tmp:
        folder = Path(tmp)
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            feeds = build_web(folder, args.articles, base)
            figures = run_crawl(folder, feeds)
        finally:
            server.shutdown()
    ceiling = scrapy_bench(args.scrapy_bench_seconds)
    pages_s = figures["stored"] / figures["wall"]
    pages = max(1, figures["stored"])
    lines = [
        f"Generated by `make bench` (bench/crawl.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"One crawl of a generated local web of {args.articles:,} articles"
        f" ({figures['relevant']:,} about the series, the rest about something else) through"
        " the whole pipeline: fetch, extraction, relevance, duplicates, people and dates of"
        " the relevant articles (spaCy), storage in SQLite.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| articles stored | {figures['stored']:,} |",
        f"| wall time | {figures['wall']:.1f} s (with the process start and model load) |",
        f"| pages per second | {pages_s:.1f} |",
        f"| CPU time per page | {figures['cpu'] / max(1, figures['stored']) * 1000:.1f} ms |",
        *[
            f"| CPU per page: {label} | {figures['stages'].get(stage, 0.0) / pages * 1000:.1f} ms |"
            for stage, label in STAGES
        ],
        f"| peak memory (RSS) of the crawl | {figures['rss_mb']:.0f} MB |",
        "| `scrapy bench` (Scrapy alone, no pipeline), same machine | "
        + (f"{ceiling / 60:.0f} pages per second |" if ceiling else "not measured |"),
    ]
    text = "\n".join(lines) + "\n"
    write_section("Crawl throughput", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
