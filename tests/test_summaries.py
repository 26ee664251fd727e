"""The newsroom at scale (issue #21): summary tables kept by triggers equal a full recount
through crawls, re-fetches, duplicate grouping and deletions; the stored queries and charts
that read them answer what counting the rows answers; search and facets are bounded.

A demo crawl for the summaries' life, a generated database of 8,000 articles (1,177 of
them name Wolpert: more than a search shows) served by a real Datasette for the rest.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from db import duplicates, summaries
from db.migrations import open_database
from starcity.serve import METADATA
from tests.helpers import ROOT, get_json, run_crawl, serve_datasette, stop_server

SEARCH_LIMIT = 1000  # db/plugins/newsroom.py
METADATA_DATA = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
QUERIES = METADATA_DATA["databases"]["starcity"]["queries"]
CHARTS = METADATA_DATA["plugins"]["datasette-dashboards"]["coverage"]["charts"]


def assert_summaries_exact(db: Database, when: str) -> None:
    differing = {name: n for name, n in summaries.differences(db).items() if n}
    assert not differing, f"after {when}: {differing}"


def summaries_command(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "starcity", "summaries", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_summaries_equal_a_recount_through_crawls_refetches_grouping_and_deletions(
    demo_web, tmp_path
):
    path = tmp_path / "demo.db"
    result = run_crawl(path, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    db = open_database(str(path))
    for table in ("coverage_days", "article_facets", "story_days", "source_articles"):
        assert db[table].count > 0, table
    assert db["people_months"].count > 0 and db["reported_dates"].count > 0
    assert_summaries_exact(db, "a crawl")
    db.execute("delete from feed_state")  # the feeds read again, not 304
    db.close()

    # A second crawl that fetches every article again (all younger than the window) and
    # stores each anew: rows updated, people and dates replaced.
    result = run_crawl(
        path, "--sources", "demo", "--demo-url", demo_web.url, "-s",
        "STARCITY_REFETCH_HOURS=1000000",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    db = open_database(str(path))
    assert db.execute("select max(times_seen) from articles").fetchone()[0] == 2
    assert_summaries_exact(db, "a crawl that fetched every article again")

    # Duplicate grouping: an original found to be a copy of another, then not.
    relevant = [
        r[0]
        for r in db.execute(
            "select a.canonical_url from articles a where a.relevance = 'relevant'"
            " and a.duplicate_of is null and exists (select 1 from article_dates d"
            " where d.article = a.canonical_url and d.counted = 1)"
            " and exists (select 1 from article_people p where p.article = a.canonical_url"
            " and p.role = 'mentioned') order by a.published_at"
        )
    ]
    original, copy = relevant[0], relevant[1]
    db.execute(
        "update articles set duplicate_match = ?, duplicate_kind = 'near' where canonical_url = ?",
        [original, copy],
    )
    duplicates.resolve(db)
    assert db["articles"].get(copy)["duplicate_of"] == original
    assert_summaries_exact(db, "an article found to be a copy")
    db.execute(
        "update articles set duplicate_match = null, duplicate_kind = null where canonical_url = ?",
        [copy],
    )
    duplicates.resolve(db)
    assert db["articles"].get(copy)["duplicate_of"] is None
    assert_summaries_exact(db, "a copy that became an original again")

    # Relabelled, moved to another source and another day, given a story.
    db.execute(
        "update articles set relevance = 'off_topic', source = 'moved',"
        " published_at = '2020-01-01T00:00:00+00:00', story_id = null where canonical_url = ?",
        [relevant[2]],
    )
    assert_summaries_exact(db, "an article relabelled, moved and redated")

    # A date reported twice by one article counts it once; a replaced row (INSERT OR
    # REPLACE) and a deleted one leave the counts exact.
    row = next(db.query("select * from article_dates where counted = 1 limit 1"))
    twice = {k: v for k, v in row.items() if k != "id"}
    db["article_dates"].insert(twice)
    assert_summaries_exact(db, "a date reported twice by one article")
    person = next(db.query("select * from article_people where role = 'mentioned' limit 1"))
    db["article_people"].insert({**person, "mention_count": 9}, replace=True)
    assert_summaries_exact(db, "a person's row replaced")

    # Rows of people and dates written before their article get its values when it comes.
    early = "https://example.org/early"
    db["article_dates"].insert({**twice, "article": early})
    db["article_people"].insert({**person, "article": early})
    article = next(db.query("select * from articles where canonical_url = ?", [relevant[5]]))
    article.pop("published_month")  # generated
    db["articles"].insert(
        {**article,
         "canonical_url": early, "url": early, "story_id": None}
    )  # fmt: skip
    assert db.execute("select counted from article_dates where article = ?", [early]).fetchone()
    assert_summaries_exact(db, "an article stored after its people and dates")

    # Deletions: an article (its people, works and dates go with it), a person's row.
    gone = relevant[3]
    db["articles"].delete(gone)
    for table in ("article_people", "article_dates", "article_works", "article_signatures"):
        assert not db.execute(f"select 1 from {table} where article = ?", [gone]).fetchone()
    db.execute("delete from article_people where article = ?", [relevant[4]])
    db.execute("delete from articles where source = 'moved'")
    assert_summaries_exact(db, "deletions")
    db.close()

    # The command: a summary that drifted (a row written behind the triggers' back) is
    # reported, and rebuilt.
    assert summaries_command(path).returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute(
            "update people_months set articles = articles + 1 where (person_id, month) in"
            " (select person_id, month from people_months limit 1)"
        )
    checked = summaries_command(path)
    said = checked.stdout + checked.stderr
    assert checked.returncode == 1 and "people_months: 2 rows differ" in said, said
    assert "summaries --rebuild" in said
    rebuilt = summaries_command(path, "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "every summary equals a full recount" in rebuilt.stdout + rebuilt.stderr


# --- the generated newsroom ----------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("generated") / "news.db"
    subprocess.run(
        [sys.executable, "bench/generate.py", "--articles", "8000", "--out", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    db = open_database(str(path))
    assert_summaries_exact(db, "generating")
    db.close()
    server = serve_datasette(path)
    yield path, server.url
    stop_server(server.process)


def _rows(path: Path, sql: str, params: dict | list | None = None) -> list[tuple]:
    conn = sqlite3.connect(path)
    from datasette.utils import escape_fts

    conn.create_function("escape_fts", 1, escape_fts)
    try:
        return conn.execute(sql, params or {}).fetchall()
    finally:
        conn.close()


def _query(url: str, name: str, **params: str) -> list[dict]:
    args = urllib.parse.urlencode({**params, "_shape": "array"})
    return get_json(f"{url}/news/{name}.json?{args}")


def _chart(url: str, slug: str, **filters: str) -> list[dict]:
    def keep(block: re.Match) -> str:
        name = re.search(r":(\w+)", block.group(0)).group(1)
        return block.group(0).strip("[]") if filters.get(name) else ""

    sql = re.sub(r"\[\[.*?\]\]", keep, CHARTS[slug]["query"])
    args = urllib.parse.urlencode({"sql": sql, **filters, "_shape": "array"})
    return get_json(f"{url}/news.json?{args}")


@pytest.mark.parametrize("since", ["", "2026", "2026-03", "2026-03-15", "2025-11-30T12:00"])
def test_people_ranked_from_the_summary_as_from_the_rows(generated, since):
    path, url = generated
    expected = _rows(
        path,
        "select p.name, count(*), sum(ap.mention_count), min(ap.published_at),"
        " max(ap.published_at) from article_people ap join people p on p.id = ap.person_id"
        " where ap.role = 'mentioned' and ap.original = 1"
        " and (:since = '' or ap.published_at >= :since) group by ap.person_id",
        {"since": since},
    )
    got = _query(url, "top_people", since=since)
    assert len(got) == min(100, len(expected))
    by_name = {r[0]: r[1:] for r in expected}
    for row in got:
        counts = (row["articles"], row["mentions"], row["first_published"], row["last_published"])
        assert counts == by_name[row["name"]], row["name"]
    assert [r["articles"] for r in got] == sorted((r["articles"] for r in got), reverse=True)


@pytest.mark.parametrize("kind", ["", "filming"])
def test_premiere_dates_from_the_summary_as_from_the_rows(generated, kind):
    path, url = generated
    expected = {
        (r[0], r[1]): r[2:]
        for r in _rows(
            path,
            "select d.date, d.precision, count(distinct a.source),"
            " count(distinct a.canonical_url), min(a.published_at), max(a.published_at)"
            " from article_dates d join articles a on a.canonical_url = d.article"
            " where d.kind = :kind and d.other_work is null and a.duplicate_of is null"
            " and a.relevance = 'relevant' group by d.date, d.precision",
            {"kind": kind or "premiere/release"},
        )
    }
    got = _query(url, "premiere_dates", kind=kind, work="")
    assert got and len(got) == min(100, len(expected))
    for row in got:
        outlets, articles, first, last = expected[(row["date"], row["precision"])]
        assert (row["outlets"], row["articles"]) == (outlets, articles)
        assert (row["first_reported"], row["last_reported"]) == (first, last)
        assert len(row["sources"].split(",")) == outlets
        assert row["first_reported_by"] in row["sources"].split(",")


@pytest.mark.parametrize(
    "filters",
    [{}, {"date_start": "2026-01-01", "date_end": "2026-06-30", "source": "source-01"},
     {"date_start": "2025-01-01"}, {"source": "source-03"}, {"date_end": "2025-06-30"},
     {"date_start": "2025-03-10", "date_end": "2025-03-20"},
     {"date_start": "2025-01-15", "date_end": "2026-02-10"}, {"date_end": "2026-03-31"}],
)  # fmt: skip
def test_dashboard_charts_from_the_summaries_as_from_the_rows(generated, filters):
    path, url = generated
    where = ["1 = 1"]
    if filters.get("date_start"):
        where.append("a.published_at >= :date_start")
    if filters.get("date_end"):
        where.append("a.published_at < date(:date_end, '+1 day')")
    if filters.get("source"):
        where.append("a.source = :source")
    where = " and ".join(where)
    originals = f"a.relevance = 'relevant' and a.duplicate_of is null and {where}"
    people = (
        "from article_people ap join articles a on a.canonical_url = ap.article"
        f" where ap.role = 'mentioned' and ap.original = 1 and {where}"
    )
    expected = {
        "relevant-count": _rows(
            path, f"select count(*) from articles a where {originals}", filters
        ),
        "stories-count": _rows(
            path, f"select count(distinct story_id) from articles a where {originals}", filters
        ),
        "people-count": _rows(path, f"select count(distinct ap.person_id) {people}", filters),
    }
    for slug, value in expected.items():
        assert list(_chart(url, slug, **filters)[0].values()) == list(value[0]), slug
    named = people.replace("where", "join people p on p.id = ap.person_id where", 1)
    top = dict(_rows(path, f"select p.name, count(*) {named} group by ap.person_id", filters))
    ranked = _chart(url, "top-people", **filters)
    for row in ranked:
        assert row["articles"] == top[row["name"]]
    assert ranked[-1]["articles"] == sorted(top.values(), reverse=True)[len(ranked) - 1]
    weeks = _rows(
        path,
        "select date(a.published_at, 'weekday 0', '-6 days') as week, relevance, count(*)"
        " from articles a where relevance in ('relevant', 'mention') and duplicate_of is null"
        f" and published_at is not null and {where} group by week, relevance",
        filters,
    )
    got = _chart(url, "coverage-over-time", **filters)
    assert sorted(tuple(r.values()) for r in got) == sorted(weeks)


def test_views_and_source_problems_from_the_summaries(generated):
    path, url = generated
    coverage = _rows(
        path,
        "select source, sum(relevance = 'relevant' and duplicate_of is null),"
        " sum(duplicate_of is not null), count(*) from articles group by source",
    )
    got = get_json(f"{url}/news/coverage_by_source.json?_shape=array&_size=max")
    assert sorted(
        (r["source"], r["relevant"], r["copies"], r["pages_judged"]) for r in got
    ) == sorted(coverage)
    gaps = dict(_rows(path, "select source, max(first_seen) from articles group by source"))
    for row in _query(url, "source_problems"):
        if row["problem"] == "silent":
            assert row["atom_updated"] == gaps[row["source"]]


def test_search_shows_the_most_recent_hits_and_says_how_many_there_are(generated):
    path, url = generated
    hits = _rows(
        path,
        "select rowid from articles_fts where articles_fts match 'Wolpert' order by rowid desc",
    )
    assert len(hits) > SEARCH_LIMIT
    page = get_json(f"{url}/news/articles.json?_search=Wolpert&_size=max&_col=source")
    assert page["filtered_table_rows_count"] == SEARCH_LIMIT
    assert (
        f"the 1,000 stored most recently of {len(hits):,} matching articles"
        in (page["human_description_en"])
    )
    newest = {r[0] for r in hits[:SEARCH_LIMIT]}
    urls = [r[0] for r in page["rows"]]
    shown = {
        r[0]
        for r in _rows(
            path,
            "select rowid from articles where canonical_url in"
            " (select value from json_each(:urls))",
            {"urls": json.dumps(urls)},
        )
    }
    assert shown == newest
    # Its facets count those hits.
    relevance = dict(
        _rows(
            path,
            "select relevance, count(*) from articles where rowid in"
            " (select value from json_each(:ids)) group by relevance",
            {"ids": json.dumps(sorted(newest))},
        )
    )
    facet = page["facet_results"]["relevance"]["results"]
    assert {f["value"]: f["count"] for f in facet} == relevance
    # With a filter, the filter applies before the limit: every hit of that source.
    of_source = _rows(
        path,
        "select count(*) from articles where source = 'source-01' and rowid in"
        " (select rowid from articles_fts where articles_fts match 'Wolpert')",
    )[0][0]
    page = get_json(f"{url}/news/articles.json?_search=Wolpert&source=source-01")
    assert page["filtered_table_rows_count"] == of_source
    # A search with _where is Datasette's own: every hit, counted.
    page = get_json(f"{url}/news/articles.json?_search=Wolpert&_where=1%3D1")
    assert page["filtered_table_rows_count"] == len(hits)
    # Search across tables asks the same bounded search.
    found = get_json(f"{url}/news/articles.json?_shape=objects&_size=5&_search=Wolpert&_labels=on")
    assert len(found["rows"]) == 5


def test_ranked_search_finds_the_best_of_the_recent_hits(generated):
    path, url = generated
    rows = _query(url, "search_articles", q="Wolpert")
    assert 0 < len(rows) <= 50
    assert all("[Wolpert]" in r["passage"] for r in rows)
    assert _query(url, "search_articles", q="") == []
    assert _query(url, "search_articles", q='"unbalanced') == []


@pytest.mark.parametrize(
    "args",
    ["", "published_month=2026-05", "published_month=2026-05&source=source-01&_facet=language",
     "relevance=relevant&language=en", "section=TV", "language="],
)  # fmt: skip
def test_articles_facets_count_what_the_rows_count(generated, args):
    path, url = generated
    page = get_json(f"{url}/news/articles.json?{args}")
    filters = [
        (k.removesuffix("__exact"), v)
        for k, v in urllib.parse.parse_qsl(args, keep_blank_values=True)
        if not k.startswith("_")
    ]
    where = " and ".join(f"[{k}] = ?" for k, _ in filters) or "1"
    for name, facet in page["facet_results"].items():
        column = facet["name"]
        expected = _rows(
            path,
            f"select [{column}], count(*) from articles where {where} and [{column}] is not null"
            f" group by [{column}] order by count(*) desc, [{column}] limit 30",
            [v for _, v in filters],
        )
        assert [(r["value"], r["count"]) for r in facet["results"]] == [
            tuple(r) for r in expected
        ], name


def test_the_plugin_loads_again_in_the_same_process():
    """Datasette loads a plugins folder once per instance: a second instance in one process
    finds the search and facets of the first in place, and puts its own there."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    for _ in range(2):
        Datasette([], plugins_dir=str(ROOT / "db" / "plugins"))
    search = [i.function.__name__ for i in pm.hook.filters_from_request.get_hookimpls()]
    assert search.count("bounded_search_filters") == 1 and "search_filters" not in search
    facets = [i.function.__name__ for i in pm.hook.register_facet_classes.get_hookimpls()]
    assert facets == ["facet_classes"]
