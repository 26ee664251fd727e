"""Datasette plugin of this project (loaded with --plugins-dir db/plugins).

What no published plugin does for Datasette 0.65: links between stored queries (Datasette
links foreign keys in tables, not values of queries); an article's people, works and
dates on its row page (Datasette lists related rows only as counts); a valid empty Atom
feed where datasette-atom fails, and a valid one whatever characters a headline holds;
"Show as a chart" links for datasette-vega; memory-mapped reads; and the edges of a
public read-only instance (below). Everything shown goes through Jinja's autoescaping or
``markupsafe``, so scraped text stays text.

The edges: a request that can only change data (POST, PUT, PATCH, DELETE) answers 405;
a bad request (an unknown sort column, a row address with extra parts) answers 4xx, not
500 with a traceback; no single SQL value may grow past SQLITE_LIMIT_LENGTH (50 MB), so
``select zeroblob(300000000)`` is an error, not 1.6 GB of memory.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import quote as _quote

import datasette.facets as datasette_facets
import datasette.filters as datasette_filters
import datasette.handle_exception
import datasette_atom
from datasette import hookimpl
from datasette.filters import FilterArguments, Filters
from datasette.plugins import pm
from datasette.utils import (
    path_with_added_args,
    path_with_removed_args,
    urlsafe_components,
)
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError, ureg
from feedgen.feed import FeedGenerator
from markupsafe import Markup
from warcio.archiveiterator import ArchiveIterator

from starcity.hygiene import clean_text, clean_value

# A `*_link` column of a stored query holds "query_name?param=value" within the same database.
_LINK = re.compile(r"[a-z_]+\?[a-z_]+=[\w.~%-]+")

_PEOPLE = """
select p.id, p.name, p.character, ap.role, ap.mention_count, ap.method, ap.confidence,
  ap.snippet
from article_people ap join people p on p.id = ap.person_id
where ap.article = :article
order by ap.role = 'author' desc, ap.first_offset
"""
_WORKS = """
select w.id, w.name, aw.mention_count
from article_works aw join works w on w.id = aw.work_id
where aw.article = :article order by aw.first_offset
"""
_DATES = """
select d.date, d.precision, d.kind, d.text, d.qualifier, d.sentence, w.name as other_work
from article_dates d left join works w on w.id = d.other_work
where d.article = :article order by d.offset
"""


# Reads through memory-mapped I/O instead of read() calls: row lookups after a full-text
# search or for a facet run about twice as fast on a 100,000-article database (make bench).
MMAP_BYTES = 512 * 1024 * 1024


# The longest string or blob one SQL value may be (SQLITE_LIMIT_LENGTH). A stored page is
# at most 16 MB (the download limit), so nothing stored comes near; a query building a
# larger value ("select zeroblob(300000000)") fails with "string or blob too big".
MAX_VALUE_BYTES = 50_000_000
# Columns of a table, view or result at most (SQLite's own limit is 2,000): the widest of
# ours, articles, has under 40. A query's values times its columns is what it can cost.
MAX_COLUMNS = 100


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Tune and bound each SQLite connection Datasette opens."""
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)


