"""Dates in the text by language (pipelines/reported_dates.py): each language's own words,
English beside them, and no language's words read in another's text."""

from datetime import date

import pytest

from pipelines.reported_dates import find_dates, language_of

PUBLISHED = date(2026, 3, 10)  # a Tuesday


def dates(text: str, language: str | None) -> list[tuple[str, str]]:
    return [(d.date, d.precision) for d in find_dates(text, PUBLISHED, language)]


def kinds(text: str, language: str | None) -> list[tuple[str, str]]:
    return [(d.date, d.kind) for d in find_dates(text, PUBLISHED, language)]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # German
        ("de", "Premiere am Donnerstag, den 4. Juni.", [("2026-06-04", "day")]),
        ("de", "Die Serie startet am 29.05.2026 bei Apple TV.", [("2026-05-29", "day")]),
        ("de", "Die Serie startet Ende Mai 2026.", [("2026-05", "month")]),
        ("de", "Die Serie wurde im vergangenen April angekündigt.", [("2025-04", "month")]),
        ("de", "Bestellt wurde sie im April letzten Jahres.", [("2025-04", "month")]),
        ("de", "Die Dreharbeiten begannen im Juli.", [("2025-07", "month")]),
        ("de", "Die Serie startet 2027.", [("2027", "year")]),
        ("de", "Die Serie spielt in den 1970ern.", [("1970s", "decade")]),
        ("de", "Sie spielt in den Siebzigerjahren.", [("1970s", "decade")]),
        ("de", "Die Serie startet nächsten Freitag.", [("2026-03-13", "day")]),
        ("de", "Seit Freitag läuft die Serie bei Apple TV.", [("2026-03-06", "day")]),
        (
            "de",
            "Die WM wird auf 14. bis 30. Juli 2023 verlegt.",
            [("2023-07-14", "day"), ("2023-07-30", "day")],
        ),
        ("de", "Er war von 2008 bis 2020 Chef.", [("2008", "year"), ("2020", "year")]),
        ("de", "Die Serie startet im Sommer 2026.", [("2026-summer", "season")]),
        # French
        ("fr", "La série arrive le vendredi 29 mai 2026.", [("2026-05-29", "day")]),
        ("fr", "La série arrive le 1er juin.", [("2026-06-01", "day")]),
        ("fr", "La série arrive mi-juin.", [("2026-06", "month")]),
        ("fr", "La série a été annoncée en avril dernier.", [("2025-04", "month")]),
        ("fr", "Le tournage a commencé en juillet.", [("2025-07", "month")]),
        ("fr", "Le 11 janvier dernier, l'agence a fait de même.", [("2026-01-11", "day")]),
        ("fr", "La série se déroule dans les années 1970.", [("1970s", "decade")]),
        ("fr", "Elle a été renouvelée l'an dernier.", [("2025", "year")]),
        ("fr", "La saison 2 arrivera au printemps 2027.", [("2027-spring", "season")]),
        ("fr", "La série arrive vendredi prochain.", [("2026-03-13", "day")]),
        ("fr", "Le tournage a commencé hier.", [("2026-03-09", "day")]),
        # Italian
        ("it", "La serie arriva il 12 giugno su Apple TV.", [("2026-06-12", "day")]),
        ("it", "L'8 giugno debutta la serie.", [("2026-06-08", "day")]),
        ("it", "La serie è stata annunciata lo scorso aprile.", [("2025-04", "month")]),
        ("it", "Le riprese sono iniziate a luglio.", [("2025-07", "month")]),
        ("it", "Le riprese sono iniziate nel 2025.", [("2025", "year")]),
        ("it", "La serie è ambientata negli anni '70.", [("1970s", "decade")]),
        ("it", "La serie debutta venerdì prossimo.", [("2026-03-13", "day")]),
        # Spanish
        ("es", "El rodaje comenzó el 4 de junio de 2025.", [("2025-06-04", "day")]),
        ("es", "El estreno será el jueves 4 de junio.", [("2026-06-04", "day")]),
        ("es", "La serie se estrena en junio de 2026.", [("2026-06", "month")]),
        ("es", "La serie fue anunciada el pasado abril.", [("2025-04", "month")]),
        (
            "es",
            "Se realizarán desde el 3 al 5 de septiembre.",
            [("2026-09-03", "day"), ("2026-09-05", "day")],
        ),
        ("es", "La serie transcurre en los años 70.", [("1970s", "decade")]),
        ("es", "La serie se estrena mañana.", [("2026-03-11", "day")]),
        ("es", "Apple TV+ confirmó este viernes tres nuevos fichajes.", [("2026-03-06", "day")]),
        # Portuguese ("pt-BR" reads as "pt")
        ("pt", "A série estreia na quinta-feira, 4 de junho.", [("2026-06-04", "day")]),
        ("pt", "A série foi anunciada em março do ano passado.", [("2025-03", "month")]),
        ("pt-BR", "A série foi anunciada em abril do ano passado.", [("2025-04", "month")]),
        ("pt", "As filmagens começaram em julho.", [("2025-07", "month")]),
        ("pt", "A série chega no verão de 2027.", [("2027-summer", "season")]),
        ("pt", "A história se passa nos anos 70.", [("1970s", "decade")]),
        ("pt", "A série estreia na sexta.", [("2026-03-13", "day")]),
        # Polish
        ("pl", "Premiera w czwartek, 4 czerwca.", [("2026-06-04", "day")]),
        ("pl", "Serial zadebiutuje 29 maja 2026 r.", [("2026-05-29", "day")]),
        ("pl", "Serial zapowiedziano w kwietniu ubiegłego roku.", [("2025-04", "month")]),
        ("pl", "W 2025 roku ogłoszono serial.", [("2025", "year")]),
        ("pl", "Akcja rozgrywa się w latach 70. XX wieku.", [("1970s", "decade")]),
        ("pl", "Serial trafi na ekrany wiosną 2027 roku.", [("2027-spring", "season")]),
        ("pl", "Serial zadebiutuje w przyszły piątek.", [("2026-03-13", "day")]),
        # Russian
        ("ru", "Сериал выйдет 12 июня.", [("2026-06-12", "day")]),
        ("ru", "Сериал анонсировали в апреле прошлого года.", [("2025-04", "month")]),
        ("ru", "Съёмки начались в июле.", [("2025-07", "month")]),
        ("ru", "Съёмки прошли в 2025 году.", [("2025", "year")]),
        ("ru", "Действие происходит в 1970-х.", [("1970s", "decade")]),
        ("ru", "Действие разворачивается в 1970-е годы.", [("1970s", "decade")]),
        ("ru", "Премьера состоится в следующую пятницу.", [("2026-03-13", "day")]),
        # Japanese
        ("ja", "2026年5月29日（金）より配信開始。", [("2026-05-29", "day")]),
        ("ja", "気象庁は13日、発表した。", [("2026-02-13", "day")]),
        ("ja", "昨年4月に制作が発表された。", [("2025-04", "month")]),
        ("ja", "2024年に発表された。", [("2024", "year")]),
        ("ja", "1970年代のソ連が舞台。", [("1970s", "decade")]),
        ("ja", "本日より配信。今夏には続編。", [("2026-03-10", "day"), ("2026-summer", "season")]),
        ("ja", "来週金曜日に配信開始。", [("2026-03-13", "day")]),
        # Chinese ("zh-TW" reads as "zh")
        ("zh", "该剧于去年4月官宣。", [("2025-04", "month")]),
        ("zh-TW", "该剧将于5月29日首播。", [("2026-05-29", "day")]),
        ("zh", "故事发生在七十年代。", [("1970s", "decade")]),
        ("zh", "该剧将于下周五首播。", [("2026-03-13", "day")]),
    ],
)
def test_dates_in_each_language(language, text, expected):
    assert dates(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "kind"),
    [
        ("de", "Die Dreharbeiten begannen im Juli.", "filming"),
        ("de", "„Star City“ startet am 29. Mai mit zwei Folgen.", "premiere/release"),
        ("de", "Der Trailer kam am Sonntag.", "trailer/first look"),
        ("fr", "La série sera lancée le 29 mai.", "premiere/release"),
        ("fr", "Le tournage a commencé en juillet.", "filming"),
        ("fr", "La série a été renouvelée l'an dernier.", "renewal"),
        ("it", "Il debutto è fissato per il 12 giugno.", "premiere/release"),
        ("it", "Le riprese sono iniziate a luglio.", "filming"),
        ("es", "El estreno será el 4 de junio.", "premiere/release"),
        ("es", "El rodaje comenzó en julio.", "filming"),
        ("es", "El tráiler llegó el 26 de febrero.", "trailer/first look"),
        ("pt", "A estreia acontece em 29 de maio.", "premiere/release"),
        ("pt", "As filmagens começaram em julho.", "filming"),
        ("pt", "A série foi anunciada em abril do ano passado.", "announcement"),
        ("pl", "Premiera serialu 29 maja.", "premiere/release"),
        ("pl", "Zdjęcia rozpoczną się tego lata.", "filming"),
        ("pl", "Rhys Ifans dołączył do obsady w lutym.", "casting"),
        ("ru", "Сериал выйдет 12 июня.", "premiere/release"),
        ("ru", "Съёмки начались в июле.", "filming"),
        ("ru", "Сериал продлили в прошлом году.", "renewal"),
        ("ja", "2026年5月29日に配信開始。", "premiere/release"),
        ("ja", "撮影は7月に始まった。", "filming"),
        ("zh", "该剧将于下周五首播。", "premiere/release"),
        # the end of a run: "until" and a release word
        ("fr", "Un nouvel épisode chaque vendredi jusqu'au 10 juillet.", "finale"),
        ("ru", "Новые серии будут выходить вплоть до 10 июля.", "finale"),
        ("ja", "以降は毎週金曜日に1話ずつ、7月10日まで配信される。", "finale"),
        ("pl", "Nowe odcinki co piątek aż do 10 lipca.", "finale"),
    ],
)
def test_kind_from_the_words_of_the_language(language, text, kind):
    found = kinds(text, language)
    assert len(found) == 1 and found[0][1] == kind, found


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Neue Folgen gibt es jeden Freitag."),  # recurring
        ("fr", "Un nouvel épisode chaque vendredi."),
        ("es", "Los viernes hay episodios nuevos."),
        ("ru", "Новые серии выходят каждую пятницу."),
        ("ja", "毎週金曜日に配信。"),
        ("zh", "每周五更新。"),
        ("es", "Esta mañana Apple publicó el tráiler."),  # the morning, not tomorrow
        ("de", "Am Morgen erschien der Trailer."),  # "Morgen" (the morning) is no day
        ("de", "Die NASA schickte 2 Mars-Rover."),  # French "mars" is not read in German
        ("pt", "A sexta temporada da série."),  # "sexta" is also "sixth"
        ("pl", "Przez lata nie było go na mapie."),  # "lata": years, not summer
        ("fr", "Des missions habitées vers Mars."),  # the planet
        ("ja", "3日間の日程で開催。7日後に公開。"),  # durations, not days of the month
        ("ja", "今春闘の賃上げ率。"),  # the spring wage talks are no season
        ("es", "El episodio está dedicado a Maggio, su director."),  # Italian "a maggio"
    ],
)
def test_no_dates_in_these_words(language, text):
    assert dates(text, language) == []


