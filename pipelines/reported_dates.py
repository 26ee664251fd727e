"""Dates an article reports in its text, resolved against its publication date.

Finds absolute and relative expressions ("Friday, May 29", "May 29, 2026", "29 May",
"March 2027", "next spring", "this Friday", "in 2027", "through July 10", "1961"),
resolves each to a date with its precision (day, month, season, year, decade), and gives
it a kind from the words around it (premiere/release, episode, finale, announcement,
casting, trailer/first look, renewal, review, historical, other). English is always read;
a text in German, French, Italian, Spanish, Portuguese, Polish, Russian, Japanese or
Chinese is also read with the words of its language (LANGUAGES: one table per language).

Written by hand rather than with dateparser's search_dates: that one pulls words such as
"of" and "on" into matches, finds dates in plain numbers ("2 bin 784"), cannot say how
precise a match is, and is slow on running text (it tries every language's every form at
every word); here every pattern states its own precision, and only the patterns of the
text's own language run.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}

_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|"
    r"Nov\.?|Dec\.?)"
)
_WEEKDAY = r"(?:(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_QUALIFIER = r"(?:(?P<qualifier>through|until|till|by|from|since|before|after)\s+)?"
_WEEKDAY_NAME = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

# Most specific first: a span matched by one pattern is not matched again by a later one.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "day",
        re.compile(
            rf"\b{_QUALIFIER}{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
            rf"(?:,?\s+{_YEAR}\b)?(?!\s*(?:%|percent|million|billion|:\d))"
        ),
    ),
    (
        "day",
        re.compile(
            rf"\b{_QUALIFIER}{_WEEKDAY}(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
            rf"{_MONTH}\b(?:,?\s+{_YEAR}\b)?"
        ),
    ),
    (
        "month",
        re.compile(rf"\b{_QUALIFIER}(?:(?:early|mid|late)-?\s*)?{_MONTH}\s+(?:of\s+)?{_YEAR}\b"),
    ),
    # A month without a year: "last April", "in July" (year: see _resolve).
    # "in April last year"
    (
        "month",
        re.compile(rf"\b(?:in\s+)?{_MONTH}\s+(?P<yrel>last|next|this)\s+year\b"),
    ),
    (
        "bare_month",
        re.compile(rf"\b(?P<rel>last|next|this)\s+{_MONTH}\b(?!\s*\d)"),
    ),
    (
        "bare_month",
        re.compile(
            r"\b(?:(?P<qualifier>through|until|till|by|from|since|before|after)|in|during"
            rf"|early|mid|late)(?:-\s*|\s+){_MONTH}\b(?!\s*\d)(?!,?\s*(?:19|20)\d\d)"
        ),
    ),
    ("relmonth", re.compile(r"\b(?P<rel>last|next|this)\s+month\b", re.I)),
    # A season needs a year or "next/this/last": "the bitter Russian winter" is no date.
    (
        "season",
        re.compile(
            rf"\b{_QUALIFIER}(?:(?P<rel>next|this|last)\s+|(?:early|late)\s+)?"
            rf"(?P<season>spring|summer|fall|autumn|winter)\s+(?:of\s+)?{_YEAR}\b",
            re.I,
        ),
    ),
    (
        "season",
        re.compile(
            rf"\b{_QUALIFIER}(?P<rel>next|this|last)\s+(?P<season>spring|summer|fall|autumn|winter)\b",
            re.I,
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?P<rel>this|next|last|on)\s+"
            r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
            re.I,
        ),
    ),
    # A weekday on its own, as US news writes it ("Apple said Thursday", "Thursday's
    # images"; "premieres Friday"), but not a recurring or generic one ("every Friday",
    # "Friday night baseball", "Fridays").
    (
        "weekday",
        re.compile(
            rf"(?<!every )(?<!each )(?<!a )\b{_WEEKDAY_NAME}(?P<possessive>['’]s)?\b"
            r"(?!,?\s+(?:the\s+)?\d)(?!s\b)"
            r"(?!\s+(?:nights?|mornings?|evenings?|afternoons?|slot|line-?up|releases?|drops?)\b)"
        ),
    ),
    ("relative", re.compile(r"\b(?P<rel>today|tomorrow|yesterday)\b", re.I)),
    ("relyear", re.compile(r"\b(?P<rel>next|this|last)\s+year\b", re.I)),
    (
        "year",
        re.compile(
            rf"\b(?P<lead>in|by|since|from|until|through|of|early|late|mid-?|around|circa|"
            rf"before|after|during)\s+(?:the\s+)?{_YEAR}\b(?![-–]\d|\s*(?:%|percent))",
            re.I,
        ),
    ),
    # A year written right before the event it dates: "a 2027 return", "the 2026 premiere".
    (
        "year",
        re.compile(
            rf"\b{_YEAR}\s+(?:premiere|release|return|debut|launch|arrival|finale|rollout)s?\b"
        ),
    ),
    ("decade", re.compile(r"\b(?:the\s+)?(?P<decade>(?:19|20)\d0)s\b")),
]


# The words that give a date its kind, in the order a sentence's words are weighed when
# none stands near the date: one list of regular expressions per kind, each matched from
# the start of a word. The other languages have their own tables (LANGUAGES).
ENGLISH_KIND_WORDS: dict[str, list[str]] = {
    "finale": [
        r"finale\b", "final episode", "last episode", "season ends",
        r"(?:the|its) last\s+(?:one\s+)?(?:arriv|air|land|drop)\w*", r"wraps?\b",
    ],
    "premiere/release": [
        r"premier\w*", r"debut\w*", r"release\w*", r"launch\w*", r"arriv\w*",
        r"streaming\s+(?:on|from)", r"hits\s+(?:apple|screens|streaming)", r"drops\b",
        "premiere date", r"comes? to\b", r"weekly\b", "first two episodes", r"returns?\b",
        r"begin(?:s|ning)?\b", r"beg[au]n\b", r"streams?\b", r"available\b", r"lands?\b",
        r"starts?\s+(?:streaming|airing|its|on)\b",
    ],
    "episode": [r"episode\w*\b"],
    "filming": [
        r"film(?:ing|ed)\b", r"shoot\w*", "production (?:began|starts|wrapped)", r"wrapped\b",
        r"on set\b",
    ],
    "trailer/first look": [r"trailer\w*", "first[- ]look", r"teaser\b", r"images\b"],
    "casting": [r"cast\w*\b", r"join\w*\s+the\s+cast", r"to play\b", r"will play\b"],
    "renewal": [r"renew\w*", "second season", r"season two\b"],
    "announcement": [
        r"announc\w*", r"unveil\w*", r"revealed\b", r"confirmed\b", "greenlit", r"ordered\b",
    ],
    "review": [r"review\w*", r"critics?\b", r"verdict\b"],
}  # fmt: skip
KIND_ORDER = list(ENGLISH_KIND_WORDS)


def _kind_patterns(
    words: dict[str, list[str]], spaced: bool = True
) -> list[tuple[str, re.Pattern[str]]]:
    """One pattern per kind, in KIND_ORDER; words of languages written with spaces start
    at a word's start, Chinese and Japanese ones anywhere."""
    start = r"\b" if spaced else ""
    return [
        (kind, re.compile(rf"{start}(?:{'|'.join(words[kind])})", re.I))
        for kind in KIND_ORDER
        if words.get(kind)
    ]


KINDS = _kind_patterns(ENGLISH_KIND_WORDS)
HISTORICAL_BEFORE = 1990
_EVENT_KINDS = {"finale", "trailer/first look", "casting", "renewal", "filming"}
_PREMIERE_WORD = re.compile(r"\bpremier\w*|\bdebut\w*", re.I)


# ---------------------------------------------------------------------------------------
# Other languages. Each language is one table of words (Words) from which its patterns
# and kind words are built once, at import. A text is read with English and the table of
# its own language only: "mai" is May in French and German but "never" in Italian,
# "hier" yesterday in French but "here" in German, "Mars" a month in French and a planet
# elsewhere, "sexta" Friday in Portuguese and "sixth" in Spanish.
# ---------------------------------------------------------------------------------------


def _numbered(*lines: str, first: int = 1) -> dict[str, int]:
    """{name: number} from one line of names per number (months from 1, weekdays from 0)."""
    return {name: number for number, names in enumerate(lines, first) for name in names.split()}


def _norm(words: str) -> str:
    """A table key: lower case, one kind of apostrophe, single spaces."""
    return " ".join(words.lower().replace("’", "'").split())


