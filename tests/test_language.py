"""The language an article is analysed in: detected from its text, beside the declared one."""

from __future__ import annotations

import pytest

from pipelines.language import choose, detect, with_language

ITALIAN = (
    "La serie Star City arriva su Apple TV+ il 12 giugno: Rhys Ifans e Anna Maxwell Martin"
    " guidano il cast del thriller sulla corsa allo spazio vista dal lato sovietico."
)
GERMAN = (
    "Die Dreharbeiten zur Serie Star City haben in Budapest begonnen, wie Apple am"
    " Donnerstag mitteilte; die Premiere ist für den Sommer geplant."
)


def test_the_language_of_a_text_is_detected():
    assert detect(ITALIAN)[0] == "it"
    assert detect(GERMAN)[0] == "de"
    assert detect("Сериал выйдет 12 июня на Apple TV+, в главных ролях Рис Иванс.")[0] == "ru"
    # too few letters to tell
    assert detect("Star City") == (None, None)
    assert detect(None) == (None, None)


def test_the_declared_language_holds_unless_the_page_declares_none_or_the_text_says_another():
    # no declaration: a confident detection
    assert choose(None, "it", 0.99).language == "it"
    assert choose(None, "it", 0.99).source == "detected"
    # an unsure one says nothing
    assert choose(None, "it", 0.5).language is None
    # the declaration holds where the text agrees, in any spelling of the same language
    assert choose("en-GB", "en", 1.0).language == "en-GB"
    assert choose("nb", "no", 1.0).language == "nb"
    assert choose("eng", "en", 1.0).source == "declared"
    # a text plainly in another language overrules it (an Italian article on a site
    # declared English); a doubtful detection does not
    chosen = choose("en", "it", 0.999)
    assert (chosen.language, chosen.declared, chosen.detected) == ("it", "en", "it")
    assert chosen.source == "detected-over-declared"
    assert choose("en", "it", 0.95).language == "en"


@pytest.mark.parametrize(
    ("declared", "text", "language", "signal"),
    [
        (None, ITALIAN, "it", "text:py3langid"),
        ("en", GERMAN, "de", "text:py3langid"),
        ("de", GERMAN, "de", "html[lang]"),
    ],
)
def test_an_extracted_record_gets_both_languages_and_the_provenance(
    declared, text, language, signal
):
    provenance = {"language": "html[lang]"} if declared else {}
    record = {"title": "Star City", "text": text, "language": declared, "provenance": provenance}
    fields = with_language(record)
    assert fields["language"] == language
    assert fields["declared_language"] == declared
    assert fields["detected_language"] == language
    assert fields["provenance"]["language"] == signal
    if declared:
        assert fields["provenance"]["declared_language"] == "html[lang]"


def test_people_in_a_language_without_a_model_come_from_the_knowledge_base_alone():
    from pipelines.entities import EntityLinker, KnowledgeBase
    from starcity.config import load_knowledge

    linker = EntityLinker(KnowledgeBase.from_data(load_knowledge()))
    assert linker.pipeline("it") is linker.blank
    assert linker.pipeline(None) is linker.blank  # unknown: no model guesses
    assert linker.pipeline("ja") is linker.cjk
    assert linker.pipeline("en-US") is linker.nlp
    french = linker.pipeline("fr")
    assert french is not linker.nlp and "ner" in french.pipe_names
    text = ITALIAN + " Il debutto a Roma, con Giorgio Rossi e Marta Verdi."
    names = {m.name for m in linker.people(linker.doc(text, "it"))}
    assert names == {"Rhys Ifans", "Anna Maxwell Martin"}  # no cue: no one else
    text = ITALIAN + " Secondo Giorgio Rossi, il debutto sarà a Roma."
    names = {m.name for m in linker.people(linker.doc(text, "it"))}
    assert names == {"Rhys Ifans", "Anna Maxwell Martin", "Giorgio Rossi"}
    # French goes through spaCy's French pipeline: people outside the knowledge base too
    text = "La série réunit Rhys Ifans. Le journaliste Pierre Dupont a rencontré Emmanuel Macron."
    names = {m.name for m in linker.people(linker.doc(text, "fr"))}
    assert {"Rhys Ifans", "Pierre Dupont", "Emmanuel Macron"} <= names


