"""The Datasette newsroom: metadata, full-text search, stored queries, dashboard, feed, safety."""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import feedparser
import pytest
import yaml
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from db import migrations as schema
from db.migrations import open_database
from db.snapshot import snapshot
from starcity.publish import docker_running
from starcity.serve import (
    METADATA,
    PINNED_WITH_PLUGINS,
    PLUGINS,
    SETTINGS,
    check_db_name,
    publish_command,
    rekey_metadata,
)
from tests.helpers import (
    HOSTILE_PAGES,
    HOSTILE_URL,
    ROOT,
    free_port,
    get_json,
    start_server,
    stop_server,
)

METADATA_DATA = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
DB_METADATA = METADATA_DATA["databases"]["starcity"]
QUERIES = DB_METADATA["queries"]


def previous_release_database(path: Path) -> Database:
    """A database with the schema of the release before the newsroom (migrations to m007)."""
    previous = Migrations("starcity")
    previous._migrations = [m for m in schema.migrations._migrations if m.name < "m008"]
    db = Database(path)
    previous.apply(db)
    return db


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read().decode("utf-8")


def query(newsroom, name: str, **params: str) -> list[dict]:
    args = urllib.parse.urlencode({**params, "_shape": "array"})
    return get_json(f"{newsroom.url}/starcity/{name}.json?{args}")


# --- metadata -------------------------------------------------------------------------


def test_every_column_of_every_table_and_view_is_described(tmp_path):
    db = open_database(str(tmp_path / "schema.db"))
    tables = DB_METADATA["tables"]
    missing = []
    for name in db.table_names() + db.view_names():
        if name.startswith("articles_fts"):
            continue  # FTS5 shadow tables, hidden by Datasette
        described = (tables.get(name) or {}).get("columns") or {}
        if not (tables.get(name) or {}).get("description"):
            missing.append(name)
        columns = [row[1] for row in db.execute(f"pragma table_xinfo([{name}])").fetchall()]
        missing += [f"{name}.{c}" for c in columns if not described.get(c)]
    assert not missing, f"undescribed: {missing}"


def test_metadata_names_labels_facets_sort_and_licence():
    assert METADATA_DATA["license"] and METADATA_DATA["source"]
    tables = DB_METADATA["tables"]
    articles = tables["articles"]
    assert {"source", "language", "published_month", "relevance"} <= set(articles["facets"])
    assert articles["sort_desc"] == "published_at"
    # Every table a foreign key points at shows a name instead of its key.
    for table in ("articles", "people", "works", "stories", "crawl_runs"):
        assert tables[table]["label_column"], table


def test_metadata_follows_the_database_name():
    data = rekey_metadata(yaml.safe_load(METADATA.read_text(encoding="utf-8")), "demo")
    assert "demo" in data["databases"] and "starcity" not in data["databases"]
    assert "/demo/latest_relevant" in data["description_html"]
    charts = data["plugins"]["datasette-dashboards"]["coverage"]["charts"].values()
    assert {chart["db"] for chart in charts} == {"demo"}


# --- schema: full-text search and denormalised columns kept by triggers -------------------


def test_full_text_index_follows_inserts_updates_and_deletes(tmp_path):
    db = open_database(str(tmp_path / "fts.db"))
    row = {"url": "u", "source": "s", "first_seen": "t", "last_seen": "t", "fetched_at": "t"}
    db["articles"].insert({"canonical_url": "a", **row, "title": "Wolpert interview"})

    def found(term: str) -> list[str]:
        return [r["canonical_url"] for r in db["articles"].search(term)]

    assert found("wolpert") == ["a"]
    db["articles"].update("a", {"title": "Nedivi interview", "text": "cosmonauts"})
    assert found("wolpert") == [] and found("nedivi") == ["a"]
    assert found("cosmonaut") == ["a"]  # Porter stemming
    db["articles"].delete("a")
    assert found("nedivi") == []