@pytest.mark.parametrize(
    ("text", "language", "other", "expected"),
    [
        # French "hier" is yesterday, German "hier" is here
        ("Le tournage a commencé hier.", "fr", "de", [("2026-03-09", "day")]),
        # French "mars" is March (in German "Mars" is the planet)
        ("La série arrive le 2 mars.", "fr", "de", [("2026-03-02", "day")]),
        # Portuguese "na sexta" is on Friday; Spanish "sexta" is "sixth"
        ("A série estreia na sexta.", "pt", "es", [("2026-03-13", "day")]),
        # Italian "a maggio" is in May (in Spanish "a Maggio" is a surname after "a")
        ("La serie arriva a maggio.", "it", "es", [("2026-05", "month")]),
        # German "im Mai" is in May; Italian "mai" is "never"
        ("Die Serie startet im Mai.", "de", "it", [("2026-05", "month")]),
        # Polish "w maju" is in May; none of it is Russian
        ("Serial wystartuje w maju.", "pl", "ru", [("2026-05", "month")]),
        # Russian "в мае" is in May; a Polish text does not read Cyrillic months
        ("Сериал выйдет в мае.", "ru", "pl", [("2026-05", "month")]),
    ],
)
def test_one_languages_words_do_not_fire_in_another(text, language, other, expected):
    assert dates(text, language) == expected
    assert dates(text, other) == []


