"""What makes two relevant articles one story: the words and names they share.

Similarity combines the words of the headline and lead with the names, dates and figures
two articles share, leaving out the topic's own background (its cast, creators,
franchise: every article about the show names them). db/stories.py groups the stored
articles with it after each crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starcity.config import Topic

STORY_WINDOW_DAYS = 4
STORY_THRESHOLD = 0.2
LEAD_WORDS = 80
_STOP = set(
    """
    about above after again against also among an and any are around as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how into is it its itself
    just more most new no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your first says said show series season episode apple star city stars tv
    """.split()
)
_WORD = re.compile(r"[^\W\d_]{4,}", re.U)
# Capitalised names of one to three words ("Rhys Ifans", "Sony Pictures Television").
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}")
_DAY = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\b"
)
_MONTH_FIRST = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})$")


@dataclass
class Features:
    words: set[str]
    names: set[str]

    def similarity(self, other: Features) -> float:
        return 0.5 * _jaccard(self.words, other.words) + 0.5 * _jaccard(self.names, other.names)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _day_key(text: str) -> str:
    """ "May 29" and "29 May" are the same day."""
    text = text.replace(".", "")
    match = _MONTH_FIRST.match(text)
    month, day = (match.group(1), match.group(2)) if match else text.split()[::-1]
    return f"{month[:3].lower()}-{int(day)}"


def background(topic: Topic) -> frozenset[str]:
    """Words and names every article about the topic shares (its cast, creators, franchise).

    They say which show an article is about, not which event: stories ignore them.
    """
    terms = [t for group in topic.evidence.values() for t in group if not t.startswith("re:")]
    terms += [n for n in topic.names if not n.startswith("re:")]
    found: set[str] = set()
    for term in terms:
        found.add(term.casefold())
        found.update(w.casefold() for w in _WORD.findall(term))
    return frozenset(found)


def features(
    title: str | None, description: str | None, text: str | None, common: frozenset[str]
) -> Features:
    """An article's words and names, without ``common`` (the topic's background)."""
    lead = " ".join((text or "").split()[:LEAD_WORDS])
    head = f"{title or ''} {description or ''} {lead}"
    words = {w.casefold() for w in _WORD.findall(head)} - _STOP - common
    body = f"{title or ''}. {description or ''}. {text or ''}"
    names = {n.casefold() for n in _NAME.findall(body)} - _STOP - common
    names = {n for n in names if not set(n.split()) <= common | _STOP}
    names |= {_day_key(d) for d in _DAY.findall(body)}
    return Features(words, names)


class StoryFeatures:
    """``features`` for one topic: what the grouping component hands to db.stories."""

    def __init__(self, topic: Topic) -> None:
        self.common = background(topic)

    def __call__(self, title: str | None, description: str | None, text: str | None) -> Features:
        return features(title, description, text, self.common)
