"""Crawl throughput: a local web of N articles built from real news pages, whole pipeline.

Usage (part of `make bench`):

    .venv/bin/python bench/crawl.py [--articles 2000] [--scrapy-bench-seconds 20]
        [--eval-dir ../shared/eval/dev] [--keep-db FILE]

Article n is built from the n-th usable real page of ../shared/eval/dev (in the order of
the case ids, round and round): the page keeps its markup, scripts, styles, JSON-LD,
navigation and footer, so it weighs and parses like the real one; the text of each of its
paragraphs is replaced by generated text of about the same length, about the series in four
articles of five and about something else in the fifth; its titles start with a prefix
naming it, and its canonical address is its local one. The pages and an RSS feed per 200
articles are served from a temporary folder on 127.0.0.1, and one crawl of them runs exactly
as `make crawl` does (`python -m starcity crawl`, a fresh database, no download delay):
fetch, extraction, relevance, duplicates, people and dates, storage. Reports pages per
second, CPU per page in all and by stage, the pages' size and the crawl's peak memory, next
to `scrapy bench` run in the same command as the ceiling of Scrapy alone on this machine.
Writes bench/results.md.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gzip
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval" / "dev"
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from pipelines.extract import decode_body  # noqa: E402

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


# A page keeps its markup; the text of its paragraphs, the start of its title and its
# address are slots filled per article (a slot is plain text, so it survives lxml's
# serialization in text, attributes and scripts alike).
SLOT = re.compile(r"@@starcity:(\w+)@@")
# A real page with fewer paragraphs than this is mostly something else (a gallery, a
# video, a live ticker) and would give an article of little text.
MIN_PARAGRAPHS = 3
MIN_PARAGRAPH_WORDS = 8
# Characters a word takes, to size the generated text of a paragraph in a script that
# puts no spaces between words (Chinese, Japanese).
CHARS_PER_WORD = 7
_PARSER = lxml.html.HTMLParser(encoding="utf-8", collect_ids=False)


def slot(name: str) -> str:
    return f"@@starcity:{name}@@"


@dataclass(frozen=True)
class Template:
    """A real page as a template: its markup with slots, and the words of each paragraph."""

    case_id: str
    markup: str
    words: tuple[int, ...]


def _vocabulary(sentences: list[str]) -> list[str]:
    words = set(re.findall(r"[A-Za-z]+", " ".join(sentences))) - {"person"}
    return sorted(words)


VOCABULARY = {True: _vocabulary(SENTENCES), False: _vocabulary(OTHER)}


def _own_url_pattern(url: str) -> re.Pattern[str]:
    """A JSON string holding the page's own address: either scheme, with or without the
    trailing slash, its slashes escaped or not."""
    rest = re.escape(re.sub(r"^https?:", "", url).rstrip("/")).replace("/", r"\\?/")
    return re.compile(r'(?<=")https?:' + rest + r'(?:\\?/)?(?=")')


def _is_identity(element: lxml.html.HtmlElement) -> bool:
    """True for markup naming the page's address or charset, which the template replaces."""
    tag = element.tag
    if tag == "base":
        return True
    if tag == "link":
        return "canonical" in (element.get("rel") or "").lower().split()
    if tag == "meta":
        name = (element.get("property") or element.get("name") or "").strip().lower()
        equiv = (element.get("http-equiv") or "").strip().lower()
        return (
            name in ("og:url", "twitter:url")
            or equiv == "content-type"
            or "charset" in element.attrib
        )
    return False


_JSONLD_HEADLINE = re.compile(r'"headline"\s*:\s*"')


def _prefix_titles(
    root: lxml.html.HtmlElement, head: lxml.html.HtmlElement, page: lxml.html.HtmlElement
) -> None:
    """Start every title the page gives (<title>, the first <h1>, social and microdata
    headlines) with the prefix slot, so that each article's title is its own and says
    what it is about, wherever the extraction takes it from."""
    title = root.find(".//title")
    if title is None:
        title = etree.SubElement(head, "title")
    headings = [title, *page.iter("h1")][:2]
    headings += [e for e in root.xpath("//*[@itemprop='headline']") if e.tag != "meta"]
    for element in dict.fromkeys(headings):
        element.text = slot("prefix") + (element.text or "")
    for meta in root.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").strip().lower()
        if meta.get("content") and (
            name in ("og:title", "twitter:title") or meta.get("itemprop") == "headline"
        ):
            meta.set("content", slot("prefix") + meta.get("content"))


