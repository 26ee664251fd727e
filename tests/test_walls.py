"""Walls (issue #19): consent pages, bot challenges and paywall stubs told from articles."""

from __future__ import annotations

import json
import sqlite3

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipelines.walls import find_wall
from spiders.errors import classify_failure
from starcity.walls import challenge_marker, consent_address
from tests.helpers import ROOT, extract, get_json, run_crawl

WALLS = ROOT / "demoweb" / "site" / "walls"
BASE = "http://127.0.0.1:8002"


def wall_of(name: str, headers: dict | None = None):
    body = (WALLS / name).read_bytes().replace(b"{{base}}", BASE.encode())
    url = f"{BASE}/walls/{name}"
    return find_wall(extract(body, url), body, url, headers)


def test_consent_services_and_gateways_are_known_by_their_address():
    for url in (
        "https://consent.google.com/ml?continue=https://news.example/a",
        "https://consent.youtube.com/m?continue=x",
        "https://guce.yahoo.com/consent?brandType=nonEu",
        "https://myprivacy.dpgmedia.nl/consent?siteKey=x",
        "https://news.example/privacy-gate?return=/a",
        "https://cdn.privacy-mgmt.com/index.html?message_id=1",
    ):
        assert consent_address(url), url
    for url in (
        "https://news.example/star-city-consent-decree-ruling.html",
        "https://news.example/news/consent-decree-signed",
        "https://www.bbc.example/news/topics/consent",
        "https://www.consentino.it/star-city",
        "https://news.example/tv/star-city/",
    ):
        assert not consent_address(url), url


def test_challenge_vendors_are_known_by_their_marks_not_by_being_used():
    assert challenge_marker("<title>Just a moment...</title>")
    assert challenge_marker("", {"cf-mitigated": "challenge"})
    assert challenge_marker('<script src="https://geo.captcha-delivery.com/captcha/"></script>')
    assert challenge_marker("Incapsula incident ID: 123")
    # a site behind Cloudflare that serves its article carries none of these
    assert not challenge_marker('<script src="/cdn-cgi/scripts/email-decode.min.js"></script>')
    assert not challenge_marker("<p>The cosmonauts must verify every checklist item.</p>")


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("star-city-trailer-breakdown.html", "consent_wall"),
        ("star-city-production-diary.html", "bot_challenge"),
        ("star-city-soviet-sets.html", "bot_challenge"),
        ("star-city-exclusive-interview.html", "paywall"),
    ],
)
def test_wall_pages_are_no_articles(page, kind):
    wall = wall_of(page)
    assert wall is not None and wall.kind == kind and not wall.keeps_article, wall


def test_a_paywalled_article_keeps_its_metadata_and_an_article_is_no_wall():
    wall = wall_of("star-city-showrunners-space-race.html")
    assert wall is not None and wall.kind == "paywall" and wall.keeps_article
    assert "isAccessibleForFree" in wall.evidence or "subscribe" in wall.evidence.lower()
    assert wall_of("star-city-cosmonaut-casting.html") is None
    for path in (ROOT / "demoweb" / "site").glob("*/*/*.html"):  # the demo's other articles
        body = path.read_bytes().replace(b"{{base}}", BASE.encode())
        url = f"{BASE}/{path.relative_to(ROOT / 'demoweb' / 'site')}"
        assert find_wall(extract(body, url), body, url) is None, path


def test_a_challenge_sent_with_an_error_status_is_counted_as_a_challenge():
    body = (WALLS / "star-city-soviet-sets.html").read_bytes()
    request = Request(f"{BASE}/walls/star-city-soviet-sets.html")
    response = HtmlResponse(request.url, status=403, body=body, request=request)
    kind, reason = classify_failure(Failure(HttpError(response)))
    assert kind == "bot_challenge" and "403" in reason
    plain = HtmlResponse(request.url, status=403, body=b"<h1>Forbidden</h1>", request=request)
    assert classify_failure(Failure(HttpError(plain)))[0] == "http_403"


def test_walls_are_counted_per_source_and_not_stored(demo_web, tmp_path, start_datasette):
    db = tmp_path / "starcity.db"  # (the newsroom names it "starcity")
    result = run_crawl(
        db, "--sources", "demo", "--demo-url", demo_web.url, "--source", "walled-gazette"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        stored = {
            r["canonical_url"].rsplit("/", 1)[-1]: dict(r)
            for r in conn.execute("select * from articles")
        }
        run = dict(conn.execute("select * from source_runs").fetchone())
    assert set(stored) == {
        "star-city-cosmonaut-casting.html",
        "star-city-showrunners-space-race.html",
    }
    partial = stored["star-city-showrunners-space-race.html"]
    assert partial["text_partial"] == 1
    assert partial["title"] == "Star City's showrunners on the space race"
    assert json.loads(partial["authors"]) == ["Jonas Lindqvist"]
    assert partial["published_at"].startswith("2026-03-22")
    assert stored["star-city-cosmonaut-casting.html"]["text_partial"] is None
    assert json.loads(run["errors_by_kind"]) == {
        "consent_wall": 2,  # the redirect to a consent service, and the cookie wall
        "bot_challenge": 2,  # sent as 200, and as 403
        "paywall": 1,  # the stub without the article's metadata
    }
    assert run["paywalled"] == 1
    assert "consent_wall" in result.stdout
    # The newsroom's source health names the walls.
    server = start_datasette(db)
    (health,) = get_json(f"{server.url}/starcity/source_health.json?_shape=array")
    assert health["name"] == "walled-gazette"
    assert health["health"] == "blocked"  # a bot challenge in its last run
    assert json.loads(health["walls_last_10_runs"]) == {
        "bot_challenge": 2,
        "consent_wall": 2,
        "paywall": 1,
    }
    assert health["paywalled_last_10_runs"] == 1
