"""Turn raw author strings and bylines into a clean list of person names."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PREFIX = re.compile(r"^\s*(?:(?:written|posted|reported|story|words|text)\s+)?by[:\s]+", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+")
# "| Updated 3 hours ago", "- Published 4 May", "Updated: ..."; everything after is not a name.
_TRAILER = re.compile(
    r"\s*(?:[|•·–—-]\s*)?\b(?:updated|published|posted|last\s+updated|modified)\b.*$", re.I
)
_SEPARATORS = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\bi\b)\s*", re.I)
_ROLE_WORDS = {
    "staff",
    "writer",
    "reporter",
    "editor",
    "correspondent",
    "contributor",
    "columnist",
    "senior",
    "chief",
    "associate",
    "deputy",
    "managing",
    "news",
    "desk",
    "team",
    "critic",
    "producer",
    "photographer",
    "photos",
    "photo",
    "video",
    "tv",
    "film",
    "entertainment",
    "contributing",
    "freelance",
    "special",
    "guest",
    "author",
    "admin",
    "administrator",
}
_ORG_WORDS = {
    "news",
    "press",
    "media",
    "inc",
    "ltd",
    "llc",
    "agency",
    "newsroom",
    "magazine",
    "times",
    "post",
    "daily",
    "journal",
    "tribune",
    "herald",
    "group",
    "network",
    "online",
    "reuters",
    "associated",
}
# A byline holding one of these credits a group, not a person ("Variety Staff").
_COLLECTIVE = {"staff", "desk", "team", "editors", "editorial", "newsdesk", "wire", "wires"}
_NAME_TOKEN = re.compile(r"^[^\W\d_][\w'’.\-]*$", re.U)


def _strip(raw: str) -> str:
    text = " ".join(str(raw).split())
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _TRAILER.sub("", text)
    text = _PREFIX.sub("", text)
    return text.strip(" ,;:|-–—")


def _is_person_name(name: str, site_name: str | None) -> bool:
    words = name.split()
    if not 1 < len(words) <= 5 or not 3 <= len(name) <= 60:
        return False
    lowered = [w.lower().strip(".") for w in words]
    if site_name and name.lower() == site_name.lower():
        return False
    if any(w in _ORG_WORDS or w in _COLLECTIVE for w in lowered):
        return False
    if all(w in _ROLE_WORDS for w in lowered):
        return False
    if not all(_NAME_TOKEN.match(w) for w in words):
        return False
    # Names are capitalised in bylines; a lower-case word other than a particle is prose.
    particles = {"de", "da", "del", "van", "von", "der", "la", "le", "di", "du", "bin", "al"}
    return all(w[0].isupper() or w.lower() in particles for w in words)


def clean_authors(raw_names: Iterable[str] | None, site_name: str | None = None) -> list[str]:
    """Clean author strings: strip "By", roles, emails, dates and handles; split "A, B and C".

    Organisations and the site's own name are dropped. Order is kept, duplicates removed.
    """
    names: list[str] = []
    seen: set[str] = set()
    for raw in raw_names or []:
        if not raw:
            continue
        for part in _SEPARATORS.split(_strip(raw)):
            part = _PREFIX.sub("", part).strip(" .,;:|-–—")
            if part and _is_person_name(part, site_name) and part.lower() not in seen:
                seen.add(part.lower())
                names.append(part)
    return names
