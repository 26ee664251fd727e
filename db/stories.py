"""Stories: relevant articles about the same news event, grouped after each crawl.

An article joins the story it is most similar to among stories whose articles were
published within STORY_WINDOW_DAYS of it; otherwise it starts a new story. Similarity
combines the words of the headline and lead with the names, dates and figures the two
articles share. Copies (duplicates) join the story of their original. Articles are
assigned once, in order of publication, so a story's membership does not shift between
runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlite_utils import Database

from starcity.config import load_topic

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


@cache
def background() -> frozenset[str]:
    """Words and names every article about the topic shares (its cast, creators, franchise).

    They say which show an article is about, not which event: stories ignore them.
    """
    topic = load_topic()
    terms = [t for group in topic.evidence.values() for t in group if not t.startswith("re:")]
    terms += [n for n in topic.names if not n.startswith("re:")]
    found: set[str] = set()
    for term in terms:
        found.add(term.casefold())
        found.update(w.casefold() for w in _WORD.findall(term))
    return frozenset(found)


def features(title: str | None, description: str | None, text: str | None) -> Features:
    lead = " ".join((text or "").split()[:LEAD_WORDS])
    head = f"{title or ''} {description or ''} {lead}"
    common = background()
    words = {w.casefold() for w in _WORD.findall(head)} - _STOP - common
    body = f"{title or ''}. {description or ''}. {text or ''}"
    names = {n.casefold() for n in _NAME.findall(body)} - _STOP - common
    names = {n for n in names if not set(n.split()) <= common | _STOP}
    names |= {_day_key(d) for d in _DAY.findall(body)}
    return Features(words, names)


def _when(row: dict) -> datetime | None:
    value = row.get("published_at") or row.get("first_seen")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def assign(db: Database) -> int:
    """Put every relevant, not yet grouped original into a story; returns how many were placed."""
    window = timedelta(days=STORY_WINDOW_DAYS)
    pending = list(
        db.query(
            "select canonical_url, title, description, text, published_at, first_seen"
            " from articles where relevance = 'relevant' and story_id is null"
            " and duplicate_of is null order by coalesce(published_at, first_seen), canonical_url"
        )
    )
    touched: set[int] = set()
    members: dict[int, list[tuple[datetime | None, Features]]] = {}
    if pending:
        # Only stories with an article near the earliest pending one can take new articles.
        earliest = min((w for w in map(_when, pending) if w is not None), default=None)
        since = (earliest - window).isoformat() if earliest else ""
        for row in db.query(
            "select title, description, text, published_at, first_seen, story_id from articles"
            " where story_id is not null and duplicate_of is null"
            " and coalesce(published_at, first_seen) >= ?",
            [since],
        ):
            members.setdefault(row["story_id"], []).append(
                (_when(row), features(row["title"], row["description"], row["text"]))
            )
    placed = 0
    with db.atomic():
        for row in pending:
            when = _when(row)
            mine = features(row["title"], row["description"], row["text"])
            best, best_score = None, STORY_THRESHOLD
            for story_id, items in members.items():
                if when is not None and not any(
                    other is None or abs(other - when) <= window for other, _ in items
                ):
                    continue
                score = max(mine.similarity(f) for _, f in items)
                if score >= best_score:
                    best, best_score = story_id, score
            if best is None:
                best = db["stories"].insert({"headline": row["title"]}).last_pk
                members[best] = []
            members[best].append((when, mine))
            db["articles"].update(row["canonical_url"], {"story_id": best})
            touched.add(best)
            placed += 1
        # Copies follow their original.
        moved = db.execute(
            "update articles set story_id = (select o.story_id from articles o"
            " where o.canonical_url = articles.duplicate_of)"
            " where duplicate_of is not null and story_id is not (select o.story_id"
            " from articles o where o.canonical_url = articles.duplicate_of)"
            " returning story_id"
        ).fetchall()
        touched.update(sid for (sid,) in moved if sid is not None)
        # Stories that lost an article (an original that turned out to be a copy).
        touched.update(
            sid
            for (sid,) in db.execute(
                "select s.id from stories s where s.article_count is not"
                " (select count(*) from articles a where a.story_id = s.id)"
            ).fetchall()
        )
        refresh(db, touched)
    return placed


def refresh(db: Database, story_ids: set[int] | None = None) -> None:
    """Recompute stories' headline, dates, counts and shared terms from their articles.

    ``story_ids`` limits the work to stories that changed; None refreshes them all.
    """
    if story_ids is None:
        story_ids = {row["id"] for row in db.query("select id from stories")}
    for story in [{"id": sid} for sid in sorted(story_ids)]:
        rows = list(
            db.query(
                "select title, description, text, source, published_at, first_seen, last_seen,"
                " duplicate_of from articles where story_id = ?"
                " order by coalesce(published_at, first_seen)",
                [story["id"]],
            )
        )
        if not rows:
            db["stories"].delete(story["id"])
            continue
        originals = [r for r in rows if r["duplicate_of"] is None] or rows
        shared = (
            set.intersection(
                *[features(r["title"], r["description"], r["text"]).names for r in originals]
            )
            if len(originals) > 1
            else set()
        )
        published = [r["published_at"] for r in rows if r["published_at"]]
        db["stories"].update(
            story["id"],
            {
                "headline": originals[0]["title"],
                "first_published": min(published) if published else None,
                "last_published": max(published) if published else None,
                "first_seen": min(r["first_seen"] for r in rows),
                "last_seen": max(r["last_seen"] for r in rows),
                "article_count": len(rows),
                "original_count": len(originals),
                "source_count": len({r["source"] for r in rows}),
                "terms": json.dumps(sorted(shared)[:30], ensure_ascii=False),
            },
        )
