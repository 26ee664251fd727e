"""Relevance: is an article about the show, does it only mention it, or is it another Star City?

Only the article's own words count (title, standfirst and main text as extracted, never
the page's navigation or "trending" boxes). The scorer reports a score, a label and its
evidence: which terms matched in which zone (title, lead, body). The thresholds and the
reasoning are in docs/relevance.md; the measured precision and recall in docs/accuracy.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from starcity.config import Topic

LABELS = ("relevant", "mention", "uncertain", "off_topic")
ZONES = ("title", "lead", "body")
_ZONE_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
# Words that make a name a work's title ("the series Star City", "Star City premieres")...
_TITLE_BEFORE = (
    r"(?<!\w)(?:series|show|drama|thriller|spinoff|spin-off|spin off|apple tv\+?(?:'s|’s)?|"
    r"apple(?:'s|’s)|new|upcoming|watch|сериал\w*|serial\w*|serie|série)"
)
_TITLE_AFTER = (
    r"(?:series|show|drama|spinoff|spin-off|premiere\w*|season|episode\w*|trailer|cast|"
    r"star|stars|creator\w*|showrunner\w*|review|first[- ]look|finale|arrives|debuts|"
    r"is set|opens with|takes place|follows)(?!\w)"
)
_QUOTES = "'‘’\"“”«»„"
# ...and words that make it a place ("in Star City", "Star City's training centre").
_PLACE_BEFORE = r"(?:in|at|to|from|near|outside|inside|around|into|of|visit\w*)"
_PLACE_AFTER = r"(?:training|centre|center|town|facility|base|residents|casino|council|mayor)"
LEAD_WORDS = 60


def _term_pattern(term: str) -> str:
    if term.startswith("re:"):
        return term[3:]
    escaped = re.escape(term)
    # Whole words for alphabetic scripts; CJK has no spaces, so no boundaries there.
    if re.match(r"\w", term[0]) and term.isascii():
        escaped = r"(?<![\w-])" + escaped
    if re.match(r"\w", term[-1]) and term.isascii():
        escaped += r"(?![\w])"
    return escaped


def _compile(terms: Iterable[str]) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    """(term, pattern, the words a text must hold for the pattern to match at all)."""
    return [(t, re.compile(_term_pattern(t), re.I), _needed_words(t)) for t in terms]


_WORD = re.compile(r"\w+")


def _needed_words(term: str) -> frozenset[str]:
    """The lower-cased words of a plain ASCII term ("Apple TV" -> apple, tv); none for a
    regular expression or another script, which are always searched."""
    if term.startswith("re:") or not term.isascii():
        return frozenset()
    return frozenset(w.lower() for w in _WORD.findall(term))


@dataclass
class Judgement:
    label: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


class RelevanceScorer:
    """Scores articles against one topic profile (config/topic.yml)."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.name_pattern = re.compile(
            "|".join(f"(?:{_term_pattern(n)})" for n in topic.names), re.I
        )
        self.evidence = {group: _compile(terms) for group, terms in topic.evidence.items()}
        self.contexts = {group: _compile(terms) for group, terms in topic.other_contexts.items()}

    @cached_property
    def _title_use(self) -> re.Pattern[str]:
        name = self.name_pattern.pattern
        return re.compile(
            rf"[{_QUOTES}]\s*(?:{name})\s*[{_QUOTES}]"
            rf"|{_TITLE_BEFORE}\s+[{_QUOTES}]?(?:{name})"
            rf"|(?:{name})[{_QUOTES}]?,?\s+(?:\([^)]*\)\s+)?(?:is\s+|will\s+)?{_TITLE_AFTER}"
            # an appositive: "Star City, the new Soviet space-race drama from ..."
            rf"|(?:{name}),\s+(?:the|a|an)\s+(?:[\w-]+\s+){{0,5}}"
            rf"(?:series|drama|show|spinoff|spin-off|thriller)(?!\w)",
            re.I,
        )

    @cached_property
    def _place_use(self) -> re.Pattern[str]:
        name = self.name_pattern.pattern
        return re.compile(
            rf"\b{_PLACE_BEFORE}\s+(?:the\s+)?(?:{name})(?![{_QUOTES}])"
            rf"|(?:{name})(?:'s|’s)?\s+{_PLACE_AFTER}",
            re.I,
        )

    @staticmethod
    def zones(title: str | None, description: str | None, text: str | None) -> dict[str, str]:
        """Title; lead (standfirst and the first words of the text); the rest of the body."""
        words = (text or "").split()
        title = title or ""
        lead_text = " ".join(words[:LEAD_WORDS])
        description = description or ""
        # Extracted text often repeats the headline and the standfirst; count them once.
        if title and lead_text.startswith(title):
            lead_text = lead_text[len(title) :]
        lead = f"{description} {lead_text}" if description not in lead_text else lead_text
        return {"title": title, "lead": lead.strip(), "body": " ".join(words[LEAD_WORDS:])}

    @staticmethod
    def _matches(
        patterns: list[tuple[str, re.Pattern[str], frozenset[str]]],
        zones: dict[str, str],
        words: dict[str, set[str]],
    ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for zone in ZONES:
            # Words first: a term whose words the zone lacks cannot match (one set lookup
            # instead of a regular-expression search over the whole text).
            hits = [
                term
                for term, pattern, needed in patterns
                if needed <= words[zone] and pattern.search(zones[zone])
            ]
            if hits:
                found[zone] = hits
        return found

    def judge(self, title: str | None, description: str | None, text: str | None) -> Judgement:
        zones = self.zones(title, description, text)
        names = {
            zone: [m.group(0) for m in self.name_pattern.finditer(zones[zone])] for zone in ZONES
        }
        names = {z: v for z, v in names.items() if v}
        name_count = sum(len(v) for v in names.values())
        words = {zone: {w.lower() for w in _WORD.findall(zones[zone])} for zone in ZONES}
        evidence = {group: self._matches(p, zones, words) for group, p in self.evidence.items()}
        contexts = {group: self._matches(p, zones, words) for group, p in self.contexts.items()}
        contexts = {g: m for g, m in contexts.items() if m}
        full = " ".join(zones.values())
        title_use = len(self._title_use.findall(full))
        place_use = len(self._place_use.findall(full))

        def distinct(found: dict[str, list[str]]) -> int:
            return len({t.casefold() for hits in found.values() for t in hits})

        def weighted(found: dict[str, list[str]]) -> float:
            seen: dict[str, float] = {}
            for zone, hits in found.items():
                for term in hits:
                    key = term.casefold()
                    seen[key] = max(seen.get(key, 0.0), _ZONE_WEIGHT[zone])
            return sum(seen.values())

        specific = distinct(evidence.get("specific", {}))
        franchise = distinct(evidence.get("franchise", {}))
        television = distinct(evidence.get("television", {}))
        world = distinct(evidence.get("story_world", {}))
        other_by_group = {g: weighted(m) for g, m in contexts.items()}
        other = max(other_by_group.values(), default=0.0)
        show = (
            3.0 * specific
            + 2.0 * min(title_use, 3)
            + 1.5 * min(franchise, 4)
            + 0.5 * min(television, 4)
            + 0.5 * min(world, 3)
        )
        prominent = bool(names.get("title") or names.get("lead"))
        if not names:
            cast = evidence.get("specific", {})
            prominent = bool(cast.get("title") or cast.get("lead"))
        score = round(show - 1.5 * other + (2.0 if prominent else 0.0), 2)

        label = self._label(
            name_count,
            prominent,
            show,
            other,
            specific,
            franchise,
            television,
            title_use,
            place_use,
        )
        return Judgement(
            label=label,
            score=score,
            evidence={
                "names": names,
                "title_use": title_use,
                "place_use": place_use,
                "show": {g: m for g, m in evidence.items() if m},
                "other": contexts,
                "show_weight": round(show, 2),
                "other_weight": round(other, 2),
            },
        )

    @staticmethod
    def _label(
        name_count: int,
        prominent: bool,
        show: float,
        other: float,
        specific: int,
        franchise: int,
        television: int,
        title_use: int,
        place_use: int,
    ) -> str:
        """The label from the evidence; the reasoning is written out in docs/relevance.md."""
        if name_count == 0:
            # Unnamed, but its cast and makers leave no doubt ("the new drama from Ben
            # Nedivi and Matt Wolpert, with Rhys Ifans as the Chief Designer").
            if specific >= 2 and (franchise or television):
                return "relevant" if prominent else "mention"
            return "off_topic"
        # The series itself is named: its cast or "spinoff", or the name used as a title.
        series_named = specific > 0 or title_use > 0
        # Another Star City in context and nothing that singles out the series.
        if other >= 3 and not series_named:
            return "off_topic"
        # For All Mankind's own Star City (the in-story Soviet centre): the franchise,
        # the name used as a place, nothing about a new series.
        if franchise and place_use and not series_named:
            return "off_topic"
        # A title alone ("a drama called Star City") is not enough: the series' own cast,
        # makers or franchise must appear too.
        about_show = (series_named and (franchise or specific)) or franchise >= 2
        if about_show and show >= 3 and show > other:
            if prominent or name_count >= 3:
                return "relevant"
            return "mention"
        # Named once or twice in the body of a television article: a passing mention.
        if not prominent and other == 0 and (franchise or television >= 2):
            return "mention"
        if other > 0 and not (specific or franchise):
            return "off_topic"
        return "uncertain"
