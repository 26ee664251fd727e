"""Write articles: one row per canonical URL, upserted so that re-crawls keep first_seen."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from starcity.article import ARTICLE_COLUMNS, Article
from starcity.hygiene import clean_value
from starcity.urls import normalize_url

_JSON_FIELDS = {"authors", "author_kinds", "tags", "provenance", "relevance_evidence"}


# What store_article did with a record.
NEW, UPDATED, KEPT = "new", "updated", "kept"


def store_article(db: Database, record: Article, seen_at: str) -> str:
    """Insert or update one article keyed on ``record["canonical_url"]``.

    ``first_seen`` is written only when the row is new; ``last_seen`` and
    ``fetched_at`` always move to ``seen_at``. A row stored from another source is never
    replaced (a page of one source cannot take over what another source stored under
    that address): only its ``last_seen`` moves. Every string is stored without control
    characters. Returns ``"new"``, ``"updated"`` or ``"kept"`` (another source's row).
    """
    key = record["canonical_url"]
    if not key:
        raise ValueError("article has no canonical_url")
    row = _row(record)
    row["last_seen"] = seen_at
    row["fetched_at"] = record.get("fetched_at") or seen_at
    table = db["articles"]
    with db.atomic():
        existing = next(
            db.query("select source from articles where canonical_url = ?", [key]), None
        )
        if existing and existing["source"] != row["source"]:
            db.execute("update articles set last_seen = ? where canonical_url = ?", [seen_at, key])
            return KEPT
        if existing:
            table.update(key, row)
            db.execute(
                "update articles set times_seen = coalesce(times_seen, 0) + 1"
                " where canonical_url = ?",
                [key],
            )
        else:
            table.insert({**row, "first_seen": seen_at, "times_seen": 1})
        signature = record.get("minhash")
        if signature is not None:
            db["article_signatures"].upsert({"article": key, "minhash": signature}, pk="article")
    return UPDATED if existing else NEW


def _row(record: Article) -> dict[str, Any]:
    """The `articles` row of a record: every string without control characters, lists
    and mappings as JSON."""
    row: dict[str, Any] = {"canonical_url": record["canonical_url"]}
    for name in ARTICLE_COLUMNS:
        value = clean_value(record.get(name))
        if name in _JSON_FIELDS and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        row[name] = value
    return row


def store_article_and_people(db: Database, record: Article, seen_at: str) -> str:
    """``store_article``, then the article's people, works and dates unless another
    source's row was kept; returns what ``store_article`` did."""
    outcome = store_article(db, record, seen_at)
    if outcome != KEPT:
        store_people_works_dates(db, record["canonical_url"], record, seen_at)
    return outcome


def mark_seen(db: Database, url: str, seen_at: str) -> None:
    """A stored article listed again by a feed: only ``last_seen`` moves."""
    key = normalize_url(url)
    db.execute(
        "update articles set last_seen = ? where canonical_url = ? or url = ?",
        [seen_at, key, url],
    )


def store_people_works_dates(
    db: Database, article: str, record: dict[str, Any], seen_at: str, replace_all: bool = False
) -> None:
    """Replace an article's people, works and dates with those of its latest extraction.

    A record without people (its relevance label is not analysed) leaves earlier rows
    alone, unless ``replace_all`` (a reprocess: the rows then say what the current
    analysis says, which is none)."""
    people = record.get("people")
    if people is None and not replace_all:
        return
    people = clean_value(people or [])
    record = {**record, "text_dates": clean_value(record.get("text_dates"))}
    with db.atomic():
        for table in ("article_people", "article_works", "article_dates"):
            db.execute(f"delete from {table} where article = ?", [article])
        for person in people:
            db["people"].insert(
                {
                    "id": person["person_id"],
                    "name": person["name"],
                    "in_knowledge_base": int(person["in_knowledge_base"]),
                    "first_seen": seen_at,
                },
                pk="id",
                ignore=True,
            )
        db["article_people"].insert_all(
            [
                {
                    "article": article,
                    "person_id": p["person_id"],
                    "role": p["role"],
                    "mention_count": p["count"],
                    "first_offset": p["first_offset"],
                    "snippet": p["snippet"],
                    "method": p["method"],
                    "confidence": p["confidence"],
                    "surface_forms": json.dumps(p["surface_forms"], ensure_ascii=False),
                }
                for p in people
            ],
            pk=("article", "person_id", "role"),
            replace=True,
        )
        db["article_works"].insert_all(
            [
                {
                    "article": article,
                    "work_id": w["work_id"],
                    "mention_count": w["count"],
                    "first_offset": w["first_offset"],
                }
                for w in record.get("works") or []
            ],
            pk=("article", "work_id"),
            replace=True,
        )
        db["article_dates"].insert_all(
            [{"article": article, **d} for d in record.get("text_dates") or []], pk="id"
        )


def clear_archive_pointers(db: Database, files: list[str]) -> int:
    """Forget where articles' responses were in archive files that were deleted (the
    archive's retention); returns how many rows pointed into them."""
    if not files:
        return 0
    marks = ", ".join("?" for _ in files)
    with db.atomic():
        cursor = db.execute(
            "update articles set archive_file = null, archive_offset = null,"
            f" archive_record_id = null where archive_file in ({marks})",
            list(files),
        )
    return cursor.rowcount


# -- reprocessing stored articles from the web archive (issue #18) ---------------------------

# Columns a reprocess keeps as the crawl wrote them: the fetch, not what was derived from it.
_KEPT_BY_REPROCESS = frozenset(
    {
        "url",
        "source",
        "http_status",
        "fetched_at",
        "archive_file",
        "archive_offset",
        "archive_record_id",
    }
)
# What a reprocess counts as changed, by name: the columns, and the people and dates.
CHANGE_FIELDS = (
    "title",
    "authors",
    "published_at",
    "relevance",
    "language",
    "text",
    "people",
    "dates",
)
# Columns stories are built from: an article whose value changes is placed again.
_STORY_INPUTS = ("title", "description", "text", "relevance", "published_at")


def _people_and_dates(db: Database, article: str) -> tuple[set, set]:
    people = {
        tuple(r)
        for r in db.execute(
            "select person_id, role from article_people where article = ?", [article]
        )
    }
    dates = {
        tuple(r)
        for r in db.execute(
            "select date, precision, kind, offset, qualifier, other_work from article_dates"
            " where article = ?",
            [article],
        )
    }
    return people, dates


def reprocess_article(
    db: Database, key: str, record: Article, replace_people: bool = True
) -> list[str] | None:
    """Write what the current analysis derived from an article's archived response over
    the row stored under ``key``, in one transaction; return the fields whose value
    changed (``CHANGE_FIELDS``), or None when no such row is stored any more.

    The fetch stays as the crawl recorded it (address, source, HTTP status, fetch time,
    archive pointer; first_seen, last_seen and times_seen), and so does the row's key,
    even when the page now yields another canonical URL. People, works and dates are
    replaced whatever the relevance label (none when it is not analysed), unless
    ``replace_people`` is false (their analysis failed: the rows stay). An article
    whose story inputs changed leaves its story, to be placed again by the grouping.
    """
    with db.atomic():
        old = next(db.query("select * from articles where canonical_url = ?", [key]), None)
        if old is None:
            return None
        old_people, old_dates = _people_and_dates(db, key)
        row = {
            name: value
            for name, value in _row({**record, "canonical_url": key}).items()
            if name not in _KEPT_BY_REPROCESS
        }
        changed = [f for f in CHANGE_FIELDS if f in row and row[f] != old.get(f)]
        if any(row.get(f) != old.get(f) for f in _STORY_INPUTS):
            row["story_id"] = None
        db["articles"].update(key, row)
        signature = record.get("minhash")
        if signature is not None:
            db["article_signatures"].upsert({"article": key, "minhash": signature}, pk="article")
        store_people_works_dates(db, key, record, old["first_seen"], replace_all=replace_people)
        new_people, new_dates = _people_and_dates(db, key)
    if new_people != old_people:
        changed.append("people")
    if new_dates != old_dates:
        changed.append("dates")
    return changed


def archived_articles(
    db: Database,
    sources: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    relevance: list[str] | None = None,
    articles: list[str] | None = None,
    not_version: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The stored articles a reprocess takes, in the order they were first seen, with
    where their responses are archived; and how many of those selected have no archived
    response (stored before the archive, or pruned by its retention).

    Each filter given narrows the selection: ``sources`` (names), ``since`` and
    ``until`` (ISO dates, inclusive, on the publication date, else the first sighting),
    ``relevance`` (labels), ``articles`` (canonical or fetched URLs), ``not_version``
    (rows another analysis than this version derived).
    """
    where: list[str] = []
    params: list[Any] = []

    def among(column: str, values: list[str]) -> None:
        where.append(f"{column} in ({', '.join('?' for _ in values)})")
        params.extend(values)

    if sources:
        among("source", sources)
    if relevance:
        among("relevance", relevance)
    if articles:
        # as given, and normalised as canonical URLs are stored
        addresses = sorted({*articles, *(normalize_url(a) for a in articles)})
        marks = ", ".join("?" for _ in addresses)
        where.append(f"(canonical_url in ({marks}) or url in ({marks}))")
        params.extend([*addresses, *addresses])
    day = "substr(coalesce(published_at, first_seen), 1, 10)"
    if since:
        where.append(f"{day} >= ?")
        params.append(since)
    if until:
        where.append(f"{day} <= ?")
        params.append(until)
    if not_version:
        where.append("extractor_version is not ?")
        params.append(not_version)
    clause = f" where {' and '.join(where)}" if where else ""
    rows = list(
        db.query(
            "select canonical_url, url, source, fetched_at, archive_file, archive_offset,"
            f" archive_record_id from articles{clause}"
            " order by first_seen, canonical_url",
            params,
        )
    )
    archived = [r for r in rows if r["archive_file"] and r["archive_offset"] is not None]
    return archived, len(rows) - len(archived)


def remember_gnews_link(
    db: Database, google_url: str, publisher_url: str, source: str, now: str
) -> None:
    """A Google News link decoded to its publisher's address (written once)."""
    db["gnews_links"].insert(
        {
            "google_url": google_url,
            "publisher_url": publisher_url,
            "source": source,
            "decoded_at": now,
        },
        pk="google_url",
        ignore=True,
    )
