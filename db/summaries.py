"""Summary tables: the counts the newsroom's pages and charts show, kept up to date by
triggers in the same transaction as the rows they count (issue #21).

At a million articles, counting people, dates, coverage and stories from the article rows
takes a second or more per request; these tables hold the counts at the grain the
questions are asked at (a day, a month, a reported date), so that a request reads a few
thousand summary rows instead of every article. Triggers keep them exact whatever writes
the rows (a crawl, a reprocess, duplicate grouping, a row deleted by hand): SQLite
triggers, not the storage step, because only they see every write.

Each summary is defined twice, and the two must agree: by its triggers (incremental) and
by a recount (``RECOUNT``, a plain GROUP BY over the rows). ``rebuild`` fills the tables
from the recount; ``differences`` compares them with it (``python -m starcity summaries
--check``, and the tests after crawls, re-fetches, duplicate grouping and deletions).

- ``coverage_days``: articles per publication day, source, relevance label and original
  (not a copy). The coverage charts and queries, the dashboard's counts.
- ``article_facets``: articles per month of publication, source, relevance label and
  language. The articles table's facets, when its page is filtered by those columns only.
- ``story_days``: relevant original articles per publication day, source and story. How
  many stories a period or source had.
- ``source_articles``: articles per source, with the first and last time one was first
  seen. When a source last gave something new (source_problems, crawl health).
- ``people_months``: per person and month of publication, the original articles that name
  them (role "mentioned") and the mentions. People ranked, people per month.
- ``reported_dates``: per date reported, its kind, the other work it belongs to (empty for
  Star City's own) and source, the relevant original articles reporting it. Premiere
  dates and who reported them.

A day is the first ten characters of ``published_at`` (the UTC date), a month the first
seven; an article without a publication time counts under the empty string.

``article_people`` and ``article_dates`` carry their article's ``source`` (and
``article_dates`` its ``published_at`` and whether it is ``counted``: relevant and
original), kept by triggers like ``article_people.published_at``, so that their summaries
are kept by triggers on their own rows, and the first and last report of a date or person
is one index lookup.
"""

from __future__ import annotations

from sqlite_utils import Database

DAY = "coalesce(substr({r}.published_at, 1, 10), '')"
MONTH = "coalesce(substr({r}.published_at, 1, 7), '')"


class Summary:
    """One summary table: its key columns (and the expressions that compute them from a
    row of its base table, ``{r}`` standing for the row), the condition under which a row
    counts, and the counted values (expression per column, added up). With
    ``distinct_by``, a base column (``article``): rows that share it and a key count once
    (an article reporting the same date twice), and the values must all be "1"."""

    def __init__(
        self,
        name: str,
        base: str,
        keys: dict[str, str],
        values: dict[str, str],
        counts: str = "1",
        watched: tuple[str, ...] = (),
        distinct_by: str = "",
    ) -> None:
        self.name = name
        self.base = base
        self.keys = keys
        self.values = values
        self.counts = counts
        self.watched = watched
        self.distinct_by = distinct_by
        if distinct_by and set(values.values()) != {"1"}:
            raise ValueError(f"{name}: rows counted once per {distinct_by} count 1 each")

    def _key(self, row: str) -> list[str]:
        return [expr.format(r=row) for expr in self.keys.values()]

    def _alone(self, row: str) -> str:
        """With ``distinct_by``: no other row shares the row's ``distinct_by`` value and
        key and counts (so the row's contribution is the one that counts)."""
        if not self.distinct_by:
            return ""
        same = " and ".join(
            f"{o} = {r}" for o, r in zip(self._key("o"), self._key(row), strict=True)
        )
        return (
            f" and not exists (select 1 from {self.base} o"
            f" where o.{self.distinct_by} = {row}.{self.distinct_by} and o.rowid != {row}.rowid"
            f" and {same} and ({self.counts.format(r='o')}))"
        )

    def add(self, row: str) -> str:
        """SQL adding the row's contribution (when it counts)."""
        columns = [*self.keys, *self.values]
        exprs = [*self._key(row), *(v.format(r=row) for v in self.values.values())]
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in self.values)
        return (
            f"insert into {self.name} ({', '.join(columns)})"
            f" select {', '.join(exprs)} where ({self.counts.format(r=row)}){self._alone(row)}"
            f" on conflict ({', '.join(self.keys)}) do update set {updates};"
        )

    def subtract(self, row: str) -> str:
        """SQL taking the row's contribution away (when it counted), and the summary row
        away once nothing counts in it."""
        match = " and ".join(f"{c} = {e}" for c, e in zip(self.keys, self._key(row), strict=True))
        sets = ", ".join(f"{c} = {c} - {v.format(r=row)}" for c, v in self.values.items())
        first = next(iter(self.values))
        return (
            f"update {self.name} set {sets}"
            f" where {match} and ({self.counts.format(r=row)}){self._alone(row)};"
            f" delete from {self.name} where {match} and {first} <= 0;"
        )

    def recount(self) -> str:
        """The summary counted again from every row of its base table."""
        keys = [f"{e} as {c}" for c, e in zip(self.keys, self._key("r"), strict=True)]
        if self.distinct_by:
            values = [f"count(distinct r.{self.distinct_by}) as {c}" for c in self.values]
        else:
            values = [f"sum({v.format(r='r')}) as {c}" for c, v in self.values.items()]
        groups = ", ".join(str(i + 1) for i in range(len(self.keys)))
        return (
            f"select {', '.join(keys + values)} from {self.base} r"
            f" where ({self.counts.format(r='r')}) group by {groups}"
        )


