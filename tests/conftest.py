"""Shared fixtures: the fixture news web on loopback, Datasette, the hostile newsroom.

Helpers the tests import (crawls, ports, constants) are in tests/helpers.py.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from starcity.demoweb import DemoWeb
from tests.helpers import (
    HOSTILE_PERSON,
    HOSTILE_SENTENCE,
    HOSTILE_TITLE,
    HOSTILE_URL,
    Datasette,
    Newsroom,
    run_crawl,
    serve_datasette,
    stop_server,
)


@pytest.fixture
def demo_web() -> Iterator[DemoWeb]:
    """The bundled demo news web, served on a free loopback port for one test."""
    with DemoWeb() as web:
        yield web


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
