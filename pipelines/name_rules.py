"""Names of people in languages no statistical model here reads, by high-precision rules.

German, Italian, Spanish, Portuguese, Polish and Russian text has no spaCy pipeline we
can install for spaCy 3.8 (pipelines/entities.py), and the English model guesses wrong on
it. Besides the knowledge base, a capitalised run of two or three words is taken for a
person only where the text says it is one: after a role ("Schauspielerin Anna Muster",
"l'attore Mario Rossi", "режиссёр Иван Петров") or a word of saying ("sagte Max Muster",
"secondo Mario Rossi", "по словам Ивана Петрова"), or before one ("Mario Rossi ha
detto", "Jan Kowalski powiedział"). The words of the run must not be function words of
the language (spaCy's stop word lists, which need no model). Recall is low by design:
a name without such a cue is left to the knowledge base.
"""

from __future__ import annotations

import re
from functools import cache

# Words that make the capitalised words after them a person's name, per language.
_BEFORE = {
    "de": "Schauspieler Schauspielerin Darsteller Darstellerin Regisseur Regisseurin"
    " Produzent Produzentin Showrunner Showrunnerin Drehbuchautor Drehbuchautorin Autor"
    " Autorin Kosmonaut Kosmonautin Sprecher Sprecherin Moderator Moderatorin Kritiker"
    " Kritikerin Sänger Sängerin sagte sagt erklärte erklärt betonte betont meinte"
    " laut",
    "it": "attore attrice regista produttore produttrice showrunner sceneggiatore"
    " sceneggiatrice creatore creatrice cosmonauta critico critica giornalista"
    " detto dichiarato spiegato secondo",
    "es": "actor actriz director directora productor productora showrunner guionista"
    " creador creadora cosmonauta crítico crítica periodista dijo afirmó explicó"
    " según",
    "pt": "ator atriz diretor diretora produtor produtora showrunner roteirista criador"
    " criadora cosmonauta crítico crítica jornalista disse afirmou explicou segundo",
    "pl": "aktor aktorka reżyser reżyserka producent producentka showrunner scenarzysta"
    " scenarzystka twórca twórczyni kosmonauta krytyk dziennikarz dziennikarka"
    " powiedział powiedziała według",
    "ru": "актёр актер актриса режиссёр режиссер продюсер шоураннер сценарист создатель"
    " создательница космонавт критик журналист журналистка сказал сказала заявил"
    " заявила словам",
}
# Words that make the capitalised words before them a person's name.
_AFTER = {
    "de": "sagte sagt erklärte erklärt betonte meinte",
    "it": "dice dichiara spiega",
    "es": "dijo afirmó explicó dice",
    "pt": "disse afirmou explicou diz",
    "pl": "powiedział powiedziała mówi stwierdził stwierdziła",
    "ru": "сказал сказала заявил заявила считает",
}
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.U)
MAX_WORDS = 3
# Particles inside names ("Ludwig van Beethoven", "Maria da Silva").
_PARTICLES = {"von", "van", "de", "da", "di", "del", "della", "der", "den", "dos", "das", "du"}


def stop_words(language: str | None) -> frozenset[str]:
    """The function words of ``language`` (spaCy's lists; none for an unknown one)."""
    return _stop_words((language or "").split("-")[0].lower())


@cache
def _stop_words(language: str) -> frozenset[str]:
    if not language:
        return frozenset()
    try:
        from spacy.util import get_lang_class

        return frozenset(w.casefold() for w in get_lang_class(language).Defaults.stop_words)
    except Exception:  # a language spaCy has no stop words for
        return frozenset()


def _capitalised(word: str, stop: frozenset[str]) -> bool:
    return word[:1].isupper() and not word.isupper() and word.casefold() not in stop


# Words joining the names of a list ("Rhys Ifans, Mario Rossi e Giulia Bianchi").
_AND = {
    "de": "und sowie", "it": "e ed", "es": "y e", "pt": "e", "pl": "i oraz", "ru": "и",
}  # fmt: skip


def cued_names(
    text: str, language: str | None, known: list[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """(start, end) of each name the text marks as a person's, for ``language`` (a code
    of _BEFORE; others get none). ``known``: where names of people already found stand
    (the knowledge base's): a name listed beside one of them, or beside a name found
    here, is one too ("mit Rhys Ifans, Anna Muster und Max Mustermann")."""
    base = (language or "").split("-")[0].lower()
    if base not in _BEFORE:
        return []
    before = set(_BEFORE[base].casefold().split())
    after = set(_AFTER[base].casefold().split())
    # (a cue is never part of the name: "Режиссёр Анна Смирнова заявила")
    stop = (_stop_words(base) - _PARTICLES) | before | after
    words = [(m.start(), m.end(), m.group(0).rstrip(".")) for m in _WORD.finditer(text)]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        run = _run(words, i, stop, text)
        if len(run) < 2:
            i += 1
            continue
        last, nxt = run[-1], i + len(run)
        cue_before = i > 0 and _cue(words[i - 1], before) and _near(text, words[i - 1], words[i])
        cue_after = nxt < len(words) and _cue(words[nxt], after) and _near(text, last, words[nxt])
        if cue_before or cue_after:
            found.append((words[i][0], last[0] + len(last[2])))
            i = nxt
        else:
            i += 1
    return _listed(text, words, stop, set(_AND[base].split()), list(known), found)


def _listed(
    text: str,
    words: list[tuple[int, int, str]],
    stop: frozenset[str],
    joins: set[str],
    known: list[tuple[int, int]],
    found: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """``found`` and the names listed beside a known or found one (", " or a joining
    word between), until no more are added."""
    people = sorted(set(known) | set(found))
    added = True
    while added:
        added = False
        for i in range(len(words)):
            run = _run(words, i, stop, text)
            if len(run) < 2:
                continue
            start, end = words[i][0], run[-1][0] + len(run[-1][2])
            if any(start < e and s < end for s, e in people):
                continue
            if any(
                _joined(text, end, s, joins) or _joined(text, e, start, joins) for s, e in people
            ):
                people.append((start, end))
                found.append((start, end))
                added = True
    return sorted(found)


def _joined(text: str, left_end: int, right_start: int, joins: set[str]) -> bool:
    """Whether only a comma or a joining word stands between two names."""
    if not 0 < right_start - left_end <= 12:
        return False
    between = text[left_end:right_start].strip()
    return between == "," or between.casefold() in joins


def _cue(word: tuple[int, int, str], cues: set[str]) -> bool:
    return word[2].casefold() in cues


def _near(text: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """Two words with only spaces (or a comma) between them."""
    return re.fullmatch(r"\s*,?\s*", text[a[1] : b[0]]) is not None


def _run(
    words: list[tuple[int, int, str]], i: int, stop: frozenset[str], text: str
) -> list[tuple[int, int, str]]:
    """The capitalised words from ``i`` on (at most MAX_WORDS, particles between them),
    next to each other."""
    run: list[tuple[int, int, str]] = []
    j = i
    while j < len(words) and len(run) < MAX_WORDS:
        word = words[j][2]
        particle = run and word.casefold() in _PARTICLES and j + 1 < len(words)
        if not (_capitalised(word, stop) or particle):
            break
        if run and not re.fullmatch(r"\s+", text[words[j - 1][1] : words[j][0]]):
            break  # the words of a name stand next to each other
        run.append(words[j])
        j += 1
    while run and run[-1][2].casefold() in _PARTICLES:
        run.pop()
    return run
