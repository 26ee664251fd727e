"""The people, works and dates of one article's text.

The work is done by pipelines.entities (spaCy and the knowledge base) and
pipelines.reported_dates; the people-and-dates component runs this on the articles whose
relevance label is in STARCITY_ANALYSE_LABELS, in batches.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pipelines.entities import EntityLinker
from pipelines.reported_dates import attribute_works, find_dates


def publication_day(record: dict[str, Any]) -> date | None:
    """The day the article was published, in its own time zone when the page gave one."""
    value = record.get("published_at_local") or record.get("published_at")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


# People and dates are looked for in the first this many words of an article: the
# statistical model needs about 15 KB of memory per word in flight, so a page of a
# million short words would need gigabytes. Cost: a name or a date mentioned only after
# the 6,000th word is not found; of the 471 evaluation articles, one is longer (6,758
# words), the median has 547.
MAX_ANALYSED_WORDS = 6_000
# ... and in at most this many characters (Chinese and Japanese have no spaces to count
# words by; a run without spaces is one word however long).
MAX_ANALYSED_CHARS = 60_000
_WORD = re.compile(r"\S+")


def text_of(record: dict[str, Any]) -> str:
    """Headline, standfirst (the description, unless the text already holds it) and text,
    up to MAX_ANALYSED_WORDS words."""
    text = record.get("text") or ""
    description = record.get("description") or ""
    standfirst = description if description and description[:60] not in text else ""
    whole = "\n".join(part for part in (record.get("title"), standfirst, text) if part)
    return _first_words(whole, MAX_ANALYSED_WORDS)[:MAX_ANALYSED_CHARS]


def _first_words(text: str, limit: int) -> str:
    """``text`` up to the end of its ``limit``-th word (whole when shorter)."""
    if len(text) < limit * 2:  # cannot hold that many words
        return text
    for count, word in enumerate(_WORD.finditer(text), start=1):
        if count == limit:
            return text[: word.end()]
    return text


def analyse(
    linker: EntityLinker, record: dict[str, Any], today: date
) -> dict[str, list[dict[str, Any]]]:
    """People (byline authors included), works and text dates of one extracted article."""
    return analyse_many(linker, [record], today)[0]


def analyse_many(
    linker: EntityLinker, records: list[dict[str, Any]], today: date, batch_size: int = 16
) -> list[dict[str, list[dict[str, Any]]]]:
    """``analyse`` for several articles, their texts parsed by spaCy in batches."""
    texts = [text_of(r) for r in records]
    pairs = [(t, r.get("language")) for t, r in zip(texts, records, strict=True)]
    docs = linker.docs(pairs, batch_size)
    return [
        _analysis(linker, record, text, doc, today)
        for record, text, doc in zip(records, texts, docs, strict=True)
    ]


def _analysis(
    linker: EntityLinker, record: dict[str, Any], text: str, doc: Any, today: date
) -> dict[str, Any]:
    dates = attribute_works(
        text,
        # Relative dates ("next Friday") are read from the publication day, else the day
        # the article is analysed.
        find_dates(text, publication_day(record) or today, record.get("language")),
        linker.work_spans(doc),
        linker.kb.subject_work,
    )
    return {
        "people": [asdict(m) for m in linker.people(doc, record.get("authors"))],
        "works": [asdict(w) for w in linker.works(doc)],
        "text_dates": [d.as_row() for d in dates],
    }


def describe(linker: EntityLinker, record: dict[str, Any], today: date) -> dict[str, Any]:
    """What the crawl would store for one extracted record, for the extraction command:
    the people and dates of its text (the crawl analyses only relevant articles; the
    command analyses any page it is given).

    ``people`` items are ``{"name", "role", "mentions", "kb_id", "confidence", "method"}``
    and ``dates`` items ``{"date", "precision", "text", "kind", "sentence", "qualifier",
    "other_work"}``, from the same code the pipeline runs.
    """
    found = analyse(linker, record, today)
    people = [
        {
            "name": m["name"],
            "role": m["role"],
            "mentions": m["count"],
            "kb_id": m["person_id"] if m["in_knowledge_base"] else None,
            "confidence": m["confidence"],
            "method": m["method"],
        }
        for m in found["people"]
    ]
    keys = ("date", "precision", "text", "kind", "sentence", "qualifier", "other_work")
    dates = [{key: d[key] for key in keys} for d in found["text_dates"]]
    return {"people": people, "dates": dates}