# Methods a read-only newsroom answers; everything else could only try to write.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bad_parameter(query_string: str) -> str | None:
    """What is wrong with a request's parameters that Datasette would answer with a 500, or
    None. ``_through`` must be a JSON object naming a table, a column and a value (Datasette
    indexes it without checking); ``_timelimit`` a whole number of milliseconds."""
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name == "_through":
            try:
                through = json.loads(value)
            except ValueError:
                return "_through must be JSON"
            if not (
                isinstance(through, dict)
                and isinstance(through.get("table"), str)
                and isinstance(through.get("column"), str)
                and "value" in through
                and isinstance(through["value"], str | int | float | None)
            ):
                return '_through must be {"table": ..., "column": ..., "value": ...}'
        elif name == "_timelimit" and not (value.isdigit() and 0 < int(value) <= 10**9):
            return "_timelimit must be a whole number of milliseconds"
    return None


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Before Datasette sees a request: 405 for any that could only change data, 400 for
    parameters it would fail on."""

    def wrap(app: Any) -> Any:
        async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            if scope.get("method", "GET") not in _READ_METHODS:
                response = Response.text(
                    "405 Method Not Allowed: this newsroom is read-only\n",
                    status=405,
                    headers={"Allow": "GET, HEAD, OPTIONS"},
                )
                await response.asgi_send(send)
                return
            problem = bad_parameter(scope.get("query_string", b"").decode("latin-1"))
            if problem:
                info = {"ok": False, "error": problem, "status": 400, "title": None}
                if scope.get("path", "").endswith(".json"):
                    response = Response.json(info, status=400)
                else:
                    response = Response.text(f"400 Bad Request: {problem}\n", status=400)
                await response.asgi_send(send)
                return
            await app(scope, receive, send)

        return guarded

    return wrap


# Datasette 0.65's default error handler prints every error with rich (installed here
# with spaCy) and crashes doing so for errors raised outside an ``except`` block, such
# as the 404 of a row address with extra parts: that 404 became a 500. Without rich it
# prints a plain traceback for real server errors only.
datasette.handle_exception.rich = None

# -- full-text search that costs what it shows (issue #21) --------------------------------

# A search of a table (?_search=) keeps the articles stored most recently among its hits,
# at most this many: Datasette's own search looks every hit up, counts them all and facets
# them all (1.1 s for a common name at a million articles, 14% of them naming it).
SEARCH_LIMIT = 1000
# With column filters too (a facet chosen on the results), the hits stored most recently
# that are checked against them, at most: the cost stays that of this many lookups.
SEARCH_WINDOW = 20_000


def bounded_search_filters(request: Any, database: str, table: str, datasette: Any) -> Any:
    """Datasette's ``?_search=`` filter, bounded: the hits are the SEARCH_LIMIT articles
    stored most recently that match the words and the page's column filters (the full-text
    index gives them newest first, so nothing else is read); sorting, paging, the count
    and the facets then work on those. The page says when there are more, and how many
    articles have the words. A search with ``_where``, ``_through`` or by column
    (``_search_title=``) is Datasette's own, unbounded."""
    default = datasette_filters.search_filters(request, database, table, datasette)

    async def inner() -> FilterArguments:
        found = await default()
        args = request.args
        if (
            not args.get("_search")
            or len(found.where_clauses) != 1
            or found.where_clauses[0].partition(" in (")[0] not in ("rowid", "[rowid]")
            or any(k in args for k in ("_where", "_through"))
            or any(k.startswith("_search_") for k in args)
        ):
            return found
        # "rowid in (select rowid from t_fts where t_fts match escape_fts(:search))"
        clause = found.where_clauses[0]
        key, _, hits = clause.partition(" in (")
        hits = hits[:-1]
        words = hits  # the full-text index's own hits, without the page's filters
        fts = hits.split(" where ", 1)[0].removeprefix("select rowid from ")
        pairs = sorted(
            (k, v)
            for k in args
            if not (k.startswith("_") and "__" not in k)
            for v in args.getlist(k)
        )
        units = datasette.table_metadata(database, table).get("units", {})
        # The page's own filters (the same clauses and parameter names as Datasette's
        # table view builds from the same arguments), applied before the limit: each of
        # the SEARCH_WINDOW hits stored most recently is checked against them, newest
        # first, until there are SEARCH_LIMIT (the filters' bare column names are the
        # table's inside the subquery).
        filters, params = Filters(pairs, units, ureg).build_where_clauses(table)
        db = datasette.get_database(database)
        values = {**params, **found.params}
        if filters:
            # The rowid of the SEARCH_WINDOW-th hit: the index stops scanning there.
            floor = (
                await db.execute(
                    f"{words} order by rowid desc limit 1 offset {SEARCH_WINDOW - 1}", values
                )
            ).first()
            if floor is not None:
                hits += f" and {fts}.rowid >= :search_floor"
                params["search_floor"] = values["search_floor"] = floor[0]
            hits += (
                f" and exists (select 1 from [{table}] where [{table}].rowid = {fts}.rowid"
                f" and {' and '.join(filters)})"
            )
        # The hits, looked up once: the page's rows, its count and each facet then read
        # these rowids instead of searching again.
        rows = await db.execute(f"{hits} order by rowid desc limit {SEARCH_LIMIT + 1}", values)
        rowids = [row[0] for row in rows.rows]
        more = len(rowids) > SEARCH_LIMIT
        total = (await db.execute(f"select count(*) from ({words})", values)).first()[0]
        description = found.human_descriptions[0]
        if "search_floor" in params:
            description += (
                f" (among the {SEARCH_WINDOW:,} stored most recently of the {total:,}"
                " articles with these words"
                + (f"; the {SEARCH_LIMIT:,} most recent shown" if more else "")
                + ")"
            )
        elif more:
            of = f"more than {SEARCH_LIMIT:,}" if filters else f"{total:,}"
            description += (
                f" (the {SEARCH_LIMIT:,} stored most recently of {of} matching articles;"
                " add words or filters to reach older ones)"
            )
        return FilterArguments(
            [f"{key} in (select value from json_each(:search_hits))"],
            {"search_hits": json.dumps(rowids[:SEARCH_LIMIT]), **found.params},
            [description],
            found.extra_context,
        )

    return inner


