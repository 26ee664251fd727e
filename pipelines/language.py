"""The language an article is written in, from its text, beside the one its page declares.

Many pages declare no language (no ``<html lang>``, no ``inLanguage``), and some declare
the site's language over an article in another. The analysis (dates, people) needs the
language of the text itself, so it is detected from the headline and text with
py3langid (a maintained fork of langid.py; its model ships in the package, nothing is
downloaded at run time) and used when the page declares none or one the text contradicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

# Detection reads at most this many characters (the headline and the start of the text):
# a few paragraphs decide the language; more costs time and reaches what follows the
# article (a paywall's filler text, a comment in another language).
MAX_CHARS = 1_000
# Fewer letters than this say too little ("Star City", a caption): the declared one holds.
MIN_LETTERS = 40
# The detector's probability (normalised over its 97 languages) a detection must reach to
# stand in for a missing declaration, and to overrule a declared language.
MIN_CONFIDENCE = 0.9
OVERRULE_CONFIDENCE = 0.99


@dataclass(frozen=True)
class LanguageChoice:
    """The language the analysis uses, the one the page declared, the one detected."""

    language: str | None
    declared: str | None
    detected: str | None
    confidence: float | None
    source: str  # "declared", "detected" (no declaration) or "detected-over-declared"


@cache
def _identifier() -> Any:
    # Loaded once per process (about 0.6 s); norm_probs gives probabilities in 0..1.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str | None) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability) of ``text``'s language; (None, None) when the text
    has too few letters to tell."""
    sample = (text or "")[:MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None, None
    code, probability = _identifier().classify(sample)
    return str(code), float(probability)


# Codes that name the same language as the detector's code: Norwegian Bokmål and
# Nynorsk (the detector says "no"), and the three-letter codes pages sometimes declare.
_SAME_AS = {
    "nb": "no", "nn": "no", "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
    "ita": "it", "spa": "es", "por": "pt", "pol": "pl", "rus": "ru", "jpn": "ja", "zho": "zh",
    "chi": "zh", "nld": "nl", "dut": "nl", "tur": "tr", "ukr": "uk",
}  # fmt: skip


def _base(code: str | None) -> str | None:
    """ "en-US" -> "en", "nb" -> "no", "eng" -> "en"."""
    if not code:
        return None
    base = code.split("-")[0].split("_")[0].lower()
    return _SAME_AS.get(base, base)


def choose(declared: str | None, detected: str | None, confidence: float | None) -> LanguageChoice:
    """Which language the analysis uses: the declared one, unless the page declares none
    (then a confident detection) or its text plainly says another (a detection at
    OVERRULE_CONFIDENCE of a different language: an Italian article on a site declared
    English)."""
    declared_base = _base(declared)
    sure = detected is not None and confidence is not None
    if declared_base is None:
        if sure and confidence >= MIN_CONFIDENCE:
            return LanguageChoice(detected, declared, detected, confidence, "detected")
        return LanguageChoice(None, declared, detected, confidence, "declared")
    if sure and detected != declared_base and confidence >= OVERRULE_CONFIDENCE:
        return LanguageChoice(detected, declared, detected, confidence, "detected-over-declared")
    return LanguageChoice(declared, declared, detected, confidence, "declared")


def language_of(record: dict[str, Any]) -> LanguageChoice:
    """The language choice for an extracted article record (its ``language`` is the
    declared one)."""
    text = "\n".join(part for part in (record.get("title"), record.get("text")) if part)
    detected, confidence = detect(text)
    return choose(record.get("language"), detected, confidence)


def with_language(record: dict[str, Any]) -> dict[str, Any]:
    """The fields to update an extracted record with: ``language`` becomes the one the
    analysis uses, beside ``declared_language`` and ``detected_language``; provenance
    names ``text:py3langid`` when the detection decided (the declared language keeps its
    signal under ``declared_language``)."""
    choice = language_of(record)
    provenance = dict(record.get("provenance") or {})
    declared_signal = provenance.get("language")
    if declared_signal:
        provenance["declared_language"] = declared_signal
    if choice.source != "declared":
        provenance["language"] = "text:py3langid"
    return {
        "language": choice.language,
        "declared_language": choice.declared,
        "detected_language": choice.detected,
        "provenance": provenance,
    }
