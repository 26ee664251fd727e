"""Settle duplicate groups: every copy points at the group's original (earliest published)."""

from __future__ import annotations

from sqlite_utils import Database


def resolve(db: Database) -> int:
    """Group articles linked by ``duplicate_match`` and set ``duplicate_of`` to each group's
    original: the earliest published copy (then the first seen). Returns the number of copies.

    A syndicated copy (``syndication_of``, a canonical declared on another site) is linked
    to its original here once that is stored, whichever came first; a page that declares
    itself a copy is never made the original of its group, whatever its date says.
    """
    with db.atomic():
        db.execute(
            "update articles set duplicate_match = syndication_of, duplicate_kind = 'canonical',"
            " duplicate_similarity = 1.0"
            " where syndication_of is not null and duplicate_match is null"
            " and syndication_of != canonical_url"
            " and syndication_of in (select canonical_url from articles)"
        )
    rows = db.execute(
        "select canonical_url, duplicate_match, published_at, first_seen, duplicate_kind,"
        " duplicate_similarity, syndication_of from articles"
        " where duplicate_match is not null or canonical_url in"
        " (select duplicate_match from articles where duplicate_match is not null)"
    ).fetchall()
    parent: dict[str, str] = {}

    def find(url: str) -> str:
        parent.setdefault(url, url)
        while parent[url] != url:
            parent[url] = parent[parent[url]]
            url = parent[url]
        return url

    order: dict[str, tuple[int, int, str, str]] = {}
    kind_of: dict[str, tuple[str, float | None]] = {}
    for url, match, published, first_seen, kind, similarity, syndicated in rows:
        declared_copy = 1 if syndicated else 0
        order[url] = (declared_copy, 0 if published else 1, published or "", first_seen or "")
        find(url)
        if kind:
            kind_of.setdefault(url, (kind, similarity))
        if match:
            parent[find(url)] = find(match)
            if kind:
                # A former original that turns out to be a copy takes its link's kind.
                kind_of.setdefault(match, (kind, similarity))
    groups: dict[str, list[str]] = {}
    for url in parent:
        groups.setdefault(find(url), []).append(url)
    wanted: dict[str, tuple[str, str, float | None]] = {}  # copy -> original, kind, similarity
    originals = []
    for members in groups.values():
        if len(members) < 2:
            continue
        known = [m for m in members if m in order]
        original = min(known, key=lambda m: (order[m], m))
        originals.append(original)
        for member in known:
            if member != original:
                wanted[member] = (original, *kind_of.get(member, ("near", None)))
    # Only the rows whose link changes are written: each write of duplicate_of moves the
    # summaries' counts (db/summaries.py) and the article's people and dates rows.
    current = dict(
        db.execute(
            "select canonical_url, duplicate_of from articles where duplicate_of is not null"
        ).fetchall()
    )
    with db.atomic():
        for url in current.keys() - wanted.keys():
            db.execute("update articles set duplicate_of = null where canonical_url = ?", [url])
        for original in originals:
            # The original is no copy: the kind of the match it made when it was stored
            # (an original stored after its copy) belongs to the copy, not to it.
            db.execute(
                "update articles set duplicate_kind = null, duplicate_similarity = null"
                " where canonical_url = ? and duplicate_kind is not null",
                [original],
            )
        for member, (original, kind, similarity) in wanted.items():
            db.execute(
                "update articles set duplicate_of = ?, duplicate_kind = ?,"
                " duplicate_similarity = ? where canonical_url = ? and (duplicate_of is not ?"
                " or duplicate_kind is not ? or duplicate_similarity is not ?)",
                [original, kind, similarity, member, original, kind, similarity],
            )
    return len(wanted)


def stored_fingerprints(db: Database) -> list[tuple[str, str, str | None, bytes | None]]:
    """(canonical URL, URL key, text hash, MinHash signature) of every stored article, in
    the order they were first seen (then stored): what a crawl's duplicate index starts
    from."""
    return db.execute(
        "select a.canonical_url, a.url_key, a.text_hash, s.minhash from articles a"
        " left join article_signatures s on s.article = a.canonical_url"
        " where a.url_key is not null order by a.first_seen, a.rowid"
    ).fetchall()