def test_people_rows_follow_their_article(tmp_path):
    db = open_database(str(tmp_path / "people.db"))
    row = {"url": "u", "source": "s", "first_seen": "t", "last_seen": "t", "fetched_at": "t"}
    db["articles"].insert({"canonical_url": "a", **row, "published_at": "2026-05-01T00:00:00"})
    db["people"].insert({"id": "matt-wolpert", "name": "Matt Wolpert"})
    db["article_people"].insert(
        {"article": "a", "person_id": "matt-wolpert", "role": "mentioned", "mention_count": 2}
    )
    person = db["article_people"].get(("a", "matt-wolpert", "mentioned"))
    assert person["published_at"] == "2026-05-01T00:00:00" and person["original"] == 1
    db["articles"].update("a", {"duplicate_of": "b", "published_at": "2026-05-02T00:00:00"})
    person = db["article_people"].get(("a", "matt-wolpert", "mentioned"))
    assert person["published_at"] == "2026-05-02T00:00:00" and person["original"] == 0
    assert db["articles"].get("a")["published_month"] == "2026-05"


def test_a_database_of_the_previous_release_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    db = previous_release_database(path)
    row = {"url": "u", "source": "s", "first_seen": "t", "last_seen": "t", "fetched_at": "t"}
    db["articles"].insert({"canonical_url": "a", **row, "title": "Wolpert", "minhash": b"\x01\x02"})
    db.close()
    db = open_database(str(path))
    assert "minhash" not in db["articles"].columns_dict
    assert db["article_signatures"].get("a")["minhash"] == b"\x01\x02"
    assert [r["canonical_url"] for r in db["articles"].search("wolpert")] == ["a"]


# --- stored queries, search, dashboard, feed through a real Datasette ---------------------


def test_every_stored_query_answers(newsroom):
    for name, spec in QUERIES.items():
        params = {p: "" for p in spec.get("params") or []}
        url = f"{newsroom.url}/starcity/{name}.json?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=20) as response:
            assert response.status == 200, name
        html = get_text(f"{newsroom.url}/starcity/{name}")
        assert spec["title"] in html, name


def test_latest_relevant_articles(newsroom):
    rows = query(newsroom, "latest_relevant", source="", since="")
    assert rows[0]["canonical_url"] == HOSTILE_URL  # newest first
    titles = [r["title"] for r in rows]
    assert "Rhys Ifans to lead Apple's Soviet space drama Star City" in titles
    assert all(r["copies"] >= 0 for r in rows)
    only = query(newsroom, "latest_relevant", source="screenwire", since="2026-01-01")
    assert only and {r["source"] for r in only} == {"screenwire"}
    assert all(r["published_at"] >= "2026-01-01" for r in only)


def test_coverage_per_day_and_week_by_source(newsroom):
    days = query(newsroom, "coverage_per_day", since="2020-01-01")
    assert {"day", "source", "articles"} <= set(days[0])
    weeks = query(newsroom, "coverage_per_week", since="")
    assert sum(r["articles"] for r in weeks) == sum(r["articles"] for r in days)
    html = get_text(f"{newsroom.url}/starcity/coverage_per_week")
    assert "g.mark=bar" in html  # the link that opens datasette-vega's chart


def test_people_ranked_link_to_their_articles(newsroom):
    rows = query(newsroom, "top_people", since="")
    wolpert = next(r for r in rows if r["name"] == "Matt Wolpert")
    assert wolpert["articles"] >= 3
    assert wolpert["articles_link"] == "person_articles?person=matt-wolpert"
    html = get_text(f"{newsroom.url}/starcity/top_people?since=")
    assert '<a href="/starcity/person_articles?person=matt-wolpert">' in html
    articles = query(newsroom, "person_articles", person="matt-wolpert")
    assert len(articles) == wolpert["articles"]


def test_premiere_dates_and_who_reported_them(newsroom):
    rows = query(newsroom, "premiere_dates", kind="", work="")
    top = rows[0]
    # For All Mankind's fifth season (March 27) is that work's date, not Star City's
    assert "2026-03-27" not in {r["date"] for r in rows}
    other = query(newsroom, "premiere_dates", kind="", work="for-all-mankind")
    assert "2026-03-27" in {r["date"] for r in other}
    # the end of the weekly run is no premiere date
    assert "2026-07-10" not in {r["date"] for r in rows}
    assert top["date"] == "2026-05-29"
    assert {"launchpad-ledger", "screenwire", "evening-courier"} <= set(top["sources"].split(","))
    assert top["first_reported_by"] in top["sources"].split(",")
    reports = query(newsroom, "date_reports", date="2026-05-29")
    assert {r["source"] for r in reports} >= set(top["sources"].split(","))


