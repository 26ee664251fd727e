"""Shared fixtures: the fixture news web on loopback, crawls run as subprocesses, Datasette."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from starcity.demoweb import DemoWeb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_web() -> Iterator[DemoWeb]:
    """The bundled demo news web, served on a free loopback port for one test."""
    with DemoWeb() as web:
        yield web


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


@pytest.fixture
def start_datasette() -> Iterator:
    """Start Datasette the way `make serve` does, on a free port; stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(db: Path, immutable: bool = False) -> Datasette:
        server = serve_datasette(db, immutable)
        started.append(server.process)
        return server

    yield start
    for proc in started:
        stop_server(proc)


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


@pytest.fixture(scope="session")
def newsroom(tmp_path_factory) -> Iterator[Newsroom]:
    """One demo crawl plus a hostile article, served by Datasette for the newsroom tests."""
    from sqlite_utils import Database

    db_path = tmp_path_factory.mktemp("newsroom") / "starcity.db"
    with DemoWeb() as web:
        result = run_crawl(db_path, "--sources", "demo", "--demo-url", web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    db = Database(db_path)
    db["stories"].insert(
        {
            "id": 999,
            "headline": HOSTILE_TITLE,
            "first_published": "2026-06-01T09:00:00+00:00",
            "last_published": "2026-06-01T09:00:00+00:00",
            "article_count": 1,
            "original_count": 1,
            "source_count": 1,
            "terms": "[]",
        }
    )
    db["articles"].insert(
        {
            "canonical_url": HOSTILE_URL,
            "url": HOSTILE_URL,
            "source": "hostile",
            "title": HOSTILE_TITLE,
            "description": '<b onmouseover="window.__xss = 3">Wolpert</b> on the premiere',
            "authors": '["<i>Mallory</i>"]',
            "published_at": "2026-06-01T09:00:00+00:00",
            "text": "Matt Wolpert <iframe src=javascript:window.__xss=4></iframe> says Star City.",
            "relevance": "relevant",
            "language": "en",
            "story_id": 999,
            "first_seen": "2026-11-25T00:00:00+00:00",
            "last_seen": "2026-11-25T00:00:00+00:00",
            "fetched_at": "2026-11-25T00:00:00+00:00",
            "site_name": '<svg onload="window.__xss = 5">Hostile Times</svg>',
        }
    )
    # What the pipeline finds in such a page: a person outside the knowledge base named in
    # the hostile text, the sentence around a name, a reported date.
    db["people"].insert({"id": "mallory", "name": HOSTILE_PERSON, "in_knowledge_base": 0}, pk="id")
    db["article_people"].insert_all(
        [
            {"article": HOSTILE_URL, "person_id": person, "role": "mentioned",
             "mention_count": 1, "first_offset": 0, "method": "ner", "confidence": 1.0,
             "snippet": HOSTILE_SENTENCE, "surface_forms": "[]"}
            for person in ("matt-wolpert", "mallory")
        ]
    )  # fmt: skip
    db["article_dates"].insert(
        {"article": HOSTILE_URL, "date": "2026-05-29", "precision": "day", "kind":
         "premiere/release", "text": '<b onclick="window.__xss = 7">May 29</b>',
         "sentence": HOSTILE_SENTENCE, "offset": 0}
    )  # fmt: skip
    db.close()
    server = serve_datasette(db_path)
    try:
        yield Newsroom(server.url, db_path)
    finally:
        stop_server(server.process)
