"""Duplicates on three levels and story grouping, on real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest

from db import duplicates, stories
from db.articles import store_article
from db.migrations import open_database
from pipelines.fingerprints import DuplicateIndex, minhash, text_hash, url_key
from pipelines.stories import STORY_THRESHOLD, STORY_WINDOW_DAYS, StoryFeatures
from starcity.config import load_topic


def assign(db) -> int:
    """Stories grouped as the crawl groups them with the default topic."""
    return stories.assign(db, StoryFeatures(load_topic()), STORY_THRESHOLD, STORY_WINDOW_DAYS)


TEXT = (
    "Apple TV has set Friday May 29 as the premiere date for Star City, the spinoff of For "
    "All Mankind from Ben Nedivi, Matt Wolpert and Ronald D. Moore. The first two episodes "
    "arrive together, with the rest following weekly through July 10. Rhys Ifans stars as "
    "the Chief Designer of the Soviet space programme, and Anna Maxwell Martin plays the "
    "head of KGB surveillance in the closed town outside Moscow. A trailer released on "
    "Tuesday shows cosmonauts training in the snow."
)


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.example.com/tv/star-city/",
        "https://example.com/tv/star-city",
        "https://m.example.com/tv/star-city/?utm_source=rss#rss",
        "https://amp.example.com/tv/star-city/amp/",
        "https://example.com/tv/star-city/index.html",
    ],
)
def test_url_variants_share_one_key(variant):
    assert url_key(variant) == url_key("https://example.com/tv/star-city")


def test_text_hash_ignores_case_spacing_and_punctuation():
    assert text_hash(TEXT) == text_hash(TEXT.upper().replace(",", " ,  "))
    assert text_hash("too short") is None


def test_near_duplicate_found_and_different_story_not():
    index = DuplicateIndex(threshold=0.8)
    index.add("https://a.example/original", "a.example/original", text_hash(TEXT), minhash(TEXT))
    copy = TEXT + " Stay tuned for more updates."
    found = index.match("https://b.example/copy", "b.example/copy", text_hash(copy), minhash(copy))
    assert found and found[0] == "https://a.example/original" and found[1] == "near"
    other = (
        "Sydney's Star casino faces a fresh licence review after the state regulator found "
        "that the operator had failed to meet conditions set after the Bell inquiry, and the "
        "board will appear before the commission in April to answer questions about money "
        "laundering controls, gaming floor supervision and its finances for the year ahead."
    )
    assert (
        index.match("https://c.example/x", "c.example/x", text_hash(other), minhash(other)) is None
    )


def article(url: str, published: str, **extra) -> dict:
    return {
        "canonical_url": url,
        "url": url,
        "source": extra.pop("source", "s"),
        "title": extra.pop("title", "Star City premiere set for May 29"),
        "description": None,
        "text": extra.pop("text", TEXT),
        "published_at": published,
        "relevance": extra.pop("relevance", "relevant"),
        **extra,
    }


def test_resolve_makes_the_earliest_published_copy_the_original(tmp_path):
    db = open_database(str(tmp_path / "d.db"))
    # The aggregator was crawled first, the original publisher later.
    store_article(db, article("https://agg.example/copy", "2026-03-10T18:05:00+00:00"), "t1")
    store_article(
        db,
        article(
            "https://pub.example/original",
            "2026-03-10T15:30:00+00:00",
            duplicate_match="https://agg.example/copy",
            duplicate_kind="near",
            duplicate_similarity=0.97,
        ),
        "t2",
    )
    for _ in range(2):  # idempotent
        assert duplicates.resolve(db) == 1
        rows = {r["canonical_url"]: r for r in db.query("select * from articles")}
        original, copy = rows["https://pub.example/original"], rows["https://agg.example/copy"]
        assert original["duplicate_of"] is None
        # the original is no copy: the match's kind and similarity are the copy's
        assert original["duplicate_kind"] is None and original["duplicate_similarity"] is None
        assert copy["duplicate_of"] == "https://pub.example/original"
        assert (copy["duplicate_kind"], copy["duplicate_similarity"]) == ("near", 0.97)


def test_stories_group_one_event_and_keep_others_apart(tmp_path):
    db = open_database(str(tmp_path / "s.db"))
    store_article(db, article("https://a.example/1", "2026-03-10T15:30:00+00:00", source="a"), "t")
    store_article(
        db,
        article(
            "https://b.example/2",
            "2026-03-10T16:00:00+00:00",
            source="b",
            title="Apple TV sets May 29 premiere for 'Star City'",
            text=TEXT.replace("Tuesday", "Monday") + " The series has eight episodes.",
        ),
        "t",
    )
    store_article(
        db,
        article(
            "https://c.example/3",
            "2025-02-06T10:00:00+00:00",
            source="c",
            title="Rhys Ifans to lead Star City",
            text="Rhys Ifans has been cast as the Chief Designer in Star City. " * 5,
        ),
        "t",
    )
    store_article(
        db,
        article("https://d.example/4", "2026-03-10T17:00:00+00:00", relevance="off_topic"),
        "t",
    )
    assert assign(db) == 3
    by_url = {r["canonical_url"]: r["story_id"] for r in db.query("select * from articles")}
    assert by_url["https://a.example/1"] == by_url["https://b.example/2"]
    assert by_url["https://c.example/3"] != by_url["https://a.example/1"]
    assert by_url["https://d.example/4"] is None
    story = db["stories"].get(by_url["https://a.example/1"])
    assert story["article_count"] == 2 and story["source_count"] == 2
    assert story["headline"] == "Star City premiere set for May 29"
    assert "may-29" in story["terms"]
    assert assign(db) == 0  # already placed articles stay where they are


def test_a_crawl_groups_stories_with_its_own_topic(tmp_path):
    """STARCITY_TOPIC decides relevance and stories alike: names the crawl's topic knows as
    its background (here three cast members only this topic file lists) never make two
    events one story."""
    import yaml

    from tests.helpers import ROOT, run_crawl
    from tests.hostile_web import HostileWeb, article

    topic = yaml.safe_load((ROOT / "config/topic.yml").read_text(encoding="utf-8"))
    topic["evidence"]["specific"] += ["Alma Reyes", "Tomas Brandt", "Ines Varga"]
    topic_file = tmp_path / "topic.yml"
    topic_file.write_text(yaml.safe_dump(topic, allow_unicode=True), encoding="utf-8")
    casting = (
        "Star City adds Alma Reyes, Ines Varga and Tomas Brandt for season two",
        "Alma Reyes, Ines Varga and Tomas Brandt join the cast of Star City for its second"
        " season, Apple TV said. Rhys Ifans returns as the Chief Designer. Production begins"
        " in Budapest next spring, with Marguerite Okafor directing the first block.",
        "2026-06-01T10:00:00+00:00",
    )
    awards = (
        "Star City wins three craft awards at the Lumen gala",
        "Star City, starring Rhys Ifans, Alma Reyes, Ines Varga and Tomas Brandt, won prizes"
        " for production design, costumes and score at the Lumen gala in Toronto. Composer"
        " Viktor Halloran accepted the score award from Jennifer Osei.",
        "2026-06-02T10:00:00+00:00",
    )
    web = HostileWeb()
    try:
        for n, (title, text, published) in enumerate((casting, awards)):
            head = f'<meta property="article:published_time" content="{published}">'
            web.page(f"/{n}.html", article(title, [text], head=head))
        web.feed("/feed.xml", [f"{web.url}/0.html", f"{web.url}/1.html"])
        sources = tmp_path / "sources.yml"
        sources.write_text(
            "sources:\n  - name: news\n    prefilter: false\n"
            f'    start_urls: ["{web.url}/feed.xml"]\n'
            "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
            encoding="utf-8",
        )
        db = tmp_path / "starcity.db"
        result = run_crawl(db, "--sources", str(sources), "-s", f"STARCITY_TOPIC={topic_file}")
    finally:
        web.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(db)
    rows = conn.execute("select relevance, story_id from articles order by url").fetchall()
    assert [relevance for relevance, _ in rows] == ["relevant", "relevant"]
    assert rows[0][1] != rows[1][1]  # two events, two stories