def test_stories_timeline_and_source_health(newsroom):
    stories = query(newsroom, "stories_timeline", since="")
    biggest = max(stories, key=lambda s: s["article_count"])
    assert biggest["source_count"] == 4
    story_id = biggest["story_link"].split("=")[1]
    assert len(query(newsroom, "story_articles", story=story_id)) == biggest["article_count"]
    health = query(newsroom, "source_health")
    assert {r["name"] for r in health} >= {"launchpad-ledger", "screenwire", "evening-courier"}
    assert {r["health"] for r in health} == {"ok"}


def test_source_health_names_blocked_and_failing_sources(tmp_path, start_datasette):
    db = open_database(str(tmp_path / "starcity.db"))
    db["sources"].insert_all(
        [
            {"name": "blocked", "last_status": "failed", "consecutive_failures": 3,
             "last_errors": '{"http_403": 2}'},
            {"name": "down", "last_status": "failed", "consecutive_failures": 1,
             "last_errors": '{"dns": 1}'},
            {"name": "flaky", "last_status": "partial", "consecutive_failures": 0,
             "last_errors": '{"timeout": 1}'},
            {"name": "fine", "last_status": "ok", "consecutive_failures": 0, "last_errors": "{}"},
        ]
    )  # fmt: skip
    db.close()
    server = start_datasette(tmp_path / "starcity.db")
    rows = get_json(f"{server.url}/starcity/source_health.json?_shape=array")
    assert [(r["name"], r["health"]) for r in rows] == [
        ("blocked", "blocked"),
        ("down", "failing"),
        ("flaky", "erroring"),
        ("fine", "ok"),
    ]


def test_search_from_the_table_and_across_tables(newsroom):
    found = get_json(f"{newsroom.url}/starcity/articles.json?_search=Wolpert&_shape=array")
    assert len(found) >= 4
    assert all("wolpert" in json.dumps(r).lower() for r in found)
    html = get_text(f"{newsroom.url}/-/search?q=Wolpert")
    assert "articles" in html  # datasette-search-all lists the searchable table


def test_no_stored_query_hides_a_table_or_view(tmp_path):
    db = open_database(str(tmp_path / "names.db"))
    assert not set(QUERIES) & set(db.table_names() + db.view_names())


def test_dashboard_filters_narrow_every_chart(newsroom):
    dashboard = METADATA_DATA["plugins"]["datasette-dashboards"]["coverage"]
    filters = {"date_start": "2026-03-01", "date_end": "2026-03-31", "source": "screenwire"}
    for slug, chart in dashboard["charts"].items():
        sql = chart["query"].replace("[[", "").replace("]]", "")
        args = urllib.parse.urlencode({"sql": sql, **filters, "_shape": "array"})
        rows = get_json(f"{newsroom.url}/starcity.json?{args}")
        assert rows, slug
        if slug == "top-sources":
            assert [r["source"] for r in rows] == ["screenwire"]
        if slug == "relevant-count":
            assert 0 < rows[0]["articles"] < len(query(newsroom, "latest_relevant"))


def test_dashboard_is_configured_and_its_queries_run(newsroom):
    html = get_text(f"{newsroom.url}/-/dashboards/coverage")
    dashboard = METADATA_DATA["plugins"]["datasette-dashboards"]["coverage"]
    for chart in dashboard["charts"].values():
        assert chart["title"] in html
        sql = chart["query"].replace("[[", "").replace("]]", "")
        args = {"sql": sql, "date_start": "2020-01-01", "date_end": "2030-01-01", "source": ""}
        response = get_json(f"{newsroom.url}/starcity.json?{urllib.parse.urlencode(args)}")
        assert response["ok"], chart["title"]


