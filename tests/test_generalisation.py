"""The leave-sites-out measurement: switching rules off, folds by publisher domain."""

from __future__ import annotations

from bench.generalisation import SILENT, decided_by, fired, fold_of_domains
from pipelines.extract import RULES
from tests.helpers import extract

PAGE = """<html><head><title>Headline | The Paper</title>
<meta property="og:title" content="Headline">
<meta name="author" content="Meta Person">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Headline",
 "author": {"@type": "Person", "name": "Ana Lind"},
 "datePublished": "2026-05-01T10:00:00+02:00"}</script></head>
<body><h1>Headline</h1><p class="byline">By Ana Lind and Bo Berg</p>
<p>Text of the story, long enough to be a story of its own.</p></body></html>"""


def test_a_switched_off_signal_gives_way_to_the_next_one():
    url = "https://paper.example/2026/05/01/story"
    full = extract(PAGE, url)
    assert full["authors"] == ["Ana Lind", "Bo Berg"]  # JSON-LD, completed by the byline
    assert full["provenance"]["authors"] == "jsonld:author+byline"
    without_merge = extract(PAGE, url, disabled=frozenset({"authors:byline-merge"}))
    assert without_merge["authors"] == ["Ana Lind"]
    without_jsonld = extract(PAGE, url, disabled=frozenset({"jsonld:author"}))
    assert without_jsonld["provenance"]["authors"] == "meta:author"
    without_date = extract(PAGE, url, disabled=frozenset({"jsonld:datePublished"}))
    assert without_date["provenance"]["published"] == "url"
    assert without_date["published_at_local"] == "2026-05-01"
    assert {"title:h1-agreement", "dates:url-day"} <= set(RULES)


def test_the_rules_that_decided_a_record():
    record = {
        "provenance": {
            "title": "meta:og:title",
            "authors": "jsonld:author+byline",
            "published": "meta:article:published_time+offset:url",
        }
    }
    assert fired(record) == {
        "meta:og:title",
        "jsonld:author",
        "authors:byline-merge",
        "meta:article:published_time",
        "dates:url-day",
    }


def test_folds_keep_a_domain_together_and_are_about_equal():
    cases = [
        {"id": f"{site}-{n}", "url": f"https://www.{site}-news.co.uk/{n}"}
        for site in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
        for n in range(3 if site < "f" else 2)
    ]
    cases.append({"id": "sub", "url": "https://live.a-news.co.uk/x"})  # same domain as a
    folds = fold_of_domains(cases, folds=5)
    assert set(folds) == {f"{s}-news.co.uk" for s in "abcdefghij"}
    sizes = [0] * 5
    for case in cases:
        sizes[folds[case["url"].split("//")[1].split("/")[0].split(".", 1)[1]]] += 1
    assert max(sizes) - min(sizes) <= 3
    assert fold_of_domains(cases, folds=5) == folds  # the same split every run


def test_a_title_rule_decides_where_the_title_changes_without_it():
    # two rules that would cut the same kicker each decide nothing alone when only a
    # change of right and wrong counted; a changed title counts, right or not
    record = {"title": "Judy Lybke", "provenance": {"title": "meta:og:title"}}
    kicked = {"title": "Neue Leipziger Schule: Judy Lybke"}
    assert "title:kicker" in SILENT and "h1" in SILENT
    assert decided_by("title:kicker", fired(record), record, kicked)
    assert not decided_by("title:kicker", fired(record), record, dict(record))
    # a signal decides where provenance names it, and only there
    assert decided_by("meta:og:title", fired(record), record, dict(record))
    assert not decided_by("jsonld:headline", fired(record), record, kicked)
