"""The relevance scorer: labels, evidence, and the labelled development set."""

from __future__ import annotations

import pytest

from pipelines.relevance import RelevanceScorer
from starcity.config import load_topic


@pytest.fixture(scope="module")
def scorer() -> RelevanceScorer:
    return RelevanceScorer(load_topic())


def test_show_coverage_is_relevant_with_evidence_by_zone(scorer):
    j = scorer.judge(
        "Apple TV sets May 29 premiere for 'Star City'",
        "The For All Mankind spinoff arrives with two episodes.",
        "Star City, from Ben Nedivi and Matt Wolpert, stars Rhys Ifans as the Chief Designer. " * 3,
    )
    assert j.label == "relevant"
    assert j.evidence["names"]["title"] == ["Star City"]
    assert "Rhys Ifans" in j.evidence["show"]["specific"]["lead"]
    assert j.score > 10


def test_casino_news_is_off_topic(scorer):
    j = scorer.judge(
        "Star City casino owner faces licence review",
        "The Sydney casino, formerly Star City, must answer the regulator.",
        "The Star Entertainment Group told the Independent Casino Commission that gambling "
        "revenue fell at the Pyrmont casino. " * 4,
    )
    assert j.label == "off_topic"
    assert "casino" in j.evidence["other"]


def test_for_all_mankind_recap_with_in_story_star_city_is_off_topic(scorer):
    j = scorer.judge(
        "For All Mankind season 5 episode 6 recap",
        "Apple TV's space drama returns to the Soviet side.",
        "In Star City, the cosmonauts train for the next mission while at Star City the KGB "
        "watches. The episode ends back in Houston. " * 3,
    )
    assert j.label == "off_topic"


def test_streaming_roundup_is_a_mention(scorer):
    j = scorer.judge(
        "What to watch this weekend: ten new series",
        "Our picks from every streamer.",
        ("A long paragraph about a crime drama on another streamer and its season finale. " * 8)
        + "Apple TV's Star City, the For All Mankind spinoff, premieres Friday. "
        + ("More about a comedy series and its new episodes. " * 6),
    )
    assert j.label == "mention"


def test_coverage_that_never_names_the_show_is_known_by_its_cast(scorer):
    j = scorer.judge(
        "Rhys Ifans and Anna Maxwell Martin lead a Soviet space-race thriller",
        "The new drama from Ben Nedivi and Matt Wolpert premieres in May.",
        "Solly McLeod plays a cosmonaut in the series. " * 3,
    )
    assert j.label == "relevant"


def test_name_without_any_evidence_is_uncertain(scorer):
    assert scorer.judge("Star City arrives May 29", None, "Mark your calendar.").label == (
        "uncertain"
    )


def test_page_chrome_never_counts(scorer):
    """A casino story whose trending box is all about the show stays off-topic."""
    from tests.helpers import extract

    trending = "".join(
        f'<li><a href="/tv/{i}">Star City: Apple TV sets premiere for For All Mankind spinoff'
        f" with Rhys Ifans ({i})</a></li>"
        for i in range(6)
    )
    html = (
        '<html lang="en"><head><meta charset="utf-8"><title>Casino review</title></head><body>'
        f'<nav><a href="/">Home</a></nav><aside class="trending"><ul>{trending}</ul></aside>'
        "<article><h1>Star City casino faces a licence review</h1>"
        + "<p>The Sydney casino, known as Star City until 2011, must convince the Independent"
        " Casino Commission that its gambling floor is clean, the regulator said.</p>"
        * 5
        + "</article></body></html>"
    )
    record = extract(html.encode(), "https://news.example/business/casino-review")
    j = scorer.judge(record["title"], record["description"], record["text"])
    assert j.label == "off_topic"
    assert "specific" not in j.evidence["show"]


def test_development_set_stays_above_target():
    from bench.relevance import judge_all, load_cases, report

    cases = load_cases()
    assert len(cases) >= 60
    assert {c["label"] for c in cases} == {"relevant", "mention", "uncertain", "off_topic"}
    _, figures = report(judge_all(cases))
    assert figures["relevant_precision"] >= 0.97
    assert figures["relevant_recall"] >= 0.97
