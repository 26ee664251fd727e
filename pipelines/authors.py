"""Turn raw author strings and bylines into a clean list of credited authors.

A credit is a person's name, or a news agency when the page credits one ("AP",
"Reuters", "dpa"): users asking "who wrote this" want the agency for wire copy.
Newsrooms, desks, staff credits and the site's own name are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

# "By", and its equivalents in the languages of our sources and of Russian coverage.
_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|story|words|text|photos?)\s+)?"
    r"(?:by|von|par|por|door|av|af|przez|от|автор(?:ы)?)\s*[:\s]\s*",
    re.I,
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+")
# "| Updated 3 hours ago", "- Published 4 May", "Updated: ..."; everything after is not a name.
_TRAILER = re.compile(
    r"\s*(?:[|•·–—-]\s*)?\b(?:updated|published|posted|last\s+updated|modified|aktualisiert|"
    r"veröffentlicht|mis à jour|publié)\b.*$",
    re.I,
)
# "Jane Doe for MailOnline", "… for The Associated Press": the outlet a writer filed for.
_FOR_OUTLET = re.compile(
    r"\s+(?i:for)\s+(?:(?i:the)\s+)?[A-Z][\w.'’&-]*"
    r"(?:\s+(?:[A-Z][\w.'’&-]*|on|of|am|im|de|du|del))*\s*$"
)
# A role compounded with the outlet before the name, as German bylines write it:
# "FOCUS-Online-Experte Robin Tschöpe", "ZDF-Korrespondentin Anne Muster".
_COMPOUND_ROLE = re.compile(
    r"^\S+-(?:experte|expertin|autor|autorin|redakteur|redakteurin|korrespondent|"
    r"korrespondentin|reporter|reporterin|kolumnist|kolumnistin)\s+",
    re.I,
)
# Articles before a site's name ("Die FURCHE" on furche.at, "The Verge" on theverge.com).
_LEADING_ARTICLE = re.compile(r"^(?:the|die|der|das|le|la|les|el|il|lo|het|de)\s+", re.I)
# Separators between several names: punctuation and "and" in the languages we meet.
_SEPARATORS = re.compile(
    r"\s*(?:,|;|\||&|/|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bi\b|\bog\b|\boch\b|\ben\b|"
    r"\bи\b|\bve\b|、|，|・)\s*",
    re.I,
)
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
    "redakteur",
    "redakteurin",
    "autor",
    "autorin",
    "journalist",
    "journaliste",
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
    "redaktion",
    "redaction",
    "rédaction",
    "redacción",
    "redazione",
    "nachrichten",
    "zeitung",
    "tv",
    "radio",
    "channel",
    # legal forms and institutions ("Deutsches Weininstitut GmbH", "… Partei …")
    "gmbh",
    "mbh",
    "e.v",
    "plc",
    "corp",
    "corporation",
    "company",
    "institut",
    "institute",
    "university",
    "universität",
    "partei",
    "party",
    "verband",
    "verein",
    "stiftung",
    "foundation",
    "association",
    "ministry",
    "ministerium",
    "sekretariat",
    "secretariat",
    "kitchens",
}
# German compounds of a newsroom word: "Onlineredaktion", "Sportredaktion".
_ORG_SUFFIXES = ("redaktion",)
# A credit ending in one of these is a job title, not a name: "Lifestyle Writer",
# "HT Correspondent", "AP National Writer".
_TITLE_ENDINGS = {
    "writer", "reporter", "correspondent", "editor", "columnist", "contributor", "critic",
    "producer", "photographer", "journalist", "redakteur", "redakteurin",
}  # fmt: skip
# "ndr.de", "ntv.com.tr": a domain name is a site, not a person.
_DOMAIN = re.compile(r"\w\.(?:[a-z]{2,6})$", re.I)
# A byline holding one of these credits a group, not a person ("Variety Staff").
_COLLECTIVE = {
    "staff", "desk", "team", "editors", "editorial", "newsdesk", "wire", "wires", "report",
}  # fmt: skip
_PARTICLES = {
    "de",
    "da",
    "del",
    "della",
    "van",
    "von",
    "der",
    "den",
    "la",
    "le",
    "di",
    "du",
    "dos",
    "das",
    "bin",
    "al",
    "el",
    "ter",
    "ten",
    "zu",
    "y",
    "af",
    "av",
}
_AGENCIES_FILE = "news_agencies.txt"  # package data: readable from an egg too


@cache
def _agencies() -> dict[str, str]:
    """News agency names and abbreviations, casefolded -> as written in the file."""
    names: dict[str, str] = {}
    text = resources.files("pipelines").joinpath(_AGENCIES_FILE).read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names[line.casefold()] = line
    return names


def is_agency(name: str) -> bool:
    return name.strip().casefold() in _agencies()


# A reporter's title or a count of co-authors after a Korean, Japanese or Chinese name:
# "홍길동 기자" (reporter), "홍길동 외 1명" (and one other), "山田太郎記者", "张伟 特派记者".
_CJK_ROLE = re.compile(
    r"\s*(?:외\s*\d+\s*명|(?:수습|인턴|선임|객원)?(?:기자|특파원|논설위원|앵커|PD)|"
    r"(?:特派|駐在|编辑|編集)?(?:記者|记者|特派員|特派员|委員|委员|撰稿人)|通信員|通讯员)"
    r"(?=$|[\s,，、/])",
)


# Academic and courtesy titles before a name: "Dr.", "Prof. Dr. med.", "Dipl.-Ing.",
# "Mag.", "Dott.ssa", "Mrs". A title is not part of the name: "Dr. Jane Smith" and "Jane
# Smith" are one author. ("Sir" and "Dame" are kept: they are used as part of the name.)
_TITLE = re.compile(
    r"^(?:(?:(?:prof|dr|mr|mrs|ms)\.?|(?:profa|dra|mag|mgr|ing|bc|dott|mme|"
    r"dipl\.-\w+|univ\.-prof|priv\.-doz)\.|dott\.ssa)\s+"
    r"(?:(?:med|rer\.\s*nat|phil|jur|h\.\s*c|hab|habil|dent|vet|oec|pol|sc|techn)\.?\s+)*)+",
    re.I,
)


def _without_title(name: str) -> str:
    """ "Prof. Dr. med. Anna Berg" -> "Anna Berg"; a title before a surname alone ("Dr.
    Smith") stays, which is all the name there is."""
    rest = _TITLE.sub("", name)
    return rest if len(rest.split()) >= 2 else name


def _strip(raw: str) -> str:
    text = " ".join(str(raw).split())
    if _is_cjk(text):
        text = _CJK_ROLE.sub("", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _TRAILER.sub("", text)
    text = _FOR_OUTLET.sub("", text)
    text = _PREFIX.sub("", text)
    text = _COMPOUND_ROLE.sub("", text)
    return text.strip(" ,;:|-–—")


def _run_together(word: str) -> bool:
    """ "HoeltmannFollowTransformationsbegleiterin": texts of several elements joined
    without a space. One inner capital is a name ("McDonald", "DeWitt"); two are not."""
    for part in word.split("-"):
        shifts = sum(1 for a, b in zip(part, part[1:], strict=False) if a.islower() and b.isupper())
        if shifts >= 2:
            return True
    return False


def script_is_caseless(word: str) -> bool:
    """True for words in scripts without capital letters (CJK, Arabic, Hebrew, Indic, Thai)."""
    return all(not ch.isalpha() or (not ch.isupper() and not ch.islower()) for ch in word)


def _is_cjk(text: str) -> bool:
    return any(
        "CJK" in unicodedata.name(ch, "") or "HANGUL" in unicodedata.name(ch, "") for ch in text
    )


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _names_the_site(name: str, site_name: str | None, host: str | None) -> bool:
    """ "Der Postillon" on der-postillon.com, "ScreenWire" on screenwire.example."""
    squashed = _squash(name)
    if site_name and squashed == _squash(site_name):
        return True
    labels = [_squash(label) for label in (host or "").split(".")]
    bare = _squash(_LEADING_ARTICLE.sub("", name))
    return any(len(n) >= 4 and n in labels for n in (squashed, bare))


def _is_person_name(name: str, site_name: str | None, host: str | None = None) -> bool:
    if not 2 <= len(name) <= 60 or any(ch.isdigit() for ch in name):
        return False
    if _names_the_site(name, site_name, host):
        return False
    if _DOMAIN.search(name):
        return False
    words = name.split()
    if _is_cjk(name):
        # Chinese, Japanese and Korean names: 2-5 characters, sometimes with one space.
        return len(name.replace(" ", "")) <= 5 and len(words) <= 2
    if not 1 < len(words) <= 5:
        return False
    lowered = [w.casefold().strip(".") for w in words]
    if any(w in _ORG_WORDS or w in _COLLECTIVE or w.endswith(_ORG_SUFFIXES) for w in lowered):
        return False
    if lowered[-1] in _TITLE_ENDINGS:
        return False
    if all(w in _ROLE_WORDS for w in lowered):
        return False
    if not all(re.fullmatch(r"[^\W\d_][\w'’.\-]*", w) for w in words):
        return False
    if any(_run_together(w) for w in words):
        return False
    # Names are capitalised in bylines; a lower-case word other than a particle is prose.
    return all(w[0].isupper() or w.casefold() in _PARTICLES or script_is_caseless(w) for w in words)


def _undouble(name: str) -> str:
    """ "Jane Doe Jane Doe" -> "Jane Doe": a byline's text read with its hidden copy
    (a screen-reader or mobile duplicate of the same name)."""
    words = name.split()
    half = len(words) // 2
    if half >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return name


def clean_authors(
    raw_names: Iterable[str] | None, site_name: str | None = None, host: str | None = None
) -> list[str]:
    """Clean author strings: strip "By", roles, emails, dates and handles; split "A, B and C".

    Keeps person names and news agencies; drops other organisations and the site's
    own name (``site_name``, or a name spelling a label of ``host``). Order is kept,
    duplicates removed. ``clean_credits`` keeps the organisations too.
    """
    return [name for name, kind in clean_credits(raw_names, site_name, host) if kind != ORG]


# The kinds of credit in a byline.
PERSON, ORG, AGENCY = "person", "organisation", "agency"


def clean_credits(
    raw_names: Iterable[str] | None, site_name: str | None = None, host: str | None = None
) -> list[tuple[str, str]]:
    """(name, kind) of each credit in author strings, in order, duplicates removed: a
    person, a news agency, or an organisation (the outlet or its newsroom credited as the
    byline: "BBC News", "ndr.de", "Redaktion hessenschau.de", "Guardian staff")."""
    credits: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in raw_names or []:
        if not raw:
            continue
        whole = _strip(raw)
        parts = _SEPARATORS.split(whole)
        # "Procter & Gamble", "Redaktion hessenschau.de" stay whole; "Jane Doe, Staff
        # Writer", where a part names a person, does not
        named = len(parts) > 1 and any(
            _is_person_name(_PREFIX.sub("", p).strip(" .,;:|-–—()[]"), site_name, host)
            for p in parts
        )
        if not named and (is_agency(whole) or _is_organisation(whole, site_name, host)):
            parts = [whole]
        for part in parts:
            part = _undouble(_without_title(_PREFIX.sub("", part).strip(" ,;:|-–—()[]")))
            part = part.strip(" .,;:|-–—()[]")
            if not part or part.casefold() in seen:
                continue
            if named and _names_the_site(part, site_name, host):
                continue  # "Jane Doe, Fox News" on Fox News: where she works, no co-author
            if is_agency(part):
                kind = AGENCY
            elif _is_person_name(part, site_name, host):
                kind, part = PERSON, _uncapitalised(part)
            elif _is_organisation(part, site_name, host):
                kind = ORG
            else:
                continue
            seen.add(part.casefold())
            credits.append((part, kind))
    return credits


# Words that make a credit an organisation, beside those of _ORG_WORDS and _COLLECTIVE.
_NEWSROOM_WORDS = _ORG_WORDS | _COLLECTIVE


def _is_organisation(name: str, site_name: str | None, host: str | None) -> bool:
    """An outlet or newsroom credited as the byline: the site's own name, a domain name,
    or a short capitalised name holding a newsroom or company word."""
    if not 2 <= len(name) <= 60 or len(name.split()) > 6 or not any(c.isalpha() for c in name):
        return False
    if any(ch.isdigit() for ch in name) and not _DOMAIN.search(name):
        return False
    if _names_the_site(name, site_name, host) or _DOMAIN.search(name):
        return True
    words = [w.casefold().strip(".") for w in name.split()]
    if words[-1] in _TITLE_ENDINGS or words[-1].removesuffix("s") in _TITLE_ENDINGS:
        return False  # a job title ("Staff Writer", "Times Staff Writers"), not a credit
    if not any(
        w in _NEWSROOM_WORDS or w.endswith(_ORG_SUFFIXES) or w.split("-")[-1] in _NEWSROOM_WORDS
        for w in words
    ):
        return False
    # A name, not a phrase: its words capitalised, but for newsroom words ("staff").
    return all(
        w[0].isupper() or w.casefold().strip(".") in _NEWSROOM_WORDS | _PARTICLES
        for w in name.split()
        if w[0].isalpha()
    )


_ROMAN_NUMERAL = re.compile(r"[IVX]+\.?")


def _uncapitalised(name: str) -> str:
    """ "GARY B. GRAVES" -> "Gary B. Graves", "Chokri GHARBI" -> "Chokri Gharbi": bylines
    set in capitals, or with the surname in capitals, written as names are. Initials,
    two-letter words ("AJ Taylor") and Roman numerals stay as they are."""
    words = name.split()
    for i, word in enumerate(words):
        letters = [ch for ch in word if ch.isalpha()]
        if (
            len(letters) >= 3
            and all(ch.isupper() for ch in letters)
            and not _ROMAN_NUMERAL.fullmatch(word)
        ):
            words[i] = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word)
    return " ".join(words)
