"""Datasette serves the crawled database read-only with the project's metadata."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.helpers import get_json, run_crawl


@pytest.fixture
def served(demo_web, tmp_path, start_datasette):
    db = tmp_path / "starcity.db"
    result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    return start_datasette(db)


def test_articles_readable_through_json_api(served):
    rows = get_json(f"{served.url}/starcity/articles.json?_shape=array&_size=max")
    assert len(rows) == 12
    titles = {row["title"] for row in rows}
    assert "Rhys Ifans to lead Apple's Soviet space drama Star City" in titles
    first_look = next(r for r in rows if r["canonical_url"].endswith("first-look-images/"))
    assert json.loads(first_look["authors"]) == ["Dana Whitfield", "Marco Ruiz"]


def test_metadata_is_applied(served):
    metadata = get_json(f"{served.url}/-/metadata.json")
    assert metadata["title"] == "Star City news monitor"
    assert metadata["license"]
    columns = metadata["databases"]["starcity"]["tables"]["articles"]["columns"]
    assert "first_seen" in columns
    table = get_json(f"{served.url}/starcity/articles.json?_size=max")
    # Default sort: newest publication first.
    assert "order by published_at desc" in table["query"]["sql"]
    published = [row[table["columns"].index("published_at")] for row in table["rows"]]
    assert published == sorted(published, reverse=True)


def test_metadata_follows_a_database_with_another_name(demo_web, tmp_path, start_datasette):
    db = tmp_path / "other.db"
    assert run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url).returncode == 0
    server = start_datasette(db)
    metadata = get_json(f"{server.url}/-/metadata.json")
    assert "other" in metadata["databases"]


def test_sql_cannot_write(served):
    query = urllib.parse.urlencode({"sql": "delete from articles"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{served.url}/starcity.json?{query}", timeout=10)
    assert error.value.code == 400
    rows = get_json(f"{served.url}/starcity/articles.json?_shape=array&_size=max")
    assert len(rows) == 12


def test_relevant_articles_view_and_stories(served):
    relevant = get_json(f"{served.url}/starcity/relevant_articles.json?_shape=array&_size=max")
    assert len(relevant) == 8  # 9 relevant articles, one of them a copy
    assert all(r["story_id"] for r in relevant)
    stories = get_json(f"{served.url}/starcity/stories.json?_shape=array&_size=max")
    assert max(s["source_count"] for s in stories) == 4


def test_people_and_premiere_dates_through_the_api(served):
    ranked = get_json(f"{served.url}/starcity/people_ranked.json?_shape=array")
    assert ranked[0]["name"] in {"Ronald D. Moore", "Ben Nedivi", "Matt Wolpert"}
    dates = get_json(f"{served.url}/starcity/premiere_dates_reported.json?_shape=array")
    assert dates[0]["date"] == "2026-05-29" and dates[0]["outlets"] == 3
