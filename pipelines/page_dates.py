"""Parse and judge dates found in pages: keep the page's own offset, compare in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

# The one plausibility rule for a page's publication and modification dates, used by every
# signal (metadata, visible datelines, htmldate's heuristics, feed entries): news pages
# older than this are template junk (copyright years, epoch zeros) ...
OLDEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
# ... and a date up to this far past the fetch time is still accepted (clock skew, zones).
FUTURE_TOLERANCE = timedelta(hours=26)


def plausible_window(now: datetime) -> tuple[datetime, datetime]:
    """(oldest, newest) plausible publication instants for a page fetched at ``now`` (aware)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return OLDEST_PLAUSIBLE, now + FUTURE_TOLERANCE


def naive_window(now: datetime) -> tuple[datetime, datetime]:
    """The same window as naive datetimes, for htmldate (which compares naive values)."""
    oldest, newest = plausible_window(now)
    return oldest.replace(tzinfo=None), newest.astimezone(UTC).replace(tzinfo=None)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")


@dataclass(frozen=True)
class DateValue:
    """A date or datetime as the page gave it; ``value`` is aware when the page gave an offset."""

    value: datetime | date

    @property
    def has_time(self) -> bool:
        return isinstance(self.value, datetime)

    @property
    def iso(self) -> str:
        """As written by the page, in ISO 8601 (its own UTC offset kept)."""
        return self.value.isoformat()

    @property
    def utc(self) -> str:
        """In UTC where the page gave an offset; otherwise as written (local time unknown)."""
        v = self.value
        if isinstance(v, datetime) and v.tzinfo is not None:
            return v.astimezone(UTC).isoformat()
        return v.isoformat()

    def utc_sort_key(self) -> datetime:
        v = self.value
        if not isinstance(v, datetime):
            return datetime(v.year, v.month, v.day, 12, tzinfo=UTC)
        return v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC)


def parse_date(raw: Any) -> DateValue | None:
    """Parse a machine-readable date string (ISO 8601, RFC 822) or a plain written one.

    Returns None for anything it cannot read, never raises: a page's date signals are
    strangers' text. A value whose year is not written with four digits ("Mon, 01 Jan
    0001", "3/4/24") is refused rather than mapped into this century.
    """
    try:
        value = _parse_date(raw)
    except (ValueError, TypeError, OverflowError, IndexError, AttributeError):
        return None
    return value if value is not None and _offset_ok(value) else None


def _parse_date(raw: Any) -> DateValue | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or len(text) > 80:
        return None
    if _DATE_ONLY.match(text):
        try:
            return DateValue(date.fromisoformat(text))
        except ValueError:
            return None
    try:
        return DateValue(datetime.fromisoformat(text.replace(" ", "T", 1)))
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        # email.utils maps two- and three-digit years into 1900-2068; the year of an RFC
        # 822 date is a word of its own ("Mon, 01 Jan 01 00:00:00 +2001" has none).
        return DateValue(parsed) if _year_word(text, parsed.year) else None
    found = _parse_written(text)
    if found is None or not year_written(text, found.value.year):
        return None
    if re.search(rf"(?:^|[\s,(])[-−]{found.value.year:04d}(?!\d)", text):
        return None  # a negative year ("01 Jan -2026"), which the parsers read as positive
    return found


def _year_word(text: str, year: int) -> bool:
    return re.search(rf"(?:^|[\s,]){year:04d}(?:$|[\s,])", text) is not None


def year_written(text: str, year: int) -> bool:
    """True when ``year`` appears in ``text`` as a number of its own, four digits long,
    and not as a UTC offset ("+2001")."""
    return re.search(rf"(?<![\d+]){year:04d}(?!\d)", text) is not None


# The widest UTC offsets in use (Kiribati, +14:00; Baker Island, -12:00); "+23:59" is no
# time zone.
MAX_OFFSET = timedelta(hours=14)


def _offset_ok(value: DateValue) -> bool:
    v = value.value
    offset = v.utcoffset() if isinstance(v, datetime) else None
    return offset is None or abs(offset) <= MAX_OFFSET


def _parse_written(text: str) -> DateValue | None:
    # dateparser is slow to import and to run; it is only reached for non-ISO strings.
    import dateparser

    parsed = dateparser.parse(
        text,
        settings={
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    if parsed is None:
        return None
    if not _HAS_TIME.search(text):
        return DateValue(parsed.date())
    return DateValue(parsed)


def plausible(value: DateValue, now: datetime) -> bool:
    """Not after the fetch (with slack for time zones) and not older than the web's news era.

    A value at the edge of what Python can represent ("0001-01-01T00:00:00+14:00") cannot
    even be moved to UTC: it is not plausible either.
    """
    oldest, newest = plausible_window(now)
    try:
        return oldest <= value.utc_sort_key() <= newest
    except (OverflowError, ValueError):
        return False


def with_local_offset(
    chosen: DateValue, others: list[tuple[str, DateValue]]
) -> tuple[DateValue, str | None]:
    """Give a UTC timestamp the page's own offset, when another signal shows it.

    Pages often put the same instant in UTC in their metadata and in local time in the
    visible page ("2023-11-09T03:28Z" and "November 8, 10:28 p.m."); the local date is
    the one readers and outlets mean. Returns the (possibly re-expressed) value and the
    signal that gave the offset, if any.
    """
    value = chosen.value
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset():
        return chosen, None
    instant = value.astimezone(UTC)
    for signal, other in others:
        candidate = other.value
        if not isinstance(candidate, datetime):
            continue
        if candidate.tzinfo is not None:
            offset = candidate.utcoffset()
            if offset and abs((candidate - instant).total_seconds()) <= 60:
                return DateValue(instant.astimezone(candidate.tzinfo)), signal
            continue
        # A naive local time: the difference to the instant is the page's UTC offset.
        delta = candidate - instant.replace(tzinfo=None)
        minutes = round(delta.total_seconds() / 60)
        if (
            minutes
            and abs(minutes) <= 14 * 60
            and minutes % 15 == 0
            and abs(delta.total_seconds() - minutes * 60) <= 60
        ):
            zone = timezone(timedelta(minutes=minutes))
            return DateValue(instant.astimezone(zone)), signal
    return chosen, None


def with_url_day(chosen: DateValue, url_day: str | None) -> DateValue | None:
    """Re-express a UTC timestamp so that its day is the day in the page's URL.

    CMSs build permalinks ("/2019/01/01/slug/") from the local publication date while
    many write their metadata in UTC ("2018-12-31T23:11:59+00:00"). When the URL's day
    is one a UTC offset can reach (-12 to +14 hours), the instant is shown at the
    smallest whole-hour offset giving that day. Returns None when nothing changes.
    """
    value = chosen.value
    if not url_day or not isinstance(value, datetime) or value.tzinfo is None:
        return None
    if value.utcoffset():
        return None
    try:
        day = date.fromisoformat(url_day)
    except ValueError:
        return None
    if value.date() == day:
        return None
    for hours in sorted(range(-12, 15), key=abs):
        local = value.astimezone(timezone(timedelta(hours=hours)))
        if local.date() == day:
            return DateValue(local)
    return None