def _alternation(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words`` (keys of a dict, or a list), as a
    trie ("ma(?:i|rs)" rather than "mai|mars"): Python's re tries the branches of an
    alternation one by one at every position, and a trie fails at the first letter. An
    apostrophe matches either apostrophe, a space any white space."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in _norm(word):
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = []
        for char in sorted(c for c in node if c):
            text = {"'": "['’]", " ": r"\s+"}.get(char, re.escape(char))
            branches.append(text + build(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) == 1 and len(branches[0]) > 1 else body + "?"
        return body

    return build(trie)


@dataclass(frozen=True)
class Words:
    """The words one language writes dates and their events with.

    Dicts map a word as written (lower case) to what it means; lists of leads are the
    words before a date, matched as words; ``*_forms`` are regular expressions with the
    placeholders {M} (a month name), {S} (a season), {Y} (a year) and {YS} (what may
    follow a year: "roku", "года").
    """

    months: dict[str, int] = field(default_factory=dict)
    weekdays: dict[str, int] = field(default_factory=dict)
    # Weekday names that are a day on their own (Portuguese "segunda" alone is "second").
    weekdays_alone: tuple[str, ...] | None = None
    # last/this/next: "vergangenen" -1, "dieses" 0, "prochain" 1 ...
    shifts: dict[str, int] = field(default_factory=dict)
    relative_days: dict[str, int] = field(default_factory=dict)
    seasons: dict[str, str] = field(default_factory=dict)
    decades: dict[str, int] = field(default_factory=dict)  # decade words: first year
    # Lead words that say how a date bounds its event, as the English qualifier.
    qualifiers: dict[str, str] = field(default_factory=dict)
    # Words counted only when written in lower case ("morgen", not "Morgen": morning).
    lower_only: frozenset[str] = frozenset()

    day_leads: tuple[str, ...] = ()  # "am", "bis zum", "jusqu'au" before "29 mai"
    articles: tuple[str, ...] = ()  # between a weekday and its day: "Donnerstag, den 4."
    day_tail: str = r"\s+"  # between a day's number and its month: "4. Juni", "4 de junio"
    day_year: str = r",?\s+"  # between the month and the year of a day
    month_year: str = r"\s+"  # between a month and its year: "junio de 2026"
    year_suffix: str = ""  # may follow a year: "2026 roku", "2026 года"
    month_leads: tuple[str, ...] = ()  # before a month without a year: "im", "fin", "в конце"
    month_yrel: str = ""  # after a month: "letzten Jahres", "do ano passado"
    month_rel_forms: tuple[str, ...] = ()  # "im vergangenen {M}", "{M} dernier"
    relmonth_forms: tuple[str, ...] = ()  # "le mois dernier" (group mshift)
    relyear_forms: tuple[str, ...] = ()  # "l'an dernier" (group yshift)
    year_leads: tuple[str, ...] = ()  # before a year: "im Jahr", "nel", "w"
    year_marks: str = ""  # after a year, making it one: "roku", "года"
    year_events: tuple[str, ...] = ()  # event words right before or after a year
    season_forms: tuple[str, ...] = ()  # "im Sommer {Y}", "cet été" (fseason, srel, syear)
    decade_forms: tuple[str, ...] = ()  # "die 1970er", "les années 70" (decade, decade2, fdecade)
    day_rel: str = ""  # after a day: "le 11 janvier dernier" (group drel)
    # Ranges: "von 2008 bis 2020", "du 4 au 6 juin", "Januar – Mai 2020": the words
    # before their first end and between their ends.
    range_from: tuple[str, ...] = ()
    range_to: tuple[str, ...] = ()
    weekday_rel_before: str = ""  # "nächsten", "ce", "el próximo" (group wrel)
    weekday_rel_after: str = ""  # "prochain", "scorso" (group wrel2)
    weekday_parts: str = ""  # written onto a weekday: "Dienstagnachmittag"
    extra_forms: tuple[tuple[str, str], ...] = ()  # (kind, pattern) of one language only
    # What stands right before a match that makes it no date: "jeden Freitag", "cada
    # viernes" (a recurring day), "esta mañana" (this morning).
    not_after: dict[str, str] = field(default_factory=dict)

    past: str = ""  # words of a sentence in the past tense
    future: str = ""  # words of a coming event (they outweigh the past tense)
    kind_words: dict[str, list[str]] = field(default_factory=dict)
    # English kind words that are other words in this language (Spanish "castillo" is no
    # casting, German "Land" no landing).
    not_english: frozenset[str] = frozenset()
    spaced: bool = True  # False for Chinese and Japanese: no word boundaries
    ordinal_dots: bool = False  # "4. Juni", "lata 70.": a dot after a day ends no sentence
    numeric_day_first: bool = True  # 29/05/2026 is day first (not in Chinese, Japanese)


# Dates written with numbers alone, read in every language but English (where 05/06/2026
# is a US date): 2026-05-29, 29.05.2026, 2026/5/29, and 29/05/2026 where the day comes
# first.
_NUMERIC: list[tuple[str, str]] = [
    ("day", r"(?<![\d.\-/])(?P<year>(?:19|20)\d{2})-(?P<nmonth>[01]\d)-(?P<day>[0-3]\d)(?![\d\-])"),
    (
        "day",
        r"(?<![\d.])(?P<day>[0-3]?\d)\.\s?(?P<nmonth>[01]?\d)\.\s?(?P<year>(?:19|20)\d{2})(?!\d)",
    ),
    ("day", r"(?<![\d/])(?P<year>(?:19|20)\d{2})/(?P<nmonth>[01]?\d)/(?P<day>[0-3]?\d)(?![\d/])"),
]  # fmt: skip
_NUMERIC_DAY_FIRST = (
    "day",
    r"(?<![\d/])(?P<day>[0-3]?\d)/(?P<nmonth>[01]?\d)/(?P<year>(?:19|20)\d{2})(?![\d/])",
)
_YEAR_FORM = r"(?P<year>(?:19|20)\d{2})(?!\d)"


def _lead(words: tuple[str, ...], required: bool = False) -> str:
    """Optional (or required) lead words before a date, captured as ``fqual``; a lead
    ending in an apostrophe or a hyphen ("l'", "mi-") needs no space after it."""
    if not words:
        return ""
    lead = rf"(?:(?P<fqual>{_alternation(words)})(?:\s+|(?<=['’\-])))"
    return lead if required else lead + "?"


def _spaced_patterns(w: Words) -> list[tuple[str, str]]:
    """The patterns of a language written with spaces, most specific first."""
    month = rf"(?P<fmonth>{_alternation(w.months)})(?!\w)"
    season = rf"(?P<fseason>{_alternation(w.seasons)})(?!\w)" if w.seasons else ""

    def fill(form: str) -> str:
        return (
            form.replace("{M}", month)
            .replace("{S}", season)
            .replace("{YS}", f"(?:{w.year_suffix})?" if w.year_suffix else "")
            .replace("{Y}", _YEAR_FORM)
        )

    weekday = rf"(?P<dweekday>{_alternation(w.weekdays)})(?!\w)"
    articles = rf"(?:{_alternation(w.articles)}\s+)?" if w.articles else ""
    with_weekday = rf"(?:{weekday},?\s+{articles})?"
    year = f"{_YEAR_FORM}(?:{w.year_suffix})?" if w.year_suffix else _YEAR_FORM
    day_rel = rf"(?:\s+(?P<drel>{w.day_rel})(?!\w))?" if w.day_rel else ""
    to = rf"(?:\s*[-–]\s*|\s+(?:{_alternation(w.range_to)})\s+)" if w.range_to else r"\s*[-–]\s*"
    # (the other end of a range, in a lookahead: its month and year are the first end's)
    other_month = _alternation(w.months)
    found: list[tuple[str, str]] = [
        # "am Donnerstag, den 4. Juni 2026", "le vendredi 29 mai", "w czwartek, 4 czerwca"
        (
            "day",
            rf"(?<!\w){_lead(w.day_leads)}{with_weekday}(?P<day>\d{{1,2}})(?!\d)"
            rf"(?:{w.day_tail}){month}(?:(?:{w.day_year}){year})?{day_rel}",
        ),
        # "vom 14. bis 30. Juli 2023", "du 4 au 6 juin", "del 3 al 5 de septiembre": the
        # first day (the last is a day of its own)
        (
            "day",
            rf"(?<!\w){_lead(w.day_leads)}(?P<day>\d{{1,2}})(?!\d)"
            rf"(?=\.?{to}\d{{1,2}}(?:{w.day_tail}){month}(?:(?:{w.day_year}){year})?)",
        ),
        # "Samstag 22.12.2012": the weekday is part of the date
        *[(kind, rf"(?<!\w){with_weekday}{form}") for kind, form in _NUMERIC],
        *([_NUMERIC_DAY_FIRST] if w.numeric_day_first else []),
        ("month", rf"(?<!\w){_lead(w.month_leads)}{month}(?:{w.month_year}){year}"),
        # "Januar – Mai 2020", "d'avril à juin 2026": the first month
        (
            "month",
            rf"(?<!\w){_lead(w.month_leads)}{month}"
            rf"(?={to}(?:{other_month})(?!\w)(?:{w.month_year}){year})",
        ),
    ]
    if w.range_from and w.range_to:
        # "von 2008 bis 2020", "del 2008 al 2012", "с 2008 по 2012": both years
        ends = _alternation(w.range_to)
        found.append(
            (
                "year",
                rf"(?<!\w)(?P<fqual>{_alternation(w.range_from)})\s+{year}"
                rf"(?=\s*(?:[-–]|{ends})\s*(?:19|20)\d\d(?!\d))",
            )
        )
        found.append(("year", rf"(?<=(?:19|20)\d\d\s)(?P<fqual>{ends})\s+{year}"))
    if w.month_yrel:
        found.append(
            ("month", rf"(?<!\w){_lead(w.month_leads)}{month}\s+(?P<yrel>{w.month_yrel})(?!\w)")
        )
    found += [("bare_month", rf"(?<!\w)(?:{fill(form)})(?!\w)") for form in w.month_rel_forms]
    found.append(("bare_month", rf"(?<!\w){_lead(w.month_leads, True)}{month}(?!\s*\d)"))
    found += [("relmonth", rf"(?<!\w)(?:{form})(?!\w)") for form in w.relmonth_forms]
    found += [("season", rf"(?<!\w)(?:{fill(form)})(?!\w)") for form in w.season_forms]
    found += [("relyear", rf"(?<!\w)(?:{form})(?!\w)") for form in w.relyear_forms]
    found += [(kind, fill(form)) for kind, form in w.extra_forms]
    found += [("decade", rf"(?<!\w)(?:{fill(form)})") for form in w.decade_forms]
    if w.year_leads:
        found.append(("year", rf"(?<!\w){_lead(w.year_leads, True)}{year}(?![\-–]\d|\s*%)"))
    if w.year_marks:
        found.append(("year", rf"(?<!\w){_YEAR_FORM}\s*(?:{w.year_marks})"))
    if w.year_events:
        events = _alternation(w.year_events)
        found.append(("year", rf"(?<!\w)(?:{events})\s+{year}(?![\-–]\d|\s*%)"))
        found.append(("year", rf"(?<!\w){year}\s+(?:{events})(?!\w)"))
    found.append(("relative", rf"(?<!\w)(?P<frel>{_alternation(w.relative_days)})(?!\w)"))
    alone = _alternation(w.weekdays_alone or w.weekdays)
    found.append(
        (
            "fweekday",
            rf"(?<!\w){_lead(tuple(w.qualifiers))}(?:(?:{w.weekday_rel_before})\s+)?"
            rf"(?P<fweekday>{alone})"
            rf"(?:{w.weekday_parts})?(?!\w)"
            + (rf"(?:\s+(?:{w.weekday_rel_after})(?!\w))?" if w.weekday_rel_after else ""),
        )
    )
    return found


# Chinese and Japanese write dates with numbers and the same characters: 年 year, 月
# month, 日 day; what differs (relative words, weekdays, kinds) is in their tables.
_CJK_YEAR = r"(?P<year>(?:19|20|１９|２０)\d\d)"
# Japanese era years: 令和 (2019-), 平成 (1989-2019), 昭和 (1926-1989); 元年 is the first.
_CJK_ERA_YEAR = r"(?P<era>令和|平成|昭和)\s*(?P<eyear>\d{1,2}|元)"
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_CJK_MONTH_PART = r"(?:上旬|中旬|下旬|初旬|末|初め|頃|ごろ|底|初|中)?"


def _cjk_patterns(w: Words) -> list[tuple[str, str]]:
    """The patterns of Chinese or Japanese (no spaces, so no word boundaries)."""
    yrel = _alternation([k for k in w.shifts if k.endswith("年")])
    quals = rf"(?P<fqual>{_alternation(w.qualifiers)})?"
    seasons = _alternation(w.seasons)
    # "今夏", "来春", "この秋" (not zh "上春", "上" being also "to go on")
    season_rel = _alternation([k for k in w.shifts if k in ("今", "来", "昨", "明", "去", "この")])
    # A year: "2026年", the era's "令和8年", or before a month "26年5月" (Nikkei style)
    year = rf"(?:{_CJK_YEAR}|{_CJK_ERA_YEAR}|(?<!\d)(?P<year2>\d\d))\s*年\s*"
    return [
        # "2026年5月29日（金）より", "5月29日まで", "5月29号"
        (
            "day",
            rf"(?:{year}|(?P<yrel>{yrel})の?\s*)?(?P<nmonth>\d{{1,2}})\s*月\s*"
            rf"(?P<day>\d{{1,2}})\s*[日号](?:\s*[（(][^）)\n]{{1,4}}[）)])?{quals}",
        ),
        *_NUMERIC,
        # "2026年5月", "去年4月", "昨年の4月下旬"
        (
            "month",
            rf"(?:{year}|(?P<yrel>{yrel})の?\s*)(?P<nmonth>\d{{1,2}})\s*月"
            rf"(?!\s*\d){_CJK_MONTH_PART}{quals}",
        ),
        # A day of the month alone, as news writes the days around its own: "気象庁は13日、"
        # (not "3日間" three days, "7日後", "日本")
        (
            "mday",
            rf"(?<![\d月年/／第])(?P<day>\d{{1,2}})\s*日(?!間|目|後|前|本|曜|ぶり|分|連続|以内|以上"
            rf"|あたり|当たり)(?:[朝夜]|午前|午後|未明|早朝|深夜)?{quals}",
        ),
        ("bare_month", rf"(?<![\d年])(?P<nmonth>\d{{1,2}})\s*月(?!\s*\d){_CJK_MONTH_PART}{quals}"),
        ("relmonth", rf"(?P<mshift>{_alternation([k for k in w.shifts if k.endswith('月')])})"),
        # "2027年春", "今年夏天", "今夏", "来春"
        (
            "season",
            rf"(?:{_CJK_YEAR}\s*年|(?P<syear>{yrel}))の?(?P<fseason>{seasons})(?:季|天)?(?![闘節节])",
        ),
        # (not "春闘", the spring wage talks, nor "春節", the new year)
        ("season", rf"(?P<srel>{season_rel})(?P<fseason>{seasons})(?:季|天)?(?![闘節节])"),
        ("relyear", rf"(?P<yshift>{yrel})"),
        ("decade", r"(?P<decade>(?:19|20)\d0)\s*年代"),
        ("decade", r"(?<!\d)(?P<decade2>[2-9]0)\s*年代"),
        *([("decade", rf"(?P<fdecade>{_alternation(w.decades)})年代")] if w.decades else []),
        (
            "year",
            rf"(?<!\d)(?:{_CJK_YEAR}|{_CJK_ERA_YEAR})\s*年(?!\s*\d{{1,2}}\s*月)(?!代){quals}",
        ),
        ("relative", rf"(?P<frel>{_alternation(w.relative_days)})"),
        (
            "fweekday",
            rf"(?:(?:{w.weekday_rel_before})の?)?(?P<fweekday>{_alternation(w.weekdays)})",
        ),
    ]


@dataclass(frozen=True)
class Language:
    """A language's words and what is built from them, once."""

    code: str
    words: Words
    patterns: list[tuple[str, re.Pattern[str]]]
    kinds: list[tuple[str, re.Pattern[str]]]
    past: re.Pattern[str] | None
    future: re.Pattern[str] | None
    not_after: dict[str, re.Pattern[str]]


def _language(code: str, w: Words) -> Language:
    forms = _spaced_patterns(w) if w.spaced else _cjk_patterns(w)
    flags = re.I if w.spaced else 0
    # The English kind words count too (coverage in every language quotes "Trailer",
    # "Premiere", "first look"), less the ones that are other words here.
    english = {
        kind: [word for word in words if word not in w.not_english]
        for kind, words in ENGLISH_KIND_WORDS.items()
    }
    sources = [dict(_kind_patterns(english)), dict(_kind_patterns(w.kind_words, w.spaced))]
    kinds = [
        (kind, re.compile("|".join(s[kind].pattern for s in sources if kind in s), re.I))
        for kind in KIND_ORDER
        if any(kind in s for s in sources)
    ]
    return Language(
        code=code,
        words=w,
        patterns=[(kind, re.compile(form, flags)) for kind, form in forms],
        kinds=kinds,
        past=re.compile(w.past, re.I) if w.past else None,
        future=re.compile(w.future, re.I) if w.future else None,
        not_after={k: re.compile(rf"(?:{v})\s*$", re.I) for k, v in w.not_after.items()},
    )


# --- German -------------------------------------------------------------------------------
_DE_SHIFTS = {
    **dict.fromkeys(
        "letzte letzten letztes letztem vergangene vergangenen vergangenes vergangenem".split(), -1
    ),
    **dict.fromkeys("vorige vorigen voriges vorigem".split(), -1),
    **dict.fromkeys(
        "nächste nächsten nächstes nächstem kommende kommenden kommendes kommendem".split(), 1
    ),
    **dict.fromkeys("diese diesen dieses diesem".split(), 0),
}  # fmt: skip
_DE_SHIFT = _alternation(_DE_SHIFTS)
GERMAN = Words(
    months=_numbered(
        "januar jänner jan", "februar feber feb", "märz mär mrz", "april apr", "mai",
        "juni jun", "juli jul", "august aug", "september sep sept", "oktober okt",
        "november nov", "dezember dez",
    ),
    weekdays=_numbered(
        "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag sonnabend",
        "sonntag", first=0,
    ),
    shifts=_DE_SHIFTS,
    relative_days={"heute": 0, "gestern": -1, "morgen": 1, "übermorgen": 2, "vorgestern": -2},
    seasons={
        "frühling": "spring", "frühjahr": "spring", "sommer": "summer", "herbst": "autumn",
        "winter": "winter",
    },
    decades={
        "zwanziger": 1920, "dreißiger": 1930, "dreissiger": 1930, "vierziger": 1940,
        "fünfziger": 1950, "sechziger": 1960, "siebziger": 1970, "achtziger": 1980,
        "neunziger": 1990,
    },
    qualifiers={
        "bis": "until", "bis zum": "until", "bis einschließlich": "through", "bis spätestens": "by",
        "spätestens am": "by", "ab": "from", "ab dem": "from", "vom": "from", "seit": "since",
        "seit dem": "since", "vor": "before", "nach": "after", "von": "from",
    },
    lower_only=frozenset({"morgen"}),  # "Morgen" is the morning
    day_leads=(
        "am", "vom", "ab", "ab dem", "bis", "bis zum", "bis einschließlich", "bis spätestens",
        "spätestens am", "seit", "seit dem", "zum", "für den",
    ),
    articles=("den", "dem"),
    day_tail=r"(?:\.\s*|\s+)",
    month_leads=(
        "im", "ab", "bis", "seit", "für", "noch im", "anfang", "mitte", "ende", "ab anfang",
        "ab mitte", "ab ende", "bis anfang", "bis mitte", "bis ende", "seit anfang", "seit mitte",
        "seit ende",
    ),
    month_yrel=rf"(?:des\s+)?(?:{_DE_SHIFT})\s+jahres",
    month_rel_forms=(rf"(?:im\s+|am\s+)?(?P<mrel>{_DE_SHIFT})\s+{{M}}(?!\s*\d)",),
    relmonth_forms=(
        rf"(?:im\s+|in\s+)?(?P<mshift>{_DE_SHIFT})\s+monat",
        rf"(?:anfang|mitte|ende)\s+(?P<mshift>{_DE_SHIFT})\s+monats",
    ),
    relyear_forms=(
        rf"(?:im\s+|in\s+)?(?P<yshift>{_DE_SHIFT})\s+jahr",
        rf"(?:anfang|mitte|ende)\s+(?P<yshift>{_DE_SHIFT})\s+jahres",
    ),
    year_leads=(
        "im jahr", "im jahre", "seit", "ab", "bis", "für", "anfang", "mitte", "ende", "vor", "nach",
        "in", "bis ende", "ab ende", "ab anfang", "seit anfang", "seit ende", "noch",
    ),
    year_events=(
        "start", "premiere", "serienstart", "staffelstart", "kinostart", "drehstart",
        "dreharbeiten", "ausstrahlung", "veröffentlichung", "startet", "starten", "startete",
        "beginnt", "begann", "begannen", "kommt", "erscheint", "erschien", "läuft", "folgt",
    ),
    season_forms=(
        r"(?:(?P<fqual>im|ab|bis|seit|für)\s+)?(?:(?:anfang|mitte|ende)\s+)?{S}\s+{Y}",
        rf"(?:im\s+|ab\s+|am\s+)?(?P<srel>{_DE_SHIFT})\s+{{S}}",
        rf"(?:im\s+)?{{S}}\s+(?P<syear>{_DE_SHIFT})\s+jahres",
    ),
    decade_forms=(
        r"(?P<decade>(?:19|20)\d0)[-‑]?er",
        r"(?<!\d)(?P<decade2>[2-9]0)[-‑]?er(?:n\b|[-‑ ]?jahre\w*|\b)",
        r"(?P<fdecade>zwanziger|dreißiger|dreissiger|vierziger|fünfziger|sechziger|siebziger"
        r"|achtziger|neunziger)(?:[-‑ ]?jahre\w*|n\b)",
    ),
    range_from=("von", "vom", "zwischen"),
    range_to=("bis", "bis zum", "und"),
    weekday_rel_before=rf"(?:am\s+|an\s+)?(?P<wrel>{_DE_SHIFT})",
    weekday_parts="morgen|vormittag|mittag|nachmittag|abend|nacht",
    not_after={"fweekday": r"\b(?:jeden|jeweils|immer)", "relative": r"\bheute"},
    past=(
        r"\b(?:war|waren|wurde|wurden|hatte|hatten|begann|begannen|startete|starteten|kam|kamen"
        r"|lief|liefen|endete|endeten|gab|gaben|fand|fanden|zeigte|zeigten|feierte|feierten"
        r"|erschienen|kündigte|kündigten|bestätigte|bestätigten|veröffentlichte|sagte|sagten"
        r"|teilte|teilten)\b"
        # (a participle with "hat": "ist bestätigt" is the present)
        r"|\b(?:hat|haben)\b[^.!?]{0,80}?\b(?:begonnen|angekündigt|bestätigt|veröffentlicht"
        r"|gezeigt|gestartet|abgeschlossen|beendet|enthüllt|gedreht|bekanntgegeben|mitgeteilt"
        r"|vorgestellt)\b"
    ),
    future=(
        r"\b(?:wird|werden|soll|sollen|startet|starten|beginnt|beginnen|kommt|erscheint|läuft"
        r"|folgt|folgen|geplant|künftig|demnächst|bald|ab)\b"
    ),
    kind_words={
        "finale": [
            "staffelfinale", "serienfinale", r"letzten? folge", r"letzten? episode", "staffelende",
            "ende der staffel",
        ],
        "premiere/release": [
            r"start\w*", "serienstart", "staffelstart", "kinostart", "streamingstart",
            r"erschein\w*", r"erschien\w*", r"veröffentlich\w*", r"läuft\b", r"laufen\b",
            "zu sehen", r"verfügbar\w*", r"abrufbar\b", r"ausgestrahlt\b", r"ausstrahlung\w*",
            r"debüt\w*", r"kommt\b", r"neu bei\b", r"wöchentlich\w*", r"neue folgen\b",
            r"ersten (?:beiden |zwei |drei |vier )?folgen",
            r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)s\b",
        ],
        "episode": [r"folge\b", r"folgen\b"],
        "filming": [
            "dreharbeiten", "drehstart", "drehschluss", r"gedreht\b", r"dreht\w*", r"drehen\b",
            r"am set\b", "filmaufnahmen",
        ],
        "trailer/first look": [
            r"trailer\w*", r"teaser\w*", r"erste[nr]? (?:bilder|fotos|blick)", r"vorschau\w*",
        ],
        "casting": [r"besetz\w*", r"verpflichtet\b", r"rolle\w*", r"ensemble\b"],
        "renewal": [r"verlänger\w*", r"weitere staffel"],
        "announcement": [
            r"angekündigt\b", r"ankündig\w*", r"kündigt\w*", r"bekannt\s*gegeben", r"bestätig\w*",
            r"enthüll\w*", r"mitgeteilt\b", r"offiziell\w*", r"bestellt\b", r"grünes licht",
        ],
        "review": [r"kritik\w*", r"rezension\w*", r"fazit\b", r"bewertung\w*"],
    },
    not_english=frozenset({r"lands?\b"}),  # das Land
    ordinal_dots=True,
)  # fmt: skip

# --- French -------------------------------------------------------------------------------
_FR_APRES = r"(?:prochaine?|derni[eè]re?|pass[ée]e?)"
FRENCH = Words(
    months=_numbered(
        "janvier", "février fevrier", "mars", "avril", "mai", "juin", "juillet", "août aout",
        "septembre", "octobre", "novembre", "décembre decembre",
    ),
    weekdays=_numbered(
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", first=0
    ),
    shifts={
        **dict.fromkeys(
            "dernier dernière derniere passé passée passe precedent précédent précédente".split(),
            -1,
        ),
        **dict.fromkeys("prochain prochaine".split(), 1),
        **dict.fromkeys("ce cet cette".split(), 0),
    },
    relative_days={
        "aujourd'hui": 0, "ce soir": 0, "hier": -1, "demain": 1, "avant-hier": -2,
        "après-demain": 2,
    },
    seasons={"printemps": "spring", "été": "summer", "automne": "autumn", "hiver": "winter"},
    decades={
        "vingt": 1920, "trente": 1930, "quarante": 1940, "cinquante": 1950, "soixante": 1960,
        "soixante-dix": 1970, "quatre-vingt": 1980, "quatre-vingts": 1980, "quatre-vingt-dix": 1990,
    },
    qualifiers={
        "jusqu'au": "until", "jusqu'en": "until", "jusqu'à": "until", "dès le": "from",
        "dès": "from", "depuis le": "since", "depuis": "since", "à partir du": "from",
        "à partir de": "from", "à compter du": "from", "avant le": "before", "avant": "before",
        "après le": "after", "après": "after", "d'ici le": "by", "d'ici": "by", "d'ici à": "by",
        "du": "from",
    },
    lower_only=frozenset({"mars"}),  # Mars, the planet
    day_leads=(
        "le", "du", "au", "dès le", "depuis le", "jusqu'au", "à partir du", "à compter du",
        "avant le", "après le", "d'ici le", "ce", "dès ce", "dès", "depuis",
    ),
    day_tail=r"(?:er)?\s+",
    day_year=r"\s+",
    month_leads=(
        "en", "dès", "depuis", "jusqu'en", "jusqu'à", "d'ici", "d'ici à", "courant", "début",
        "mi-", "fin", "dès début", "dès la fin", "dès la mi-", "à partir de", "au mois de",
        "en début", "en fin", "à la mi-", "jusqu'à fin", "jusqu'à la fin", "jusqu'à la mi-",
        "d'ici fin", "avant", "après", "fin", "pour",
    ),
    month_yrel=rf"(?:de\s+)?(?:l['’]an(?:née)?\s+{_FR_APRES}|cette\s+année)",
    month_rel_forms=(r"(?:en\s+)?{M}\s+(?P<mrel>dernier|passé|prochain)",),
    relmonth_forms=(
        r"(?:le\s+|au\s+)?mois\s+(?P<mshift>dernier|prochain|passé)",
        r"(?P<mshift>ce)\s+mois(?:-ci)?",
    ),
    relyear_forms=(
        rf"l['’]an(?:née)?\s+(?P<yshift>{_FR_APRES})",
        r"(?P<yshift>cette)\s+année",
    ),
    year_leads=(
        "en", "depuis", "dès", "jusqu'en", "d'ici", "d'ici à", "courant", "début", "fin", "mi-",
        "pour", "avant", "après", "à partir de", "en l'an", "vers", "dès début", "d'ici fin",
        "l'année",
    ),
    year_events=("sortie", "lancement", "diffusion", "tournage"),
    season_forms=(
        r"(?:(?P<fqual>au|à\s+l['’]|l['’]|en|dès\s+l['’]|dès\s+le|d['’]ici\s+l['’]|d['’]ici\s+le"
        r"|le|pour\s+l['’]|pour\s+le|fin|début)(?:\s+|(?<=['’]))){S}\s+(?:de\s+)?{Y}",
        r"(?P<srel>cet|ce)\s+{S}",
        r"(?:l['’]|le\s+|au\s+|à\s+l['’]|dès\s+l['’]|dès\s+le\s+){S}\s+(?P<srel>prochain|dernier)",
    ),
    decade_forms=(
        r"années\s+(?:(?P<decade>(?:19|20)\d0)|['’]?(?P<decade2>[2-9]0))(?!\d)",
        r"années\s+(?P<fdecade>quatre-vingt-dix|quatre-vingts?|soixante-dix|soixante|cinquante"
        r"|quarante|trente|vingt)(?![\w\-])",
    ),
    day_rel="dernier|passé|prochain",
    range_from=("de", "du", "entre"),
    range_to=("à", "au", "et"),
    weekday_rel_before=r"(?P<wrel>ce)",
    weekday_rel_after=r"(?P<wrel2>prochain|dernier|passé)",
    not_after={"fweekday": r"\b(?:chaque|tous\s+les|les|le)"},
    past=(
        r"\b(?:a|ont|avait|avaient)\s+(?:(?:déjà|été|bien|officiellement|enfin)\s+)*"
        r"(?:annoncé|confirmé|dévoilé|révélé|commencé|débuté|démarré|terminé|achevé|tourné|lancé"
        r"|diffusé|présenté|publié|mis|sorti|partagé|officialisé|renouvelé|rejoint|dit|déclaré"
        r"|indiqué|précisé|eu)\w*|\b(?:était|étaient|fut|furent)\b"
        r"|\b(?:est|sont)\s+(?:sorti|arrivé|paru|tombé)\w*|\b(?:dévoilée?s?|annoncée?s?|révélée?s?)\b"
    ),
    future=(
        r"\b(?:sera|seront|va|vont|prévue?s?|bientôt|prochainement|à venir)\b"
        r"|\b\w+(?:era|eront|ira|iront)\b"
    ),
    kind_words={
        "finale": [r"final\b", r"dernier épisode", r"épisode final", r"fin de (?:la )?saison"],
        "premiere/release": [
            r"sortie\w*", r"sort\b", r"sortira\w*", r"lanc\w*", r"diffus\w*", r"disponible\w*",
            r"(?:deux |trois |quatre )?premiers épisodes",
            r"débarqu\w*", r"débute\w*", r"débutera\w*", "avant-première", r"en première\b",
            r"sa première\b", r"la première de\b", r"rendez-vous\b", r"à découvrir\b",
            r"attendue?s?\b",
            r"chaque (?:semaine|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
            r"hebdomadaire\w*", r"retour\b",
        ],
        "episode": [r"épisode\w*"],
        "filming": [
            r"tournage\w*", r"tourn(?:é|ée|és|ées|er|ent|era)\b", "prises de vue",
            r"sur le plateau",
        ],
        "trailer/first look": [
            r"bandes?[- ]annonces?\b", r"premières images", r"premier aperçu", r"premiers clichés",
            r"photos?\b",
        ],
        "casting": [
            r"distribution\b", r"incarn\w*", r"rejoint\b", r"dans le rôle", r"rôle\w*",
            r"jouera\b", r"interprét\w*",
        ],
        "renewal": [r"renouvel\w*"],
        "announcement": [
            r"annonc\w*", r"dévoil\w*", r"révél\w*", r"confirm\w*", r"officialis\w*",
            r"command[ée]\w*",
        ],
        "review": [r"critique\w*", r"notre avis\b"],
    },
    not_english=frozenset({r"premier\w*"}),  # premier: first
)  # fmt: skip

# --- Italian ------------------------------------------------------------------------------
ITALIAN = Words(
    months=_numbered(
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
        "settembre", "ottobre", "novembre", "dicembre",
    ),
    weekdays=_numbered(
        "lunedì lunedi", "martedì martedi", "mercoledì mercoledi", "giovedì giovedi",
        "venerdì venerdi", "sabato", "domenica", first=0,
    ),
    shifts={
        **dict.fromkeys("scorso scorsa passato passata".split(), -1),
        **dict.fromkeys("prossimo prossima venturo ventura".split(), 1),
        **dict.fromkeys("questo questa quest quest' corso corrente".split(), 0),
    },
    relative_days={
        "oggi": 0, "stasera": 0, "ieri": -1, "domani": 1, "dopodomani": 2, "l'altro ieri": -2,
        "altroieri": -2,
    },
    seasons={"primavera": "spring", "estate": "summer", "autunno": "autumn", "inverno": "winter"},
    decades={
        "venti": 1920, "trenta": 1930, "quaranta": 1940, "cinquanta": 1950, "sessanta": 1960,
        "settanta": 1970, "ottanta": 1980, "novanta": 1990,
    },
    qualifiers={
        "dal": "from", "dall'": "from", "da": "from", "fino al": "until", "fino all'": "until",
        "fino a": "until", "entro il": "by", "entro l'": "by", "entro": "by",
        "entro la fine di": "by",
        "a partire dal": "from", "a partire dall'": "from", "a partire da": "from",
        "prima del": "before", "prima dell'": "before", "dopo il": "after", "dopo l'": "after",
        "al": "through",
    },
    day_leads=(
        "il", "l'", "dal", "dall'", "al", "all'", "fino al", "fino all'", "entro il", "entro l'",
        "a partire dal", "a partire dall'", "prima del", "prima dell'", "dopo il", "dopo l'",
        "del", "dell'", "per il", "per l'", "da",
    ),
    day_tail=r"(?:°|º)?\s+",
    day_year=r"\s+",
    month_year=r"\s+(?:del\s+)?",
    month_leads=(
        "a", "ad", "in", "nel mese di", "entro", "entro fine", "entro la fine di", "da",
        "dal mese di", "fino a", "a inizio", "a fine", "a metà", "ad inizio", "all'inizio di",
        "alla fine di", "inizio", "fine", "metà", "a partire da", "nell'", "verso",
    ),
    month_yrel=r"(?:dell['’]|del\s+|di\s+)?(?:anno\s+(?:scorso|passato|prossimo)|(?:scorso|prossimo)\s+anno|quest['’]anno)",
    month_rel_forms=(
        r"(?P<mrel>lo\s+scorso|la\s+scorsa|il\s+prossimo|la\s+prossima|scorso|prossimo|questo)\s+{M}",
        r"(?:(?:a|ad|in|nel|da)\s+)?{M}\s+(?P<mrel>scorso|prossimo|passato)",
    ),
    relmonth_forms=(
        r"(?:il\s+|lo\s+|nel\s+)?mese\s+(?P<mshift>scorso|prossimo|passato|corrente|in\s+corso)",
        r"(?:lo\s+|il\s+|nel\s+)?(?P<mshift>scorso|prossimo|questo)\s+mese",
    ),
    relyear_forms=(
        r"(?:l['’]|nell['’])anno\s+(?P<yshift>scorso|passato|prossimo|in\s+corso)",
        r"(?:lo\s+|il\s+|nel\s+)?(?P<yshift>scorso|prossimo)\s+anno",
        r"(?P<yshift>quest)['’]anno",
    ),
    year_leads=(
        "nel", "dal", "entro il", "entro", "fino al", "per il", "a inizio", "a fine", "a metà",
        "all'inizio del", "alla fine del", "nel corso del", "prima del", "dopo il", "durante il",
        "nell'anno", "dall'anno", "inizio", "fine", "metà", "a partire dal", "verso il",
        "entro la fine del",
    ),
    year_events=("debutto", "uscita", "arrivo", "ritorno", "lancio"),
    season_forms=(
        r"(?:(?P<fqual>nella|nell['’]|in|per\s+la|per\s+l['’]|entro\s+la|entro\s+l['’]|dalla"
        r"|dall['’]|la|l['’]|a|ad)(?:\s+|(?<=['’])))?{S}\s+(?:del\s+)?{Y}",
        r"(?:la\s+|il\s+|nella\s+|nel\s+)?(?P<srel>prossima|prossimo|scorsa|scorso|questa|questo"
        r"|quest['’])\s*{S}",
        r"(?:l['’]|la\s+|nella\s+|nell['’]|in\s+)?{S}\s+(?P<srel>prossima|prossimo|scorsa|scorso)",
    ),
    decade_forms=(
        r"anni\s+(?:(?P<decade>(?:19|20)\d0)|['’]?(?P<decade2>[2-9]0))(?!\d)",
        r"anni\s+(?P<fdecade>venti|trenta|quaranta|cinquanta|sessanta|settanta|ottanta|novanta)(?!\w)",
    ),
    day_rel="scorso|prossimo",
    range_from=("dal", "da", "tra", "fra"),
    range_to=("al", "a", "e"),
    weekday_rel_before=r"(?P<wrel>questo|il\s+prossimo|lo\s+scorso|prossimo|scorso)",
    weekday_rel_after=r"(?P<wrel2>prossimo|scorso)",
    not_after={"fweekday": r"\b(?:ogni|il|di|tutti\s+i)"},
    past=(
        r"\b(?:è|sono)\s+(?:stat[oaie]|\w+(?:at|ut|it)[oaie])\b"
        r"|\b(?:ha|hanno|aveva|avevano)\s+(?:\w+\s+)?\w+(?:at|ut|it)[oaie]\b"
        r"|\b(?:era|erano|fu|furono)\b"
    ),
    future=(
        r"\b\w+(?:erà|irà|arà|eranno|iranno|aranno)\b|\b(?:sarà|saranno|previst[oaie]"
        r"|attes[oaie]|in arrivo|prossimamente|a breve|debutta|arriva|esce)\b"
    ),
    kind_words={
        "finale": [
            "finale di stagione", r"fine (?:della )?stagione", "ultimo episodio", "ultima puntata",
            "episodio finale", r"conclusione\b",
        ],
        "premiere/release": [
            r"debutt\w*", r"uscit\w*", r"uscirà\b", r"esce\b", r"escono\b", r"disponibil\w*",
            r"primi (?:due |tre |quattro )?episodi",
            r"in streaming\b", "prima visione", r"anteprima\b", r"lancio\b", r"partirà\b",
            r"al via\b", r"in onda\b", r"trasmess\w*", r"distribuit\w*", r"ritorn\w*",
            r"approd\w*", r"sbarc\w*",
            r"ogni (?:settimana|luned|marted|mercoled|gioved|venerd|sabato|domenica)\w*",
            r"settimanal\w*",
        ],
        "episode": [r"episodi\w*", r"puntat\w*"],
        "filming": [r"riprese\b", r"girat[oaie]\b", r"girare\b", r"sul set\b"],
        "trailer/first look": [r"prime immagini", r"primo sguardo", r"prime foto", r"foto\b"],
        "casting": [
            r"cast\b", r"casting\b", r"nel ruolo", r"interpret\w*", r"si unisce", r"ingaggiat\w*",
        ],
        "renewal": [r"rinnov\w*"],
        "announcement": [
            r"annunci\w*", r"svelat\w*", r"rivelat\w*", r"confermat\w*", r"ufficial\w*",
            r"ordinat\w*",
        ],
        "review": [r"recension\w*", r"critic[ahi]\w*", r"giudizio\b", r"pagella\b"],
    },
    not_english=frozenset({r"cast\w*\b"}),  # castello
)  # fmt: skip

# --- Spanish ------------------------------------------------------------------------------
SPANISH = Words(
    months=_numbered(
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre setiembre", "octubre", "noviembre", "diciembre",
    ),
    weekdays=_numbered(
        "lunes", "martes", "miércoles miercoles", "jueves", "viernes", "sábado sabado", "domingo",
        first=0,
    ),
    shifts={
        **dict.fromkeys("pasado pasada anterior".split(), -1),
        **dict.fromkeys("próximo próxima proximo proxima siguiente viene".split(), 1),
        **dict.fromkeys("este esta".split(), 0),
    },
    relative_days={
        "hoy": 0, "esta noche": 0, "ayer": -1, "anoche": -1, "mañana": 1, "anteayer": -2,
        "pasado mañana": 2,
    },
    seasons={"primavera": "spring", "verano": "summer", "otoño": "autumn", "invierno": "winter"},
    decades={
        "veinte": 1920, "treinta": 1930, "cuarenta": 1940, "cincuenta": 1950, "sesenta": 1960,
        "setenta": 1970, "ochenta": 1980, "noventa": 1990,
    },
    qualifiers={
        "desde el": "from", "desde": "from", "hasta el": "until", "hasta": "until",
        "a partir del": "from", "a partir de": "from", "antes del": "before", "antes de": "before",
        "después del": "after", "después de": "after", "para el": "by", "para": "by",
        "del": "from", "al": "through", "a": "through",
    },
    lower_only=frozenset({"domingo"}),  # Domingo, a name
    day_leads=(
        "el", "del", "al", "desde el", "hasta el", "a partir del", "para el", "antes del",
        "después del", "el día", "el próximo", "este", "desde", "hasta", "el pasado",
    ),
    day_tail=r"(?:º|°|\.º)?\s+de\s+",
    day_year=r"\s+(?:de|del)\s+|,\s+",
    month_year=r"\s+(?:de|del)\s+|\s+",
    month_leads=(
        "en", "desde", "hasta", "para", "a partir de", "a principios de", "a mediados de",
        "a finales de", "a fines de", "principios de", "mediados de", "finales de", "fines de",
        "en el mes de", "durante", "desde principios de", "hasta finales de", "antes de",
        "después de", "a comienzos de", "comienzos de",
    ),
    month_yrel=(
        r"del\s+año\s+(?:pasado|próximo|que\s+viene|anterior|siguiente)|del\s+próximo\s+año"
        r"|de(?:l)?\s+este\s+año"
    ),
    month_rel_forms=(
        r"(?:el\s+|en\s+el\s+)?(?P<mrel>pasado|próximo)\s+(?:mes\s+de\s+)?{M}",
        r"(?:en\s+)?{M}\s+(?P<mrel>pasado|próximo)",
    ),
    relmonth_forms=(
        r"(?:el\s+)?mes\s+(?P<mshift>pasado|próximo|que\s+viene|anterior|siguiente)",
        r"(?:el\s+)?(?P<mshift>próximo)\s+mes",
        r"(?P<mshift>este)\s+mes",
    ),
    relyear_forms=(
        r"(?:el\s+)?año\s+(?P<yshift>pasado|próximo|que\s+viene|anterior|siguiente)",
        r"(?:el\s+)?(?P<yshift>próximo)\s+año",
        r"(?P<yshift>este)\s+año",
    ),
    year_leads=(
        "en", "desde", "hasta", "para", "a partir de", "a principios de", "a mediados de",
        "a finales de", "a fines de", "durante", "antes de", "después de", "en el año", "el año",
        "principios de", "finales de", "mediados de", "a comienzos de",
    ),
    year_events=("estreno", "lanzamiento", "regreso", "rodaje"),
    season_forms=(
        r"(?:(?P<fqual>en|para|desde|hasta|durante|a\s+partir\s+de)\s+)?(?:(?:la|el)\s+)?{S}\s+"
        r"(?:(?:de|del)\s+)?{Y}",
        r"(?:(?:en\s+)?(?:la|el)\s+)?(?P<srel>próxima|próximo|pasada|pasado)\s+{S}",
        r"(?:(?:en\s+)?(?:la|el)\s+)?{S}\s+(?P<srel>próxima|próximo|pasada|pasado|que\s+viene)",
        r"(?P<srel>este|esta)\s+{S}",
    ),
    decade_forms=(
        r"(?:años|década\s+de(?:\s+los)?)\s+(?:(?P<decade>(?:19|20)\d0)|['’]?(?P<decade2>[2-9]0))(?!\d)",
        r"(?:años|década\s+de\s+los)\s+(?P<fdecade>veinte|treinta|cuarenta|cincuenta|sesenta"
        r"|setenta|ochenta|noventa)(?!\w)",
    ),
    day_rel="pasado|próximo",
    range_from=("de", "del", "desde", "desde el", "entre"),
    range_to=("a", "al", "hasta", "hasta el", "y"),
    weekday_rel_before=r"(?:el\s+)?(?P<wrel>próximo|pasado|este)",
    weekday_rel_after=r"(?P<wrel2>pasado|próximo|que\s+viene)",
    not_after={
        "fweekday": r"\b(?:cada|los|todos\s+los)",
        # "esta mañana", "por la mañana": the morning
        "relative": r"\b(?:la|esta|una|cada|esa|toda\s+la|media)",
    },
    past=r"\b(?:fue|fueron|era|eran|había|habían|ha|han)\b|\b\w+(?:ó|aron|ieron)\b",
    future=(
        r"\b\w+(?:ará|erá|irá|arán|erán|irán)\b|\b(?:va\s+a|van\s+a|previst[oa]s?|próximamente"
        r"|estrena|llega)\b"
    ),
    kind_words={
        "finale": [
            "final de temporada", "episodio final", "último episodio", "gran final", r"desenlace\b",
        ],
        "premiere/release": [
            r"estren\w*", r"lanz\w*", r"llega\w*", r"disponible\w*", r"sale\b", r"saldrá\b",
            r"primeros (?:dos |tres |cuatro )?(?:episodios|capítulos)",
            r"emit\w*", r"emisión\b", r"regres\w*", r"vuelve\b", r"semanal\w*",
            r"cada (?:semana|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b",
        ],
        "episode": [r"episodio\w*", r"capítulo\w*"],
        "filming": [
            r"rodaje\w*", r"rod(?:ó|aron|ará|ando)\b", r"filmaci\w*", r"grabaci\w*",
            r"grab(?:ó|aron|ará|ando)\b",
        ],
        "trailer/first look": [
            r"tráiler\w*", r"avance\w*", r"adelanto\w*", "primeras imágenes", "primer vistazo",
        ],
        "casting": [
            r"reparto\b", r"elenco\b", r"fichaj\w*", r"se une\b", r"interpret\w*", r"dará vida",
            r"casting\b", r"cast\b",
        ],
        "renewal": [r"renov\w*"],
        "announcement": [
            r"anunci\w*", r"confirm\w*", r"revel\w*", r"desvel\w*", r"oficial\w*", r"encarg\w*",
        ],
        "review": [r"crítica\w*", r"reseña\w*", r"análisis\b"],
    },
    not_english=frozenset({r"cast\w*\b", r"arriv\w*"}),  # castillo, arriba
)  # fmt: skip

# --- Portuguese ---------------------------------------------------------------------------
_PT_WEEKDAYS = _numbered(
    "segunda-feira segunda",
    "terça-feira terça terca-feira terca",
    "quarta-feira quarta",
    "quinta-feira quinta",
    "sexta-feira sexta",
    "sábado sabado",
    "domingo",
    first=0,
)
PORTUGUESE = Words(
    months=_numbered(
        "janeiro", "fevereiro", "março marco", "abril", "maio", "junho", "julho", "agosto",
        "setembro", "outubro", "novembro", "dezembro",
    ),
    weekdays=_PT_WEEKDAYS,
    # "segunda", "quinta", "sexta" alone are "second", "fifth", "sixth": see extra_forms.
    weekdays_alone=tuple(
        k for k in _PT_WEEKDAYS if "-" in k or k in ("sábado", "sabado", "domingo")
    ),
    shifts={
        **dict.fromkeys("passado passada último última anterior".split(), -1),
        **dict.fromkeys("próximo próxima proximo proxima seguinte vem".split(), 1),
        **dict.fromkeys("este esta neste nesta deste desta".split(), 0),
    },
    relative_days={
        "hoje": 0, "esta noite": 0, "ontem": -1, "amanhã": 1, "anteontem": -2,
        "depois de amanhã": 2,
    },
    seasons={"primavera": "spring", "verão": "summer", "outono": "autumn", "inverno": "winter"},
    decades={
        "vinte": 1920, "trinta": 1930, "quarenta": 1940, "cinquenta": 1950, "sessenta": 1960,
        "setenta": 1970, "oitenta": 1980, "noventa": 1990,
    },
    qualifiers={
        "até": "until", "até o": "until", "até ao": "until", "até dia": "until",
        "até o dia": "until",
        "desde": "since", "desde o": "since", "a partir de": "from", "a partir do": "from",
        "a partir do dia": "from", "antes de": "before", "depois de": "after", "para": "by",
        "para o": "by", "de": "from", "a": "through",
    },
    lower_only=frozenset({"domingo"}),
    day_leads=(
        "em", "no", "no dia", "dia", "desde", "desde o", "até", "até o", "até ao", "até dia",
        "até o dia", "a partir de", "a partir do", "a partir do dia", "para", "para o",
        "antes de", "depois de", "na", "nesta", "neste",
    ),
    day_tail=r"(?:º|°)?\s+de\s+",
    day_year=r"\s+de\s+|,\s+",
    month_year=r"\s+(?:de\s+)?",
    month_leads=(
        "em", "desde", "até", "para", "a partir de", "no início de", "no começo de",
        "em meados de", "no final de", "no fim de", "início de", "começo de", "meados de",
        "final de", "fim de", "no mês de", "durante", "antes de", "depois de", "até o fim de",
        "até o final de", "desde o início de",
    ),
    month_yrel=(
        r"do\s+ano\s+(?:passado|que\s+vem|anterior|seguinte)|do\s+próximo\s+ano|deste\s+ano"
        r"|de\s+este\s+ano"
    ),
    month_rel_forms=(
        r"(?:(?:em|no)\s+)?(?P<mrel>último|passado|próximo)\s+(?:mês\s+de\s+)?{M}",
        r"(?:em\s+)?{M}\s+(?P<mrel>passado|último|próximo)",
    ),
    relmonth_forms=(
        r"(?:n?o\s+)?mês\s+(?P<mshift>passado|que\s+vem|anterior|seguinte)",
        r"(?:n?o\s+)?(?P<mshift>próximo)\s+mês",
        r"(?P<mshift>este|neste|esse)\s+mês",
    ),
    relyear_forms=(
        r"(?:n?o\s+)?ano\s+(?P<yshift>passado|que\s+vem|anterior|seguinte)",
        r"(?:n?o\s+)?(?P<yshift>próximo)\s+ano",
        r"(?P<yshift>este|neste)\s+ano",
    ),
    year_leads=(
        "em", "desde", "até", "para", "a partir de", "no início de", "no começo de",
        "em meados de", "no final de", "no fim de", "durante", "antes de", "depois de",
        "no ano de", "início de", "final de", "fim de", "meados de",
    ),
    year_events=("estreia", "lançamento", "retorno", "filmagens"),
    season_forms=(
        r"(?:(?:no|na|o|a|do|da|neste|nesta|para\s+o|para\s+a|até\s+o|até\s+a|desde\s+o"
        r"|desde\s+a|em)\s+)?{S}\s+(?:de\s+)?{Y}",
        r"(?:n?[oa]\s+)?(?P<srel>próxim[oa]|últim[oa]|passad[oa])\s+{S}",
        r"(?:n?[oa]\s+)?{S}\s+(?P<srel>passad[oa]|que\s+vem)",
        r"(?P<srel>neste|nesta|este|esta)\s+{S}",
    ),
    decade_forms=(
        r"(?:anos|década\s+de)\s+(?:(?P<decade>(?:19|20)\d0)|['’]?(?P<decade2>[2-9]0))(?!\d)",
        r"anos\s+(?P<fdecade>vinte|trinta|quarenta|cinquenta|sessenta|setenta|oitenta|noventa)(?!\w)",
    ),
    day_rel="passado|próximo",
    range_from=("de", "desde", "entre"),
    range_to=("a", "até", "e"),
    weekday_rel_before=r"(?:n[oa]\s+)?(?P<wrel>próxim[oa]|últim[oa]|nesta|neste|esta|este)",
    weekday_rel_after=r"(?P<wrel2>passad[oa]|que\s+vem)",
    extra_forms=(
        # "na sexta", "nesta quinta", "até a próxima sexta", but not "na sexta temporada"
        (
            "fweekday",
            r"(?<!\w)(?:na|nesta|desta|esta|até|até\s+a|a\s+partir\s+de|desde|de)\s+"
            r"(?:(?P<wrel>próxima|última)\s+)?(?P<fweekday>segunda|terça|terca|quarta|quinta|sexta)"
            r"(?![\w\-])(?!\s+(?:temporada|vez|parte|metade|edição|colocação|posição|série"
            r"|episódio|geração|semana|fase|rodada|década|lugar|etapa|feira)s?\b)",
        ),
    ),
    not_after={"fweekday": r"\b(?:toda|todas\s+as|às|cada|aos)"},
    past=(
        r"\b(?:foi|foram|era|eram|tinha|tinham|houve)\b"
        r"|\b(?!(?:sou|estou|vou|dou|ou|moscou)\b)\w+(?:ou|aram|eram|iram)\b"
    ),
    future=(
        r"\b\w+(?:ará|erá|irá|arão|erão|irão)\b"
        r"|\b(?:vai|vão|previst[oa]s?|em breve|estreia|chega)\b"
    ),
    kind_words={
        "finale": [
            r"(?:final|fim) da temporada", "episódio final", "último episódio", r"desfecho\b",
        ],
        "premiere/release": [
            r"estrei\w*", r"estre(?:ou|ar\w*|ad[oa]s?|and[oa])\b", r"lançament\w*", r"lança\w*",
            r"chega\w*", r"disponív\w*",
            r"primeiros (?:dois |três |quatro )?episódios",
            r"disponibiliz\w*", r"volta\b", r"retorn\w*", r"exibi\w*", r"semanalmente\b",
            r"toda (?:semana|segunda|terça|quarta|quinta|sexta)\b", r"todo (?:sábado|domingo)\b",
        ],
        "episode": [r"episódio\w*", r"capítulo\w*"],
        "filming": [
            r"filmage\w*", r"gravaç\w*", r"grava(?:do|dos|da|das|ram|rá)\b", r"rodage\w*",
            r"filmad\w*",
        ],
        "trailer/first look": [r"primeiras imagens", r"primeiro olhar", r"prévia\b"],
        "casting": [
            r"elenco\b", r"escalad\w*", r"interpret\w*", r"viverá\b", r"no papel", r"casting\b",
            r"cast\b",
        ],
        "renewal": [r"renov\w*"],
        "announcement": [
            r"anunci\w*", r"confirm\w*", r"revel\w*", r"divulg\w*", r"oficializ\w*", r"encomend\w*",
        ],
        "review": [r"crítica\w*", r"resenha\w*", r"análise\b"],
    },
    not_english=frozenset({r"cast\w*\b"}),  # castelo
)  # fmt: skip

# --- Polish -------------------------------------------------------------------------------
_PL_SHIFTS = {
    **dict.fromkeys(
        "zeszły zeszła zeszłą zeszłe zeszłego zeszłym zeszłej ubiegły ubiegła ubiegłą ubiegłe"
        " ubiegłego ubiegłym ubiegłej poprzedni poprzednia poprzedniego poprzednim ostatni"
        " ostatnią ostatniego".split(), -1),
    **dict.fromkeys(
        "przyszły przyszła przyszłą przyszłe przyszłego przyszłym przyszłej następny następna"
        " następnego następnym następnej".split(), 1),
    **dict.fromkeys(
        "ten ta tę to tego tym tej bieżący bieżącego bieżącym najbliższy najbliższą"
        " najbliższego najbliższej".split(), 0),
}  # fmt: skip
_PL_SHIFT = _alternation(_PL_SHIFTS)
POLISH = Words(
    months=_numbered(
        "styczeń stycznia styczniu", "luty lutego lutym", "marzec marca marcu",
        "kwiecień kwietnia kwietniu", "maj maja maju", "czerwiec czerwca czerwcu",
        "lipiec lipca lipcu", "sierpień sierpnia sierpniu", "wrzesień września wrześniu",
        "październik października październiku", "listopad listopada listopadzie",
        "grudzień grudnia grudniu",
    ),
    weekdays=_numbered(
        "poniedziałek poniedziałku", "wtorek wtorku", "środa środę środy", "czwartek czwartku",
        "piątek piątku", "sobota sobotę soboty", "niedziela niedzielę niedzieli", first=0,
    ),
    shifts=_PL_SHIFTS,
    relative_days={
        "dziś": 0, "dzisiaj": 0, "wczoraj": -1, "jutro": 1, "pojutrze": 2, "przedwczoraj": -2,
    },
    seasons={
        **dict.fromkeys("wiosna wiosną wiosny wiosnę wiośnie".split(), "spring"),
        **dict.fromkeys("lato latem lata lecie".split(), "summer"),
        **dict.fromkeys("jesień jesienią jesieni".split(), "autumn"),
        **dict.fromkeys("zima zimą zimy zimę zimie".split(), "winter"),
    },
    decades={
        "dwudziest": 1920, "trzydziest": 1930, "czterdziest": 1940, "pięćdziesiąt": 1950,
        "sześćdziesiąt": 1960, "siedemdziesiąt": 1970, "osiemdziesiąt": 1980,
        "dziewięćdziesiąt": 1990,
    },
    qualifiers={
        "od": "from", "do": "until", "aż do": "until", "od dnia": "from", "do dnia": "until",
        "począwszy od": "from", "najpóźniej do": "by", "przed": "before", "po": "after",
    },
    day_leads=(
        "od", "do", "aż do", "w", "we", "na", "dnia", "z", "od dnia", "do dnia", "począwszy od",
        "najpóźniej do", "przed", "po",
    ),
    day_tail=r"\.?\s+",
    day_year=r"\s+",
    year_suffix=r"\s*(?:roku\b|r\.)",
    month_leads=(
        "w", "we", "od", "do", "aż do", "na początku", "w połowie", "pod koniec", "z końcem",
        "na koniec", "od początku", "do końca", "na przełomie", "koniec", "początek", "połowa",
        "począwszy od",
    ),
    month_yrel=rf"(?:{_PL_SHIFT})\s+roku",
    relmonth_forms=(
        rf"w\s+(?P<mshift>{_PL_SHIFT})\s+miesiącu",
        rf"(?:pod\s+koniec|na\s+początku|w\s+połowie|do\s+końca)\s+(?P<mshift>{_PL_SHIFT})\s+miesiąca",
    ),
    relyear_forms=(
        r"(?:w\s+)?(?P<yshift>zeszłym|ubiegłym|przyszłym|tym|bieżącym|następnym)\s+roku",
        r"(?:(?:pod\s+koniec|na\s+początku|w\s+połowie|do\s+końca)\s+)?(?P<yshift>zeszłego"
        r"|ubiegłego|przyszłego|tego|bieżącego|następnego)\s+roku",
    ),
    year_leads=(
        "w", "we", "od", "do", "aż do", "na początku", "w połowie", "pod koniec", "z końcem",
        "przed", "po", "w roku", "od roku", "do roku", "rok", "roku", "na", "około", "koniec",
        "początek",
    ),
    year_marks=r"roku\b|r\.",
    season_forms=(
        r"(?:(?P<fqual>od|do|na|w|we)\s+)?(?P<fseason>wiosną|wiosnę|wiosna|latem|lato|lecie"
        r"|jesienią|jesień|jesieni|zimą|zimę|zima|zimie)\s+{Y}{YS}",
        rf"(?P<srel>{_PL_SHIFT})\s+(?P<fseason>wiosny|jesieni|zimy|lata)",
        rf"(?P<fseason>wiosną|latem|jesienią|zimą)\s+(?P<syear>{_PL_SHIFT})\s+roku",
    ),
    decade_forms=(
        r"lat(?:a|ach|ami)?\s+(?P<decade>(?:19|20)\d0)(?:\.|-te|-tych|-ych)(?!\d)",
        r"lat(?:a|ach|ami)?\s+(?P<decade2>[2-9]0)(?:\.|-te|-tych|-ych)(?!\d)",
        r"lat(?:a|ach|ami)?\s+(?P<fdecade>dwudziest|trzydziest|czterdziest|pięćdziesiąt"
        r"|sześćdziesiąt|siedemdziesiąt|osiemdziesiąt|dziewięćdziesiąt)\w*",
    ),
    range_from=("od", "między"),
    range_to=("do", "a"),
    weekday_rel_before=rf"(?:w\s+|we\s+|od\s+|do\s+)?(?P<wrel>{_PL_SHIFT})",
    not_after={"fweekday": r"\b(?:co|każdy|każdą|każdego|w\s+każdy|w\s+każdą)"},
    past=(
        r"\b(?:ogłosi|rozpoczę|zakończy|pokaza|opublikowa|potwierdzi|ujawni|zadebiutowa|wystartowa"
        r"|ruszy|powiedzia|poinformowa|zaprezentowa|odby|by|mia|trwa|nakręci|zagra|zaczę|dołączy"
        r"|wypuści|udostępni|zapowiedzia)(?:ł|ła|ło|li|ły)\b|\b(?:rozpoczął|zaczął|mieli"
        r"|ogłoszono|pokazano|zapowiedziano|rozpoczęto|zakończono|nakręcono|potwierdzono"
        r"|opublikowano|ujawniono|zaprezentowano|udostępniono)\b"
    ),
    future=(
        r"\b(?:będzie|będą|zadebiutuje|zadebiutują|wystartuje|wystartują|ruszy|ruszą|pojawi|pojawią"
        r"|trafi|trafią|zobaczymy|zostanie|zostaną|planowan\w*|zaplanowan\w*|wkrótce)\b"
    ),
    kind_words={
        "finale": [
            r"finał\w*", r"ostatni\w* odcin\w*", r"zakończeni\w* sezonu",
            r"(?:koniec|końca|końcem) sezonu",
        ],
        "premiere/release": [
            r"zadebiut\w*", r"debiut\w*", r"wystart\w*", r"startuje\b", r"start\b", r"ruszy\w*",
            r"pierwsze (?:dwa |trzy |cztery )?odcinki",
            r"pojawi\w*", r"trafi\w*", r"dostępn\w*", r"emisj\w*", r"wyemit\w*", r"wchodzi\b",
            r"na ekrany",
            r"co (?:tydzień|poniedziałek|wtorek|środę|czwartek|piątek|sobotę|niedzielę)\b",
            r"zobaczymy\b",
        ],
        "episode": [r"odcin\w*", r"epizod\w*"],
        "filming": [
            r"zdjęcia do\b", r"zdjęć do\b",
            r"zdjęcia (?:się )?(?:ruszyły|ruszą|rozpoczęły|rozpoczną|zakończyły|zakończą|trwają)",
            r"zdjęciow\w*", r"kręc\w*", r"nakręc\w*", r"na planie",
        ],
        "trailer/first look": [
            r"zwiastun\w*", r"pierwsze (?:zdjęcia|ujęcia|kadry)",
            r"pierwszych (?:zdjęć|ujęć|kadrów)",
        ],
        "casting": [r"obsad\w*", r"w roli", r"zagra\w*", r"dołącz\w*", r"casting\w*"],
        "renewal": [r"przedłuż\w*"],
        "announcement": [
            r"ogłosi\w*", r"ogłoszon\w*", r"zapowied\w*", r"potwierdz\w*", r"ujawni\w*",
            r"poinformowa\w*", r"zamówi\w*",
        ],
        "review": [r"recenzj\w*", r"krytyk\w*", r"ocen[ay]\b"],
    },
    ordinal_dots=True,
)  # fmt: skip

# --- Russian ------------------------------------------------------------------------------
_RU_SHIFTS = {
    **dict.fromkeys(
        "прошлого прошлом прошлый прошлую прошлой прошлое прошлым минувшего минувшем минувший"
        " минувшую минувшей прошедшего прошедшем предыдущего предыдущем".split(), -1),
    **dict.fromkeys(
        "следующего следующем следующий следующую следующей следующее следующим будущего"
        " будущем будущий будущую будущей будущим наступающего наступающем".split(), 1),
    **dict.fromkeys(
        "этого этом этот эту этой это этим текущего текущем текущий нынешнего нынешнем"
        " ближайшую ближайший ближайшее ближайшей".split(), 0),
    "позапрошлого": -2, "позапрошлом": -2,
}  # fmt: skip
_RU_SHIFT = _alternation(_RU_SHIFTS)
_RU_EDGE = r"(?:в\s+|до\s+|к\s+|с\s+|на\s+)?(?:конц[еау]|конец|начал[еоау]|середин[еуы]|середина)"
RUSSIAN = Words(
    months=_numbered(
        "январь января январе январю", "февраль февраля феврале февралю", "март марта марте марту",
        "апрель апреля апреле апрелю", "май мая мае маю", "июнь июня июне июню",
        "июль июля июле июлю", "август августа августе августу",
        "сентябрь сентября сентябре сентябрю", "октябрь октября октябре октябрю",
        "ноябрь ноября ноябре ноябрю", "декабрь декабря декабре декабрю",
    ),
    # (not "среда"/"среды": also "environment")
    weekdays=_numbered(
        "понедельник понедельника", "вторник вторника", "среду", "четверг четверга",
        "пятница пятницу пятницы", "суббота субботу субботы", "воскресенье воскресенья", first=0,
    ),
    shifts=_RU_SHIFTS,
    relative_days={"сегодня": 0, "вчера": -1, "завтра": 1, "послезавтра": 2, "позавчера": -2},
    seasons={
        **dict.fromkeys("весна весной весну весны".split(), "spring"),
        **dict.fromkeys("лето летом".split(), "summer"),
        **dict.fromkeys("осень осенью осени".split(), "autumn"),
        **dict.fromkeys("зима зимой зиму зимы".split(), "winter"),
    },
    decades={
        "двадцат": 1920, "тридцат": 1930, "сороков": 1940, "пятидесят": 1950, "шестидесят": 1960,
        "семидесят": 1970, "восьмидесят": 1980, "девяност": 1990,
    },
    qualifiers={
        "с": "from", "со": "from", "до": "until", "вплоть до": "until", "по": "through",
        "к": "by", "не позднее": "by", "начиная с": "from",
    },
    day_leads=("с", "со", "до", "по", "к", "на", "вплоть до", "не позднее", "начиная с", "в", "во"),
    day_tail=r"(?:-?го)?\s+",
    day_year=r"\s+",
    year_suffix=r"\s*(?:(?:года|году|год)(?!\w)|г\.)",
    month_leads=(
        "в", "во", "с", "со", "до", "к", "по", "в начале", "в середине", "в конце", "к концу",
        "к началу", "к середине", "до конца", "с начала", "с конца", "с середины", "на конец",
        "на начало", "на середину", "конец", "начало", "середина", "в течение", "начиная с",
        "вплоть до", "ближе к",
    ),
    month_yrel=rf"(?:{_RU_SHIFT})\s+года",
    relmonth_forms=(
        rf"в\s+(?P<mshift>{_RU_SHIFT})\s+месяце",
        rf"{_RU_EDGE}\s+(?P<mshift>{_RU_SHIFT})\s+месяца",
    ),
    relyear_forms=(
        rf"в\s+(?P<yshift>{_RU_SHIFT})\s+году",
        rf"{_RU_EDGE}\s+(?P<yshift>{_RU_SHIFT})\s+года",
    ),
    year_leads=(
        "в", "во", "с", "со", "до", "к", "по", "на", "вплоть до", "в начале", "в конце",
        "в середине", "к концу", "до конца", "с начала", "к началу", "начиная с", "около",
    ),
    year_marks=r"(?:года|году|год)(?!\w)|г\.",
    season_forms=(
        r"(?:(?P<fqual>с|до|к|на)\s+)?{S}\s+{Y}{YS}",
        rf"(?P<fseason>весной|летом|осенью|зимой)\s+(?P<syear>{_RU_SHIFT})\s+года",
        rf"(?P<srel>{_RU_SHIFT})\s+(?P<fseason>весной|летом|осенью|зимой)",
    ),
    decade_forms=(
        r"(?P<decade>(?:19|20)\d0)[-‐‑–]?(?:ые|ых|х|е|x|e)(?!\w)",
        r"(?<!\d)(?P<decade2>[2-9]0)[-‐‑–](?:ых|х)(?!\w)",
        r"(?<!\d)(?P<decade2>[2-9]0)[-‐‑–](?:ые|е)(?=\s+год)",
        r"(?P<fdecade>двадцат|тридцат|сороков|пятидесят|шестидесят|семидесят|восьмидесят"
        r"|девяност)(?:ые|ых|ыми|ым)(?=\s+год)",
    ),
    range_from=("с", "со", "от", "между"),
    range_to=("по", "до", "и"),
    weekday_rel_before=rf"(?:в\s+|во\s+|на\s+|до\s+|с\s+)?(?P<wrel>{_RU_SHIFT})",
    not_after={"fweekday": r"(?<!\w)(?:каждую|каждый|каждое|по)"},
    past=(
        r"(?<!\w)(?:был|была|было|были|состоял\w*|вышел|вышла|вышли|начал(?:ся|ась|ись|и)"
        r"|стартовал\w*|завершил\w*|закончил\w*|объявил\w*|сообщил\w*|рассказал\w*|показал\w*"
        r"|представил\w*|опубликовал\w*|подтвердил\w*|сняли|снимали|прошл[иао]|прош[её]л"
        r"|анонсировал\w*|заявил\w*|выпустил\w*|продлил\w*|появил\w*|раскрыл\w*|сыграл\w*"
        r"|исполнил\w*|получил\w*|стал[аои]?)(?!\w)"
    ),
    future=(
        r"(?<!\w)(?:выйдет|выйдут|стартует|стартуют|начн[её]тся|начнутся|будет|будут|покажут"
        r"|состоится|состоятся|появится|появятся|запланирован\w*|ожида\w*|намечен\w*|планиру\w*"
        r"|скоро|вскоре)(?!\w)"
    ),
    kind_words={
        "finale": [
            r"финал\w*", r"последн\w+ (?:сери[яиюей]\b|эпизод\w*)",
            r"заверш\w+ сезон\w*", r"конц\w* сезона",
        ],
        "premiere/release": [
            r"премьер\w*", r"выйд\w*", r"выход\w*", r"вышл?[аио]?\b", r"старт\w*", r"покажут\b",
            r"первые (?:две |три |четыре )?серии",
            r"показ(?:а|у)?\b", r"появ\w*", r"доступ\w*", r"релиз\w*", r"эфир\w*", r"дебют\w*",
            r"еженедельно\b", r"каждую неделю",
            r"по (?:понедельникам|вторникам|средам|четвергам|пятницам|субботам"
            r"|воскресеньям)\b",
        ],
        "episode": [r"сери(?:я|и|ю|ей|ям|ях)\b", r"эпизод\w*"],
        "filming": [r"съ[её]мк\w*", r"сним\w*", r"сняли\b", r"снят\w*", r"на площадке"],
        "trailer/first look": [r"трейлер\w*", r"тизер\w*", r"первые (?:кадры|фото\w*)", r"кадр\w*"],
        "casting": [
            r"рол(?:ь|и|ью|ей|ям|ях)\b", r"сыгра\w*", r"исполн\w*", r"акт[её]рск\w* состав\w*",
            r"в состав\w*", r"присоедин\w*", r"кастинг\w*",
        ],
        "renewal": [r"продл\w*"],
        "announcement": [
            r"объяв\w*", r"анонс\w*", r"сообщ\w*", r"подтверд\w*", r"раскры\w*", r"заказ\w*",
            r"стало известно",
        ],
        "review": [r"рецензи\w*", r"критик\w*", r"отзыв\w*", r"оценк\w*"],
    },
)  # fmt: skip

# --- Japanese and Chinese -----------------------------------------------------------------
JAPANESE = Words(
    weekdays=_numbered("月曜 月曜日", "火曜 火曜日", "水曜 水曜日", "木曜 木曜日", "金曜 金曜日",
                       "土曜 土曜日", "日曜 日曜日", first=0),
    shifts={
        "今年": 0, "昨年": -1, "去年": -1, "来年": 1, "翌年": 1, "一昨年": -2,
        "今": 0, "来": 1, "昨": -1, "この": 0,
        "先月": -1, "今月": 0, "来月": 1, "翌月": 1,
        "先週": -1, "今週": 0, "来週": 1,
    },
    relative_days={"本日": 0, "今日": 0, "昨日": -1, "明日": 1, "明後日": 2, "一昨日": -2},
    seasons={"春": "spring", "夏": "summer", "秋": "autumn", "冬": "winter"},
    qualifiers={
        "まで": "until", "までに": "by", "から": "from", "より": "from", "以降": "from",
        "以前": "before",
    },
    weekday_rel_before=r"(?P<wrel>来週|先週|今週)",
    not_after={"fweekday": r"毎週の?"},
    past=r"(?:した|された|った|だった|ました|でした|れた)",
    future=r"(?:予定|見込み|まもなく|今後|へ(?=[。」\s]|$))",
    kind_words={
        "finale": ["最終話", "最終回", "最終章", "最終", "完結", "フィナーレ"],
        "premiere/release": [
            "配信開始", "配信", "公開", "放送", "初回", "上映", "登場", "発売", "リリース",
            "スタート", "プレミア", "開始", "毎週",
        ],
        "episode": ["エピソード", r"第\d+話"],
        "filming": ["撮影", "クランクイン", "クランクアップ", "収録", "ロケ"],
        "trailer/first look": [
            "予告編", "予告", "特報", "ティザー", "トレーラー", "場面写真", "ビジュアル",
            "ファーストルック",
        ],
        "casting": ["出演", "キャスト", "起用", "演じる", "抜擢", "役で"],
        "renewal": ["シーズン更新", "更新決定", "続編", "製作決定"],
        "announcement": ["発表", "決定", "明らかに", "解禁", "判明", "わかった", "公式"],
        "review": ["レビュー", "批評", "評価", "感想"],
    },
    spaced=False,
    numeric_day_first=False,
)  # fmt: skip
CHINESE = Words(
    weekdays={
        f"{prefix}{day}": number
        for prefix in ("星期", "礼拜", "周")
        for number, days in enumerate(("一", "二", "三", "四", "五", "六", "日天"))
        for day in days
    },
    shifts={
        "今年": 0, "去年": -1, "明年": 1, "前年": -2, "后年": 2,
        "今": 0, "明": 1, "去": -1,
        "上个月": -1, "上月": -1, "本月": 0, "这个月": 0, "当月": 0, "下个月": 1, "下月": 1,
        "上": -1, "上个": -1, "下": 1, "下个": 1, "本": 0, "这": 0, "这个": 0,
    },
    relative_days={
        "今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "明天": 1, "明日": 1, "后天": 2, "前天": -2,
    },
    seasons={"春": "spring", "夏": "summer", "秋": "autumn", "冬": "winter"},
    decades={
        "二十": 1920, "三十": 1930, "四十": 1940, "五十": 1950, "六十": 1960, "七十": 1970,
        "八十": 1980, "九十": 1990,
    },
    qualifiers={"起": "from", "之前": "before", "以前": "before", "前": "before"},
    weekday_rel_before=r"(?P<wrel>下个?|上个?|本|这个?)",
    not_after={"fweekday": r"每个?"},
    past=r"(?:了|曾|已经|已)",
    future=r"(?:将|即将|预计|计划|定于|拟|会在)",
    kind_words={
        "finale": ["大结局", "结局", "最终季", "最后一集", "季终"],
        "premiere/release": [
            "首播", "上线", "播出", "开播", "定档", "上映", "首映", "发布", "推出", "登陆", "播映",
            "回归", "每周",
        ],
        "episode": [r"第\d+集", "单集"],
        "filming": ["拍摄", "开拍", "杀青", "开机"],
        "trailer/first look": ["预告片", "预告", "先导", "剧照", "海报", "首曝"],
        "casting": ["出演", "主演", "加盟", "选角", "饰演", "演员阵容", "卡司"],
        "renewal": ["续订", "续集"],
        "announcement": ["宣布", "官宣", "公布", "确认", "透露", "曝光"],
        "review": ["评论", "影评", "评分", "口碑", "评测"],
    },
    spaced=False,
    numeric_day_first=False,
)  # fmt: skip

LANGUAGES: dict[str, Language] = {
    code: _language(code, words)
    for code, words in (
        ("de", GERMAN), ("fr", FRENCH), ("it", ITALIAN), ("es", SPANISH), ("pt", PORTUGUESE),
        ("pl", POLISH), ("ru", RUSSIAN), ("ja", JAPANESE), ("zh", CHINESE),
    )
}  # fmt: skip
# A language without a table: English, and the dates written in numbers alone (which
# every language writes alike), nothing guessed from another language's words.
UNKNOWN_LANGUAGE = Language(
    code="",
    words=Words(),
    patterns=[(kind, re.compile(form)) for kind, form in _NUMERIC],
    kinds=KINDS,
    past=None,
    future=None,
    not_after={},
)


def language_of(code: str | None) -> Language | None:
    """The table for a language code ("pt-BR" reads as "pt"); None for English."""
    primary = re.split(r"[-_]", (code or "en").strip().lower())[0]
    if primary in ("en", ""):
        return None
    return LANGUAGES.get(primary, UNKNOWN_LANGUAGE)


@dataclass
class TextDate:
    date: str  # ISO: 2026-05-29, 2026-05, 2026 (precision says which)
    precision: str  # day, month, season, year, decade
    text: str  # as written
    kind: str
    sentence: str
    offset: int
    qualifier: str | None = None  # through, until, since, ...
    # The work the date belongs to when it is not the subject ("For All Mankind, which
    # begins its fifth season on March 27"); None for the subject's own dates.
    other_work: str | None = None

    def as_row(self) -> dict[str, object]:
        return self.__dict__.copy()


def _nearest_year(month: int, day: int, published: date) -> int:
    """The year that puts month/day nearest the publication date (news looks ahead a bit)."""
    best = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        distance = (candidate - published).days
        # Past dates count double: an undated "May 29" is more often coming than gone.
        cost = -distance * 2 if distance < 0 else distance
        if best is None or cost < best[0]:
            best = (cost, year)
    return best[1] if best else published.year


# Past tense in the sentence: a month or weekday without a year is the one just gone
# ("filming began in July", "Apple said Thursday"); otherwise the coming one.
_PAST = re.compile(
    r"\b(?:began|begun|started|wrapped|filmed|shot|was|were|had|did|announced|revealed"
    r"|confirmed|joined|said|ended|premiered|debuted|aired|opened|took|came|went|released"
    r"|teased|unveiled|dropped|shared|posted|told)\b",
    re.I,
)


_RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}


