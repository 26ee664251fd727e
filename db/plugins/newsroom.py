"""Datasette plugin of this project: links between stored queries and an article's people and dates.

No published plugin does either: Datasette links foreign keys in tables but not values of
stored queries, and its row page lists related rows only as counts. Everything here is
rendered through Jinja's autoescaping or ``markupsafe``, so scraped text stays text.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components
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
select date, precision, kind, text, qualifier, sentence
from article_dates where article = :article order by offset
"""


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
    """Let a "Show as a chart" link (#g.mark=...) open datasette-vega's chart.

    datasette-vega reads its chart from the URL fragment when the page loads; following a
    link to a fragment of the same page does not load it again, so reload on that change.
    """
    if view_name not in ("query", "table"):
        return None
    return (
        "window.addEventListener('hashchange', function () {"
        " if (location.hash.indexOf('#g.') === 0) { location.reload(); } });"
    )
