"""People and dates on the hand-annotated development sets, and how long the analysis takes.

Usage (what `make people-dates` runs; `make bench` runs it too, for the timing):

    .venv/bin/python bench/people_dates.py [--show-errors]

Two sets, both annotated by hand (see docs/people-and-dates.md):

- bench/people_dates/annotations.jsonl: the relevant, mention and uncertain pages of
  bench/relevance/ (mostly English);
- bench/people_dates/multilingual.jsonl: pages in German, French, Italian, Spanish,
  Portuguese, Polish, Russian and Japanese: real news pages of ../shared/eval/dev
  (``"source": "eval-dev"``, people and dates in general) and Star City pages written for
  the fixture web (``"source": "written"``, bench/people_dates/pages/); conventions in
  bench/people_dates/README.md.

Each page goes through the crawl's own code: pipelines.extract, then
pipelines.people_dates.analyse (analyse_many, in batches, for the second set). Prints and
writes bench/results/people_dates.md: person precision and recall, date precision and
recall, the share of matched dates with the right kind, and milliseconds per article for
the analysis (spaCy and date finding); for the second set the same per language and for
real and written pages, with how often the premiere date was found and with its kind.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.entities import (  # noqa: E402
    EntityLinker,
    KnowledgeBase,
    normalize_name,
)
from pipelines.extract import extract  # noqa: E402
from pipelines.language import with_language as language_fields  # noqa: E402
from pipelines.people_dates import analyse, analyse_many  # noqa: E402
from starcity.config import load_knowledge  # noqa: E402


def with_language(record: dict) -> dict:
    """The record with the language the crawl's analysis gives it (pipelines.language)."""
    return {**record, **language_fields(record)}


# The fetch time of the pages read here: this run's (what a crawl would give them).
NOW = datetime.now(UTC)

PAGES_DIR = ROOT / "bench" / "relevance"
ANNOTATIONS = ROOT / "bench" / "people_dates" / "annotations.jsonl"
MULTILINGUAL = ROOT / "bench" / "people_dates" / "multilingual.jsonl"
WRITTEN_DIR = MULTILINGUAL.parent
# The real pages of the multilingual set are read where the evaluation set lives, beside
# the repository (as `make accuracy` reads them).
EVAL_DIR = ROOT.parent / "shared" / "eval" / "dev"
# The coverage languages, in the order the report lists them.
LANGUAGES = {
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "es": "Spanish",
    "pt": "Portuguese",
    "pl": "Polish",
    "ru": "Russian",
    "ja": "Japanese",
}
PREMIERE_KIND = "premiere/release"


