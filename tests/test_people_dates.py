"""People and dates in article text, linked to the knowledge base of the show."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from pipelines.entities import EntityLinker, KnowledgeBase
from pipelines.language import with_language
from pipelines.people_dates import analyse
from pipelines.reported_dates import attribute_works, find_dates
from starcity.config import load_knowledge
from tests.helpers import ROOT, extract, run_crawl


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(KnowledgeBase.from_data(load_knowledge()))


def people(linker: EntityLinker, text: str, authors=None) -> dict[str, object]:
    found = linker.people(linker.doc(text), authors)
    return {m.person_id: m for m in found if m.role != "character"}


def test_name_variants_and_bare_surnames_link_to_one_person(linker):
    found = people(
        linker,
        "Ron Moore said the show is personal. Ronald D Moore, who reimagined a classic, "
        "wrote the pilot. Moore also produces.",
    )
    moore = found["ronald-d-moore"]
    assert moore.name == "Ronald D. Moore" and moore.count == 3
    assert set(found) == {"ronald-d-moore"}


def test_misspelled_names_link_by_fuzzy_match_with_confidence(linker):
    found = people(linker, "Showrunner Ben Nevidi praised Joseph Davis, who plays Sergei.")
    assert found["ben-nedivi"].method == "fuzzy" and 0.9 <= found["ben-nedivi"].confidence < 1
    assert found["josef-davies"].method in ("fuzzy", "knowledge_base")


def test_non_people_are_never_persons(linker):
    found = people(
        linker,
        "Star City is not Battlestar Galactica. Behind the Iron Curtain, Zvyozdny gorodok "
        "trained cosmonauts. Mark your calendars: Apple TV streams it.",
    )
    assert found == {}


def test_people_outside_the_knowledge_base_are_kept(linker):
    found = people(linker, "Director Jane Kowalczyk shot the pilot. Kowalczyk used film.")
    assert found["jane-kowalczyk"].in_knowledge_base is False
    assert found["jane-kowalczyk"].count == 2


def test_byline_authors_get_the_author_role(linker):
    found = linker.people(linker.doc("Rhys Ifans stars."), ["Priya Castellano"])
    roles = {(m.person_id, m.role) for m in found}
    assert roles == {("rhys-ifans", "mentioned"), ("priya-castellano", "author")}


PUBLISHED = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "iso", "precision", "kind"),
    [
        ("Star City premieres Friday, May 29.", "2026-05-29", "day", "premiere/release"),
        ("It premieres May 29, 2026.", "2026-05-29", "day", "premiere/release"),
        # the end of a weekly run is its last episode, not a release date
        ("New episodes run weekly through July 10.", "2026-07-10", "day", "finale"),
        (
            "The other six follow weekly, the last arriving on 10 July.",
            "2026-07-10",
            "day",
            "finale",
        ),
        ("Its fifth season begins streaming March 27.", "2026-03-27", "day", "premiere/release"),
        ("The finale airs on 10 July.", "2026-07-10", "day", "finale"),
        ("A second season could come next spring.", "2027-spring", "season", "renewal"),
        ("The series premieres this Friday.", "2026-03-13", "day", "premiere/release"),
        ("More is planned in 2027.", "2027", "year", "other"),
        ("Filming began in March 2025.", "2025-03", "month", "filming"),
        ("Gagarin flew in 1961.", "1961", "year", "historical"),
        ("The trailer arrived on February 27.", "2026-02-27", "day", "trailer/first look"),
        ("Rhys Ifans joined the cast on February 6, 2025.", "2025-02-06", "day", "casting"),
    ],
)
def test_dates_in_text(text, iso, precision, kind):
    found = find_dates(text, PUBLISHED)
    assert [(d.date, d.precision, d.kind) for d in found] == [(iso, precision, kind)]
    assert found[0].sentence == text


def test_a_date_belongs_to_the_work_its_sentence_gives_it(linker):
    def owners(text: str) -> list[tuple[str, str | None]]:
        dates = attribute_works(
            text,
            find_dates(text, PUBLISHED),
            linker.work_spans(linker.doc(text)),
            linker.kb.subject_work,
        )
        return [(d.date, d.other_work) for d in dates]

    # a relative clause after the other work's name: its own date
    assert owners(
        "Star City premieres May 29, the night For All Mankind, which began its fifth season"
        " on March 27, ends."
    ) == [("2026-05-29", None), ("2026-03-27", "for-all-mankind")]
    # the subject named before the date keeps it, across an appositive naming another work
    assert owners("Star City, the spinoff of For All Mankind, premieres Friday, May 29.") == [
        ("2026-05-29", None)
    ]
    # only another work is named: the date is that work's; no work named: the subject's
    assert owners("For All Mankind returns on March 27.") == [("2026-03-27", "for-all-mankind")]
    assert owners("The series premieres Friday, May 29.") == [("2026-05-29", None)]
    # the work a spinoff comes from names the subject: the date is the subject's
    assert owners("The For All Mankind spinoff premieres Friday, May 29.") == [("2026-05-29", None)]

    def owners_in(text: str, language: str) -> list[tuple[str, str | None]]:
        doc = linker.doc(text, language)
        dates = attribute_works(
            text, find_dates(text, PUBLISHED, language), linker.work_spans(doc), "star-city"
        )
        return [(d.date, d.other_work) for d in dates]

    assert owners_in("Seit Freitag, 29. Mai, läuft der Ableger von „For All Mankind“.", "de") == [
        ("2026-05-29", None)
    ]
    assert owners_in("Спин-офф «Ради всего человечества» выходит 29 мая.", "ru") == [
        ("2026-05-29", None)
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # months and weekdays without a year or a "this/next/last"
        ("Filming began in July.", "en", [("2025-07", "month")]),
        ("Apple revealed it in April last year.", "en", [("2025-04", "month")]),
        ("It was announced last April.", "en", [("2025-04", "month")]),
        ("Apple said Thursday it had ordered the show.", "en", [("2026-03-05", "day")]),
        ("The trailer follows Thursday's first-look images.", "en", [("2026-03-05", "day")]),
        ("The series premieres Friday.", "en", [("2026-03-13", "day")]),
        ("A new episode arrives every Friday.", "en", []),
        ("Friday night baseball returns.", "en", []),
        ("Watch it May 25–31.", "en", [("2026-05-25", "day"), ("2026-05-31", "day")]),
        ("Curiosity sent 2 Mars rovers.", "en", []),
        # a release word outweighs the reporting verb's past tense
        ("Apple said the series premieres in July.", "en", [("2026-07", "month")]),
        ("Apple said the show premieres Friday.", "en", [("2026-03-13", "day")]),
        ("It premieres May 29 - 2 episodes at once.", "en", [("2026-05-29", "day")]),
        ("The trailer came in mid-February.", "en", [("2026-02", "month")]),
        ("Действие происходит в 1960-е годы.", "ru", [("1960s", "decade")]),
        # other languages
        ("Премьера сериала состоится 29 мая 2026 года.", "ru", [("2026-05-29", "day")]),
        ("Сериал выйдет в мае.", "ru", [("2026-05", "month")]),
        ("Serial zadebiutuje 29 maja.", "pl", [("2026-05-29", "day")]),
        ("Die Serie startet am 29. Mai 2026.", "de", [("2026-05-29", "day")]),
        ("La série arrive le 29 mai.", "fr", [("2026-05-29", "day")]),
        ("2026年5月29日に配信開始。", "ja", [("2026-05-29", "day")]),
        ("本日より配信。今夏には続編。", "ja", [("2026-03-10", "day"), ("2026-summer", "season")]),
        (
            "Ab Ende Mai bei Apple TV, ab heute der Trailer.",
            "de",
            [("2026-05", "month"), ("2026-03-10", "day")],
        ),
        ("Сериал выйдет в конце мая.", "ru", [("2026-05", "month")]),
        ("Действие начинается с начала 1960-х годов.", "ru", [("1960s", "decade")]),
        ("Anfang der Sechzigerjahre", "de", [("1960s", "decade")]),
        # a weekday in another language: the nearest such day (Tuesday 10 March here)
        ("La série arrive jeudi.", "fr", [("2026-03-12", "day")]),
        ("Od piątku na Apple TV.", "pl", [("2026-03-13", "day")]),
        ("Der Trailer kam am Sonntag.", "de", [("2026-03-08", "day")]),
    ],
)
def test_dates_without_a_year_and_in_other_languages(text, language, expected):
    found = find_dates(text, PUBLISHED, language)  # PUBLISHED is Tuesday 2026-03-10
    assert [(d.date, d.precision) for d in found] == expected


def test_latin_words_in_japanese_text_stay_whole(linker):
    doc = linker.doc("famous pineapple。リス・エヴァンスが出演。", "ja")
    assert [(e.text, e.label_) for e in doc.ents] == [("リス・エヴァンス", "PERSON")]


def test_year_is_inferred_near_the_publication_date():
    assert find_dates("It opens December 20.", date(2026, 11, 25))[0].date == "2026-12-20"
    assert find_dates("It opens January 5.", date(2026, 11, 25))[0].date == "2027-01-05"


@pytest.mark.parametrize(
    "text",
    [
        "Istanbul recorded 2 bin 784 cases.",
        "Shares rose 3 percent.",
        "The bitter Russian winter.",
        "Mark your calendars.",
        "Flight 2026 landed at gate 12.",
    ],
)
def test_no_false_dates(text):
    assert find_dates(text, PUBLISHED) == []


def test_seed_article_acceptance(demo_web, tmp_path):
    """The seed article (served by the fixture web) yields exactly its people, works and date."""
    db = tmp_path / "seed.db"
    result = run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url)
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(db)
    article = conn.execute(
        "select canonical_url, published_at_local from articles"
        " where canonical_url like '%star-city-for-all-mankind-spinoff-iron-curtain/'"
    ).fetchone()
    mentioned = {
        name
        for (name,) in conn.execute(
            "select p.name from article_people ap join people p on p.id = ap.person_id"
            " where ap.article = ? and ap.role = 'mentioned'",
            [article[0]],
        )
    }
    authors = [
        name
        for (name,) in conn.execute(
            "select p.name from article_people ap join people p on p.id = ap.person_id"
            " where ap.article = ? and ap.role = 'author'",
            [article[0]],
        )
    ]
    works = {
        name
        for (name,) in conn.execute(
            "select w.name from article_works aw join works w on w.id = aw.work_id"
            " where aw.article = ?",
            [article[0]],
        )
    }
    dates = set(
        conn.execute(
            "select date, precision, kind from article_dates where article = ?", [article[0]]
        ).fetchall()
    )
    premiere = conn.execute(
        "select date, outlets, sources from premiere_dates_reported order by outlets desc"
    ).fetchone()
    ranked = conn.execute("select name, articles from people_ranked limit 3").fetchall()
    conn.close()
    assert mentioned == {"Ronald D. Moore", "Matt Wolpert", "Ben Nedivi"}
    assert authors == ["Priya Castellano"]
    assert works == {"For All Mankind", "Star City", "Battlestar Galactica"}
    year = article[1][:4]
    assert (f"{year}-05-29", "day", "premiere/release") in dates
    assert premiere[0] == "2026-05-29" and premiere[1] == 3
    assert {name for name, _ in ranked} == {"Ronald D. Moore", "Ben Nedivi", "Matt Wolpert"}


def test_knowledge_base_is_loaded_into_the_database(demo_web, tmp_path):
    db = tmp_path / "kb.db"
    assert run_crawl(db, "--sources", "demo", "--demo-url", demo_web.url).returncode == 0
    conn = sqlite3.connect(db)
    ifans = conn.execute(
        "select character, roles, in_knowledge_base from people where id = 'rhys-ifans'"
    ).fetchone()
    works = {w for (w,) in conn.execute("select name from works")}
    orgs = {o for (o,) in conn.execute("select name from organisations")}
    conn.close()
    assert ifans[0] == "the Chief Designer" and json.loads(ifans[1]) == ["cast"] and ifans[2] == 1
    assert {"Star City", "For All Mankind", "Battlestar Galactica"} <= works
    assert "Sony Pictures Television" in orgs


def test_premiere_date_conflicts_are_visible(tmp_path):
    from db.articles import store_article, store_people_works_dates
    from db.migrations import open_database

    db = open_database(str(tmp_path / "c.db"))
    for source, year in (("a", 2026), ("b", 2026), ("c", 2024)):
        url = f"https://{source}.example/star-city"
        record = {
            "canonical_url": url,
            "url": url,
            "source": source,
            "relevance": "relevant",
            "published_at": "2026-03-10T10:00:00+00:00",
            "people": [],
            "text_dates": [
                {
                    "date": f"{year}-05-29",
                    "precision": "day",
                    "text": f"May 29, {year}",
                    "kind": "premiere/release",
                    "sentence": "It premieres ...",
                    "offset": 0,
                    "qualifier": None,
                }
            ],
        }
        store_article(db, record, "t")
        store_people_works_dates(db, url, record, "t")
    rows = list(db.query("select date, outlets, sources from premiere_dates_reported"))
    assert [(r["date"], r["outlets"]) for r in rows] == [("2026-05-29", 2), ("2024-05-29", 1)]
    assert rows[1]["sources"] == "c"


def test_extract_cli_adds_relevance_people_and_dates_from_the_pipeline_code(linker):
    page = "demoweb/site/courier/tv/rhys-ifans-star-city.html"
    url = "http://example.org/courier/tv/rhys-ifans-star-city.html"
    out = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pipelines.extract", page, "--url", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    record = extract((ROOT / page).read_bytes(), url, fetched_at=datetime.now(UTC))
    # the extraction record itself is the function's, with the language as the crawl's
    # analysis sets it
    record.update(with_language(record))
    assert {k: v for k, v in out.items() if k not in ("relevance", "people", "dates")} == record
    assert out["relevance"]["label"] == "relevant" and out["relevance"]["score"] > 0
    assert set(out["relevance"]) == {"label", "score", "evidence"}
    expected = analyse(linker, record, datetime.now(UTC).date())
    assert [p["name"] for p in out["people"]] == [m["name"] for m in expected["people"]]
    assert [d["date"] for d in out["dates"]] == [d["date"] for d in expected["text_dates"]]
    person = {p["name"]: p for p in out["people"]}
    assert person["Rhys Ifans"]["kb_id"] == "rhys-ifans"
    assert person["Eleanor Price"] == {
        "name": "Eleanor Price",
        "role": "author",
        "mentions": 1,
        "kb_id": None,
        "confidence": 1.0,
        "method": "byline",
    }
    assert set(out["dates"][0]) >= {"date", "precision", "text", "kind", "sentence"}


def test_batched_analysis_gives_what_one_at_a_time_gives(linker):
    from pipelines.people_dates import analyse_many

    records = [
        {"title": "Star City premieres May 29", "text": "Ronald D. Moore created it.",
         "language": "en", "published_at_local": "2026-03-10"},
        {"title": "Звёздный городок", "text": "Премьера 29 мая.", "language": "ru",
         "published_at_local": "2026-03-10"},
        {"title": "Rhys Ifans joins Star City", "text": "Ben Nedivi said so on Tuesday.",
         "language": "en", "published_at_local": "2026-03-10", "authors": ["Eleanor Price"]},
    ]  # fmt: skip
    today = date(2026, 11, 25)
    batched = analyse_many(linker, records, today, batch_size=2)
    assert batched == [analyse(linker, r, today) for r in records]


def test_analysis_parses_in_batches_and_an_odd_text_costs_only_its_own_analysis(
    linker, monkeypatch
):
    from datetime import UTC, datetime

    from pipelines.analyser import PageAnalyser
    from pipelines.analysis import AnalysisConfig, PageIn
    from starcity.config import load_topic

    config = AnalysisConfig(load_topic(), load_knowledge(), linker.model, frozenset({"relevant"}))
    analyser = PageAnalyser(config, linker)
    batches: list[int] = []
    parse = linker.docs
    monkeypatch.setattr(
        linker, "docs", lambda texts, size=16: batches.append(len(texts)) or parse(texts, size)
    )
    people = linker.people

    def odd(doc, authors=None):
        if "odd" in doc.text:
            raise ValueError("an odd text")
        return people(doc, authors)

    monkeypatch.setattr(linker, "people", odd)

    def page(n: int, text: str) -> PageIn:
        html = f"<html lang=en><head><title>{text}</title></head><body><h1>{text}</h1>"
        html += f"<p>{text} " * 3 + "</p></body></html>"
        return PageIn(f"https://x.example/{n}", html.encode())

    pages = [
        page(1, "Star City on Apple TV: Ronald D. Moore created the For All Mankind spinoff."),
        page(2, "Star City on Apple TV: an odd text about the For All Mankind spinoff."),
        page(3, "Star City on Apple TV: the For All Mankind spinoff premieres May 29."),
        page(4, "The council met on Tuesday to discuss road repairs."),
        page(5, "Star City on Apple TV: Ben Nedivi said the For All Mankind spinoff is done."),
    ]
    outs = analyser.analyse(pages, datetime(2026, 11, 25, tzinfo=UTC))
    assert [o.article["relevance"] for o in outs] == ["relevant"] * 3 + ["off_topic", "relevant"]
    assert batches[0] == 4  # the four relevant articles parsed together
    assert [o.article.get("people") is not None for o in outs] == [True, False, True, False, True]
    assert [o.problem for o in outs] == [None, "analyse_failed", None, None, None]
    assert all(o.article.get("text_hash") is not None or o.article["url_key"] for o in outs)


def test_spacy_runs_only_what_the_analysis_reads(linker):
    assert "ner" in linker.nlp.pipe_names and "senter" in linker.nlp.pipe_names
    # the shared tok2vec feeds only the tagger and parser: with them gone, it goes too
    for unused in ("tagger", "parser", "attribute_ruler", "lemmatizer", "tok2vec"):
        assert unused not in linker.nlp.pipe_names
    doc = linker.doc("Rhys Ifans plays the Chief Designer. Ben Nedivi wrote it.")
    assert [s.text for s in doc.sents] == [
        "Rhys Ifans plays the Chief Designer.",
        "Ben Nedivi wrote it.",
    ]


def test_titles_in_quotes_furniture_awards_and_sites_are_not_people(linker):
    text = (
        "Key Takeaways: Star City stars Rhys Ifans. Photo Credit: Jane Smith/Apple. The cast"
        ' includes Derek Jacobi (“I, Claudius”) and Mark Strong ("Tinker Tailor"). It drew'
        " praise on Rotten Tomatoes and Emmy Awards talk."
    )
    found = {m.name for m in linker.people(linker.doc(text))}
    assert found == {"Rhys Ifans", "Jane Smith", "Derek Jacobi", "Mark Strong"}


def test_characters_are_not_people_and_the_shows_are_kept_beside_their_actor(linker):
    text = (
        "Solly McLeod plays Sasha, a cosmonaut. In For All Mankind, Joel Kinnaman as Ed"
        " Baldwin led the cast; Danielle Poole (Krys Marshall) flew too. Margo Madison,"
        " played by Wrenn Schmidt, ran NASA. Sasha trains hard."
    )
    found = linker.people(linker.doc(text))
    mentioned = {m.name for m in found if m.role == "mentioned"}
    assert mentioned == {"Solly McLeod", "Joel Kinnaman", "Krys Marshall", "Wrenn Schmidt"}
    [character] = [m for m in found if m.role == "character"]
    assert (character.person_id, character.surface_forms, character.count) == (
        "solly-mcleod",
        ["Sasha"],
        2,
    )