def test_atom_feed_of_new_relevant_articles(newsroom):
    with urllib.request.urlopen(f"{newsroom.url}/starcity/new_relevant_articles.atom") as r:
        assert r.headers["content-type"].startswith("application/xml")
        feed = feedparser.parse(r.read())
    assert not feed.bozo
    relevant = query(newsroom, "latest_relevant", source="", since="")
    assert len(feed.entries) == len(relevant)
    entry = next(e for e in feed.entries if "Rhys Ifans" in e.title)
    assert entry.link.startswith("http://127.0.0.1:") and entry.author == "Eleanor Price"
    hostile = next(e for e in feed.entries if e.id == HOSTILE_URL)
    assert "<script>" in hostile.title  # text, escaped in the XML: readers show it as text


def test_atom_feed_empty_and_with_local_times(tmp_path, start_datasette):
    path = tmp_path / "starcity.db"
    open_database(str(path)).close()
    server = start_datasette(path)
    with urllib.request.urlopen(f"{server.url}/starcity/new_relevant_articles.atom") as r:
        feed = feedparser.parse(r.read())
    assert not feed.bozo and feed.entries == []
    assert feed.feed.title == QUERIES["new_relevant_articles"]["title"]
    db = Database(path)
    row = {"source": "s", "relevance": "relevant", "last_seen": "t", "fetched_at": "t"}
    db["articles"].insert_all(
        [
            {"canonical_url": "https://a.example/1", "url": "u1", "title": "No offset",
             "published_at": "2026-05-28T10:00:00", "first_seen": "2026-05-29T08:00:00+00:00",
             **row},
            {"canonical_url": "https://a.example/2", "url": "u2", "title": "Date only",
             "published_at": "2026-05-27", "first_seen": "2026-05-29T09:00:00+00:00", **row},
            {"canonical_url": "https://a.example/3", "url": "u3", "title": "With offset",
             "published_at": "2026-05-26T07:00:00+00:00",
             "first_seen": "2026-05-29T10:00:00+00:00", **row},
        ]
    )  # fmt: skip
    db.close()
    with urllib.request.urlopen(f"{server.url}/starcity/new_relevant_articles.atom") as r:
        feed = feedparser.parse(r.read())
    updated = {e.title: e.updated for e in feed.entries}
    assert updated == {
        "No offset": "2026-05-29T08:00:00+00:00",
        "Date only": "2026-05-29T09:00:00+00:00",
        "With offset": "2026-05-26T07:00:00+00:00",
    }


# --- safety --------------------------------------------------------------------------------


def test_no_write_or_upload_plugins_and_safe_settings(newsroom):
    plugins = {p["name"] for p in get_json(f"{newsroom.url}/-/plugins.json")}
    assert plugins == {
        "datasette-atom",
        "datasette-block-robots",
        "datasette-dashboards",
        "datasette-leaflet",
        "datasette-render-markdown",
        "datasette-search-all",
        "datasette-vega",
        "newsroom.py",
    }
    settings = get_json(f"{newsroom.url}/-/settings.json")
    assert settings["sql_time_limit_ms"] == int(SETTINGS["sql_time_limit_ms"]) <= 3000
    assert settings["allow_csv_stream"] is False
    assert not any(spec.get("write") for spec in QUERIES.values())


def test_robots_are_blocked(newsroom):
    assert get_text(f"{newsroom.url}/robots.txt").splitlines() == ["User-agent: *", "Disallow: /"]