COVERAGE_DAYS = Summary(
    "coverage_days",
    "articles",
    keys={
        "day": DAY,
        "source": "{r}.source",
        "relevance": "coalesce({r}.relevance, '')",
        "original": "({r}.duplicate_of is null)",
    },
    values={"articles": "1"},
    watched=("published_at", "source", "relevance", "duplicate_of"),
)
ARTICLE_FACETS = Summary(
    "article_facets",
    "articles",
    keys={
        "month": MONTH,
        "source": "{r}.source",
        "relevance": "coalesce({r}.relevance, '')",
        "language": "coalesce({r}.language, '')",
    },
    values={"articles": "1"},
    watched=("published_at", "source", "relevance", "language"),
)
STORY_DAYS = Summary(
    "story_days",
    "articles",
    keys={"day": DAY, "source": "{r}.source", "story_id": "{r}.story_id"},
    values={"articles": "1"},
    counts="{r}.relevance = 'relevant' and {r}.duplicate_of is null and {r}.story_id is not null",
    watched=("published_at", "source", "relevance", "duplicate_of", "story_id"),
)
PEOPLE_MONTHS = Summary(
    "people_months",
    "article_people",
    keys={"person_id": "{r}.person_id", "month": MONTH},
    values={"articles": "1", "mentions": "coalesce({r}.mention_count, 0)"},
    counts="{r}.role = 'mentioned' and {r}.original = 1 and {r}.person_id is not null",
    watched=("article", "person_id", "role", "published_at", "original", "mention_count"),
)
REPORTED_DATES = Summary(
    "reported_dates",
    "article_dates",
    keys={
        "kind": "coalesce({r}.kind, '')",
        "other_work": "coalesce({r}.other_work, '')",
        "date": "coalesce({r}.date, '')",
        "precision": "coalesce({r}.precision, '')",
        "source": "{r}.source",
    },
    values={"articles": "1"},
    counts="{r}.counted = 1 and {r}.source is not null",
    watched=("article", "kind", "other_work", "date", "precision", "source", "counted"),
    # an article that reports the same date twice counts once
    distinct_by="article",
)
SUMMARIES = (COVERAGE_DAYS, ARTICLE_FACETS, STORY_DAYS, PEOPLE_MONTHS, REPORTED_DATES)

