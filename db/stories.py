"""Stories: the grouping of relevant articles into news events, written after each crawl.

An article joins the story it is most similar to among stories whose articles were
published within ``window_days`` of it; otherwise it starts a new story. What makes two
articles similar is the caller's (pipelines/stories.py, given the topic by the grouping
component): this module reads and writes the rows. Copies (duplicates) join the story of
their original. Articles are assigned once, in order of publication, so a story's
membership does not shift between runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlite_utils import Database


class Features(Protocol):
    """What the grouping step makes of an article (pipelines.stories.Features)."""

    names: set[str]

    def similarity(self, other: Any) -> float: ...


# (title, description, text) -> Features
Describe = Callable[[str | None, str | None, str | None], Features]


def _when(row: dict) -> datetime | None:
    value = row.get("published_at") or row.get("first_seen")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def assign(db: Database, features: Describe, threshold: float, window_days: float) -> int:
    """Put every relevant, not yet grouped original into a story; returns how many were placed.

    ``features`` describes an article; one joins a story when its similarity to one of the
    story's articles (within ``window_days``) reaches ``threshold``."""
    window = timedelta(days=window_days)
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
            best, best_score = None, threshold
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
        refresh(db, features, touched)
    return placed


def refresh(db: Database, features: Describe, story_ids: set[int] | None = None) -> None:
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
