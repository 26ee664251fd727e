"""Datasette plugin of this project (loaded with --plugins-dir db/plugins).

What no published plugin does for Datasette 0.65: links between stored queries (Datasette
links foreign keys in tables, not values of queries); an article's people, works and
dates on its row page (Datasette lists related rows only as counts); a valid empty Atom
feed where datasette-atom fails; "Show as a chart" links for datasette-vega; memory-mapped
reads. Everything shown goes through Jinja's autoescaping or ``markupsafe``, so scraped
text stays text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import datasette_atom
from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import Response
from feedgen.feed import FeedGenerator
from markupsafe import Markup

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


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Tune each SQLite connection Datasette opens."""
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}")


@hookimpl
def render_cell(value: Any, column: str, database: str, datasette: Any) -> Markup | None:
    """Show `*_link` values of stored queries as links to the query they name."""
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
        return _render_atom(
            datasette, request, sql, columns, rows, database, table, query_name, view_name, data
        )
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.updated(datetime.now(UTC))
    title = sql
    if query_name:
        query = (datasette.metadata("queries", database=database) or {}).get(query_name)
        if isinstance(query, dict) and query.get("title"):
            title = query["title"]
    feed.title(title)
    return Response(
        feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200
    )


datasette_atom.render_atom = _render_atom_or_empty