SCHEMA = """
create table if not exists coverage_days (
  day text not null, source text not null, relevance text not null, original integer not null,
  articles integer not null,
  primary key (day, source, relevance, original)
) without rowid;
create table if not exists article_facets (
  month text not null, source text not null, relevance text not null, language text not null,
  articles integer not null,
  primary key (month, source, relevance, language)
) without rowid;
create table if not exists story_days (
  day text not null, source text not null, story_id integer not null,
  articles integer not null,
  primary key (day, source, story_id)
) without rowid;
create index if not exists idx_story_days_story_id on story_days (story_id);
-- SOURCE_FIRST_SEEN: a source's first and last first sighting, for source_articles'
-- triggers only (an expression no query of the newsroom writes, so the planner never
-- picks it for them: an index on (source, first_seen) made the search pages slower).
create index if not exists idx_articles_source_first_seen on articles (source || '', first_seen);
create index if not exists idx_story_days_source_day on story_days (source, day, story_id);
create table if not exists source_articles (
  source text primary key, articles integer not null, first_new text, last_new text
) without rowid;
create table if not exists people_months (
  person_id text not null, month text not null, articles integer not null,
  mentions integer not null,
  primary key (person_id, month)
) without rowid;
create index if not exists idx_people_months_month on people_months
  (month, person_id, articles, mentions);
create table if not exists reported_dates (
  kind text not null, other_work text not null, date text not null, precision text not null,
  source text not null, articles integer not null,
  primary key (kind, other_work, date, precision, source)
) without rowid;
"""

# The recount of each summary from its rows: what the triggers must always equal.
RECOUNT = {
    **{summary.name: summary.recount() for summary in SUMMARIES},
    "source_articles": """
        select source, count(*) as articles, min(first_seen) as first_new,
          max(first_seen) as last_new
        from articles group by source""",
}

# The columns copied from an article (``{r}``) to its people and dates rows.
DENORMALISED = {
    "article_people": {
        "published_at": "{r}.published_at",
        "original": "{r}.duplicate_of is null",
        "source": "{r}.source",
    },
    "article_dates": {
        "published_at": "{r}.published_at",
        "source": "{r}.source",
        "counted": "{r}.relevance = 'relevant' and {r}.duplicate_of is null",
    },
}
# The articles columns those read.
COPIED = ("published_at", "duplicate_of", "source", "relevance")


def _copied(table: str, article: str, row: str = "a") -> dict[str, str]:
    """Each copied column of ``table`` and its value, read from the article ``row``; with
    ``article`` (the SQL naming the article's address), a lookup of that article."""
    columns = DENORMALISED[table]
    if not article:
        return {c: e.format(r=row) for c, e in columns.items()}
    return {
        c: f"(select {e.format(r='a')} from articles a where a.canonical_url = {article})"
        for c, e in columns.items()
    }


def _trigger(
    name: str,
    when: str,
    table: str,
    body: list[str],
    of: tuple[str, ...] = (),
    condition: str = "",
) -> tuple[str, str]:
    """(name, CREATE TRIGGER statement); ``condition`` is its WHEN clause."""
    columns = f" of {', '.join(of)}" if of else ""
    only = f" when {condition}" if condition else ""
    return (
        name,
        f"create trigger {name} after {when}{columns} on {table}{only}\nbegin\n  "
        + "\n  ".join(body)
        + "\nend",
    )


def _changed(columns: tuple[str, ...]) -> str:
    return " or ".join(f"old.{c} is not new.{c}" for c in columns)


def triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) of every trigger of the summaries and of the
    columns copied onto article_people and article_dates."""
    sql = []
    # Rows copied from the article when inserted, and again when the article changes.
    copy_down = []
    for table in DENORMALISED:
        sets = ", ".join(f"{c} = {v}" for c, v in _copied(table, "new.article").items())
        sql.append(
            _trigger(
                f"{table}_article_ai",
                "insert",
                table,
                [f"update {table} set {sets} where rowid = new.rowid;"],
            )
        )
        sets = ", ".join(f"{c} = {v}" for c, v in _copied(table, "", "new").items())
        copy_down.append(f"update {table} set {sets} where article = new.canonical_url;")
    sql.append(
        _trigger(
            "articles_article_people_au",
            "update",
            "articles",
            copy_down,
            of=COPIED,
            # a re-fetch sets these columns again, mostly to the same values
            condition=_changed(COPIED),
        )
    )
    # People and dates rows written before their article (none of ours are) get its values
    # when it comes.
    sql.append(_trigger("articles_children_ai", "insert", "articles", copy_down))
    # An article deleted takes its people, works, dates and signature with it (their
    # summaries follow through their own triggers).
    sql.append(
        _trigger(
            "articles_rows_ad",
            "delete",
            "articles",
            [
                f"delete from {t} where article = old.canonical_url;"
                for t in ("article_people", "article_works", "article_dates", "article_signatures")
            ],
        )
    )
    for summary in SUMMARIES:
        sql += _summary_triggers(summary)
    # source_articles: a count, and the first and last first_seen, looked up again (in the
    # index SOURCE_FIRST_SEEN) when the article that held one leaves: a deletion, rare.
    add = (
        "insert into source_articles (source, articles, first_new, last_new)"
        " values (new.source, 1, new.first_seen, new.first_seen)"
        " on conflict (source) do update set articles = articles + 1,"
        " first_new = min(coalesce(first_new, excluded.first_new), excluded.first_new),"
        " last_new = max(coalesce(last_new, excluded.last_new), excluded.last_new);"
    )
    subtract = [
        "update source_articles set articles = articles - 1 where source = old.source;",
        "delete from source_articles where source = old.source and articles <= 0;",
        "update source_articles set"
        " first_new = (select min(first_seen) from articles where source || '' = old.source),"
        " last_new = (select max(first_seen) from articles where source || '' = old.source)"
        " where source = old.source and (old.first_seen is first_new"
        " or old.first_seen is last_new);",
    ]
    sql.append(_trigger("source_articles_ai", "insert", "articles", [add]))
    sql.append(_trigger("source_articles_ad", "delete", "articles", subtract))
    sql.append(
        _trigger(
            "source_articles_au",
            "update",
            "articles",
            [*subtract, add],
            of=("source", "first_seen"),
            condition=_changed(("source", "first_seen")),
        )
    )
    return sql


def _summary_triggers(summary: Summary) -> list[tuple[str, str]]:
    name, base = summary.name, summary.base
    return [
        _trigger(f"{name}_ai", "insert", base, [summary.add("new")]),
        _trigger(f"{name}_ad", "delete", base, [summary.subtract("old")]),
        _trigger(
            f"{name}_au",
            "update",
            base,
            [summary.subtract("old"), summary.add("new")],
            of=summary.watched,
            condition=_changed(summary.watched),
        ),
    ]


def create(db: Database) -> dict[str, int]:
    """Create the summary tables, fill them, then create (or re-create) their triggers:
    in one transaction, so that no write falls between the count and the triggers.
    Returns the rows of each summary."""
    with db.atomic():
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        rows = rebuild(db)
        for name, statement in triggers():
            db.execute(f"drop trigger if exists {name}")
            db.execute(statement)
    return rows


def rebuild(db: Database) -> dict[str, int]:
    """Recount every summary, and the columns copied from articles, from the rows; returns
    the rows of each summary. One transaction: readers see the old counts or the new."""
    rows = {}
    with db.atomic():
        for table in DENORMALISED:
            values = _copied(table, f"{table}.article")
            sets = ", ".join(f"{c} = {v}" for c, v in values.items())
            differ = " or ".join(f"{c} is not {v}" for c, v in values.items())
            db.execute(f"update {table} set {sets} where {differ}")
        for name, recount in RECOUNT.items():
            db.execute(f"delete from {name}")
            db.execute(f"insert into {name} select * from ({recount})")
            rows[name] = db.execute(f"select count(*) from {name}").fetchone()[0]
    return rows


def differences(db: Database) -> dict[str, int]:
    """How many rows of each summary (and of the columns copied from articles) differ from
    a full recount: all zero when the triggers kept everything."""
    found = {}
    for name, recount in RECOUNT.items():
        found[name] = db.execute(
            f"select (select count(*) from (select * from {name} except {recount}))"
            f" + (select count(*) from ({recount} except select * from {name}))"
        ).fetchone()[0]
    for table, columns in DENORMALISED.items():
        differs = " or ".join(f"t.{c} is not ({v})" for c, v in _copied(table, "").items())
        found[f"{table} ({', '.join(columns)})"] = db.execute(
            f"select count(*) from {table} t join articles a on a.canonical_url = t.article"
            f" where {differs}"
        ).fetchone()[0]
    return found
