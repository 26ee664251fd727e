"""End to end: the demo web over real HTTP, a crawl as `make crawl` runs it, rows in SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import run_crawl

DEMO_ARTICLES = 12


def rows(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {r["canonical_url"]: dict(r) for r in conn.execute("select * from articles")}
    finally:
        conn.close()


def by_path(articles: dict[str, dict], path: str) -> dict:
    matches = [row for url, row in articles.items() if url.endswith(path)]
    assert len(matches) == 1, f"{path}: {len(matches)} rows"
    return matches[0]


@pytest.fixture
def crawled(demo_web, tmp_path):
    db = tmp_path / "demo.db"
    result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    return db, result, demo_web


def test_crawl_stores_every_demo_article(crawled):
    db, result, _ = crawled
    articles = rows(db)
    assert len(articles) == DEMO_ARTICLES
    assert {row["source"] for row in articles.values()} == {
        "launchpad-ledger",
        "screenwire",
        "evening-courier",
        "streambuzz",
    }
    assert "run 1 ok" in result.stdout


def test_pages_are_analysed_in_worker_processes(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    try:
        stats = json.loads(conn.execute("select stats from crawl_runs").fetchone()[0])
    finally:
        conn.close()
    for spider in stats.values():  # one record per kind of source
        assert spider["analysis/workers"] >= 1
        assert spider["analysis/worker_peak_rss_mb"] > 50  # a worker that loaded the model
        assert spider["analysis/failed_batches"] == 0
    stages = {k for spider in stats.values() for k in spider if k.startswith("stage_cpu/")}
    assert {f"stage_cpu/{s}" for s in ("extract", "relevance", "people_dates")} <= stages


def test_jsonld_publisher_fields(crawled):
    db, _, web = crawled
    row = by_path(rows(db), "/launchpad/2026/02/26/star-city-first-look-images/")
    assert row["canonical_url"] == f"{web.url}/launchpad/2026/02/26/star-city-first-look-images/"
    assert row["title"] == (
        "Apple TV releases first-look images from 'For All Mankind' spinoff 'Star City'"
    )
    assert json.loads(row["authors"]) == ["Dana Whitfield", "Marco Ruiz"]
    assert json.loads(row["author_kinds"]) == ["person", "person"]
    assert row["published_at"] == "2026-02-26T22:05:00+00:00"
    assert row["published_at_local"] == "2026-02-26T14:05:00-08:00"
    assert row["modified_at"] == "2026-02-27T00:40:00+00:00"
    assert row["site_name"] == "The Launchpad Ledger"
    assert row["language"] == "en"
    provenance = json.loads(row["provenance"])
    assert provenance["published"] == "jsonld:datePublished"
    assert provenance["authors"] == "jsonld:author"
    assert "May 29" in row["text"]
    assert row["word_count"] > 150


def test_opengraph_publisher_fields_and_seed_text(crawled):
    db, _, _ = crawled
    row = by_path(rows(db), "/screenwire/news/star-city-for-all-mankind-spinoff-iron-curtain/")
    assert row["title"] == (
        "Behind the Iron Curtain: How ‘Star City’ Flips the Script on ‘For All Mankind’"
    )
    assert json.loads(row["authors"]) == ["Priya Castellano"]
    assert row["published_at_local"] == "2026-02-27T09:30:00-05:00"
    assert row["published_at"] == "2026-02-27T14:30:00+00:00"
    assert row["modified_at"] is None
    assert row["site_name"] == "ScreenWire"
    assert json.loads(row["provenance"])["published"] == "meta:article:published_time"
    assert "Star City" in json.loads(row["tags"])
    # The seed article's own words, and none of the page's chrome.
    assert "Matt Wolpert and Ben Nedivi" in row["text"]
    assert "Ronald D. Moore" in row["text"]
    assert "newsletter" not in row["text"].lower()


def test_byline_and_time_publisher_fields(crawled):
    db, _, web = crawled
    row = by_path(rows(db), "/courier/tv/rhys-ifans-star-city.html")
    assert row["canonical_url"] == f"{web.url}/courier/tv/rhys-ifans-star-city.html"
    assert row["title"] == "Rhys Ifans to lead Apple's Soviet space drama Star City"
    assert json.loads(row["authors"]) == ["Eleanor Price"]
    assert row["published_at"] == "2025-02-06T10:15:00+00:00"
    provenance = json.loads(row["provenance"])
    assert provenance["authors"] == "byline"
    assert provenance["published"] == "time[datetime]"
    assert "Rhys Ifans" in row["text"]


def test_off_topic_pages_are_stored_too(crawled):
    db, _, _ = crawled
    titles = {row["title"] for row in rows(db).values()}
    assert "Sydney's Star casino faces fresh licence review" in titles
    assert "Cosmonaut trainees brave winter survival drills outside Star City" in titles
    assert "Green Arrow returns to Star City in a moody new comic run" in titles


def test_second_crawl_adds_no_rows_and_keeps_first_seen(crawled):
    db, _, web = crawled
    before = rows(db)
    requests_before = len(web.requests)
    again = run_crawl(db, "--sources", "demo", "--demo-url", web.url)
    assert again.returncode == 0, again.stdout + again.stderr
    after = rows(db)
    assert after.keys() == before.keys()
    for url, row in after.items():
        assert row["first_seen"] == before[url]["first_seen"]
        assert row["fetched_at"] == before[url]["fetched_at"]  # not fetched again
        assert row["times_seen"] == 1
    # The fixture server's own log: robots.txt and the feeds, and no article page.
    second = web.requests[requests_before:]
    assert {r.path for r in second} == {
        "/robots.txt",
        "/launchpad/feed.xml",
        "/screenwire/atom.xml",
        "/courier/rss.xml",
        "/streambuzz/feed.xml",
    }
    # Conditional GET: every unchanged feed answered 304 Not Modified.
    assert [r.status for r in second if r.path.endswith(".xml")] == [304] * 4
    conn = sqlite3.connect(db)
    runs = conn.execute("select id, status, articles_new from crawl_runs order by id").fetchall()
    not_modified = conn.execute(
        "select sum(not_modified) from source_runs where run_id = 2"
    ).fetchone()[0]
    conn.close()
    assert runs == [(1, "ok", DEMO_ARTICLES), (2, "ok", 0)]
    assert not_modified == 4


def test_stored_pages_are_not_fetched_again_when_a_feed_changes(crawled):
    """A changed feed lists the same articles: none is fetched, each is marked as seen."""
    import time

    db, _, web = crawled
    before = rows(db)
    conn = sqlite3.connect(db)
    conn.execute("delete from feed_state")  # as if every feed had changed
    conn.commit()
    conn.close()
    time.sleep(1.1)  # last_seen has a resolution of one second
    requests_before = len(web.requests)
    again = run_crawl(db, "--sources", "demo", "--demo-url", web.url)
    assert again.returncode == 0, again.stdout + again.stderr
    pages = [
        r.path for r in web.requests[requests_before:] if not r.path.endswith((".xml", ".txt"))
    ]
    assert pages == []
    after = rows(db)
    for url, row in after.items():
        assert row["last_seen"] > before[url]["last_seen"]
        assert row["fetched_at"] == before[url]["fetched_at"]
    conn = sqlite3.connect(db)
    skipped = conn.execute(
        "select sum(skipped_known) from source_runs where run_id = 2"
    ).fetchone()[0]
    conn.close()
    assert skipped == DEMO_ARTICLES


def test_young_articles_are_fetched_once_more_for_updates(demo_web, tmp_path):
    db = tmp_path / "young.db"
    young = ("-s", "STARCITY_REFETCH_HOURS=100000")
    for _ in range(3):
        result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url, *young)
        assert result.returncode == 0, result.stdout + result.stderr
        conn = sqlite3.connect(db)
        conn.execute("delete from feed_state")
        conn.commit()
        conn.close()
    pages = [r.path for r in demo_web.requests if not r.path.endswith((".xml", ".txt"))]
    # Fetched on the first run, once more on the second, not on the third. (The feeds
    # answer 304 from the second run on, so the second run has to read them: no
    # conditional GET for this test.)
    assert len(pages) == 2 * DEMO_ARTICLES
    assert {row["times_seen"] for row in rows(db).values()} == {2}


def test_crawler_obeys_robots_and_names_itself(crawled):
    _, _, web = crawled
    paths = [r.path for r in web.requests]
    assert paths[0] == "/robots.txt"
    assert all("StarCityMonitor" in r.user_agent for r in web.requests)
    # Every article page is fetched once, and nothing else but feeds and robots.txt.
    html = [p for p in paths if not p.endswith((".xml", ".txt"))]
    assert len(html) == len(set(html)) == DEMO_ARTICLES


def test_run_records_per_source(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    per_source = {
        r["source"]: dict(r) for r in conn.execute("select * from source_runs where run_id = 1")
    }
    conn.close()
    assert set(per_source) == {"launchpad-ledger", "screenwire", "evening-courier", "streambuzz"}
    assert sum(r["stored"] for r in per_source.values()) == DEMO_ARTICLES
    assert all(r["status"] == "ok" and r["errors"] == 0 for r in per_source.values())


def test_make_crawl_sources_demo_twice_keeps_row_count(tmp_path, monkeypatch):
    """`make crawl SOURCES=demo`: the crawl starts its own demo web, on the same port each time."""
    from tests.helpers import free_port

    monkeypatch.setenv("STARCITY_DEMO_PORT", str(free_port()))
    db = tmp_path / "t.db"
    first = run_crawl(db, "--sources", "demo")
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_crawl(db, "--sources", "demo")
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(rows(db)) == DEMO_ARTICLES


def test_relevance_labels_and_evidence(crawled):
    db, _, _ = crawled
    articles = rows(db)
    off_topic = {
        "/launchpad/2026/01/12/green-arrow-returns-to-star-city-comic-review/",
        "/screenwire/business/the-star-sydney-casino-licence-review/",
        "/courier/science/gagarin-centre-winter-survival-drills.html",
    }
    for url, row in articles.items():
        expected = "off_topic" if any(url.endswith(p) for p in off_topic) else "relevant"
        assert row["relevance"] == expected, (url, row["relevance"], row["relevance_evidence"])
    casino = by_path(articles, "/screenwire/business/the-star-sydney-casino-licence-review/")
    evidence = json.loads(casino["relevance_evidence"])
    assert "casino" in evidence["other"]
    first_look = by_path(articles, "/launchpad/2026/02/26/star-city-first-look-images/")
    evidence = json.loads(first_look["relevance_evidence"])
    assert "Star City" in evidence["names"]["title"]
    assert "For All Mankind" in evidence["show"]["franchise"]["title"]


def test_aggregator_copy_is_linked_to_the_original_not_dropped(crawled):
    db, _, web = crawled
    articles = rows(db)
    copy = by_path(articles, "/streambuzz/posts/star-city-may-29-premiere-date-trailer.html")
    original = by_path(articles, "/launchpad/2026/03/10/star-city-premiere-date-trailer/")
    # The feed's link carried ?utm_source=rss&utm_medium=feed#rss: normalised away.
    assert copy["canonical_url"] == (
        f"{web.url}/streambuzz/posts/star-city-may-29-premiere-date-trailer.html"
    )
    assert copy["duplicate_of"] == original["canonical_url"]
    assert copy["duplicate_kind"] == "near" and copy["duplicate_similarity"] >= 0.8
    assert original["duplicate_of"] is None
    assert sum(1 for r in articles.values() if r["duplicate_of"]) == 1


def test_one_event_reported_by_several_publishers_is_one_story(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    stories = {r["id"]: dict(r) for r in conn.execute("select * from stories")}
    members = conn.execute(
        "select story_id, canonical_url from articles where story_id is not null"
    ).fetchall()
    counts = dict(
        conn.execute(
            "select source, relevant_with_copies - relevant from coverage_by_source"
        ).fetchall()
    )
    conn.close()
    premiere = [s for s in stories.values() if s["article_count"] == 4]
    assert len(premiere) == 1
    story = premiere[0]
    assert story["original_count"] == 3 and story["source_count"] == 4
    assert story["first_published"] == "2026-03-10T13:12:00+00:00"
    assert "may-29" in json.loads(story["terms"])
    urls = {url for sid, url in members if sid == story["id"]}
    assert any(u.endswith("/courier/tv/star-city-premiere-date.html") for u in urls)
    # Every other relevant article is a story of its own.
    assert len(stories) == 6
    assert counts["streambuzz"] == 1  # coverage with and without copies differs by the copy


def test_a_refetched_article_takes_its_update_and_keeps_when_it_was_first_seen(tmp_path):
    import shutil
    import time

    from starcity.demoweb import SITE_DIR, DemoWeb

    site = tmp_path / "site"
    shutil.copytree(SITE_DIR, site)
    page = site / "courier" / "tv" / "rhys-ifans-star-city.html"
    db = tmp_path / "update.db"
    young = ("-s", "STARCITY_REFETCH_HOURS=100000")
    with DemoWeb(root=site) as web:
        url = f"{web.url}/courier/tv/rhys-ifans-star-city.html"
        result = run_crawl(db, "--sources", "demo", "--demo-url", web.url, *young)
        assert result.returncode == 0, result.stdout + result.stderr
        before = rows(db)[url]
        assert before["modified_at"] is None
        # the publisher updates the story: a modified time and a new paragraph
        html = page.read_text(encoding="utf-8").replace(
            "<head>",
            '<head><meta property="article:modified_time" content="2026-03-01T10:00:00+00:00">',
            1,
        )
        written = "the scripts were still being written.</p>"
        page.write_text(html.replace(written, written + "<p>Update: filming wraps in May.</p>"))
        time.sleep(1.1)  # fetched_at has a resolution of seconds
        conn = sqlite3.connect(db)
        conn.execute("delete from feed_state")  # read the feeds again, not 304
        conn.commit()
        conn.close()
        result = run_crawl(db, "--sources", "demo", "--demo-url", web.url, *young)
        assert result.returncode == 0, result.stdout + result.stderr
    after = rows(db)[url]
    assert after["first_seen"] == before["first_seen"]
    assert after["fetched_at"] > before["fetched_at"]
    assert after["modified_at"] == "2026-03-01T10:00:00+00:00"
    assert "filming wraps in May" in after["text"]
    assert after["times_seen"] == 2


def test_the_language_of_the_text_is_stored_beside_the_declared_one(crawled):
    db, _, _ = crawled
    articles = rows(db)
    assert {row["detected_language"] for row in articles.values()} == {"en"}
    assert {row["language"] for row in articles.values()} <= {"en", "en-US", "en-GB"}
    declared = {row["declared_language"] for row in articles.values()}
    assert declared - {None} <= {"en", "en-US", "en-GB"}
    for row in articles.values():
        provenance = json.loads(row["provenance"])
        if row["declared_language"] is None:
            assert provenance["language"] == "text:py3langid"


def test_every_response_is_archived_and_each_article_points_at_its_own(crawled):
    from warcio.archiveiterator import ArchiveIterator

    db, result, _ = crawled
    archive = db.parent / "archive"
    files = sorted(archive.glob("*.warc.gz"))
    assert files, "no WARC file written"
    # one set of files per run and spider (the spiders of a run start at the same second)
    assert all(f.name.split("-")[-2] in ("feeds", "sitemaps", "sites") for f in files)
    assert all("-run" in f.name for f in files)
    # requests and responses of pages, feeds, sitemaps and robots.txt
    kinds: dict[str, int] = {}
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                kinds[record.rec_type] = kinds.get(record.rec_type, 0) + 1
    assert kinds["response"] == kinds["request"] > DEMO_ARTICLES
    for row in rows(db).values():
        assert row["archive_file"] and row["archive_offset"] is not None
        with (archive / row["archive_file"]).open("rb") as stream:
            stream.seek(row["archive_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == row["archive_record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
            body = record.content_stream().read()
            assert row["title"].split()[0].encode() in body


def test_archive_retention_prunes_earlier_runs_and_clears_their_pointers(crawled):
    db, _, demo = crawled
    archive = db.parent / "archive"
    first = {f.name for f in archive.glob("*.warc.gz")}
    result = run_crawl(
        db, "--sources", "demo", "--demo-url", demo.url, "-s", "STARCITY_ARCHIVE_MAX_TOTAL_BYTES=1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    left = {f.name for f in archive.glob("*.warc.gz")}
    assert not first & left, "the first run's files are pruned"
    assert left, "the second run's own files are kept"
    # the articles (not fetched again) pointed into the first run's files: cleared
    assert all(row["archive_file"] is None for row in rows(db).values())


def test_an_articles_archived_copy_is_served_sandboxed_from_datasette(crawled):
    import sqlite3 as sql
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.helpers import serve_datasette, stop_server

    def status(url: str) -> int:
        try:
            with urllib.request.urlopen(url) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    db, _, _ = crawled
    row = next(r for r in rows(db).values() if r["relevance"] == "relevant")
    server = serve_datasette(db)
    try:
        name = db.stem
        page = f"{server.url}/-/archived/{name}?url={urllib.parse.quote(row['canonical_url'])}"
        with urllib.request.urlopen(page) as response:
            body = response.read()
            csp = response.headers["Content-Security-Policy"]
            assert response.headers["Content-Type"].startswith("text/html")
        assert csp.startswith("sandbox") and "script-src 'none'" in csp
        assert row["title"].split()[0].encode() in body
        # the WARC record itself, to download
        with urllib.request.urlopen(page + "&format=warc") as response:
            assert response.headers["Content-Type"] == "application/warc"
            assert response.read()[:2] == b"\x1f\x8b"  # its own gzip member
        # the article's page links to it
        key = urllib.parse.quote(row["canonical_url"], safe="")
        html = urllib.request.urlopen(f"{server.url}/{name}/articles?canonical_url={key}").read()
        assert b"/-/archived/" + name.encode() in html
        # no archived copy, or a pointer out of the archive folder: refused
        assert status(f"{server.url}/-/archived/{name}?url=http://nowhere.example/") == 404
    finally:
        stop_server(server.process)
    with sql.connect(db) as conn:
        conn.execute(
            "update articles set archive_file = '../../etc/passwd' where canonical_url = ?",
            [row["canonical_url"]],
        )
    server = serve_datasette(db)
    try:
        url = urllib.parse.quote(row["canonical_url"])
        assert status(f"{server.url}/-/archived/{db.stem}?url={url}") == 400
    finally:
        stop_server(server.process)


def test_a_crawl_is_replayed_from_the_archive_without_a_request(crawled, tmp_path):
    import shutil

    db, _, demo = crawled
    archive = tmp_path / "replayed-archive"
    shutil.copytree(db.parent / "archive", archive)
    # a damaged file beside the good ones: reported and skipped, the replay goes on
    good = sorted(archive.glob("*.warc.gz"))[0]
    (archive / "starcity-damaged.warc.gz").write_bytes(good.read_bytes()[:700] + b"\x00junk")
    before = len(demo.requests)
    replayed = tmp_path / "replay" / "r.db"
    replayed.parent.mkdir()
    result = run_crawl(
        replayed, "--sources", "demo", "--demo-url", demo.url,
        "-s", f"STARCITY_REPLAY_FROM={archive}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(demo.requests) == before, "the replay asked the demo web for something"
    original, again = rows(db), rows(replayed)
    assert set(again) == set(original)
    assert {u: r["title"] for u, r in again.items()} == {u: r["title"] for u, r in original.items()}
    assert not (replayed.parent / "archive").exists(), "a replay archives nothing again"
    with sqlite3.connect(replayed) as conn:
        stats = json.loads(conn.execute("select stats from crawl_runs").fetchone()[0])
    assert sum(s.get("replay/damaged_files", 0) for s in stats.values()) >= 1