def _replace_hook(hook: Any, default: Any, ours: Any) -> None:
    """Put ``ours`` in the place of Datasette's own implementation ``default`` of a hook
    (or of ours from an earlier load of this module: Datasette loads a plugins folder
    again for each instance it makes)."""
    ours._newsroom = True
    for impl in hook.get_hookimpls():
        # (``default`` is not kept in a name of this module: pluggy would take it for a
        # hook implementation of ours)
        if impl.function is default or getattr(impl.function, "_newsroom", False):
            impl.function = ours
            return
    raise RuntimeError(f"Datasette's {default.__module__}.{default.__name__} is gone")


def _bound_search() -> None:
    """Put bounded_search_filters in the place of Datasette's own ?_search= filter."""
    _replace_hook(
        pm.hook.filters_from_request, datasette_filters.search_filters, bounded_search_filters
    )


_bound_search()


# -- facets counted from a summary (issue #21) --------------------------------------------

# Tables whose facets can be counted from a summary table (db/summaries.py): the summary,
# and the table's columns it has (column -> the summary's column).
FACET_SUMMARIES = {
    "articles": (
        "article_facets",
        {"published_month": "month", "source": "source", "relevance": "relevance",
         "language": "language"},
    ),
}  # fmt: skip
# Arguments a table page may carry and still be counted from a summary: the others
# (search, SQL, paging, a custom query) change which rows are counted.
_SUMMARY_SAFE_ARGS = {"_facet", "_size", "_sort", "_sort_desc", "_nocount", "_col", "_nocol",
                      "_labels", "_nolabels", "_shape", "_json", "_trace", "_timelimit",
                      "_nofacet", "_nosuggest", "_extra", "_fts_table", "_fts_pk"}  # fmt: skip


