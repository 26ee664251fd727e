"""Dates an article reports in its text, resolved against its publication date.

Finds absolute and relative expressions ("Friday, May 29", "May 29, 2026", "29 May",
"March 2027", "next spring", "this Friday", "in 2027", "through July 10", "1961"),
resolves each to a date with its precision (day, month, season, year), and gives it a
kind from the words of its sentence (premiere/release, episode, finale, announcement,
casting, trailer/first look, renewal, review, historical, other).

Written by hand rather than with dateparser's search_dates: that one pulls words such as
"of" and "on" into matches, finds dates in plain numbers ("2 bin 784") and cannot say
how precise a match is; here every pattern states its own precision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
# Month names of the other languages of the coverage, in the forms dates take: German,
# French, Spanish, Italian; Russian and Polish in the nominative, genitive ("29 мая",
# "29 maja") and locative ("в мае", "w maju"). One line per month, January first.
_FOREIGN_MONTH_NAMES = (
    "januar jänner janvier enero gennaio январь января январе styczeń stycznia styczniu",
    "februar février febrero febbraio февраль февраля феврале luty lutego lutym",
    "märz mars marzo март марта марте marzec marca marcu",
    "april avril abril aprile апрель апреля апреле kwiecień kwietnia kwietniu",
    "mai mayo maggio май мая мае maj maja maju",
    "juni juin junio giugno июнь июня июне czerwiec czerwca czerwcu",
    "juli juillet julio luglio июль июля июле lipiec lipca lipcu",
    "august août agosto август августа августе sierpień sierpnia sierpniu",
    "september septembre septiembre settembre сентябрь сентября сентябре wrzesień września"
    " wrześniu",
    "oktober octobre octubre ottobre октябрь октября октябре październik października październiku",
    "november novembre noviembre ноябрь ноября ноябре listopad listopada listopadzie",
    "dezember décembre diciembre dicembre декабрь декабря декабре grudzień grudnia grudniu",
)
FOREIGN_MONTHS = {
    name: number for number, names in enumerate(_FOREIGN_MONTH_NAMES, 1) for name in names.split()
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

_FOREIGN_MONTH = "(?P<fmonth>" + "|".join(sorted(FOREIGN_MONTHS, key=len, reverse=True)) + ")"
_WEEKDAY_NAME = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# Prepositions before a bare month: "im Mai", "en mai", "в мае", "w maju", "a maggio".
_FOREIGN_LEAD = r"(?:im|ab|bis|seit|en|dès|в|с|до|к|w|od|do|a|entro|desde|hasta)"

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
    # A month without a year: "last April", "in July", "im Mai", "в мае" (year: see _resolve).
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
    ("decade", re.compile(r"\b(?:the\s+)?(?P<decade>(?:19|20)\d0)s\b")),
]

# Weekday names in the other languages, in the forms "on/from Friday" takes.
_FOREIGN_WEEKDAY_NAMES = (
    "montag lundi lunes lunedì poniedziałek poniedziałku понедельник понедельника",
    "dienstag mardi martes martedì wtorek wtorku вторник вторника",
    # (not "среда"/"среды": also "environment")
    "mittwoch mercredi miércoles mercoledì środa środę środy среду",
    "donnerstag jeudi jueves giovedì czwartek czwartku четверг четверга",
    "freitag vendredi viernes venerdì piątek piątku пятница пятницу пятницы",
    "samstag samedi sábado sabato sobota sobotę soboty суббота субботу субботы",
    # (not "domingo": also a surname)
    "sonntag dimanche domenica niedziela niedzielę niedzieli воскресенье воскресенья",
)
FOREIGN_WEEKDAYS = {
    name: number for number, names in enumerate(_FOREIGN_WEEKDAY_NAMES) for name in names.split()
}
_GERMAN_DECADES = {
    "zwanziger": 1920, "dreißiger": 1930, "vierziger": 1940, "fünfziger": 1950,
    "sechziger": 1960, "siebziger": 1970, "achtziger": 1980, "neunziger": 1990,
}  # fmt: skip

# Dates in the other languages of the coverage, tried only on texts not in English (an
# English "29 Mars rovers" is no date).
FOREIGN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Other languages: "29. Mai 2026", "29 mai", "29 мая 2026 года", "29 de mayo de 2026".
    (
        "day",
        re.compile(
            rf"\b(?P<day>\d{{1,2}})\.?\s+(?:de\s+)?{_FOREIGN_MONTH}\b"
            rf"(?:\s+(?:de\s+)?{_YEAR}\b)?",
            re.I,
        ),
    ),
    # Chinese and Japanese: "2026年5月29日", "5月29日".
    (
        "day",
        re.compile(
            r"(?:(?P<year>(?:19|20)\d{2})\s*年\s*)?(?P<nmonth>\d{1,2})\s*月\s*"
            r"(?P<day>\d{1,2})\s*日"
        ),
    ),
    ("month", re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<nmonth>\d{1,2})\s*月(?!\s*\d)")),
    ("month", re.compile(rf"\b{_FOREIGN_MONTH}\s+(?:de\s+)?{_YEAR}\b", re.I)),
    (
        "bare_month",
        re.compile(rf"\b{_FOREIGN_LEAD}\s+{_FOREIGN_MONTH}\b(?!\s*\d)", re.I),
    ),
    # The start, middle or end of a month: "Ende Mai", "в конце мая", "na początku maja".
    (
        "bare_month",
        re.compile(
            r"\b(?:(?:ab|bis|seit)\s+)?(?:(?:в|на|к|с)\s+)?(?:(?:na|pod|w)\s+)?"
            r"(?:anfang|mitte|ende|fin|début|mi-|конц[еау]|конец|начал[еоа]|середин[еуы]"
            r"|początku|połowie|końcu|koniec|finales de|principios de|mediados de|fine|inizio"
            rf"|metà)\s*{_FOREIGN_MONTH}\b(?!\s*\d)",
            re.I,
        ),
    ),
    # Today, yesterday, tomorrow: "heute", "сегодня", "dziś", "aujourd'hui", "本日".
    (
        "relative",
        re.compile(
            r"(?P<frel>\bheute\b|\bgestern\b|\baujourd[’']hui\b|\bсегодня\b|\bвчера\b"
            r"|\bзавтра\b|\bdzisiaj\b|\bdziś\b|\bwczoraj\b|\bjutro\b|\bhoy\b|\bayer\b"
            r"|\boggi\b|\bieri\b|\bdomani\b|本日|今日|昨日|明日)",
            re.I,
        ),
    ),
    # Weekdays: "jeudi", "ce vendredi", "od piątku", "в пятницу", "am Freitag" (the
    # coming one, or the day itself).
    (
        "fweekday",
        re.compile(
            rf"\b(?P<fweekday>{'|'.join(sorted(FOREIGN_WEEKDAYS, key=len, reverse=True))})\b", re.I
        ),
    ),
    # Decades: "1960-х", "1960er", "60er-Jahre", "Sechzigerjahre".
    ("decade", re.compile(r"\b(?P<decade>(?:19|20)\d0)(?:-х|-[еe]|er)")),
    (
        "fdecade",
        re.compile(
            rf"\b(?P<fdecade>{'|'.join(_GERMAN_DECADES)}|[2-9]0er)[- ]?jahre",
            re.I,
        ),
    ),
    # Chinese and Japanese: "今年" (this year), "昨年", "来年"; "今夏" (this summer), "来春".
    ("relyear", re.compile(r"(?P<frel>今年|昨年|去年|来年|明年)")),
    ("season", re.compile(r"(?P<frel>今|来|昨)(?P<fseason>春|夏|秋|冬)")),
]

KINDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "finale",
        re.compile(
            r"\bfinale\b|\bfinal episode|\blast episode|\bseason ends"
            r"|\b(?:the|its) last\s+(?:one\s+)?(?:arriv|air|land|drop)\w*|\bwraps?\b"
            r"|\bфинал\w*|\bfinał\w*|最終|\bdernier épisode|\bletzte folge",
            re.I,
        ),
    ),
    (
        "premiere/release",
        re.compile(
            r"\bpremier\w*|\bdebut\w*|\brelease\w*|\blaunch\w*|\barriv\w*|\bstreaming\s+(?:on|from)"
            r"|\bhits\s+(?:apple|screens|streaming)|\bdrops\b|\bpremiere date|\bcomes? to\b"
            r"|\bweekly\b|\bfirst two episodes|\breturns?\b|\bbegin(?:s|ning)?\b|\bbeg[au]n\b"
            r"|\bstreams?\b|\bavailable\b|\blands?\b|\blanc[ée]e?s?\b"
            r"|\bstarts?\s+(?:streaming|airing|its|on)\b"
            r"|\bпремьер\w*|\bвыйд\w*|\bвыход\w*|\bстарту\w*|\bstartet\b|\bsortie\b"
            r"|\bestren\w*|\buscita\b|配信|公開|放送|初回",
            re.I,
        ),
    ),
    ("episode", re.compile(r"\bepisode\w*\b", re.I)),
    (
        "filming",
        re.compile(
            r"\bfilm(?:ing|ed)\b|\bshoot\w*|\bproduction (?:began|starts|wrapped)"
            r"|\bwrapped\b|\bon set\b",
            re.I,
        ),
    ),
    ("trailer/first look", re.compile(r"\btrailer\w*|\bfirst[- ]look|\bteaser\b|\bimages\b", re.I)),
    ("casting", re.compile(r"\bcast\w*\b|\bjoin\w*\s+the\s+cast|\bto play\b|\bwill play\b", re.I)),
    ("renewal", re.compile(r"\brenew\w*|\bsecond season|\bseason two\b", re.I)),
    (
        "announcement",
        re.compile(
            r"\bannounc\w*|\bunveil\w*|\brevealed\b|\bconfirmed\b|"
            r"\bgreenlit|\bordered\b",
            re.I,
        ),
    ),
    ("review", re.compile(r"\breview\w*|\bcritics?\b|\bverdict\b", re.I)),
]
HISTORICAL_BEFORE = 1990
_EVENT_KINDS = {"finale", "trailer/first look", "casting", "renewal", "filming"}
_PREMIERE_WORD = re.compile(r"\bpremier\w*|\bdebut\w*", re.I)


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


_RELATIVE_DAYS = {
    **dict.fromkeys(("today", "heute", "aujourd'hui", "сегодня", "dzisiaj", "dziś", "hoy"), 0),
    **dict.fromkeys(("oggi", "本日", "今日"), 0),
    **dict.fromkeys(("tomorrow", "завтра", "jutro", "domani", "明日"), 1),
    **dict.fromkeys(("yesterday", "gestern", "вчера", "wczoraj", "ayer", "ieri", "昨日"), -1),
}


_FUTURE = re.compile(
    r"\b(?:will|premieres?|opens?|arrives?|airs?|debuts?|launches?|returns?|lands?|coming"
    r"|upcoming)\b",
    re.I,
)


def _in_past(sentence: str) -> bool:
    """Past tense and no word of a coming release ("Apple said it premieres in July" is
    about the coming July)."""
    return bool(_PAST.search(sentence)) and not _FUTURE.search(sentence)


def _nearest_weekday(target: int, published: date) -> str:
    """The day of that weekday nearest to publication (three days back to three ahead)."""
    ahead = (target - published.weekday()) % 7
    return (published + timedelta(days=ahead - 7 if ahead > 3 else ahead)).isoformat()


def _month_of(groups: dict[str, str | None]) -> int:
    if groups.get("month"):
        return MONTHS[groups["month"].lower().rstrip(".")]
    if groups.get("fmonth"):
        return FOREIGN_MONTHS[groups["fmonth"].lower()]
    return int(groups["nmonth"] or 0)


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


def _resolve(
    kind: str, m: re.Match[str], published: date, sentence: str = ""
) -> tuple[str, str] | None:
    """(ISO date, precision) for one match, or None when it is not a real date."""
    groups = m.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if kind == "day":
        month = _month_of(groups)
        day = int(groups["day"])
        if not 1 <= month <= 12:
            return None
        year = year or _nearest_year(month, day, published)
        try:
            return date(year, month, day).isoformat(), "day"
        except ValueError:
            return None
    if kind == "month":
        month = _month_of(groups)
        if groups.get("yrel"):
            year = published.year + {"next": 1, "this": 0, "last": -1}[groups["yrel"]]
        return (f"{year:04d}-{month:02d}", "month") if 1 <= month <= 12 and year else None
    if kind == "bare_month":
        month = _month_of(groups)
        rel = (groups.get("rel") or "").lower()
        year = _month_year(month, published, rel, _in_past(sentence))
        return f"{year:04d}-{month:02d}", "month"
    if kind == "relmonth":
        shift = {"next": 1, "this": 0, "last": -1}[groups["rel"].lower()]
        index = published.year * 12 + published.month - 1 + shift
        return f"{index // 12:04d}-{index % 12 + 1:02d}", "month"
    if kind == "season" and groups.get("fseason"):
        season = {"春": "spring", "夏": "summer", "秋": "autumn", "冬": "winter"}[groups["fseason"]]
        shift = {"今": 0, "来": 1, "昨": -1}[groups["frel"]]
        return f"{published.year + shift:04d}-{season}", "season"
    if kind == "season":
        season = groups["season"].lower()
        rel = (groups.get("rel") or "").lower()
        if year is None:
            year = published.year
            month = SEASONS[season]
            if rel == "next" or (not rel and month < published.month - 2):
                year += 1 if month <= published.month or rel == "next" else 0
            elif rel == "last":
                year -= 1
        return f"{year:04d}-{season}", "season"
    if kind == "weekday":
        target = WEEKDAYS.index(groups["weekday"].lower())
        ahead = (target - published.weekday()) % 7
        rel = (groups.get("rel") or "").lower()
        if not rel:
            # "Thursday's images", "said Thursday": the day gone; "premieres Friday": coming;
            # otherwise the nearest such day.
            if _FUTURE.search(sentence):
                rel = "this"
            elif groups.get("possessive") or _in_past(sentence):
                rel = "on"
            else:
                return _nearest_weekday(target, published), "day"
        if rel == "next" and ahead == 0:
            ahead = 7
        if rel == "last":
            ahead = ahead - 7 if ahead else -7
        if rel == "on" and ahead:
            # News says "on Tuesday" of the days just gone ("Apple said on Tuesday").
            ahead -= 7
        return (published + timedelta(days=ahead)).isoformat(), "day"
    if kind == "relative":
        word = (groups.get("rel") or groups.get("frel") or "").lower().replace("’", "'")
        shift = _RELATIVE_DAYS[word]
        return (published + timedelta(days=shift)).isoformat(), "day"
    if kind == "relyear":
        word = (groups.get("rel") or groups.get("frel") or "").lower()
        shift = {"next": 1, "this": 0, "last": -1, "今年": 0, "昨年": -1, "去年": -1}.get(word, 1)
        return f"{published.year + shift:04d}", "year"
    if kind == "year":
        return f"{year:04d}", "year"
    if kind == "decade":
        return f"{groups['decade']}s", "decade"
    if kind == "fdecade":
        word = groups["fdecade"].lower()
        decade = _GERMAN_DECADES.get(word) or 1900 + int(word[:2])
        return f"{decade}s", "decade"
    if kind == "fweekday":
        return _nearest_weekday(FOREIGN_WEEKDAYS[groups["fweekday"].lower()], published), "day"
    return None


# Kind words this close to a date describe it better than the rest of its sentence
# ("the trailer, out on February 27, ahead of the May 29 premiere").
NEAR_CHARS = 40


def _kind(sentence: str, start: int, end: int, iso: str) -> str:
    """The kind of a date from the words around it, then from its whole sentence."""
    year = int(iso[:4]) if iso[:4].isdigit() else None
    if year is not None and year < HISTORICAL_BEFORE:
        return "historical"
    near = sentence[max(0, start - NEAR_CHARS) : end + NEAR_CHARS]
    for window in (near, sentence):
        hits = [(m.start(), name) for name, pattern in KINDS for m in [pattern.search(window)] if m]
        if hits:
            if window is near:
                middle = (start - max(0, start - NEAR_CHARS) + end - max(0, start - NEAR_CHARS)) / 2
                # "released the first images": the event words outweigh a generic "release".
                pointed = [h for h in hits if h[1] in _EVENT_KINDS] or hits
                # "premieres May 29 with two episodes": "episode" is the weakest word.
                pointed = [h for h in pointed if h[1] != "episode"] or pointed
                return min(pointed, key=lambda h: abs(h[0] - middle))[1]
            return min(hits, key=lambda h: [n for n, _ in KINDS].index(h[1]))[1]
    return "other"


# A "sentence" longer than this is read in pieces of this length: every date is judged by
# the words of its sentence, so one sentence of thousands of dates (a hostile page) would
# cost the square of its length. Real sentences are far shorter.
MAX_SENTENCE_CHARS = 600
# Dates found in one text at most; real articles report tens. Cost: the later ones of a
# text listing hundreds of dates are not recorded.
MAX_DATES = 200


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a simple splitter on sentence ends and line breaks, with
    sentences longer than MAX_SENTENCE_CHARS cut into pieces."""
    found = []
    for match in re.finditer(r"[^.!?\n]+(?:[.!?]+|$)", text, re.M):
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

    Texts in another language than English (``language``) are also read for dates in
    German, French, Spanish, Italian, Russian, Polish, Chinese and Japanese.
    """
    if not text:
        return []
    taken: list[tuple[int, int]] = []
    found: list[TextDate] = []
    sentences = _sentences(text)
    english = language in (None, "en") or language.startswith("en-")
    for kind, pattern in PATTERNS if english else FOREIGN_PATTERNS + PATTERNS:
        for m in pattern.finditer(text):
            if len(found) >= MAX_DATES:
                break
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            sentence_start, sentence = next(
                ((o, s) for o, s in sentences if o <= start < o + len(s)), (0, text)
            )
            resolved = _resolve(kind, m, published, sentence)
            if resolved is None:
                continue
            # "May 25–31": the range's last day is a date too.
            after = _RANGE_END.match(text, end) if kind == "day" else None
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
                            ),
                            sentence=" ".join(sentence.split())[:400],
                            offset=after.start("day"),
                        )
                    )
                end = after.end()
            taken.append((start, end))
            iso, precision = resolved
            local = start - sentence_start
            date_kind = _kind(sentence, local, local + end - start, iso)
            if (
                kind == "weekday"
                and date_kind == "premiere/release"
                and not _PREMIERE_WORD.search(
                    sentence[max(0, local - NEAR_CHARS) : local + end - start + NEAR_CHARS]
                )
            ):
                # "Apple on Tuesday made the launch official": the day of the news itself.
                date_kind = "announcement"
            qualifier = (m.groupdict().get("qualifier") or "").lower()
            if date_kind == "premiere/release" and qualifier in ("through", "until", "till"):
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
                    qualifier=(m.groupdict().get("qualifier") or None),
                )
            )
    return sorted(found, key=lambda d: d.offset)


# Right after a work's name, a relative clause or a possessive makes what follows that
# work's: "For All Mankind, which begins streaming March 27", "For All Mankind's fifth
# season begins March 27".
_OWNED_BY_NAME = re.compile(r"^(?:['’]s\b|\s*,?\s*(?:which|whose|that)\b)", re.I)


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
