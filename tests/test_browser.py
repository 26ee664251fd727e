"""The newsroom in a real browser: Debian's Chromium, driven by Playwright, against Datasette.

`make test` and `.ci/run` install Chromium with apt when it is missing
(scripts/ensure-chromium.sh); `playwright install` is never used. Screenshots of each page
are saved under the test's temporary folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import HOSTILE_PAGES

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason="Debian's chromium is not installed (scripts/ensure-chromium.sh installs it)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, newsroom) -> Iterator:
    """A fresh page that records script errors and dialogs (none may happen)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: (page.problems.append("dialog"), dialog.dismiss()))
    yield page
    context.close()


def no_injected_script_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert not page.problems, page.problems


def shot(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    return path


def test_home_page(page, newsroom, tmp_path):
    page.goto(newsroom.url + "/")
    assert "Star City news monitor" in page.title()
    assert page.get_by_role("link", name="the coverage dashboard").is_visible()
    page.get_by_role("link", name="the latest relevant articles").click()
    page.wait_for_selector("table.rows-and-columns")
    assert "Rhys Ifans to lead" in page.inner_text("table.rows-and-columns")
    shot(page, tmp_path, "latest-relevant")
    no_injected_script_ran(page)


def test_search_wolpert_then_open_an_article_with_its_people_and_dates(page, newsroom, tmp_path):
    page.goto(newsroom.url + "/-/search")
    page.fill("#search-all-q", "Wolpert")
    page.click("input[type=submit]")
    page.wait_for_selector("text=/\\d+ results? in starcity: articles/")
    shot(page, tmp_path, "search-all")
    assert "Wolpert" in page.inner_text("body")
    no_injected_script_ran(page)

    # The table's own search box, then one article's row page.
    page.get_by_role("link", name=re.compile(r"^\d+ results?$")).first.click()
    page.wait_for_selector("table.rows-and-columns")
    assert 'where search matches "Wolpert"' in page.inner_text("body")
    row = page.locator("tr", has_text="Apple TV sets May 29 premiere for 'Star City'").first
    row.locator("td.type-pk a").click()
    page.wait_for_selector("table.article-people")
    people = page.inner_text("table.article-people")
    assert "Matt Wolpert" in people and "Ben Nedivi" in people
    dates = page.inner_text("table.article-dates")
    assert "2026-05-29" in dates and "premiere/release" in dates
    shot(page, tmp_path, "article")
    page.get_by_role("link", name="Matt Wolpert").click()
    page.wait_for_selector("table.rows-and-columns")
    assert "Articles naming a person" in page.inner_text("body")
    no_injected_script_ran(page)


def test_dashboard_charts_render(page, newsroom, tmp_path):
    page.goto(newsroom.url + "/-/dashboards/coverage")
    chart = page.wait_for_selector(
        "#chart-coverage-over-time svg.marks, #chart-coverage-over-time canvas"
    )
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    # Bars were drawn: the chart's marks hold paths with a size.
    bars = page.locator("#chart-coverage-over-time .mark-rect path")
    assert bars.count() >= 1
    page.wait_for_selector("#chart-top-people svg.marks, #chart-top-people canvas")
    assert (
        "Matt Wolpert" in page.inner_text("#chart-top-people")
        or page.locator("#chart-top-people text", has_text="Matt Wolpert").count()
    )
    page.wait_for_selector("#chart-latest-stories table")
    stories = page.inner_text("#chart-latest-stories")
    assert "Apple TV sets May 29 premiere" in stories
    assert "<script>window.__xss" in stories  # the hostile headline, shown as text
    metric = page.inner_text("#chart-relevant-count")
    assert any(ch.isdigit() for ch in metric)
    shot(page, tmp_path, "dashboard")
    no_injected_script_ran(page)


def test_hostile_article_stays_text_everywhere(page, newsroom, tmp_path):
    for path in (*HOSTILE_PAGES, "/-/search?q=Wolpert", "/-/dashboards/coverage"):
        page.goto(newsroom.url + path)
        page.wait_for_load_state("networkidle")
        assert "window.__xss" in page.inner_text("body"), path
        no_injected_script_ran(page)
    shot(page, tmp_path, "hostile-search")


def test_coverage_per_week_chart_from_its_link(page, newsroom, tmp_path):
    page.goto(newsroom.url + "/starcity/coverage_per_week?since=")
    page.get_by_role("link", name="Show as a chart").click()
    page.wait_for_selector("text=Charting options")
    chart = page.wait_for_selector("svg.marks, canvas")
    box = chart.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50
    shot(page, tmp_path, "coverage-per-week-chart")
    # Changing a chart option redraws the chart; it does not reload the page.
    page.evaluate("window.__still_here = 1")
    page.get_by_label("Line").check()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__still_here") == 1
    assert "g.mark=line" in page.url
    no_injected_script_ran(page)


def test_crawl_health_dashboard_and_problem_feed(page, newsroom, start_datasette, tmp_path):
    """On the demo crawl plus a source that failed its last three runs."""
    import json
    import sqlite3
    import urllib.request
    from xml.etree import ElementTree

    db = tmp_path / "starcity.db"
    shutil.copy(newsroom.db, db)
    conn = sqlite3.connect(db)
    from datetime import UTC, datetime, timedelta

    first = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    for n in range(3):
        started = (first + timedelta(hours=n)).isoformat()
        run = conn.execute(
            "insert into crawl_runs (started_at, finished_at, status, sources, articles_new,"
            " errors) values (?, ?, 'failed', '[\"dead-feed\"]', 0, 1)",
            (started, started),
        ).lastrowid
        conn.execute(
            "insert into source_runs (run_id, source, status, errors, errors_by_kind)"
            " values (?, 'dead-feed', 'failed', 1, ?)",
            (run, json.dumps({"connection_refused": 1})),
        )
    conn.execute(
        "insert into sources (name, kind, start_urls, last_run_id, last_status,"
        " consecutive_failures, last_errors) values ('dead-feed', 'feed', '[]', ?, 'failed',"
        " 3, '{\"connection_refused\": 1}')",
        (run,),
    )
    # a source that failed, then left the configuration: no run has read it for a month
    old_run = conn.execute(
        "insert into crawl_runs (started_at, status, sources) values (?, 'failed', '[]')",
        ((first - timedelta(days=30)).isoformat(),),
    ).lastrowid
    conn.execute(
        "insert into sources (name, kind, start_urls, last_run_id, last_status,"
        " consecutive_failures) values ('gone-feed', 'feed', '[]', ?, 'failed', 5)",
        (old_run,),
    )
    conn.commit()
    conn.close()
    server = start_datasette(db)
    page.goto(server.url + "/-/dashboards/crawl-health")
    for chart in ("new-per-run", "errors-per-day"):
        drawn = page.wait_for_selector(f"#chart-{chart} svg.marks, #chart-{chart} canvas")
        box = drawn.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    page.wait_for_selector("#chart-failing-sources table")
    failing = page.inner_text("#chart-failing-sources")
    assert "dead-feed" in failing and first.isoformat() in failing
    page.wait_for_selector("#chart-last-new-article table")
    assert "launchpad-ledger" in page.inner_text("#chart-last-new-article")
    assert "1" in page.inner_text("#chart-failing-count")
    shot(page, tmp_path, "crawl-health")
    no_injected_script_ran(page)
    with urllib.request.urlopen(server.url + "/starcity/source_problems.atom") as response:
        feed = ElementTree.fromstring(response.read())
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert "Source dead-feed failed its last 3 runs" in titles
    assert not [t for t in titles if "gone-feed" in t] and "gone-feed" not in failing


def test_an_archived_copy_runs_none_of_its_scripts(browser, tmp_path):
    """The archived copy of a hostile page, opened in Chromium from the newsroom: the
    page shows, none of its scripts or handlers runs, nothing is loaded from elsewhere."""
    import sqlite3
    import urllib.parse
    from datetime import UTC, datetime

    from db.migrations import open_database
    from spiders.archive import WarcArchive
    from tests.helpers import serve_datasette, stop_server

    hostile = (
        b"<html><head><script>window.__xss = 1</script></head><body><h1>Star City</h1>"
        b'<img src="http://127.0.0.1:9/x.png" onerror="window.__xss = 2">'
        b'<iframe srcdoc="<script>parent.__xss = 3</script>"></iframe>'
        b"<p>Archived text of the article.</p></body></html>"
    )
    url = "https://paper.example/star-city"
    pointer = WarcArchive(tmp_path / "archive", "t").write(
        url,
        ("GET", "/star-city", []),
        (200, "OK", [("Content-Type", "text/html")], hostile),
        datetime.now(UTC),
    )
    db_path = tmp_path / "starcity.db"
    open_database(str(db_path)).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "insert into articles (canonical_url, url, source, title, first_seen, last_seen,"
            " fetched_at, archive_file, archive_offset, archive_record_id)"
            " values (?, ?, 'demo', 'Star City', 't', 't', 't', ?, ?, ?)",
            [url, url, pointer["file"], pointer["offset"], pointer["record_id"]],
        )
    server = serve_datasette(db_path)
    context = browser.new_context()
    try:
        page = context.new_page()
        # (a request the policy blocks is announced, then fails: only finished ones count)
        requests: list[str] = []
        page.on("requestfinished", lambda request: requests.append(request.url))
        page.goto(f"{server.url}/-/archived/starcity?url={urllib.parse.quote(url)}")
        assert page.inner_text("h1") == "Star City"
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert all(r.startswith(server.url) for r in requests), requests
    finally:
        context.close()
        stop_server(server.process)