class SummaryColumnFacet(datasette_facets.ColumnFacet):
    """Datasette's column facet, counted from a summary table when the page's rows are
    those of the summary's columns: at a million articles the four facets of the articles
    page took 200 ms from the rows, a few milliseconds from article_facets. Any other
    page (a search, a filter on another column, a SQL query) is Datasette's own facet."""

    def _summary(self) -> tuple[str, dict[str, str], list[tuple[str, str]]] | None:
        if self.table not in FACET_SUMMARIES:
            return None
        summary, columns = FACET_SUMMARIES[self.table]
        filters = []
        for key in self.request.args:
            value = self.request.args[key]
            if key.startswith("_") and "__" not in key:
                if key not in _SUMMARY_SAFE_ARGS:
                    return None
                continue
            column = key.removesuffix("__exact")
            # ('' is a filter Datasette applies to the rows; the summary holds no '')
            if column not in columns or len(self.request.args.getlist(key)) != 1 or not value:
                return None
            filters.append((columns[column], value))
        return summary, columns, filters

    async def facet_results(self) -> tuple[list[dict], list[str]]:
        found = self._summary()
        configs = list(self.get_configs())
        if found is None or any(
            (c["config"].get("column") or c["config"]["simple"]) not in found[1] for c in configs
        ):
            return await super().facet_results()
        summary, columns, filters = found
        where = " and ".join(f"[{c}] = :f{i}" for i, (c, _) in enumerate(filters)) or "1"
        params = {f"f{i}": v for i, (_, v) in enumerate(filters)}
        qs_pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        results = []
        for config in configs:
            column = config["config"].get("column") or config["config"]["simple"]
            counted = columns[column]
            rows = await self.ds.execute(
                self.database,
                f"select [{counted}] as value, sum(articles) as count from [{summary}]"
                f" where [{counted}] != '' and {where}"
                f" group by [{counted}] order by count desc, value limit {size + 1}",
                params,
            )
            values = []
            for row in rows.rows[:size]:
                selected = (column, str(row["value"])) in qs_pairs
                toggle = (
                    path_with_removed_args(self.request, {column: str(row["value"])})
                    if selected
                    else path_with_added_args(self.request, {column: row["value"]})
                )
                values.append(
                    {
                        "value": row["value"],
                        "label": row["value"],
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_facet": column})
                    ),
                    "results": values,
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, []


def facet_classes() -> list[type]:
    """Datasette's facet classes, SummaryColumnFacet in the place of its column facet."""
    return [
        SummaryColumnFacet if c is datasette_facets.ColumnFacet else c
        for c in datasette_facets.register_facet_classes()
    ]


def _summary_facets() -> None:
    _replace_hook(
        pm.hook.register_facet_classes, datasette_facets.register_facet_classes, facet_classes
    )


_summary_facets()


# SQLite errors that are the server's, not the request's.
_SERVER_SIDE = re.compile(r"locked|disk i/o|unable to open|out of memory|corrupt", re.I)


@hookimpl(tryfirst=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Bad requests answer 400, not 500.

    Datasette raises DatasetteError without a status (so 500) for requests it refuses
    ("Cannot sort table by nope", a SQL error in a ``_where``), and lets a malformed JSON
    parameter (``_through``) escape as a ValueError: those are the client's errors.
    """
    if isinstance(exception, DatasetteError):
        if getattr(exception, "status", 500) >= 500 and not _SERVER_SIDE.search(str(exception)):
            exception.status = 400
        return None  # Datasette's default handler renders it with that status
    if isinstance(exception, json.JSONDecodeError):
        return _error_response(datasette, request, f"malformed JSON parameter: {exception}", 400)
    return None


def _error_response(datasette: Any, request: Any, message: str, status: int) -> Any:
    """An error page (or JSON, for a .json address) the way Datasette renders its own."""
    info = {"ok": False, "error": message, "status": status, "title": None}
    if request.path.split("?")[0].endswith(".json"):
        return Response.json(info, status=status)

    async def inner() -> Any:
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        page = await template.render_async(
            dict(
                info,
                urls=datasette.urls,
                app_css_hash=datasette.app_css_hash(),
                menu_links=lambda: [],
            )
        )
        return Response.html(page, status=status)

    return inner


# -- the archived copy of an article (spiders/archive.py, docs/archive.md) -----------------

# A WARC file's name as the archive writes it: no folder, nothing else.
_WARC_NAME = re.compile(r"starcity-[\w.-]+\.warc\.gz")
# The archived page is shown as the server sent it, but sandboxed: no script runs, nothing
# is loaded from anywhere (images and styles of the page's site included), no form posts.
ARCHIVE_CSP = (
    "sandbox; default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'"
)
_ARCHIVE_HEADERS = {
    "Content-Security-Policy": ARCHIVE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=3600",
}


def _read_record(path: str, offset: int) -> tuple[str | None, str, bytes, bytes]:
    """(record id, content type, body as a browser gets it, the record's own bytes as
    stored: its gzip member) at ``offset``."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        records = ArchiveIterator(stream)
        record = next(iter(records))
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        content_type = (record.http_headers.get_header("Content-Type") or "").strip()
        body = record.content_stream().read()
        records.read_to_end(record)
        # (the iterator reads ahead: the file position is past the record's end)
        length = records.get_record_length()
        stream.seek(offset)
        raw = stream.read(length)
    return record_id, content_type, body, raw


async def archived(datasette: Any, request: Any) -> Response:
    """/-/archived/<database>?url=<canonical_url>: the article's archived response, served
    read-only in a sandbox (?format=warc: the WARC record itself, to download)."""
    name = request.url_vars["database"]
    url = request.args.get("url") or ""
    try:
        db = datasette.get_database(name)
    except KeyError:
        return Response.text("no such database", status=404)
    rows = await db.execute(
        "select archive_file, archive_offset, archive_record_id from articles"
        " where canonical_url = ?",
        [url],
    )
    row = rows.first()
    if row is None or not row["archive_file"] or row["archive_offset"] is None:
        return Response.text("no archived copy of this article", status=404)
    if not _WARC_NAME.fullmatch(row["archive_file"]) or not db.path:
        return Response.text("the archive pointer of this article is not valid", status=400)
    path = Path(db.path).resolve().parent / "archive" / row["archive_file"]
    if not path.is_file():
        return Response.text("the archived file is gone (pruned or not published)", status=404)
    try:
        record_id, content_type, body, raw = await asyncio.to_thread(
            _read_record, str(path), int(row["archive_offset"])
        )
    except Exception:  # a truncated or corrupt file: said, not a traceback
        return Response.text("the archived record cannot be read", status=500)
    if record_id != row["archive_record_id"]:
        return Response.text("the archived record does not match this article", status=409)
    if request.args.get("format") == "warc":
        return Response(
            raw,
            content_type="application/warc",
            headers={
                **_ARCHIVE_HEADERS,
                "Content-Disposition": 'attachment; filename="article.warc.gz"',
            },
        )
    # the page's own type and charset when it is HTML; anything else is shown as text
    shown = content_type if content_type.lower().startswith("text/html") else "text/plain"
    return Response(body, content_type=shown, headers=_ARCHIVE_HEADERS)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/archived/(?P<database>[^/]+)$", archived)]


@hookimpl
def render_cell(
    value: Any, column: str, table: str | None, row: Any, database: str, datasette: Any
) -> Markup | None:
    """Show `*_link` values of stored queries as links to the query they name, and an
    article's archive record as a link to its archived copy."""
    if column == "archive_record_id" and table == "articles" and value and row is not None:
        href = f"/-/archived/{database}?url={_quote(row['canonical_url'])}"
        return Markup('<a href="{}" rel="nofollow">archived copy</a>').format(href)
    if not column.endswith("_link") or not isinstance(value, str) or not _LINK.fullmatch(value):
        return None
    href = f"{datasette.urls.database(database)}/{value}"
    return Markup('<a href="{}">{}</a>').format(href, "articles")


@hookimpl
def extra_template_vars(
    view_name: str, database: str | None, table: str | None, request: Any, datasette: Any
) -> Any:
    """On an article's row page: the people, works and dates found in it."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks")
        if not pks:
            return {}
        article = urlsafe_components(pks)[0]
        db = datasette.get_database(database)
        found: dict[str, Any] = {"article_link_base": datasette.urls.database(database)}
        for name, sql in (("people", _PEOPLE), ("works", _WORKS), ("dates", _DATES)):
            try:
                result = await db.execute(sql, {"article": article})
            except Exception:  # an older database without these tables: show the row alone
                return {}
            found[f"article_{name}"] = [dict(row) for row in result.rows]
        return found

    return inner


@hookimpl
def extra_body_script(view_name: str) -> str | None:
    """Let a "Show as a chart" link (href "#g.mark=...") open datasette-vega's chart.

    datasette-vega reads its chart from the URL fragment when the page loads; following a
    link to a fragment of the same page does not load it again. Only a click on such a
    link reloads: the plugin's own fragment updates (changing a chart option) do not.
    """
    if view_name not in ("query", "table"):
        return None
    return (
        "document.addEventListener('click', function (event) {"
        " var link = event.target.closest && event.target.closest('a[href^=\"#g.\"]');"
        " if (!link) { return; }"
        " event.preventDefault();"
        " location.hash = link.getAttribute('href');"
        " location.reload(); });"
    )


# datasette-atom dates a feed by its newest entry, and fails (HTTP 500) on a query with no
# rows: a new installation's feed of relevant articles would be broken until the first one
# is found. An empty result gets a valid, empty feed instead; anything else is the plugin's.
_render_atom = datasette_atom.render_atom


def _render_atom_or_empty(
    datasette: Any,
    request: Any,
    sql: str,
    columns: list[str],
    rows: list[Any],
    database: str,
    table: str | None,
    query_name: str | None,
    view_name: str,
    data: dict[str, Any],
) -> Any:
    if rows:
        # Stored text is clean (db/articles.py); rows of an older database may still hold a
        # control character, which no XML document may contain.
        rows = [dict(zip(columns, clean_value(list(row)), strict=True)) for row in rows]
        try:
            return _render_atom(
                datasette, request, sql, columns, rows, database, table, query_name, view_name, data
            )
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            # Rows of an arbitrary query (.atom?sql=...) with an empty title, an unreadable
            # date, no id: no feed can be made of them, which is the request's fault.
            raise DatasetteError(f"no Atom feed of these rows: {exc}", status=400) from exc
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.updated(datetime.now(UTC))
    title = sql
    if query_name:
        query = (datasette.metadata("queries", database=database) or {}).get(query_name)
        if isinstance(query, dict) and query.get("title"):
            title = query["title"]
    feed.title(clean_text(str(title)) or "feed")
    return Response(
        feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200
    )


datasette_atom.render_atom = _render_atom_or_empty
