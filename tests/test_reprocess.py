"""Reprocessing (issue #18): the demo web crawled once, then its stored articles derived
again from the web archive, by `make reprocess` and `python -m starcity reprocess`, with
no request to the web."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from starcity.demoweb import DemoWeb
from tests.helpers import ROOT, run_crawl

DEMO_ARTICLES = 12


@pytest.fixture(scope="module")
def demo():
    with DemoWeb() as web:
        yield web


@pytest.fixture(scope="module")
def crawled_once(demo, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crawled")
    result = run_crawl(folder / "demo.db", "--sources", "demo", "--demo-url", demo.url)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture
def db(crawled_once, tmp_path) -> Path:
    """A copy of the crawled database and its archive, for one test."""
    shutil.copytree(crawled_once, tmp_path / "copy")
    return tmp_path / "copy" / "demo.db"


def reprocess(db: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "starcity", "reprocess", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def query(db: Path, sql: str, *params) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def snapshot(db: Path) -> dict[str, list]:
    """Every stored value a reprocess could touch (article_dates without their row ids)."""
    return {
        "articles": query(db, "select * from articles order by canonical_url"),
        "people": query(db, "select * from article_people order by article, person_id, role"),
        "works": query(db, "select * from article_works order by article, work_id"),
        "dates": [
            {k: v for k, v in row.items() if k != "id"}
            for row in query(db, "select * from article_dates order by article, offset, date")
        ],
        "stories": query(db, "select * from stories order by id"),
    }


def last_run(db: Path) -> dict:
    return query(db, "select * from crawl_runs order by id desc limit 1")[0]


def changed_knowledge(tmp_path: Path) -> Path:
    """The knowledge base with Rhys Ifans under another id."""
    data = yaml.safe_load((ROOT / "db" / "knowledge.yml").read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] == "rhys-ifans":
            person["id"] = "rhys-ifans-actor"
    path = tmp_path / "knowledge.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_make_reprocess_derives_every_article_again_from_the_archive_alone(db, demo):
    before, asked = snapshot(db), len(demo.requests)
    result = subprocess.run(
        ["make", "reprocess", f"DB={db}"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(demo.requests) == asked, "the reprocess asked the web for something"
    run = last_run(db)
    assert run["kind"] == "reprocess" and run["status"] == "ok"
    assert run["pages_fetched"] == run["articles_stored"] == DEMO_ARTICLES
    # The same code and configuration: every value as the crawl derived it, the fetch
    # times, first sightings, stories and duplicate links included.
    assert run["articles_changed"] == 0 and json.loads(run["changes"]) == {"articles": 0}
    assert snapshot(db) == before
    assert f"{DEMO_ARTICLES} of {DEMO_ARTICLES} article(s) read from the archive" in result.stdout
    # the crawl's sources keep their health: a reprocess is no crawl of them
    assert query(db, "select count(*) as n from source_runs where run_id = ?", run["id"]) == [
        {"n": 0}
    ]


def test_a_knowledge_base_change_reaches_the_stored_articles(db, demo, tmp_path):
    kb = changed_knowledge(tmp_path)
    with_rhys = {
        r["article"]
        for r in query(db, "select article from article_people where person_id = 'rhys-ifans'")
    }
    assert with_rhys
    first_seen = {r["canonical_url"]: r["first_seen"] for r in query(db, "select * from articles")}
    old_version = query(db, "select distinct extractor_version as v from articles")
    asked = len(demo.requests)
    result = reprocess(db, "-s", f"STARCITY_KNOWLEDGE_BASE={kb}", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(demo.requests) == asked
    now_with_him = {
        r["article"]
        for r in query(
            db, "select article from article_people where person_id = 'rhys-ifans-actor'"
        )
    }
    assert now_with_him == with_rhys
    assert not query(db, "select * from article_people where person_id = 'rhys-ifans'")
    run = last_run(db)
    changes = json.loads(run["changes"])
    assert changes["people"] == len(with_rhys) == run["articles_changed"] == changes["articles"]
    assert f"{len(with_rhys)} changed (people {len(with_rhys)})" in result.stdout
    # the fetch is kept; the analysis that derived each row is new
    assert {r["canonical_url"]: r["first_seen"] for r in query(db, "select * from articles")} == (
        first_seen
    )
    new_version = query(db, "select distinct extractor_version as v from articles")
    assert len(new_version) == 1 and new_version != old_version
    # Again with the same configuration: idempotent; --outdated takes nothing.
    again = reprocess(db, "-s", f"STARCITY_KNOWLEDGE_BASE={kb}", "--outdated")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to do" in again.stdout
    again = reprocess(db, "-s", f"STARCITY_KNOWLEDGE_BASE={kb}")
    assert again.returncode == 0 and last_run(db)["articles_changed"] == 0
    # Back to the shipped knowledge base: only what an older analysis derived is taken.
    back = reprocess(db, "--outdated", "-q")
    assert back.returncode == 0, back.stdout + back.stderr
    assert last_run(db)["pages_fetched"] == DEMO_ARTICLES
    assert {r["v"] for r in query(db, "select distinct extractor_version as v from articles")} == {
        old_version[0]["v"]
    }


def test_articles_are_chosen_by_source_label_date_and_address(db):
    articles = query(db, "select * from articles")
    one = "screenwire"
    # (the analysis in the command's own process: no worker to start each time)
    here = ("-q", "-s", "STARCITY_ANALYSIS_WORKERS=0")
    result = reprocess(db, "--source", one, *here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert last_run(db)["pages_fetched"] == sum(a["source"] == one for a in articles)
    result = reprocess(db, "--relevance", "off_topic", *here)
    assert last_run(db)["pages_fetched"] == sum(a["relevance"] == "off_topic" for a in articles)
    target = sorted(a["canonical_url"] for a in articles)[0]
    result = reprocess(db, "--article", target, *here)
    assert last_run(db)["pages_fetched"] == 1
    days = sorted((a["published_at"] or a["first_seen"])[:10] for a in articles)
    result = reprocess(db, "--since", days[3], "--until", days[-3], *here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert last_run(db)["pages_fetched"] == sum(days[3] <= d <= days[-3] for d in days)
    bad = reprocess(db, "--since", "last tuesday")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_a_damaged_archive_file_is_reported_and_the_rest_goes_on(db, demo):
    articles = query(db, "select * from articles order by archive_offset")
    path = db.parent / "archive" / articles[0]["archive_file"]
    # Cut the file inside the fifth article's response: the first four stay readable.
    cut = articles[4]["archive_offset"] + 300
    path.write_bytes(path.read_bytes()[:cut])
    before = snapshot(db)
    asked = len(demo.requests)
    result = reprocess(db, "-s", f"STARCITY_KNOWLEDGE_BASE={changed_knowledge(db.parent)}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(demo.requests) == asked
    run = last_run(db)
    assert run["status"] == "partial"
    assert run["pages_fetched"] == 4 and run["errors"] == DEMO_ARTICLES - 4
    assert f"{DEMO_ARTICLES - 4} unreadable" in result.stdout
    after = {a["canonical_url"]: a for a in snapshot(db)["articles"]}
    for article in articles[4:]:  # left as they were
        was = next(a for a in before["articles"] if a["canonical_url"] == article["canonical_url"])
        assert after[article["canonical_url"]] == was
    # A file that is no WARC at all: every article in it unreadable, the run says so.
    path.write_bytes(b"this is not a web archive\n" * 100)
    result = reprocess(db)
    assert result.returncode == 1 and last_run(db)["status"] == "failed"
    assert json.loads(last_run(db)["stats"])["reprocess/errors"] == DEMO_ARTICLES


def test_a_reprocess_killed_midway_leaves_the_database_whole_and_the_next_one_finishes(
    db, tmp_path
):
    kb = changed_knowledge(tmp_path)
    old = query(db, "select distinct extractor_version as v from articles")[0]["v"]
    settings = [
        "-s", f"STARCITY_KNOWLEDGE_BASE={kb}",
        # one article at a time, each committed: the kill lands between two of them
        "-s", "STARCITY_ANALYSIS_WORKERS=1",
        "-s", "STARCITY_ANALYSIS_BATCH_SIZE=1",
        "-s", "STARCITY_STORE_BATCH_SIZE=1",
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "starcity", "reprocess", "--db", str(db), "-q", *settings],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = query(db, "select count(*) as n from articles where extractor_version != ?", old)
            if done[0]["n"]:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the reprocess stored nothing in two minutes")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers
        proc.wait()
    partly = query(db, "select count(*) as n from articles where extractor_version != ?", old)
    assert 0 < partly[0]["n"] < DEMO_ARTICLES, "the kill came too late to test anything"
    assert query(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
    assert last_run(db)["status"] == "running"
    result = reprocess(db, "--outdated", *settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "left running by a process that died" in result.stdout
    assert query(db, "select status from crawl_runs where kind = 'reprocess'") == [
        {"status": "failed"},
        {"status": "ok"},
    ]
    assert last_run(db)["pages_fetched"] == DEMO_ARTICLES - partly[0]["n"]
    assert query(db, "select count(*) as n from articles where extractor_version = ?", old) == [
        {"n": 0}
    ]
    assert query(db, "select count(*) as n from articles") == [{"n": DEMO_ARTICLES}]


def _person(person_id: str) -> dict:
    return {
        "person_id": person_id,
        "name": person_id.replace("-", " ").title(),
        "in_knowledge_base": True,
        "role": "mentioned",
        "count": 1,
        "first_offset": 0,
        "snippet": "…",
        "method": "kb",
        "confidence": 1.0,
        "surface_forms": [person_id],
    }


def test_a_reprocessed_row_keeps_its_fetch_and_says_what_changed(tmp_path):
    from db.articles import reprocess_article, store_article_and_people
    from db.migrations import open_database

    db = open_database(str(tmp_path / "t.db"))
    key = "https://paper.example/star-city"
    stored = {
        "canonical_url": key,
        "url": key + "?utm=x",
        "source": "paper",
        "title": "Star City: first look",
        "authors": ["Jane Doe"],
        "published_at": "2026-02-26T09:00:00+00:00",
        "relevance": "relevant",
        "text": "Rhys Ifans plays the Chief Designer.",
        "fetched_at": "2026-02-26T10:00:00+00:00",
        "http_status": 200,
        "archive_file": "a.warc.gz",
        "archive_offset": 10,
        "people": [_person("rhys-ifans")],
        "text_dates": [],
    }
    store_article_and_people(db, stored, "2026-02-26T10:00:05+00:00")
    db["articles"].update(key, {"story_id": 7})
    before = db["articles"].get(key)
    derived = {
        **stored,
        "canonical_url": key,
        "url": "https://elsewhere.example/x",  # the fetch is not the analysis's to change
        "source": "other",
        "fetched_at": "2030-01-01T00:00:00+00:00",
        "title": "Star City: a first look",
        "extractor_version": "abc",
    }
    assert reprocess_article(db, key, derived) == ["title"]
    after = db["articles"].get(key)
    for kept in ("url", "source", "fetched_at", "first_seen", "last_seen", "times_seen",
                 "http_status", "archive_file", "archive_offset"):  # fmt: skip
        assert after[kept] == before[kept], kept
    assert after["title"] == "Star City: a first look" and after["extractor_version"] == "abc"
    assert after["story_id"] is None, "its title changed: placed in a story again"
    # Its people's analysis failed: the stored people stay.
    failed = {**derived, "people": None}
    assert reprocess_article(db, key, failed, replace_people=False) == []
    assert [r["person_id"] for r in db["article_people"].rows] == ["rhys-ifans"]
    # No longer relevant: no people any more, as a crawl would store it now.
    offtopic = {**derived, "relevance": "off_topic", "people": None}
    assert reprocess_article(db, key, offtopic) == ["relevance", "people"]
    assert list(db["article_people"].rows) == []
    assert reprocess_article(db, "https://paper.example/gone", derived) is None