def test_english_runs_beside_the_language():
    text = "Die Serie startet am 29. Mai. Apple said the finale airs on July 10."
    assert kinds(text, "de") == [("2026-05-29", "premiere/release"), ("2026-07-10", "finale")]
    assert kinds("「Star City」は5月29日配信開始。It premieres May 29.", "ja") == [
        ("2026-05-29", "premiere/release"),
        ("2026-05-29", "premiere/release"),
    ]


def test_english_text_reads_no_other_language():
    assert dates("Curiosity sent 2 Mars rovers; hier means here.", "en") == []
    assert dates("Curiosity sent 2 Mars rovers.", None) == []


def test_a_language_without_a_table_reads_english_and_numbers_only():
    assert language_of("nl") is not None and language_of("en-GB") is None
    assert dates("De serie start op 29 mei 2026.", "nl") == []
    assert dates("Start: 2026-05-29, finale 10.07.2026.", "nl") == [
        ("2026-05-29", "day"),
        ("2026-07-10", "day"),
    ]
    assert dates("Apple said it premieres May 29.", "nl") == [("2026-05-29", "day")]


def test_qualifiers_are_given_in_english():
    found = find_dates("Neue Folgen bis zum 10. Juli, ab dem 29. Mai.", PUBLISHED, "de")
    assert [(d.date, d.qualifier) for d in found] == [
        ("2026-07-10", "until"),
        ("2026-05-29", "from"),
    ]