def _word_count(text: str) -> int:
    return max(len(text.split()), len(text.strip()) // CHARS_PER_WORD)


# Elements whose text is left as it is: the page's chrome (navigation, header, footer,
# links, forms), code, the headline, and the paragraphs, which have their slots already.
_CHROME = {
    "script", "style", "noscript", "template", "svg", "math", "nav", "header", "footer",
    "aside", "a", "button", "select", "option", "label", "textarea", "form", "code", "pre",
    "h1", "p",
}  # fmt: skip


def _slot_text_runs(page: lxml.html.HtmlElement, words: list[int]) -> None:
    """Give a slot to every run of MIN_PARAGRAPH_WORDS words or more outside paragraphs
    and the page's chrome: many pages hold their article in <div>s cut by <br>, in list
    items or table cells, where extraction finds it, and that text must not be the same
    in two articles built from one page."""
    stack = [page]
    while stack:
        element = stack.pop()
        runs = [(element, "text")]
        for child in element:
            runs.append((child, "tail"))
            if isinstance(child.tag, str) and child.tag not in _CHROME:
                stack.append(child)
        for owner, attribute in runs:
            text = getattr(owner, attribute)
            if text and _word_count(text) >= MIN_PARAGRAPH_WORDS:
                words.append(_word_count(text))
                space = re.match(r"\s*", text).group(0)
                setattr(owner, attribute, space + slot(f"p{len(words) - 1}") + " ")


def page_template(case_id: str, body: bytes, url: str) -> Template | None:
    """The template of one real page, or None when it cannot be parsed or has too few
    paragraphs to carry an article."""
    text, _ = decode_body(body, None)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    page = root.find("body")
    paragraphs = list(page.iter("p")) if page is not None else []
    if len(paragraphs) < MIN_PARAGRAPHS:
        return None
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    words: list[int] = []
    for p in paragraphs:
        words.append(max(MIN_PARAGRAPH_WORDS, _word_count(p.text_content())))
        for child in list(p):
            p.remove(child)  # with its tail: the paragraph becomes one run of text
        p.text = slot(f"p{len(words) - 1}")
    _slot_text_runs(page, words)
    for element in [e for e in root.iter("base", "link", "meta") if _is_identity(e)]:
        element.drop_tree()
    head.insert(0, etree.Element("meta", charset="utf-8"))
    head.insert(1, etree.Element("link", rel="canonical", href=slot("url")))
    _prefix_titles(root, head, page)
    own_url = _own_url_pattern(url)
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            text = own_url.sub(slot("url"), script.text)
            script.text = _JSONLD_HEADLINE.sub(r"\g<0>" + slot("prefix"), text)
    markup = "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode")
    return Template(case_id, markup, tuple(words))