_FUTURE = re.compile(
    r"\b(?:will|premieres?|opens?|arrives?|airs?|debuts?|launches?|returns?|lands?|coming"
    r"|upcoming)\b",
    re.I,
)


def _in_future(sentence: str, language: Language | None = None) -> bool:
    """Words of a coming event in the sentence, in the words of its language."""
    if language is None:
        return bool(_FUTURE.search(sentence))
    return bool(language.future and language.future.search(sentence))


def _in_past(sentence: str, language: Language | None = None) -> bool:
    """Past tense and no word of a coming release ("Apple said it premieres in July" is
    about the coming July). English words only in English text ("was" is German too)."""
    past = _PAST if language is None else language.past
    return bool(past and past.search(sentence)) and not _in_future(sentence, language)


def _nearest_weekday(target: int, published: date) -> str:
    """The day of that weekday nearest to publication (three days back to three ahead)."""
    ahead = (target - published.weekday()) % 7
    return (published + timedelta(days=ahead - 7 if ahead > 3 else ahead)).isoformat()


def _month_of(groups: dict[str, str | None], language: Language | None) -> int:
    if groups.get("month"):
        return MONTHS[groups["month"].lower().rstrip(".")]
    if groups.get("fmonth") and language is not None:
        return language.words.months.get(_norm(groups["fmonth"]), 0)
    return int(groups.get("nmonth") or 0)