def test_writes_are_refused(newsroom):
    for sql in ("delete from articles", "update articles set title = 'x'"):
        url = f"{newsroom.url}/starcity.json?{urllib.parse.urlencode({'sql': sql})}"
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(url, timeout=10)
        assert error.value.code == 400
    body = urllib.parse.urlencode({"sql": "delete from articles"}).encode()
    request = urllib.request.Request(f"{newsroom.url}/starcity", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 405
    assert get_json(f"{newsroom.url}/starcity/articles.json?_search=Wolpert")["rows"]


def test_scraped_markup_is_shown_escaped(newsroom):
    for page in HOSTILE_PAGES:
        html = get_text(newsroom.url + page)
        assert "window.__xss" in html, page  # the hostile row is on the page ...
        assert "<script>window.__xss" not in html, page  # ... as text
        for markup in ("<img src=x", "<iframe", "<svg onload", "<b onclick", "<script>window"):
            assert markup not in html, (page, markup)
    # The dashboard's table chart writes cells as HTML; its query escapes the headline.
    chart = METADATA_DATA["plugins"]["datasette-dashboards"]["coverage"]["charts"]
    sql = re.sub(r"\[\[.*?\]\]", "", chart["latest-stories"]["query"])  # no filter set
    args = urllib.parse.urlencode({"sql": sql})
    rows = get_json(f"{newsroom.url}/starcity.json?{args}&_shape=array")
    headline = next(r["headline"] for r in rows if "__xss" in r["headline"])
    assert "<" not in headline and "&lt;script&gt;" in headline


# --- the benchmark's generator and timer run (timings themselves live in `make bench`) --------


def test_bench_generates_a_database_and_times_every_request(tmp_path):
    db = tmp_path / "news.db"
    subprocess.run(
        [sys.executable, "bench/generate.py", "--articles", "400", "--out", str(db)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "bench/newsroom.py", "--db", str(db), "--repeat", "1", "--no-fail-slow",
         "--out", str(tmp_path / "results")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    record = json.loads((tmp_path / "results" / "newsroom.json").read_text())
    requests = {r["request"] for r in record["results"]}
    assert all(f"query {name}" in requests for name in QUERIES)
    assert "search across tables 'Wolpert': articles" in requests
    assert (tmp_path / "results" / "newsroom.md").read_text().startswith("# Newsroom")
    # `make bench-large`'s form: beside another size's figures, request by request
    out = subprocess.run(
        [sys.executable, "bench/newsroom.py", "--db", str(db), "--repeat", "1", "--no-fail-slow",
         "--out", str(tmp_path / "results"), "--name", "newsroom-1m",
         "--compare", str(tmp_path / "results" / "newsroom.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    table = (tmp_path / "results" / "newsroom-1m.md").read_text()
    assert f"| {record['articles']:,}: median ms |" in table and "| growth |" in table
    assert "| query top_people |" in table


# --- publishing ----------------------------------------------------------------------------


def test_publish_command_carries_plugins_metadata_and_settings(newsroom):
    out = subprocess.run(
        [sys.executable, "-m", "starcity", "publish", "cloudrun", "--db", str(newsroom.db),
         "--dry-run", "--", "--service", "starcity-news"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    command = shlex.split(out.strip())
    assert command[1:5] == ["-m", "datasette", "publish", "cloudrun"]
    assert command[-2:] == ["--service", "starcity-news"]
    installs = {command[i + 1].split("==")[0] for i, a in enumerate(command) if a == "--install"}
    assert installs == set(PLUGINS) | set(PINNED_WITH_PLUGINS)
    assert all("==" in command[i + 1] for i, a in enumerate(command) if a == "--install")
    assert "--plugins-dir" in command and "--template-dir" in command
    assert "--setting sql_time_limit_ms 3000" in command[command.index("--extra-options") + 1]
    pins = {command[i + 1] for i, a in enumerate(command) if a == "--install"}
    assert "datasette==0.65.5" in pins
    assert any(p.startswith("datasette-render-markdown==") for p in pins)
    options = command[command.index("--extra-options") + 1]
    assert "--setting allow_download off" in options
    package = publish_command(newsroom.db, "package")
    assert package[3:5] == ["package", str(newsroom.db)]


@pytest.mark.skipif(docker_running(), reason="a Docker daemon answers here")
def test_package_without_docker_is_an_error_not_a_success(newsroom):
    # `datasette package` alone prints Docker's error and exits 0 without an image
    out = subprocess.run(
        [sys.executable, "-m", "starcity", "publish", "package", "--db", str(newsroom.db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "needs Docker" in out.stdout + out.stderr


def test_serve_leaves_no_temporary_files(tmp_path, monkeypatch):
    # a database not called starcity.db gets re-keyed metadata in a temporary folder
    db = tmp_path / "news-2026.db"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    port = free_port()
    command = [sys.executable, "-m", "starcity", "serve", "--db", str(db), "--port", str(port)]
    proc = start_server(command, tmp_path / "serve.log", f"http://127.0.0.1:{port}/-/versions.json")
    try:
        assert list(scratch.iterdir()), "the re-keyed metadata is written while serving"
    finally:
        stop_server(proc)
    assert list(scratch.iterdir()) == []


def test_crawl_then_publish_script(demo_web, tmp_path):
    db = tmp_path / "starcity.db"
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "DB": str(db),
        "CRAWL_ARGS": f"--sources demo --demo-url {demo_web.url}",
        "PUBLISH_DRY_RUN": "1",
    }
    out = subprocess.run(
        ["deploy/crawl-and-publish.sh", "heroku", "--name", "starcity-news"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert Database(db)["articles"].count == 12
    assert "datasette publish heroku" in out.stdout and "--name starcity-news" in out.stdout
    # A crawl that reads nothing publishes nothing.
    env["CRAWL_ARGS"] = "--sources demo --demo-url http://127.0.0.1:9"
    failed = subprocess.run(
        ["deploy/crawl-and-publish.sh", "heroku"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert failed.returncode == 1 and "datasette publish" not in failed.stdout


def test_public_instance_serves_immutable_with_the_same_newsroom(
    newsroom, tmp_path, start_datasette
):
    """What a published deploy runs: `datasette serve -i` with the same options."""
    import shutil

    db = tmp_path / "starcity.db"
    shutil.copy(newsroom.db, db)
    url = start_datasette(db, immutable=True).url
    assert get_json(f"{url}/-/databases.json")[0]["is_mutable"] is False
    with pytest.raises(urllib.error.HTTPError) as error:  # no download of the whole file
        urllib.request.urlopen(f"{url}/starcity.db", timeout=10)
    assert error.value.code == 403
    assert get_json(f"{url}/starcity/latest_relevant.json?_shape=array&source=&since=")
    assert "Disallow: /" in get_text(f"{url}/robots.txt")


def test_the_readmes_newsroom_examples_answer(newsroom, tmp_path, start_datasette):
    """The README's URLs, as written, on a database named demo (as `make demo` serves)."""
    import shutil

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The newsroom") : readme.index("## Layout")]
    paths = set(re.findall(r"(/(?:demo|-)/[\w./-]+(?:\?[\w=&%.-]+)?)", section))
    assert len(paths) >= 6, paths
    demo = tmp_path / "demo.db"
    shutil.copy(newsroom.db, demo)
    server = start_datasette(demo)
    for path in sorted(paths):
        with urllib.request.urlopen(server.url + path.rstrip("."), timeout=20) as response:
            assert response.status == 200, path
    home = get_text(server.url + "/")
    assert 'href="/demo/latest_relevant"' in home


def test_serve_upgrades_an_older_database_first(tmp_path):
    path = tmp_path / "starcity.db"
    previous_release_database(path).close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "starcity", "serve", "--db", str(path), "--port", str(port)]
    proc = start_server(command, tmp_path / "serve.log", url + "/-/versions.json")
    try:
        rows = get_json(f"{url}/starcity/top_people.json?since=")
        assert rows["ok"] and rows["rows"] == []
    finally:
        stop_server(proc)


def test_publishing_copies_commits_still_in_the_write_ahead_log(tmp_path):
    path = tmp_path / "starcity.db"
    db = open_database(str(path))
    reader = sqlite3.connect(path)  # a local Datasette keeps the file open
    reader.execute("select count(*) from articles").fetchall()
    row = {"url": "u", "source": "s", "first_seen": "t", "last_seen": "t", "fetched_at": "t"}
    db["articles"].insert({"canonical_url": "https://a.example/new", **row})
    assert Path(f"{path}-wal").stat().st_size > 0
    (tmp_path / "out").mkdir()
    copy = snapshot(path, tmp_path / "out")
    reader.close()
    db.close()
    assert copy.name == "starcity.db"
    copied = sqlite3.connect(copy)
    assert copied.execute("select count(*) from articles").fetchone()[0] == 1
    assert copied.execute("pragma journal_mode").fetchone()[0] == "delete"
    copied.close()


def test_database_names_datasette_would_escape_are_refused(tmp_path):
    assert check_db_name("data/news-2026_a.db") == "news-2026_a"
    with pytest.raises(ValueError):
        check_db_name("data/news.2026.db")
    out = subprocess.run(
        [sys.executable, "-m", "starcity", "serve", "--db", str(tmp_path / "news.2026.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2 and "news.2026.db" in out.stdout + out.stderr
