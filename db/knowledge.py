"""Load the knowledge base (db/knowledge.yml) into the people, works and organisations tables."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


def load_into(
    db: Database,
    people: list[dict[str, Any]],
    works: list[dict[str, Any]],
    organisations: list[dict[str, Any]],
) -> int:
    """Upsert every knowledge-base entry; returns how many rows were written."""

    def listing(entry: dict[str, Any], key: str) -> str:
        return json.dumps(entry.get(key) or [], ensure_ascii=False)

    with db.atomic():
        db["people"].upsert_all(
            [
                {
                    "id": p["id"],
                    "name": p["name"],
                    # the aliases, then the spellings in other scripts (nominatives)
                    "aliases": json.dumps(
                        [
                            *(p.get("aliases") or []),
                            *(
                                n
                                for names in (p.get("spellings") or {}).values()
                                for n in names or []
                            ),
                        ],
                        ensure_ascii=False,
                    ),
                    "roles": listing(p, "roles"),
                    "character": p.get("character"),
                    "in_knowledge_base": 1,
                }
                for p in people
            ],
            pk="id",
        )
        db["works"].upsert_all(
            [
                {
                    "id": w["id"],
                    "name": w["name"],
                    "kind": w.get("kind"),
                    "aliases": listing(w, "aliases"),
                    "network": w.get("network"),
                    "studio": w.get("studio"),
                    "premiere": w.get("premiere"),
                }
                for w in works
            ],
            pk="id",
        )
        db["organisations"].upsert_all(
            [
                {
                    "id": o["id"],
                    "name": o["name"],
                    "kind": o.get("kind"),
                    "aliases": listing(o, "aliases"),
                }
                for o in organisations
            ],
            pk="id",
        )
    return len(people) + len(works) + len(organisations)