_ENGLISH_SHIFTS = {"next": 1, "this": 0, "last": -1}
_REL_OF_SHIFT = {-1: "last", 0: "this", 1: "next"}


def _shift(words: str | None, language: Language | None) -> int | None:
    """-1, 0 or 1 (or more) for "last", "this", "next" in any of their words ("im
    vergangenen", "del año pasado", "прошлого года", "去年"); None when none is there."""
    if not words:
        return None
    key = _norm(words)
    if key in _ENGLISH_SHIFTS:
        return _ENGLISH_SHIFTS[key]
    shifts = language.words.shifts if language is not None else {}
    if key in shifts:
        return shifts[key]
    return next((shifts[part] for part in key.split() if part in shifts), None)


def _month_year(month: int, published: date, rel: str, past: bool) -> int:
    """The year of a month written without one: from "last/next/this", else the most
    recent such month when the sentence is in the past tense, else the nearest one."""
    if rel == "this":
        return published.year
    if rel == "last":
        return published.year if month < published.month else published.year - 1
    if rel == "next":
        return published.year if month > published.month else published.year + 1
    if past:
        return published.year if month <= published.month else published.year - 1
    # The nearest: within six months either way (a coming month on a tie).
    ahead = (month - published.month) % 12
    if ahead == 0:
        return published.year
    if ahead <= 6:
        return published.year + (1 if month < published.month else 0)
    return published.year - (1 if month > published.month else 0)


