"""Schema of data/starcity.db, as ordered sqlite-utils migrations (applied on every open)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from db import summaries
from starcity.hygiene import clean_text

migrations = Migrations("starcity")


@migrations()
def m001_articles(db: Database) -> None:
    db["articles"].create(
        {
            "canonical_url": str,
            "url": str,
            "source": str,
            "site_name": str,
            "title": str,
            "description": str,
            "authors": str,  # JSON list of names
            "published_at": str,  # ISO 8601 in UTC
            "published_at_local": str,  # as the page gave it, with its own UTC offset
            "modified_at": str,
            "modified_at_local": str,
            "language": str,
            "section": str,
            "tags": str,  # JSON list
            "text": str,
            "word_count": int,
            "provenance": str,  # JSON: field -> signal that produced it
            "http_status": int,
            "first_seen": str,
            "last_seen": str,
            "fetched_at": str,
            "times_seen": int,
        },
        pk="canonical_url",
        not_null={"url", "source", "first_seen", "last_seen", "fetched_at"},
    )
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["source"])


@migrations()
def m002_runs(db: Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # ok, partial, failed, interrupted
            "source_set": str,
            "sources": str,  # JSON list of source names
            "pages_fetched": int,
            "articles_stored": int,
            "articles_new": int,
            "errors": int,
            "finish_reason": str,
            "stats": str,  # Scrapy's full stats, JSON
        },
        pk="id",
    )
    db["source_runs"].create(
        {
            "run_id": int,
            "source": str,
            "status": str,  # ok, failed
            "feeds_fetched": int,
            "discovered": int,
            "filtered_offtopic": int,
            "fetched": int,
            "stored": int,
            "errors": int,
            "errors_by_kind": str,  # JSON: kind -> count
            "bytes": int,
        },
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )


@migrations()
def m003_relevance_duplicates_stories(db: Database) -> None:
    db["articles"].add_column("relevance", str)  # relevant, mention, uncertain, off_topic
    db["articles"].add_column("relevance_score", float)
    db["articles"].add_column("relevance_evidence", str)  # JSON: terms matched, by zone
    db["articles"].add_column("url_key", str)
    db["articles"].add_column("text_hash", str)
    db["articles"].add_column("minhash", bytes)
    # duplicate_match: the earlier article this one matched when it was stored;
    # duplicate_of: the original of its group (earliest published), set after each crawl.
    db["articles"].add_column("duplicate_match", str)
    db["articles"].add_column("duplicate_of", str)
    db["articles"].add_column("duplicate_kind", str)  # url, text, near
    db["articles"].add_column("duplicate_similarity", float)
    db["articles"].create_index(["relevance"])
    db["articles"].create_index(["url_key"])
    db["articles"].create_index(["text_hash"])
    db["articles"].create_index(["duplicate_of"])
    db["stories"].create(
        {
            "id": int,
            "headline": str,
            "first_published": str,
            "last_published": str,
            "first_seen": str,
            "last_seen": str,
            "article_count": int,  # originals and copies
            "original_count": int,  # without copies
            "source_count": int,
            "terms": str,  # JSON: the words and names the story's articles share
        },
        pk="id",
    )
    db["articles"].add_column("story_id", int, fk="stories", fk_col="id")
    db["articles"].create_index(["story_id"])


@migrations()
def m004_views(db: Database) -> None:
    db.create_view(
        "relevant_articles",
        """
        select a.published_at, a.source, a.title, a.authors, a.canonical_url, a.story_id,
          a.relevance_score,
          (select count(*) from articles c where c.duplicate_of = a.canonical_url) as copies
        from articles a
        where a.relevance = 'relevant' and a.duplicate_of is null
        order by a.published_at desc
        """,
        replace=True,
    )
    db.create_view(
        "mentions",
        """
        select published_at, source, title, canonical_url, relevance_score
        from articles
        where relevance = 'mention' and duplicate_of is null
        order by published_at desc
        """,
        replace=True,
    )
    db.create_view(
        "coverage_by_source",
        """
        select source,
          sum(relevance = 'relevant' and duplicate_of is null) as relevant,
          sum(relevance = 'relevant') as relevant_with_copies,
          sum(relevance = 'mention' and duplicate_of is null) as mentions,
          sum(relevance = 'mention') as mentions_with_copies,
          sum(duplicate_of is not null) as copies,
          count(*) as pages_judged
        from articles
        group by source
        order by relevant desc
        """,
        replace=True,
    )


@migrations()
def m005_people_works_dates(db: Database) -> None:
    db["people"].create(
        {
            "id": str,
            "name": str,
            "aliases": str,  # JSON list
            "roles": str,  # JSON list
            "character": str,
            "in_knowledge_base": int,
            "first_seen": str,
        },
        pk="id",
    )
    db["works"].create(
        {
            "id": str,
            "name": str,
            "kind": str,
            "aliases": str,
            "network": str,
            "studio": str,
            "premiere": str,
        },
        pk="id",
    )
    db["organisations"].create({"id": str, "name": str, "kind": str, "aliases": str}, pk="id")
    db["article_people"].create(
        {
            "article": str,
            "person_id": str,
            "role": str,  # author, mentioned
            "mention_count": int,
            "first_offset": int,
            "snippet": str,
            "method": str,  # knowledge_base, surname, fuzzy, ner, byline
            "confidence": float,
            "surface_forms": str,  # JSON list, as written
        },
        pk=("article", "person_id", "role"),
        foreign_keys=[("article", "articles", "canonical_url"), ("person_id", "people", "id")],
    )
    db["article_works"].create(
        {"article": str, "work_id": str, "mention_count": int, "first_offset": int},
        pk=("article", "work_id"),
        foreign_keys=[("article", "articles", "canonical_url"), ("work_id", "works", "id")],
    )
    db["article_dates"].create(
        {
            "id": int,
            "article": str,
            "date": str,  # 2026-05-29, 2026-05, 2026-spring, 2026, 1970s
            "precision": str,  # day, month, season, year, decade
            "text": str,  # as written
            "kind": str,
            "sentence": str,
            "offset": int,
            "qualifier": str,  # through, until, since, ...
        },
        pk="id",
        foreign_keys=[("article", "articles", "canonical_url")],
    )
    for table, columns in (
        ("article_people", ["person_id"]),
        ("article_works", ["work_id"]),
        ("article_dates", ["article"]),
        ("article_dates", ["kind", "date"]),
    ):
        db[table].create_index(columns)
    db.create_view(
        "people_ranked",
        """
        select p.id, p.name, p.in_knowledge_base, p.character,
          count(distinct ap.article) as articles, sum(ap.mention_count) as mentions,
          min(a.published_at) as first_published, max(a.published_at) as last_published
        from article_people ap
        join people p on p.id = ap.person_id
        join articles a on a.canonical_url = ap.article
        where ap.role = 'mentioned' and a.duplicate_of is null
        group by p.id
        order by articles desc, mentions desc
        """,
        replace=True,
    )
    db.create_view(
        "people_by_month",
        """
        select substr(a.published_at, 1, 7) as month, p.name,
          count(distinct ap.article) as articles, sum(ap.mention_count) as mentions
        from article_people ap
        join people p on p.id = ap.person_id
        join articles a on a.canonical_url = ap.article
        where ap.role = 'mentioned' and a.duplicate_of is null
        group by month, p.id
        order by month, articles desc
        """,
        replace=True,
    )
    db.create_view(
        "premiere_dates_reported",
        """
        select d.date, d.precision, count(distinct a.source) as outlets,
          count(distinct a.canonical_url) as articles,
          group_concat(distinct a.source) as sources,
          min(a.published_at) as first_reported, max(a.published_at) as last_reported
        from article_dates d
        join articles a on a.canonical_url = d.article
        where d.kind = 'premiere/release' and a.duplicate_of is null
          and a.relevance = 'relevant'
        group by d.date, d.precision
        order by outlets desc, d.date
        """,
        replace=True,
    )


@migrations()
def m006_incremental_and_sources(db: Database) -> None:
    db["feed_state"].create(
        {"url": str, "source": str, "etag": str, "last_modified": str, "checked_at": str},
        pk="url",
    )
    db["sources"].create(
        {
            "name": str,
            "kind": str,
            "start_urls": str,  # JSON list
            "last_run_id": int,
            "last_status": str,
            "last_success_at": str,
            "consecutive_failures": int,
            "last_errors": str,  # JSON: kind -> count, of the last run
        },
        pk="name",
    )
    db["source_runs"].add_column("skipped_known", int)
    db["source_runs"].add_column("not_modified", int)


@migrations()
def m007_source_runs_new(db: Database) -> None:
    db["source_runs"].add_column("new", int)


@migrations()
def m008_newsroom(db: Database) -> None:
    """Browsing and search (issue #7).

    The MinHash BLOB moves to its own table, so the articles table Datasette shows holds
    only readable values; `published_month` is a generated column for the month facet;
    FTS5 over title, description and text is kept in sync by triggers. `article_people`
    carries its article's publication time and whether it is an original, kept in sync by
    triggers, so that ranking people needs no join with the (large) articles rows; with the
    covering indexes below, the stored queries stay fast on large databases (`make bench`).
    """
    db["article_signatures"].create(
        {"article": str, "minhash": bytes},
        pk="article",
        foreign_keys=[("article", "articles", "canonical_url")],
    )
    db.execute(
        "insert into article_signatures (article, minhash)"
        " select canonical_url, minhash from articles where minhash is not null"
    )
    # Rebuild articles: the short columns first and the long texts last, so that reading a
    # facet or filter column never walks the overflow pages of a long text (columns added
    # by earlier migrations came after `text`); the references between articles, and from
    # sources and runs, become foreign keys so that Datasette links them by name.
    db["articles"].transform(
        drop={"minhash"},
        column_order=ARTICLE_COLUMN_ORDER,
        add_foreign_keys=[
            ("duplicate_of", "articles", "canonical_url"),
            ("duplicate_match", "articles", "canonical_url"),
        ],
    )
    db["sources"].transform(add_foreign_keys=[("last_run_id", "crawl_runs", "id")])
    db["source_runs"].transform(add_foreign_keys=[("source", "sources", "name")])
    db.execute(
        "alter table articles add column published_month text"
        " generated always as (substr(published_at, 1, 7)) virtual"
    )
    db["articles"].enable_fts(
        ["title", "description", "text"],
        create_triggers=True,
        tokenize="porter unicode61 remove_diacritics 2",
    )
    db["article_people"].add_column("published_at", str)
    db["article_people"].add_column("original", int)
    db.execute(
        """update article_people set
          published_at = (select a.published_at from articles a
                          where a.canonical_url = article_people.article),
          original = (select a.duplicate_of is null from articles a
                      where a.canonical_url = article_people.article)"""
    )
    db.executescript(
        """
        create trigger if not exists article_people_article_ai after insert on article_people
        begin
          update article_people set
            published_at = (select published_at from articles where canonical_url = new.article),
            original = (select duplicate_of is null from articles
                        where canonical_url = new.article)
          where rowid = new.rowid;
        end;
        create trigger if not exists articles_article_people_au
        after update of published_at, duplicate_of on articles
        begin
          update article_people set published_at = new.published_at,
            original = new.duplicate_of is null
          where article = new.canonical_url;
        end;
        """
    )
    for table, columns in NEWSROOM_INDEXES:
        db[table].create_index(columns, if_not_exists=True)
    db.create_view(
        "people_ranked",
        """
        select p.id, p.name, p.in_knowledge_base, p.character,
          count(*) as articles, sum(ap.mention_count) as mentions,
          min(ap.published_at) as first_published, max(ap.published_at) as last_published
        from article_people ap
        join people p on p.id = ap.person_id
        where ap.role = 'mentioned' and ap.original = 1
        group by ap.person_id
        order by articles desc, mentions desc
        """,
        replace=True,
    )
    db.create_view(
        "people_by_month",
        """
        select substr(ap.published_at, 1, 7) as month, p.name,
          count(*) as articles, sum(ap.mention_count) as mentions
        from article_people ap
        join people p on p.id = ap.person_id
        where ap.role = 'mentioned' and ap.original = 1
        group by month, ap.person_id
        order by month, articles desc
        """,
        replace=True,
    )


@migrations()
def m009_dates_of_other_works(db: Database) -> None:
    """A date may belong to another work its sentence names ("For All Mankind, which
    begins its fifth season on March 27"): `article_dates.other_work` says which, and
    the premiere dates reported are the subject's own (`other_work` empty)."""
    db["article_dates"].add_column("other_work", str, fk="works", fk_col="id")
    db.create_view(
        "premiere_dates_reported",
        """
        select d.date, d.precision, count(distinct a.source) as outlets,
          count(distinct a.canonical_url) as articles,
          group_concat(distinct a.source) as sources,
          min(a.published_at) as first_reported, max(a.published_at) as last_reported
        from article_dates d
        join articles a on a.canonical_url = d.article
        where d.kind = 'premiere/release' and d.other_work is null
          and a.duplicate_of is null and a.relevance = 'relevant'
        group by d.date, d.precision
        order by outlets desc, d.date
        """,
        replace=True,
    )


@migrations()
def m010_skipped_not_html(db: Database) -> None:
    """Pages skipped because they are not HTML (PDF, images), counted per source and run."""
    db["source_runs"].add_column("skipped_not_html", int)


@migrations()
def m011_syndication_and_clean_text(db: Database) -> None:
    """Crawl safety (issue #12).

    `articles.syndication_of`: the canonical address a page declares on another site. The
    page is stored under its own address and linked as a copy of that article once it is
    stored (`duplicate_kind` 'canonical'), never written over it.

    Control characters are removed from every text value already stored (they made the
    Atom feed invalid XML); new values are stored without them (db/articles.py).
    """
    db["articles"].add_column("syndication_of", str)
    db["articles"].create_index(["syndication_of"])
    db.register_function(
        lambda value: clean_text(value) if isinstance(value, str) else value,
        name="starcity_clean_text",
        deterministic=True,
        replace=True,
    )
    for table in db.tables:
        if table.name.endswith(_FTS_SUFFIXES) or table.virtual_table_using:
            continue
        # Keys stay as they are: a cleaned key could collide with another row's, and the
        # rows that refer to it would lose it.
        keys = set(table.pks) | {fk.column for fk in table.foreign_keys}
        for column in table.columns:
            if column.type.upper() != "TEXT" or column.name in keys:
                continue
            try:
                db.execute(
                    f"update [{table.name}] set [{column.name}] ="
                    f" starcity_clean_text([{column.name}])"
                    f" where [{column.name}] != starcity_clean_text([{column.name}])"
                )
            except sqlite3.IntegrityError:  # a unique column whose clean values collide
                continue


@migrations()
def m012_author_kinds(db: Database) -> None:
    """Organisations credited as the byline are authors (issue #16).

    `articles.author_kinds`: beside `authors`, the kind of each ("person", "agency",
    "organisation"), as a JSON list in the same order. Rows stored before stay null until
    their page is extracted again.
    """
    db["articles"].add_column("author_kinds", str)


@migrations()
def m013_declared_and_detected_language(db: Database) -> None:
    """The language of the text beside the one the page declares (issue #17).

    `articles.language` is the language the analysis used: the declared one, or the one
    detected from the text when the page declares none or its text plainly says another.
    `declared_language` and `detected_language` keep both. Rows stored before are null in
    the new columns until their page is analysed again.
    """
    db["articles"].add_column("declared_language", str)
    db["articles"].add_column("detected_language", str)


@migrations()
def m014_archive_pointer(db: Database) -> None:
    """Where each article's response is in the web archive (issue #18): the WARC file
    (relative to the archive folder), the offset of the response record and its
    WARC-Record-ID. Rows stored before have none until their page is fetched again."""
    db["articles"].add_column("archive_file", str)
    db["articles"].add_column("archive_offset", int)
    db["articles"].add_column("archive_record_id", str)


@migrations()
def m015_reprocess(db: Database) -> None:
    """Re-processing from the web archive (issue #18).

    `articles.extractor_version`: the analysis (code, libraries, configuration) that
    derived the row (pipelines/version.py), so a reprocess can take only rows an older one
    derived. `crawl_runs.kind`: "crawl", or "reprocess" for a run that re-derived stored
    articles from their archived responses; `articles_changed` and `changes` (JSON: field
    -> articles whose value changed) say what such a run changed.
    """
    db["articles"].add_column("extractor_version", str)
    db["crawl_runs"].add_column("kind", str, not_null_default="crawl")
    db["crawl_runs"].add_column("articles_changed", int)
    db["crawl_runs"].add_column("changes", str)


@migrations()
def m016_text_partial(db: Database) -> None:
    """`articles.text_partial` (issue #19): 1 when the page is a paywall's stub that
    carries the article's own metadata: the title, date and authors are the article's,
    the text only its teaser. `source_runs.paywalled`: how many such articles a source
    gave in a run."""
    db["articles"].add_column("text_partial", int)
    db["source_runs"].add_column("paywalled", int)


@migrations()
def m017_gnews_links(db: Database) -> None:
    """Google News links decoded to their publishers' addresses (issue #19), so that a
    link is decoded once: `gnews_links`."""
    db["gnews_links"].create(
        {"google_url": str, "publisher_url": str, "source": str, "decoded_at": str},
        pk="google_url",
    )


@migrations()
def m018_writer_receipts(db: Database) -> None:
    """What the writer of a distributed run stored (issue #20), committed with the rows:
    an item delivered twice (a writer killed after its commit, a page fetched again after
    its crawler died) is stored and counted once. Emptied when the run is recorded."""
    db["writer_receipts"].create(
        {"run_id": int, "item_key": str, "source": str, "outcome": str, "duplicate_kind": str},
        pk=("run_id", "item_key"),
    )


@migrations()
def m019_article_dates_by_date(db: Database) -> None:
    """An index of the reported dates by date (issue #21): "who reported a date"
    (date_reports) looked a date up through every original article, 870 ms at a million
    articles; 5 ms with it."""
    db["article_dates"].create_index(["date", "article"], if_not_exists=True)


@migrations()
def m020_summaries(db: Database) -> None:
    """Summary tables kept by triggers (issue #21, db/summaries.py), and the views and
    indexes that read them.

    `article_people.source` and `article_dates.source`, `.published_at` and `.counted`
    are copied from the article by triggers, as `article_people.published_at` already was.
    An article deleted takes its people, works, dates and signature with it. The
    full-text index is rewritten when a title, description or text changes, no longer on
    every update of an article (a crawl updates `last_seen` of every article it sees
    again, duplicate grouping `duplicate_of` of every copy).
    """
    db["article_people"].add_column("source", str)
    for column, kind in (("source", str), ("published_at", str), ("counted", int)):
        db["article_dates"].add_column(column, kind)
    db.execute("drop trigger if exists articles_au")
    db.execute(
        """
        create trigger articles_au after update of title, description, text on articles
        begin
          insert into articles_fts (articles_fts, rowid, title, description, text)
            values ('delete', old.rowid, old.title, old.description, old.text);
          insert into articles_fts (rowid, title, description, text)
            values (new.rowid, new.title, new.description, new.text);
        end
        """
    )
    summaries.create(db)
    for table, columns in SUMMARY_INDEXES:
        db[table].create_index(columns, if_not_exists=True)
    for name, sql in SUMMARY_VIEWS.items():
        db.create_view(name, sql, replace=True)


@migrations()
def m021_stories_by_first_published(db: Database) -> None:
    """Stories by first publication (issue #21): the timeline, the dashboard's latest
    stories and the stories table page sort by it; without an index each sorted every
    story (76 ms at a million articles, 66,000 stories)."""
    db["stories"].create_index(["first_published"], if_not_exists=True)


# Indexes the queries over summaries look rows up by: the first and last report of a date
# or a person, and people by source and by time for the dashboard's filters.
SUMMARY_INDEXES: tuple[tuple[str, list[str]], ...] = (
    ("article_dates",
     ["kind", "date", "precision", "other_work", "counted", "published_at", "source"]),
    ("article_people",
     ["source", "role", "original", "published_at", "person_id", "mention_count"]),
    ("article_people", ["role", "original", "published_at", "person_id", "mention_count"]),
)  # fmt: skip

# The views of m004-m009, read from the summaries: at a million articles, each recounted
# every article or every mention (seconds per page).
SUMMARY_VIEWS = {
    "coverage_by_source": """
        select source,
          sum(case when relevance = 'relevant' and original = 1 then articles else 0 end)
            as relevant,
          sum(case when relevance = 'relevant' then articles else 0 end) as relevant_with_copies,
          sum(case when relevance = 'mention' and original = 1 then articles else 0 end)
            as mentions,
          sum(case when relevance = 'mention' then articles else 0 end) as mentions_with_copies,
          sum(case when original = 0 then articles else 0 end) as copies,
          sum(articles) as pages_judged
        from coverage_days
        group by source
        order by relevant desc
    """,
    "people_ranked": """
        select p.id, p.name, p.in_knowledge_base, p.character,
          sum(m.articles) as articles, sum(m.mentions) as mentions,
          (select min(x.published_at) from article_people x where x.person_id = p.id
            and x.role = 'mentioned' and x.original = 1) as first_published,
          (select max(x.published_at) from article_people x where x.person_id = p.id
            and x.role = 'mentioned' and x.original = 1) as last_published
        from people_months m
        join people p on p.id = m.person_id
        group by m.person_id
        order by articles desc, mentions desc
    """,
    "people_by_month": """
        select nullif(m.month, '') as month, p.name, m.articles, m.mentions
        from people_months m
        join people p on p.id = m.person_id
        order by m.month, m.articles desc
    """,
    "premiere_dates_reported": """
        select nullif(r.date, '') as date, nullif(r.precision, '') as precision,
          count(*) as outlets, sum(r.articles) as articles, group_concat(r.source) as sources,
          (select min(d.published_at) from article_dates d where d.kind = 'premiere/release'
            and d.date = r.date and d.precision = r.precision and d.other_work is null
            and d.counted = 1) as first_reported,
          (select max(d.published_at) from article_dates d where d.kind = 'premiere/release'
            and d.date = r.date and d.precision = r.precision and d.other_work is null
            and d.counted = 1) as last_reported
        from reported_dates r
        where r.kind = 'premiere/release' and r.other_work = ''
        group by r.date, r.precision
        order by outlets desc, r.date
    """,
}


# Tables SQLite's full-text search keeps for itself (kept in sync by triggers).
_FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


ARTICLE_COLUMN_ORDER = [
    "canonical_url", "url", "source", "site_name", "title", "authors", "published_at",
    "published_at_local", "modified_at", "modified_at_local", "language", "declared_language",
    "detected_language", "section", "tags", "word_count", "text_partial",
    "relevance", "relevance_score", "story_id", "duplicate_of", "duplicate_kind",
    "duplicate_similarity", "duplicate_match", "url_key", "text_hash", "http_status",
    "archive_file", "archive_offset", "archive_record_id", "extractor_version",
    "first_seen", "last_seen", "fetched_at", "times_seen", "provenance", "relevance_evidence",
    "description", "text",
]  # fmt: skip

# Indexes the stored queries of db/metadata.yml rely on (index-only scans where possible).
NEWSROOM_INDEXES: tuple[tuple[str, list[str]], ...] = (
    ("articles", ["relevance", "duplicate_of", "published_at", "source"]),
    ("articles", ["relevance", "duplicate_of", "first_seen"]),
    ("articles", ["canonical_url", "duplicate_of", "published_at", "source", "relevance"]),
    ("articles", ["published_month"]),
    ("articles", ["language"]),
    ("article_people", ["role", "original", "person_id", "published_at", "mention_count"]),
    ("article_people", ["person_id", "role", "original", "published_at"]),
    ("source_runs", ["source", "run_id"]),
)


def open_database(path: str) -> Database:
    """Open (creating if needed) the database at ``path`` with the schema up to date.

    WAL mode lets Datasette read while a crawl writes.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.enable_wal()
    # Rows an INSERT OR REPLACE replaces fire their delete triggers (the summaries')
    # only with recursive triggers on; no trigger of ours fires itself.
    db.execute("pragma recursive_triggers = on")
    migrations.apply(db)
    return db
