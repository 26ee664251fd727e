"""People and dates on the hand-annotated development set, and how long the analysis takes.

Usage (what `make people-dates` runs; `make bench` runs it too, for the timing):

    .venv/bin/python bench/people_dates.py [--show-errors]

The pages are the relevant, mention and uncertain pages of bench/relevance/; their people
and dates were annotated by hand in bench/people_dates/annotations.jsonl (see
docs/people-and-dates.md). Each page goes through the crawl's own code: pipelines.extract,
then pipelines.people_dates.analyse. Prints and writes bench/results/people_dates.md:
person precision and recall, date precision and recall, the share of matched dates with
the right kind, and milliseconds per article for the analysis (spaCy and date finding).
"""

from __future__ import annotations

import argparse
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
from pipelines.people_dates import analyse, analyse_many  # noqa: E402
from starcity.config import load_knowledge  # noqa: E402

# The fetch time of the pages read here: this run's (what a crawl would give them).
NOW = datetime.now(UTC)

PAGES_DIR = ROOT / "bench" / "relevance"
ANNOTATIONS = ROOT / "bench" / "people_dates" / "annotations.jsonl"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    if not ANNOTATIONS.exists():
        print(f"error: no annotations at {ANNOTATIONS}", file=sys.stderr)
        return 2
    cases = load_cases()
    started = time.perf_counter()
    linker = EntityLinker(KnowledgeBase.from_data(load_knowledge()))
    load_seconds = time.perf_counter() - started
    pairs, timings, records = [], [], []
    for case in cases:
        record = extract(
            (PAGES_DIR / case["file"]).read_bytes(),
            f"https://dev.example/{case['id']}",
            fetched_at=NOW,
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
    text = "\n".join(lines)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "people_dates.md").write_text(
        "# People and dates on the development set\n\n" + text + "\n"
    )
    print(text)
    if args.show_errors:
        kb = linker.kb
        for case, (gold, found) in zip(cases, pairs, strict=True):
            gp = {name_key(p["name"], kb): p["name"] for p in gold["people"]}
            fp = {name_key(p["name"], kb): p["name"] for p in found["people"]}
            gd = Counter(d["date"] for d in gold["dates"])
            fd = Counter(d["date"] for d in found["text_dates"])
            missed, extra = set(gp) - set(fp), set(fp) - set(gp)
            dmiss, dextra = gd - fd, fd - gd
            if missed or extra or dmiss or dextra:
                print(f"\n{case['id']} ({case['lang']})")
                if missed:
                    print("  people missed:", sorted(gp[k] for k in missed))
                if extra:
                    print("  people extra: ", sorted(fp[k] for k in extra))
                if dmiss:
                    print("  dates missed: ", dict(dmiss))
                if dextra:
                    print("  dates extra:  ", dict(dextra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