def _weekday_date(
    target: int, published: date, rel: str, sentence: str, language: Language | None, gone: bool
) -> str:
    """The day of a weekday: "this/next/last/on" as said, else the coming one when the
    sentence speaks of a coming event, the one gone when it is in the past tense (or
    ``gone``: "Thursday's images"), else the nearest."""
    ahead = (target - published.weekday()) % 7
    if not rel:
        if _in_future(sentence, language):
            rel = "this"
        elif gone or _in_past(sentence, language):
            rel = "on"
        else:
            return _nearest_weekday(target, published)
    if rel == "next" and ahead == 0:
        ahead = 7
    if rel == "last":
        ahead = ahead - 7 if ahead else -7
    if rel == "on" and ahead:
        # News says "on Tuesday" of the days just gone ("Apple said on Tuesday").
        ahead -= 7
    return (published + timedelta(days=ahead)).isoformat()


def _resolve(
    kind: str,
    m: re.Match[str],
    published: date,
    sentence: str = "",
    language: Language | None = None,
) -> tuple[str, str] | None:
    """(ISO date, precision) for one match, or None when it is not a real date."""
    groups = m.groupdict()
    if language is not None and any(
        (value := groups.get(name))
        and _norm(value) in language.words.lower_only
        and value != value.lower()
        for name in ("fmonth", "fweekday", "frel")
    ):
        return None  # "Morgen" (the morning), "Mars" (the planet), "Domingo" (a name)
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("era"):
        year = _ERAS[groups["era"]] + (1 if groups["eyear"] == "元" else int(groups["eyear"]))
    elif groups.get("year2"):
        # "24年12月": this century's, unless that is more than a few years ahead
        two = int(groups["year2"])
        year = 2000 + two if two <= published.year % 100 + 5 else 1900 + two
    yshift = _shift(groups.get("yrel"), language)
    if year is None and yshift is not None:
        year = published.year + yshift
    if kind == "day":
        month = _month_of(groups, language)
        day = int(groups["day"])
        if not 1 <= month <= 12:
            return None
        # "le 11 janvier dernier", "el pasado 11 de enero": the one gone (or coming)
        shift = _shift(groups.get("drel") or groups.get("fqual"), language)
        if year is None and shift in (-1, 1):
            year = published.year
            try:
                if shift == -1 and date(year, month, day) > published:
                    year -= 1
                elif shift == 1 and date(year, month, day) < published:
                    year += 1
            except ValueError:
                return None
        year = year or _nearest_year(month, day, published)
        try:
            return date(year, month, day).isoformat(), "day"
        except ValueError:
            return None
    if kind == "mday":
        # of this month, the last or the next: the one gone when the sentence is in the
        # past tense, the coming one for a coming event, else the nearest
        day = int(groups["day"])
        candidates = []
        for shift in (-1, 0, 1):
            index = published.year * 12 + published.month - 1 + shift
            try:
                candidates.append(date(index // 12, index % 12 + 1, day))
            except ValueError:
                continue
        if _in_future(sentence, language):
            candidates = [d for d in candidates if d >= published] or candidates
        elif _in_past(sentence, language):
            candidates = [d for d in candidates if d <= published] or candidates
        if not candidates:
            return None
        best = min(candidates, key=lambda d: (abs((d - published).days), d > published))
        return best.isoformat(), "day"
    if kind == "month":
        month = _month_of(groups, language)
        return (f"{year:04d}-{month:02d}", "month") if 1 <= month <= 12 and year else None
    if kind == "bare_month":
        month = _month_of(groups, language)
        if not 1 <= month <= 12:
            return None
        shift = _shift(groups.get("rel") or groups.get("mrel"), language)
        rel = _REL_OF_SHIFT.get(shift, "") if shift is not None else ""
        year = _month_year(month, published, rel, _in_past(sentence, language))
        return f"{year:04d}-{month:02d}", "month"
    if kind == "relmonth":
        shift = _shift(groups.get("rel") or groups.get("mshift"), language) or 0
        index = published.year * 12 + published.month - 1 + shift
        return f"{index // 12:04d}-{index % 12 + 1:02d}", "month"
    if kind == "season":
        if groups.get("fseason"):
            if language is None:
                return None
            season = language.words.seasons[_norm(groups["fseason"])]
        else:
            season = groups["season"].lower()
        if year is None and groups.get("syear"):
            year = published.year + (_shift(groups["syear"], language) or 0)
        shift = _shift(groups.get("rel") or groups.get("srel"), language)
        rel = _REL_OF_SHIFT.get(shift, "") if shift is not None else ""
        if year is None:
            year = published.year
            month = SEASONS[season]
            if rel == "next" or (not rel and month < published.month - 2):
                year += 1 if month <= published.month or rel == "next" else 0
            elif rel == "last" and month + 2 >= published.month:
                # (the last spring is this year's once it is over: "last spring" in October)
                year -= 1
        return f"{year:04d}-{season}", "season"
    if kind == "weekday":
        target = WEEKDAYS.index(groups["weekday"].lower())
        rel = (groups.get("rel") or "").lower()
        gone = bool(groups.get("possessive"))
        return _weekday_date(target, published, rel, sentence, language, gone), "day"
    if kind == "fweekday":
        if language is None:
            return None
        name = _norm(groups["fweekday"])
        target = language.words.weekdays[name]
        shift = _shift(groups.get("wrel") or groups.get("wrel2"), language)
        rel = _REL_OF_SHIFT.get(shift, "") if shift is not None else ""
        if rel == "this" and _in_past(sentence, language):
            rel = "on"  # "Apple TV+ confirmó este viernes": the Friday just gone
        if not rel and language.words.qualifiers.get(_norm(groups.get("fqual") or "")) == "since":
            rel = "on"  # "seit Freitag", "depuis vendredi": the one gone
        return _weekday_date(target, published, rel, sentence, language, False), "day"
    if kind == "relative":
        word = _norm(groups.get("rel") or groups.get("frel") or "")
        days = language.words.relative_days if language is not None else {}
        shift = _RELATIVE_DAYS.get(word, days.get(word))
        if shift is None:
            return None
        return (published + timedelta(days=shift)).isoformat(), "day"
    if kind == "relyear":
        shift = _shift(groups.get("rel") or groups.get("yshift"), language)
        return f"{published.year + (shift or 0):04d}", "year"
    if kind == "year":
        return (f"{year:04d}", "year") if year else None
    if kind == "decade":
        if groups.get("decade"):
            return f"{groups['decade']}s", "decade"
        if groups.get("decade2"):
            return f"{1900 + int(groups['decade2'])}s", "decade"
        decades = language.words.decades if language is not None else {}
        decade = decades.get(_norm(groups.get("fdecade") or ""))
        return (f"{decade}s", "decade") if decade else None
    return None


# Kind words this close to a date describe it better than the rest of its sentence
# ("the trailer, out on February 27, ahead of the May 29 premiere").
NEAR_CHARS = 40


def _kind(
    sentence: str,
    start: int,
    end: int,
    iso: str,
    kinds: list[tuple[str, re.Pattern[str]]] = KINDS,
) -> str:
    """The kind of a date from the words around it, then from its whole sentence."""
    year = int(iso[:4]) if iso[:4].isdigit() else None
    if year is not None and year < HISTORICAL_BEFORE:
        return "historical"
    near = sentence[max(0, start - NEAR_CHARS) : end + NEAR_CHARS]
    for window in (near, sentence):
        hits = [(m.start(), name) for name, pattern in kinds for m in [pattern.search(window)] if m]
        if hits:
            if window is near:
                middle = (start - max(0, start - NEAR_CHARS) + end - max(0, start - NEAR_CHARS)) / 2
                # "released the first images": the event words outweigh a generic "release".
                pointed = [h for h in hits if h[1] in _EVENT_KINDS] or hits
                # "premieres May 29 with two episodes": "episode" is the weakest word.
                pointed = [h for h in pointed if h[1] != "episode"] or pointed
                return min(pointed, key=lambda h: abs(h[0] - middle))[1]
            return min(hits, key=lambda h: KIND_ORDER.index(h[1]))[1]
    return "other"


# A "sentence" longer than this is read in pieces of this length: every date is judged by
# the words of its sentence, so one sentence of thousands of dates (a hostile page) would
# cost the square of its length. Real sentences are far shorter.
MAX_SENTENCE_CHARS = 600
# Dates found in one text at most; real articles report tens. Cost: the later ones of a
# text listing hundreds of dates are not recorded.
MAX_DATES = 200

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.M)
# In the other languages 。！？ end a sentence too, and a dot between digits (29.05.2026)
# does not; with ordinal dots ("am 4. Juni", "lata 70. XX wieku") neither does a dot
# after a number of one or two digits followed by a word.
_SENTENCE_OTHER = re.compile(r"(?:[^.!?\n。！？]|(?<=\d)\.(?=\d))+(?:[.!?。！？]+|$)", re.M)
_SENTENCE_ORDINAL = re.compile(
    r"(?:[^.!?\n。！？]|(?<=\d)\.(?=\d)|(?<!\d\d\d)(?<=\d)\.(?=[ \t]+\w))+(?:[.!?。！？]+|$)",
    re.M,
)


def _sentences(text: str, splitter: re.Pattern[str] = _SENTENCE) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a simple splitter on sentence ends and line breaks, with
    sentences longer than MAX_SENTENCE_CHARS cut into pieces."""
    found = []
    for match in splitter.finditer(text):
        if match.group(0).strip():
            sentence, offset = match.group(0), match.start()
            for cut in range(0, len(sentence), MAX_SENTENCE_CHARS):
                found.append((offset + cut, sentence[cut : cut + MAX_SENTENCE_CHARS]))
    return found


# The end of a day range written after the month: "May 25–31" ("25–31 May" gives its
# last day only).
_RANGE_END = re.compile(r"\s*[–-]\s*(?P<day>\d{1,2})\b(?!\s*(?:%|:\d|\.\d))")


def _valid(iso: str) -> bool:
    try:
        date.fromisoformat(iso)
    except ValueError:
        return False
    return True


def find_dates(text: str | None, published: date, language: str | None = None) -> list[TextDate]:
    """Every date expression in ``text``, resolved against ``published`` (the day the
    article was published; the caller gives the day it was read when that is unknown).

    English is always read; a text in another language (``language``, a code such as
    "de" or "pt-BR") is read with that language's words first (LANGUAGES). A language
    without a table adds only the dates written in numbers (2026-05-29, 29.05.2026).
    """
    if not text:
        return []
    reader = language_of(language)
    taken: list[tuple[int, int]] = []
    found: list[TextDate] = []
    if reader is None:
        patterns = [(kind, pattern, True) for kind, pattern in PATTERNS]
        sentences = _sentences(text)
        kinds = KINDS
    else:
        patterns = [(kind, pattern, False) for kind, pattern in reader.patterns]
        patterns += [(kind, pattern, True) for kind, pattern in PATTERNS]
        ordinal = reader.words.ordinal_dots
        sentences = _sentences(text, _SENTENCE_ORDINAL if ordinal else _SENTENCE_OTHER)
        kinds = reader.kinds
    starts = [offset for offset, _ in sentences]
    for kind, pattern, english in patterns:
        for m in pattern.finditer(text):
            if len(found) >= MAX_DATES:
                break
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            blocked = reader.not_after.get(kind) if reader is not None else None
            if blocked is not None and blocked.search(text, max(0, start - 20), start):
                continue  # "jeden Freitag", "cada viernes", "esta mañana"
            index = bisect_right(starts, start) - 1
            if index >= 0 and start < starts[index] + len(sentences[index][1]):
                sentence_start, sentence = sentences[index]
            else:
                sentence_start, sentence = 0, text
            resolved = _resolve(kind, m, published, sentence, reader)
            if resolved is None:
                continue
            # "May 25–31": the range's last day is a date too.
            after = _RANGE_END.match(text, end) if kind == "day" and english else None
            if after:
                iso_end = f"{resolved[0][:8]}{int(after.group('day')):02d}"
                # (a later day of the same month: "May 29 - 2 episodes" is no range)
                if _valid(iso_end) and iso_end > resolved[0]:
                    found.append(
                        TextDate(
                            date=iso_end,
                            precision="day",
                            text=after.group("day"),
                            kind=_kind(
                                sentence,
                                start - sentence_start,
                                after.end() - sentence_start,
                                iso_end,
                                kinds,
                            ),
                            sentence=" ".join(sentence.split())[:400],
                            offset=after.start("day"),
                        )
                    )
                end = after.end()
            taken.append((start, end))
            iso, precision = resolved
            local = start - sentence_start
            date_kind = _kind(sentence, local, local + end - start, iso, kinds)
            if (
                kind == "weekday"
                and date_kind == "premiere/release"
                and not _PREMIERE_WORD.search(
                    sentence[max(0, local - NEAR_CHARS) : local + end - start + NEAR_CHARS]
                )
            ):
                # "Apple on Tuesday made the launch official": the day of the news itself.
                date_kind = "announcement"
            qualifier = m.groupdict().get("qualifier")
            if not qualifier and reader is not None and m.groupdict().get("fqual"):
                qualifier = reader.words.qualifiers.get(_norm(m.group("fqual")))
            if date_kind in ("premiere/release", "episode") and (qualifier or "").lower() in (
                "through",
                "until",
                "till",
            ):
                # "a new episode weekly through July 10": the end of the run, not its start.
                date_kind = "finale"
            found.append(
                TextDate(
                    date=iso,
                    precision=precision,
                    text=m.group(0).strip(),
                    kind=date_kind,
                    sentence=" ".join(sentence.split())[:400],
                    offset=start,
                    qualifier=qualifier or None,
                )
            )
    return sorted(found, key=lambda d: d.offset)


# Right after a work's name, a relative clause or a possessive makes what follows that
# work's: "For All Mankind, which begins streaming March 27", "For All Mankind's fifth
# season begins March 27".
_OWNED_BY_NAME = re.compile(r"^(?:['’]s\b|\s*,?\s*(?:which|whose|that)\b)", re.I)


_DERIVED = (
    r"(?:spin-?offs?|spinoffs?|ableger|derivad[ao]|derivata|derivato|спин-офф|спиноф\w*|"
    r"スピンオフ|衍生)"
)
_DERIVED_BEFORE = re.compile(
    _DERIVED + r"\s*(?:of|von|des|der|de|du|di|da|do|от)?\s*[\"'«„“‘‚『「]?\s*$", re.I
)
_DERIVED_AFTER = re.compile(r"^\s*[\"'»“”’』」]?\s*[-–]?\s*" + _DERIVED, re.I)


def _names_the_origin(text: str, mention: tuple[int, int, str]) -> bool:
    """Whether a work's name stands as the work a spinoff comes from."""
    before = text[max(0, mention[0] - 30) : mention[0]]
    after = text[mention[1] : mention[1] + 15]
    return bool(_DERIVED_BEFORE.search(before) or _DERIVED_AFTER.match(after))


def attribute_works(
    text: str,
    dates: list[TextDate],
    mentions: list[tuple[int, int, str]],
    subject: str | None,
) -> list[TextDate]:
    """Set each date's ``other_work``: the work its sentence says it belongs to.

    ``mentions`` are (start, end, work id) spans of work names in ``text``. Of the names
    before the date in its sentence, the last one owns the date when a relative clause or
    a possessive follows it ("For All Mankind, which begins streaming March 27"); else the
    subject, when named before the date ("Star City, the spinoff of For All Mankind,
    premieres May 29"); else the last name before it; else the first name after it
    ("March 27 is when For All Mankind returns"). A date whose sentence names no work is
    the subject's own. Written by hand: the question is which of the knowledge base's
    works a date belongs to, which no date or NER library answers.
    """
    # The work a spinoff comes from names the subject, not a work of its own: "the For
    # All Mankind spinoff", "Ableger von „For All Mankind“", "Спин-офф «…»", "『…』スピンオフ".
    mentions = [m for m in mentions if not _names_the_origin(text, m)]
    if not mentions:
        return dates
    sentences = _sentences(text)
    for found in dates:
        start, end = next(
            ((o, o + len(s)) for o, s in sentences if o <= found.offset < o + len(s)),
            (0, len(text)),
        )
        inside = sorted(m for m in mentions if start <= m[0] and m[1] <= end)
        before = [m for m in inside if m[1] <= found.offset]
        after = [m for m in inside if m[0] >= found.offset + len(found.text)]
        owner = None
        if before:
            last = before[-1]
            if _OWNED_BY_NAME.match(text[last[1] : found.offset]):
                owner = last[2]
            elif any(m[2] == subject for m in before):
                owner = subject
            else:
                owner = last[2]
        elif after:
            owner = after[0][2]
        if owner is not None and owner != subject:
            found.other_work = owner
    return dates
