"""Helpers the tests share: the project root, crawls run as subprocesses, free ports,
Datasette started as `make serve` starts it, the hostile newsroom content, and
`extract` with a fixed fetch time (so that date checks do not move with the clock)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# The fetch time of pages extracted in tests (the crawl gives extract the real one).
FETCHED_AT = datetime(2026, 11, 25, tzinfo=UTC)


def extract(body: Any, url: str, headers: Any = None, **options: Any) -> Any:
    """pipelines.extract.extract, fetched at FETCHED_AT unless ``fetched_at`` is given."""
    from pipelines.extract import extract as extract_page

    options.setdefault("fetched_at", FETCHED_AT)
    return extract_page(body, url, headers, **options)


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str


def run_crawl(db: Path, *args: str, timeout: float = 120) -> CrawlResult:
    """Run a crawl exactly as `make crawl` does: `python -m starcity crawl ...` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "starcity", "crawl", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@dataclass
class Datasette:
    url: str
    process: subprocess.Popen


def start_server(
    command: list[str], log: Path, probe: str, timeout: float = 30
) -> subprocess.Popen:
    """Start a server process and wait until ``probe`` (a URL) answers.

    Its output goes to ``log``: a pipe nobody reads fills up and blocks the server.
    """
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command[:4]} exited: {log.read_text()}")
        try:
            urllib.request.urlopen(probe, timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"{command[:4]} did not answer within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def serve_datasette(db: Path, immutable: bool = False) -> Datasette:
    """Datasette on ``db`` the way `make serve` does (or a published deploy, ``immutable``)."""
    from starcity.serve import datasette_command

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = datasette_command(db, port=port, immutable=immutable)
    log = Path(db).with_suffix(f".datasette-{port}.log")
    return Datasette(url, start_server(command, log, url + "/-/versions.json"))


# Scraped text that would run script if any page rendered it as HTML (tests/test_newsroom.py,
# tests/test_browser.py check that it never does).
HOSTILE_TITLE = 'Star City <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
HOSTILE_URL = "http://hostile.example/star-city-premiere"
HOSTILE_PERSON = '<img src=x onerror="window.__xss = 6">Mallory'
_HOSTILE_KEY = HOSTILE_URL.replace(":", "~3A").replace("/", "~2F")
_HOSTILE_ARG = urllib.parse.quote(HOSTILE_URL)
# Every kind of page that shows the hostile article or what was found in it.
HOSTILE_PAGES = (
    "/starcity/articles",
    f"/starcity/articles/{_HOSTILE_KEY}",
    "/starcity/articles?_search=Wolpert",
    "/starcity/latest_relevant",
    "/starcity/stories",
    "/starcity/stories_timeline",
    "/starcity/story_articles?story=999",
    "/starcity/person_articles?person=matt-wolpert",
    "/starcity/date_reports?date=2026-05-29",
    "/starcity/top_people",
    "/starcity/people?id=mallory",
    f"/starcity/article_people?article={_HOSTILE_ARG}",
    f"/starcity/article_dates?article={_HOSTILE_ARG}",
)
HOSTILE_SENTENCE = "Matt Wolpert said <script>window.__xss = 8</script> Star City opens May 29."


@dataclass
class Newsroom:
    url: str
    db: Path