def load_cases() -> list[dict]:
    labels = {}
    for path in sorted(PAGES_DIR.glob("labels-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                labels[case["id"]] = case
    cases = []
    for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            gold = json.loads(line)
            cases.append({**labels[gold["id"]], "gold": gold})
    return cases


def load_multilingual(eval_dir: Path = EVAL_DIR) -> list[dict]:
    """The pages of multilingual.jsonl with their markup (``body``) and gold annotation.

    Real pages are read from ``eval_dir`` (their ``case`` in its cases.jsonl); written
    pages from bench/people_dates/ (their ``file``)."""
    lines = MULTILINGUAL.read_text(encoding="utf-8").splitlines()
    golds = [json.loads(line) for line in lines if line.strip()]
    eval_cases = {}
    if any(g["source"] == "eval-dev" for g in golds):
        for line in (eval_dir / "cases.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                eval_cases[case["id"]] = case
    pages = []
    for gold in golds:
        if gold["source"] == "eval-dev":
            body = gzip.decompress((eval_dir / eval_cases[gold["case"]]["html_path"]).read_bytes())
        else:
            body = (WRITTEN_DIR / gold["file"]).read_bytes()
        pages.append({"gold": gold, "body": body, "url": gold["url"]})
    return pages


def name_key(name: str, kb: KnowledgeBase) -> str:
    """A person's knowledge-base id when the name is one of theirs, else the bare name."""
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", name.casefold()) if ch.isalnum() or ch.isspace()
    )
    return kb.person_names.get(normalize_name(name)) or " ".join(folded.split())


def score(pairs: list[tuple[dict, dict]], kb: KnowledgeBase) -> dict[str, float]:
    """Micro-averaged precision and recall of people and dates over all pages."""
    counts = Counter()
    for gold, found in pairs:
        gold_people = {name_key(p["name"], kb) for p in gold["people"]}
        found_people = {name_key(p["name"], kb) for p in found["people"]}
        counts["people_tp"] += len(gold_people & found_people)
        counts["people_gold"] += len(gold_people)
        counts["people_found"] += len(found_people)
        gold_dates = Counter(d["date"] for d in gold["dates"])
        found_dates = Counter(d["date"] for d in found["text_dates"])
        counts["dates_tp"] += sum((gold_dates & found_dates).values())
        counts["dates_gold"] += sum(gold_dates.values())
        counts["dates_found"] += sum(found_dates.values())
        gold_kinds = Counter((d["date"], d["kind"]) for d in gold["dates"])
        found_kinds = Counter((d["date"], d["kind"]) for d in found["text_dates"])
        counts["kinds_right"] += sum((gold_kinds & found_kinds).values())

    def ratio(a: str, b: str) -> float:
        return counts[a] / counts[b] if counts[b] else 0.0

    return {
        "people_precision": ratio("people_tp", "people_found"),
        "people_recall": ratio("people_tp", "people_gold"),
        "dates_precision": ratio("dates_tp", "dates_found"),
        "dates_recall": ratio("dates_tp", "dates_gold"),
        "kind_right": ratio("kinds_right", "dates_tp"),
        **{k: float(v) for k, v in counts.items()},
    }


def subject_premiere(knowledge: dict) -> str:
    """The premiere date of the work the project watches, from the knowledge base."""
    subject = [w for w in knowledge.get("works") or [] if w.get("subject")]
    return str(subject[0].get("premiere") or "") if subject else ""


def premiere_counts(pairs: list[tuple[dict, dict]], premiere: str) -> dict[str, int]:
    """How often the annotations report the premiere (``premiere`` with the kind
    premiere/release), how many of those mentions were found (the date, whatever its
    kind), and how many were found as the subject's premiere/release."""
    counts = Counter()
    for gold, found in pairs:
        annotated = sum(
            1 for d in gold["dates"] if d["date"] == premiere and d["kind"] == PREMIERE_KIND
        )
        dated = [d for d in found["text_dates"] if d["date"] == premiere]
        as_premiere = [d for d in dated if d["kind"] == PREMIERE_KIND and not d.get("other_work")]
        counts["annotated"] += annotated
        counts["found"] += min(annotated, len(dated))
        counts["as_premiere"] += min(annotated, len(as_premiere))
    return counts


def multilingual_report(linker: EntityLinker, premiere: str) -> tuple[list[str], list]:
    """The multilingual set through extract and analyse_many: its report lines, and
    (gold, found) per page for --show-errors."""
    pages = load_multilingual()
    records = [with_language(extract(page["body"], page["url"], fetched_at=NOW)) for page in pages]
    found = analyse_many(linker, records, NOW.date())
    pairs = [(page["gold"], result) for page, result in zip(pages, found, strict=True)]

    def row(label: str, subset: list[tuple[dict, dict]]) -> str:
        f = score(subset, linker.kb)
        p = premiere_counts(subset, premiere)
        real = sum(1 for gold, _ in subset if gold["source"] == "eval-dev")
        shown = f"{p['found']} / {p['as_premiere']} / {p['annotated']}" if p["annotated"] else "–"
        return (
            f"| {label} | {real} + {len(subset) - real}"
            f" | {100 * f['people_precision']:.1f} | {100 * f['people_recall']:.1f}"
            f" | {int(f['people_gold'])} / {int(f['people_found'])}"
            f" | {100 * f['dates_precision']:.1f} | {100 * f['dates_recall']:.1f}"
            f" | {int(f['dates_gold'])} / {int(f['dates_found'])}"
            f" | {100 * f['kind_right']:.1f} | {shown} |"
        )

    real = [pair for pair in pairs if pair[0]["source"] == "eval-dev"]
    written = [pair for pair in pairs if pair[0]["source"] == "written"]
    lines = [
        "## Other languages",
        "",
        f"Pages: {len(pairs)} of bench/people_dates/multilingual.jsonl, {len(real)} real news"
        " pages of ../shared/eval/dev (people and dates in general) and"
        f" {len(written)} Star City pages written for the fixture web"
        " (bench/people_dates/pages/), annotated by hand; read through extract and"
        " analyse_many like the crawl.",
        "",
        "| language | pages (real + written) | people P | people R | people annotated / found"
        " | dates P | dates R | dates annotated / found | right kind |"
        f" premiere {premiere} found / as premiere / annotated |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for code, language in LANGUAGES.items():
        subset = [pair for pair in pairs if pair[0]["lang"] == code]
        if subset:
            lines.append(row(language, subset))
    others = [pair for pair in pairs if pair[0]["lang"] not in LANGUAGES]
    if others:
        lines.append(row("other languages", others))
    lines += [
        row("real pages (eval-dev)", real),
        row("written pages", written),
        row("all", pairs),
        "",
        "P and R are precision and recall in per cent; right kind is the share of the"
        " matched dates found with the annotated kind. Names match by the rule of the"
        " first set (the knowledge-base person, else the name folded for case and"
        " accents), so across scripts, transliterations and inflections only through a"
        " knowledge-base alias ('Рису Ивансу' and 'Rhys Ifans' are one person); a person"
        " outside the knowledge base counts only when found as annotated: an inflected"
        " name in the nominative ('Friedricha Merza' -> 'Friedrich Merz'), any other as"
        " the text spells it, in its script.",
    ]
    return lines, pairs


def show_errors(pairs: list[tuple[dict, dict]], kb: KnowledgeBase) -> None:
    """Per page, the people and dates missed and found in excess."""
    for gold, found in pairs:
        gp = {name_key(p["name"], kb): p["name"] for p in gold["people"]}
        fp = {name_key(p["name"], kb): p["name"] for p in found["people"]}
        gd = Counter(d["date"] for d in gold["dates"])
        fd = Counter(d["date"] for d in found["text_dates"])
        missed, extra = set(gp) - set(fp), set(fp) - set(gp)
        dmiss, dextra = gd - fd, fd - gd
        if missed or extra or dmiss or dextra:
            print(f"\n{gold['id']} ({gold.get('lang')})")
            if missed:
                print("  people missed:", sorted(gp[k] for k in missed))
            if extra:
                print("  people extra: ", sorted(fp[k] for k in extra))
            if dmiss:
                print("  dates missed: ", dict(dmiss))
            if dextra:
                print("  dates extra:  ", dict(dextra))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    if not ANNOTATIONS.exists():
        print(f"error: no annotations at {ANNOTATIONS}", file=sys.stderr)
        return 2
    if MULTILINGUAL.exists() and not (EVAL_DIR / "cases.jsonl").exists():
        print(
            f"error: the evaluation pages are not at {EVAL_DIR} (../shared/eval/dev beside"
            f" the repository, with its cases.jsonl); {MULTILINGUAL.relative_to(ROOT)}"
            " reads its real pages from there",
            file=sys.stderr,
        )
        return 2
    cases = load_cases()
    started = time.perf_counter()
    knowledge = load_knowledge()
    linker = EntityLinker(KnowledgeBase.from_data(knowledge))
    load_seconds = time.perf_counter() - started
    pairs, timings, records = [], [], []
    for case in cases:
        record = with_language(
            extract(
                (PAGES_DIR / case["file"]).read_bytes(),
                f"https://dev.example/{case['id']}",
                fetched_at=NOW,
            )
        )
        records.append(record)
        started = time.perf_counter()
        found = analyse(linker, record, NOW.date())
        timings.append((time.perf_counter() - started) * 1000)
        pairs.append((case["gold"], found))
    # The crawl's way: spaCy parses the articles in batches of 16 (nlp.pipe).
    started = time.perf_counter()
    batched = analyse_many(linker, records, NOW.date())
    batched_ms = (time.perf_counter() - started) * 1000 / len(records)
    assert [b["text_dates"] for b in batched] == [found["text_dates"] for _, found in pairs]
    figures = score(pairs, linker.kb)
    f = {k: 100 * v for k, v in figures.items() if isinstance(v, float) and v <= 1.0}
    lines = [
        f"Pages: {len(cases)} (the relevant, mention and uncertain pages of bench/relevance/)",
        "",
        "| | precision | recall | F1 | annotated | found |",
        "|---|---|---|---|---|---|",
    ]
    for what in ("people", "dates"):
        p, r = f[f"{what}_precision"], f[f"{what}_recall"]
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(
            f"| {what} | {p:.1f} | {r:.1f} | {f1:.1f} | {int(figures[what + '_gold'])}"
            f" | {int(figures[what + '_found'])} |"
        )
    lines += [
        "",
        f"Dates found with the right kind: {f['kind_right']:.1f}% of the dates matched.",
        "",
        "Analysis time per article (spaCy people and works, dates in the text), over"
        f" {len(timings)} articles of {statistics.mean(r['word_count'] for r in records):.0f}"
        f" words on average: one at a time, median {statistics.median(timings):.1f} ms and 90th"
        f" percentile {sorted(timings)[int(0.9 * (len(timings) - 1))]:.1f} ms; in batches of 16"
        f" as the crawl runs it, {batched_ms:.1f} ms per article. Loading the model, once per"
        f" process: {load_seconds:.1f} s.",
    ]
    multilingual = []
    if MULTILINGUAL.exists():
        more, multilingual = multilingual_report(linker, subject_premiere(knowledge))
        lines += ["", *more]
    text = "\n".join(lines)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "people_dates.md").write_text(
        "# People and dates on the development set\n\n" + text + "\n"
    )
    print(text)
    if args.show_errors:
        kb = linker.kb
        show_errors(
            [
                (case["gold"] | {"lang": case["lang"]}, found)
                for case, (_, found) in zip(cases, pairs, strict=True)
            ],
            kb,
        )
        show_errors(multilingual, kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