def load_templates(eval_dir: Path) -> tuple[list[Template], int]:
    """(templates of the usable real pages in the order of their case ids, number of cases)."""
    lines = (eval_dir / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    templates = []
    for case in sorted(cases, key=lambda c: c["id"]):
        try:
            body = gzip.decompress((eval_dir / case["html_path"]).read_bytes())
        except (OSError, EOFError) as error:
            print(f"skipped {case['id']}: {error}", file=sys.stderr)
            continue
        template = page_template(case["id"], body, case["url"])
        if template is not None:
            templates.append(template)
    return templates, len(cases)


def paragraph(words: int, relevant: bool, rng: random.Random) -> str:
    """About ``words`` words: sentences about the series (or about something else), each
    followed by a sentence of random words so that no two articles share much text."""
    pool = SENTENCES if relevant else OTHER
    vocabulary = VOCABULARY[relevant]
    out: list[str] = []
    while len(out) < words:
        out += rng.choice(pool).format(person=rng.choice(PEOPLE)).split()
        filler = [rng.choice(vocabulary) for _ in range(rng.randint(6, 12))]
        out += [filler[0].capitalize(), *filler[1:-1], filler[-1] + "."]
    text = " ".join(out[:words])
    return text if text.endswith(".") else text + "."


def article(n: int, template: Template, rng: random.Random, base: str) -> tuple[str, str]:
    """(path, html) of article n: the template's page with generated text, its own title
    and its own address; one in five is about something else."""
    relevant = n % 5 != 0
    path = f"/news/{n:05d}.html"
    prefix = f"Star City dispatch {n}: " if relevant else f"Local news {n}: "

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "url":
            return base + path
        if name == "prefix":
            return prefix
        return escape(paragraph(template.words[int(name[1:])], relevant, rng), quote=False)

    return path, SLOT.sub(fill, template.markup)


def build_web(
    folder: Path, count: int, base: str, templates: list[Template]
) -> tuple[list[str], list[int]]:
    """(feed URLs, byte size of each article page) of a web of ``count`` articles."""
    rng = random.Random(2026)
    (folder / "news").mkdir()
    paths = []
    sizes = []
    for n in range(count):
        path, html = article(n, templates[n % len(templates)], rng, base)
        data = html.encode("utf-8", "replace")
        (folder / path.lstrip("/")).write_bytes(data)
        paths.append(path)
        sizes.append(len(data))
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
    return feeds, sizes


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _adopt_orphans() -> bool:
    """Make this process the subreaper of the crawl's process tree (Linux); True if so.

    A process of the crawl's tree that the crawl does not wait for (multiprocessing's
    resource tracker, a worker still ending) would have its CPU time counted nowhere. As
    their subreaper this process inherits them when the crawl exits and, by waiting for
    them, counts their CPU in RUSAGE_CHILDREN.
    """
    if not sys.platform.startswith("linux"):
        return False
    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0


def _wait_for_orphans(timeout: float = 60.0) -> None:
    """Wait for the crawl's left-over processes (they end once the crawl has ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            time.sleep(0.05)
    print(
        "some processes of the crawl were still running: their CPU time is not counted",
        file=sys.stderr,
    )


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux's /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += children.get(current, [])
    return found


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KB of ``pid`` and its descendants together (the crawl, its analysis
    workers, multiprocessing's resource tracker). RSS counts memory two processes share
    twice (shared libraries); PSS splits it between them."""
    rss = pss = 0
    for member in _descendants(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def run_crawl(folder: Path, feeds: list[str], keep_db: Path | None = None) -> dict[str, Any]:
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
    out, wall, cpu, tree_rss, tree_pss, rss_max = _measured(
        ["crawl", "--sources", str(sources), "--db", str(db)]
    )
    if out.returncode != 0:
        raise SystemExit(f"the crawl failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    if keep_db is not None:
        shutil.copyfile(db, keep_db)
    with sqlite3.connect(db) as conn:
        run_stats = conn.execute("select stats from crawl_runs order by id desc").fetchone()[0]
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        relevant = conn.execute(
            "select count(*) from articles where relevance = 'relevant'"
        ).fetchone()[0]
        duplicates = conn.execute(
            "select count(*) from articles where duplicate_kind is not null"
        ).fetchone()[0]
    # CPU seconds of each pipeline stage, as the components count them (stage_cpu/*), summed
    # over the crawl's spiders.
    stages: dict[str, float] = {}
    archived = {"records": 0.0, "cpu_seconds": 0.0}
    for spider_stats in json.loads(run_stats or "{}").values():
        for key, value in spider_stats.items():
            if key.startswith("stage_cpu/"):
                name = key.split("/", 1)[1]
                stages[name] = stages.get(name, 0.0) + float(value)
            elif key in ("archive/records", "archive/cpu_seconds"):
                archived[key.split("/", 1)[1]] += float(value)
    # the web archive beside the database (spiders/archive.py): its size, every response
    archive_bytes = sum(p.stat().st_size for p in (Path(db).parent / "archive").glob("*.warc.gz"))
    return {
        "stages": stages,
        "archive_bytes": archive_bytes,
        "archive_records": archived["records"],
        "archive_cpu": archived["cpu_seconds"],
        "wall": wall,
        "stored": stored,
        "relevant": relevant,
        "duplicates": duplicates,
        "cpu": cpu,
        "rss_mb": rss_max / 1024,
        "tree_rss_mb": tree_rss / 1024,
        "tree_pss_mb": tree_pss / 1024,
    }


def _measured(args: list[str]) -> tuple[subprocess.CompletedProcess, float, float, int, int, int]:
    """Run `python -m starcity <args>`: its output, wall seconds, CPU seconds of it and
    its workers, the tree's peak RSS and PSS (KB, sampled every 0.2 s) and the largest
    process's peak RSS (KB)."""
    adopts = _adopt_orphans()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "starcity", *args],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
        tree_rss = tree_pss = 0
        while proc.poll() is None:
            rss, pss = tree_memory(proc.pid)
            tree_rss, tree_pss = max(tree_rss, rss), max(tree_pss, pss)
            time.sleep(0.2)
        wall = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        out = subprocess.CompletedProcess(proc.args, proc.returncode, stdout.read(), stderr.read())
    if adopts:
        _wait_for_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu, tree_rss, tree_pss, after.ru_maxrss


def run_rendered(folder: Path) -> dict[str, dict[str, float]]:
    """The demo web's JavaScript-built article crawled through Chromium (spiders/render.py),
    beside one of its plain articles crawled without a browser: wall time and the peak
    memory of the whole process tree (crawl, analysis workers, Playwright's driver and
    the browser's processes)."""
    figures = {}
    for label, source in (("rendered", "orbit-press"), ("plain", "streambuzz")):
        db = folder / f"render-{source}.db"
        out, wall, _, tree_rss, tree_pss, _ = _measured(
            ["crawl", "--sources", "demo", "--source", source, "--db", str(db), "-q"]
        )
        if out.returncode != 0:
            raise SystemExit(f"the {label} crawl failed:\n{out.stdout}\n{out.stderr}")
        figures[label] = {"wall": wall, "rss_mb": tree_rss / 1024, "pss_mb": tree_pss / 1024}
    return figures


def run_reprocess(folder: Path) -> dict[str, Any]:
    """Every article the crawl stored, derived again from the web archive (issue #18)."""
    db = folder / "bench.db"
    out, wall, cpu, tree_rss, _, _ = _measured(["reprocess", "--db", str(db), "-q"])
    if out.returncode != 0:
        raise SystemExit(f"the reprocess failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    with sqlite3.connect(db) as conn:
        read, stats = conn.execute(
            "select pages_fetched, stats from crawl_runs where kind = 'reprocess' order by id desc"
        ).fetchone()
    stats = json.loads(stats or "{}")
    return {
        "read": read,
        "wall": wall,
        "cpu": cpu,
        "tree_rss_mb": tree_rss / 1024,
        # the spider's own time: from its first request to its close (no start-up)
        "spider_seconds": (
            datetime.fromisoformat(stats["finish_time"])
            - datetime.fromisoformat(stats["start_time"])
        ).total_seconds()
        if stats.get("finish_time") and stats.get("start_time")
        else None,
        "stages": {
            k.split("/", 1)[1]: float(v) for k, v in stats.items() if k.startswith("stage_cpu/")
        },
    }


# The pipeline's stages, in order, as the components count their CPU (stage_cpu/<stage>).
STAGES = (
    ("extract", "extraction"),
    ("language", "language of the text"),
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
    parser.add_argument(
        "--eval-dir",
        type=Path,
        default=EVAL_DIR,
        help="the real pages the articles are built from (cases.jsonl and pages/)",
    )
    parser.add_argument(
        "--keep-db", type=Path, help="copy the crawl's database to this file, to inspect it"
    )
    args = parser.parse_args()
    if not (args.eval_dir / "cases.jsonl").is_file():
        raise SystemExit(
            f"bench/crawl.py: no real pages in {args.eval_dir} (no cases.jsonl there); the"
            " benchmark builds its articles from them: give their folder with --eval-dir"
        )
    started = time.perf_counter()
    templates, cases = load_templates(args.eval_dir)
    if not templates:
        raise SystemExit(f"bench/crawl.py: none of the {cases} pages in {args.eval_dir} is usable")
    with tempfile.TemporaryDirectory(prefix="starcity-bench-web-") as tmp:
        folder = Path(tmp)
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            feeds, sizes = build_web(folder, args.articles, base, templates)
            print(
                f"built {args.articles:,} pages from {len(templates)} usable real pages of"
                f" {cases} in {time.perf_counter() - started:.1f} s; crawling",
                file=sys.stderr,
            )
            figures = run_crawl(folder, feeds, args.keep_db)
            print("crawled; reprocessing the crawl's articles from its archive", file=sys.stderr)
            again = run_reprocess(folder)
            print("reprocessed; a rendered crawl of the demo web", file=sys.stderr)
            rendered = run_rendered(folder)
        finally:
            server.shutdown()
    ceiling = scrapy_bench(args.scrapy_bench_seconds)
    pages_s = figures["stored"] / figures["wall"]
    pages = max(1, figures["stored"])
    used = min(args.articles, len(templates))
    # The analysis's CPU per page in the crawl, over every core: how fast a reprocess
    # could go at best (its analysis is the same work).
    analysis_cpu = (
        sum(
            figures["stages"].get(stage, 0.0)
            for stage in ("extract", "language", "relevance", "duplicates", "people_dates")
        )
        / pages
    )
    analysis_bound = (os.cpu_count() or 1) / analysis_cpu if analysis_cpu else 0.0
    lines = [
        f"Generated by `make bench` (bench/crawl.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"One crawl of a local web of {args.articles:,} articles built from the real pages of"
        " ../shared/eval/dev: each keeps a real page's markup, scripts, JSON-LD, navigation and"
        " size, with the text of its paragraphs replaced by generated text of the same length"
        f" ({figures['relevant']:,} stored as about the series, the rest about something else)."
        " It goes through the whole pipeline: fetch, extraction, relevance, duplicates, people"
        " and dates of the relevant articles (spaCy), storage in SQLite.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| articles stored | {figures['stored']:,} |",
        f"| stored as copies of another (duplicates) | {figures['duplicates']:,} |",
        f"| article page size, median / mean | {statistics.median(sizes) / 1024:.0f} KB"
        f" / {statistics.mean(sizes) / 1024:.0f} KB |",
        f"| real pages used as templates | {used} (of {len(templates)} usable of {cases}) |",
        f"| wall time | {figures['wall']:.1f} s (with the process start and model load) |",
        f"| pages per second | {pages_s:.1f} |",
        f"| CPU time per page | {figures['cpu'] / pages * 1000:.1f} ms |",
        *[
            f"| CPU per page: {label} | {figures['stages'].get(stage, 0.0) / pages * 1000:.1f} ms |"
            for stage, label in STAGES
        ],
        "| web archive: responses written (pages, feeds, robots.txt) |"
        f" {figures['archive_records']:.0f} |",
        f"| web archive: bytes per response (gzip WARC, request and response records) | "
        f"{figures['archive_bytes'] / max(figures['archive_records'], 1) / 1024:.1f} KB |",
        f"| web archive: CPU per response written | "
        f"{figures['archive_cpu'] / max(figures['archive_records'], 1) * 1000:.2f} ms |",
        f"| reprocess (every stored article derived again from the archive, no network):"
        f" wall time | {again['wall']:.1f} s (with the process start and model load) |",
        f"| reprocess: articles per second | {again['read'] / again['wall']:.1f}"
        + (
            f" ({again['read'] / again['spider_seconds']:.1f} after start-up) |"
            if again["spider_seconds"]
            else " |"
        ),
        "| reprocess: CPU per article, all processes |"
        f" {again['cpu'] / max(again['read'], 1) * 1000:.1f} ms |",
        f"| the crawl's analysis (extraction to people and dates) on every core:"
        f" articles per second at most | {analysis_bound:.1f} |",
        "| reprocess: share of that bound, after start-up | "
        + (
            f"{again['read'] / again['spider_seconds'] / analysis_bound:.0%} |"
            if again["spider_seconds"] and analysis_bound
            else "not measured |"
        ),
        "| reprocess: cores kept busy (CPU time over wall time) |"
        f" {again['cpu'] / again['wall']:.2f} of {os.cpu_count()} |",
        f"| reprocess: peak memory of the whole run, RSS summed | {again['tree_rss_mb']:.0f} MB |",
        f"| peak memory (RSS) of the largest crawl process | {figures['rss_mb']:.0f} MB |",
        "| peak memory of the whole crawl (crawl process and its analysis workers,"
        f" sampled every 0.2 s): RSS summed / PSS summed | {figures['tree_rss_mb']:.0f} MB /"
        f" {figures['tree_pss_mb']:.0f} MB |",
        f"| CPU cores | {os.cpu_count()} |",
        "| `scrapy bench` (Scrapy alone, no pipeline), same machine | "
        + (f"{ceiling / 60:.0f} pages per second |" if ceiling else "not measured |"),
        "| the pipeline's rate as a share of `scrapy bench` | "
        + (f"{pages_s / (ceiling / 60):.1%} |" if ceiling else "not measured |"),
    ]
    text = "\n".join(lines) + "\n"
    write_section("Crawl throughput", text)
    print(text)
    write_rendered(rendered)
    return 0


def write_rendered(rendered: dict[str, dict[str, float]]) -> None:
    """The rendered crawl's figures, in a section of their own."""
    lines = [
        f"Generated by `make bench` (bench/crawl.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "One article crawled from the demo web: built by JavaScript and rendered in Debian's"
        " Chromium through scrapy-playwright (the orbit-press source, spiders/render.py),"
        " beside a plain article crawled without a browser (streambuzz). Peak memory of the"
        " whole process tree, sampled every 0.2 s: the crawl, its analysis workers, and for"
        " the rendered one Playwright's driver and the browser's processes.",
        "",
        "| crawl | wall time | peak RSS summed | peak PSS summed |",
        "|---|---|---|---|",
        *[
            f"| {label} | {f['wall']:.1f} s | {f['rss_mb']:.0f} MB | {f['pss_mb']:.0f} MB |"
            for label, f in (
                ("rendered in Chromium", rendered["rendered"]),
                ("plain, no browser", rendered["plain"]),
            )
        ],
    ]
    text = "\n".join(lines) + "\n"
    write_section("Rendered crawl", text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