@pytest.mark.parametrize(
    ("language", "text", "names"),
    [
        ("de", "Die Schauspielerin Anna Muster spielt mit. „Toll“, sagte Max Mustermann.",
         {"Anna Muster", "Max Mustermann"}),
        ("it", "Secondo Mario Rossi la serie è pronta. Giulia Bianchi dice che arriva.",
         {"Mario Rossi", "Giulia Bianchi"}),
        ("ru", "По словам Ивана Петрова, сериал выйдет летом. Режиссёр Анна Смирнова заявила.",
         {"Ивана Петрова", "Анна Смирнова"}),
        ("pl", "Według Jana Kowalskiego serial zadebiutuje. Aktorka Maria da Silva zagra.",
         {"Jana Kowalskiego", "Maria da Silva"}),
        # capitalised words without a cue are no one (German nouns, a studio)
        ("de", "Die Neue Staffel startet. Laut Apple TV kommt sie im Mai.", set()),
        # names listed beside a known person are people too; places beside places are not
        ("it", "Con Rhys Ifans, Mario Rossi e Giulia Bianchi. Da Roma, Milano e Napoli.",
         {"Rhys Ifans", "Mario Rossi", "Giulia Bianchi"}),
    ],
)  # fmt: skip
def test_names_outside_the_knowledge_base_need_a_cue_in_languages_without_a_model(
    language, text, names
):
    from pipelines.entities import EntityLinker, KnowledgeBase
    from starcity.config import load_knowledge

    linker = EntityLinker(KnowledgeBase.from_data(load_knowledge()))
    found = linker.people(linker.doc(text, language))
    assert {m.name for m in found} == names
    assert {m.method for m in found} <= {"rule", "knowledge_base"}


@pytest.mark.parametrize(
    ("page", "language", "person", "premiere"),
    [
        ("wr-fr-01", "fr", "anna-maxwell-martin", "2026-05-29"),  # no <html lang>
        ("wr-ru-02", "ru", "rhys-ifans", "2026-05-29"),  # no lang, windows-1251
        ("wr-es-01", "es", "rhys-ifans", None),
    ],
)
def test_a_page_without_a_declared_language_is_analysed_in_its_own(
    page, language, person, premiere
):
    """The crawl's analysis step over a Star City page written for the fixture web,
    through extraction, the language step, relevance, people and dates."""
    from datetime import UTC, datetime
    from pathlib import Path

    from pipelines.analyser import PageAnalyser
    from pipelines.analysis import AnalysisConfig, PageIn
    from pipelines.entities import DEFAULT_MODEL
    from starcity.config import load_knowledge, load_topic

    body = (Path(__file__).parent.parent / "bench/people_dates/pages" / f"{page}.html").read_bytes()
    config = AnalysisConfig(load_topic(), load_knowledge(), DEFAULT_MODEL, frozenset({"relevant"}))
    [out] = PageAnalyser(config).analyse(
        [PageIn("https://tv.example/star-city", body)], datetime(2026, 6, 20, tzinfo=UTC)
    )
    article = out.article
    assert (article["declared_language"], article["detected_language"]) == (None, language)
    assert article["language"] == language
    assert article["provenance"]["language"] == "text:py3langid"
    assert article["relevance"] == "relevant"
    assert person in {p["person_id"] for p in article["people"] if p["role"] == "mentioned"}
    if premiere:
        kinds = {(d["date"], d["kind"]) for d in article["text_dates"] if not d["other_work"]}
        assert (premiere, "premiere/release") in kinds
