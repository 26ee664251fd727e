"""Memory on hostile pages: peak RSS and seconds of a crawl of one page built to cost memory.

Usage (part of `make bench`):

    .venv/bin/python bench/memory.py [--root DIR] [--timeout 600] [--only KIND ...]

Each kind of page (as large as the 16 MB download limit allows, except the baseline) is
served on 127.0.0.1 and crawled on its own, exactly as `make crawl` does (`python -m
starcity crawl`, a fresh database): fetch, extraction, relevance, duplicates, people and
dates, storage. The crawl runs under a small parent process that reports its peak RSS
(the kernel's high-water mark of the largest process of the crawl: the crawl's own, or
the analysis worker that read the page). The target of issue #12: no process of a crawl
goes over 600 MB for one page; the script exits 1 when one does. The memory of the whole
crawl, its workers together, is measured by bench/crawl.py. `--root` runs the crawls of
another checkout of the project (to measure before and after a change in one run).
Writes the "Memory on hostile pages" section of bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402

MB = 1024 * 1024
SIZE = 15 * MB + MB // 2  # just under the 16 MB download limit
LIMIT_MB = 600
SENTENCES = [
    "Rhys Ifans plays the Chief Designer in Star City, the Apple TV spinoff of For All Mankind.",
    "Anna Maxwell Martin heads the KGB's watchers in the closed town outside Moscow.",
    "Ben Nedivi and Matt Wolpert created the series with Ronald D. Moore; it premieres May 29.",
    "The cosmonauts train in the snow while the engineers hide what they know.",
]


def _article(title: str, body: str = "", head: str = "") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><article><h1>{title}</h1><p>{SENTENCES[0]}</p>{body}"
        "</article></body></html>"
    )


def _fill(unit, size: int = SIZE) -> str:
    """Units (a function of their number) joined until ``size`` characters."""
    parts, total, n = [], 0, 0
    while total < size:
        part = unit(n)
        parts.append(part)
        total, n = total + len(part), n + 1
    return "".join(parts)


def pages(base: str) -> dict[str, tuple[str, str, str]]:
    """kind -> (file name, content, the source's kind and options in YAML).

    An article page is reached through a feed listing it alone; a feed, sitemap, robots.txt
    or listing page is the source's start URL itself.
    """
    rng = random.Random(12)
    short = "a to in it of is on at by we".split()
    article = "kind: feed"
    found = {
        "baseline": ("baseline.html", _article("Star City premiere date", "".join(
            f"<p>{s}</p>" for s in SENTENCES * 5)), article),
        "short words, 15 MB": ("short-words.html", _article("Star City in short words", _fill(
            lambda n: f"<p>Star City {n} " + " ".join(rng.choice(short) for _ in range(60))
            + "</p>")), article),
        "relevant prose, 15 MB": ("prose.html", _article("Star City at length", _fill(
            lambda n: f"<p>Part {n}. " + " ".join(rng.choice(SENTENCES) for _ in range(4))
            + "</p>")), article),
        "JSON-LD block, 14 MB": ("jsonld.html", _article("Star City with a huge JSON-LD block",
            head='<script type="application/ld+json">' + json.dumps(
                {"@type": "NewsArticle", "headline": "Star City",
                 "items": [{"n": n, "text": "x" * 40} for n in range(14 * MB // 69)]})
            + "</script>"), article),
        "100,000 nested elements": ("nested.html", _article("Star City nested deep",
            "<div>" * 100_000 + "Star City deep inside" + "</div>" * 100_000), article),
        "tiny elements, 15 MB": ("elements.html", _article("Star City in many elements",
            _fill(lambda n: "<p><b>Star</b> <i>City</i></p>")), article),
        "one element of 1,000,000 attributes, 15 MB": ("attributes.html", _article(
            "Star City in attributes", "<div " + _fill(lambda n: f"a{n}=1 ") + ">x</div>"),
            article),
        "one word of 15 MB": ("one-word.html", _article("Star City in one word",
            "<p>" + "x" * SIZE + "</p>"), article),
    }  # fmt: skip
    rss = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    # Feeds: 150,000 entries with titles and descriptions; 1,000,000 one-line entries. None
    # is on the topic, so the pre-filter fetches none: what is measured is reading them.
    found["feed of 150,000 entries, 15 MB"] = (
        "big-feed.xml",
        rss + _fill(lambda n: f"<item><title>Local council minutes {n}</title><link>"
                    f"{base}/minutes/{n}.html</link><description>{'x' * 20}</description>"
                    "</item>") + "</channel></rss>",
        "kind: feed\n    prefilter: true",
    )  # fmt: skip
    found["feed of 600,000 one-line entries, 15 MB"] = (
        "tiny-feed.xml",
        rss + _fill(lambda n: "<item><link>a</link></item>") + "</channel></rss>",
        "kind: feed\n    prefilter: true",
    )
    found["sitemap index of 250,000 sitemaps, 15 MB"] = (
        "sitemap-index.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + _fill(lambda n: f"<sitemap><loc>{base}/sm/{n}.xml</loc></sitemap>")
        + "</sitemapindex>",
        "kind: sitemap",
    )
    # Not at the root, where Scrapy would read it for every crawl of this benchmark.
    found["robots.txt of 400,000 Sitemap lines, 15 MB"] = (
        "r/robots.txt",
        _fill(lambda n: f"Sitemap: {base}/sm/{n}.xml\n"),
        "kind: sitemap",
    )
    found["listing page of 600,000 links, 15 MB"] = (
        "listing.html",
        "<html><body>" + _fill(lambda n: f'<a href="/l/{n}">x</a>') + "</body></html>",
        "kind: site\n    allow: ['/nothing/']",
    )
    return found


def _feed(folder: Path, base: str, name: str, files: list[str]) -> str:
    """Write an RSS feed listing ``files``; return its address."""
    items = "".join(f"<item><title>Star City</title><link>{base}/{f}</link></item>" for f in files)
    (folder / name).write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{base}/</link>'
        f"<description>d</description>{items}</channel></rss>",
        encoding="utf-8",
    )
    return f"{base}/{name}"


HEADERS_PAGE = "/many-headers.html"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        if self.path != HEADERS_PAGE:
            super().do_GET()
            return
        # 15 MB of header lines before a small page (what no file server sends).
        page = _article("Star City behind its headers").encode()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        self.wfile.write(b"Content-Length: %d\r\n" % len(page))
        for start in range(0, SIZE // 16, 10_000):
            self.wfile.write(b"".join(b"X-%09d: v\r\n" % n for n in range(start, start + 10_000)))
        self.wfile.write(b"\r\n" + page)
        self.close_connection = True


# Runs the crawl as its child and prints the child's peak RSS in kilobytes.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def crawl_one(
    root: Path, folder: Path, name: str, start: str, options: str, timeout: float
) -> dict:
    sources = folder / f"{name}.yml"
    if "prefilter" not in options:
        options += "\n    prefilter: false"
    # The crawl's own politeness settings but for the delays (2 requests at a time a site).
    sources.write_text(
        f'sources:\n  - name: bench\n    {options}\n    start_urls: ["{start}"]\n'
        "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n  RETRY_TIMES: 0\n",
        encoding="utf-8",
    )
    db = folder / f"{name}.db"
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "starcity", "crawl",
               "--sources", str(sources), "--db", str(db)]  # fmt: skip
    started = time.perf_counter()
    # A session of its own, so that a crawl that runs out of time is stopped with its parent.
    proc = subprocess.Popen(
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"finished": False, "seconds": timeout}
    seconds = time.perf_counter() - started
    rss_kb, code = stdout.strip().splitlines()[-1].split()
    stored, limits = 0, ""
    if db.exists():
        with sqlite3.connect(db) as conn:
            try:
                rows = conn.execute("select provenance from articles").fetchall()
            except sqlite3.OperationalError:
                rows = []
        stored = len(rows)
        notes = [json.loads(p).get("limits", "") for (p,) in rows if p and "limits" in p]
        limits = "; ".join(dict.fromkeys(n for note in notes for n in note.split("; ")))
    return {
        "finished": True,
        "code": int(code),
        "rss_mb": int(rss_kb) / 1024,
        "seconds": seconds,
        "stored": stored,
        "limits": limits,
    }


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose crawl to run")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per crawl at most")
    parser.add_argument("--only", action="append", help="kinds to run (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print, leave results.md")
    args = parser.parse_args()
    results: dict[str, tuple[int, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="starcity-bench-memory-") as tmp:
        folder = Path(tmp)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            for kind, (file, content, options) in pages(base).items():
                if args.only and not any(o in kind for o in args.only):
                    continue
                (folder / file).parent.mkdir(exist_ok=True)
                (folder / file).write_text(content, encoding="utf-8")
                start = f"{base}/{file}"
                if options == "kind: feed" and file.endswith(".html"):
                    start = _feed(folder, base, f"{file}.xml", [file])
                name = file.replace("/", "-").split(".")[0]
                figures = crawl_one(args.root, folder, name, start, options, args.timeout)
                results[kind] = (len(content.encode()), figures)
                print(kind, figures, flush=True)
            if not args.only or any(o in "header lines" for o in args.only):
                kind = "15 MB of header lines before a small page"
                feed = _feed(folder, base, "headers.xml", [HEADERS_PAGE.lstrip("/")])
                figures = crawl_one(args.root, folder, "headers", feed, "kind: feed", args.timeout)
                results[kind] = (SIZE, figures)
                print(kind, figures, flush=True)
            # Several such pages in flight at once: each held until the pipeline is done.
            heavy = [f for f in ("short-words.html", "prose.html", "jsonld.html", "elements.html")
                     if (folder / f).exists()]  # fmt: skip
            if len(heavy) == 4:
                copies = []
                for file in heavy:
                    for n in range(2):
                        (folder / f"{n}-{file}").write_bytes((folder / file).read_bytes())
                        copies.append(f"{n}-{file}")
                feed = _feed(folder, base, "eight.xml", copies)
                figures = crawl_one(args.root, folder, "eight", feed, "kind: feed", args.timeout)
                size = sum((folder / f).stat().st_size for f in copies)
                results["the four 15 MB pages twice, in one crawl"] = (size, figures)
                print("eight", figures, flush=True)
        finally:
            server.shutdown()
    lines = [
        f"Generated by `make bench` (bench/memory.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        + ("" if args.root == ROOT else f", crawling the checkout at {args.root}")
        + ".",
        "",
        "One crawl per page, of a feed listing that page alone, through the whole pipeline."
        f" Target: peak RSS under {LIMIT_MB} MB for any page up to the 16 MB download limit,"
        " in the largest process of the crawl (the crawl's own, or the analysis worker that"
        " read the page; the crawl with its workers together: section 'Crawl throughput')."
        " Seconds are the crawl's wall time, with the process start and the spaCy model load"
        " (the baseline row is that cost alone).",
        "",
        "| page | size | peak RSS | seconds | stored | what the bounds left unread |",
        "|---|---|---|---|---|---|",
    ]
    over = False
    for kind, (size, figures) in results.items():
        if not figures["finished"]:
            over = True
            lines.append(
                f"| {kind} | {size / MB:.1f} MB | - | did not finish in {figures['seconds']:.0f} s"
                " | - | - |"
            )
            continue
        over = over or figures["rss_mb"] >= LIMIT_MB
        lines.append(
            f"| {kind} | {size / MB:.1f} MB | {figures['rss_mb']:.0f} MB | {figures['seconds']:.1f}"
            f" | {figures['stored']} | {_short(figures['limits']) or '-'} |"
        )
    text = "\n".join(lines) + "\n"
    if not args.no_write:
        write_section("Memory on hostile pages", text)
    print(text)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
