"""Score the relevance labels on the labelled development set in bench/relevance/.

Usage (what `make relevance` runs):

    .venv/bin/python bench/relevance.py [--show-errors]

Each page goes through the same code as a crawl (pipelines.extract, then the
relevance scorer with config/topic.yml). Prints and writes bench/results/relevance.md:
precision and recall of `relevant`, the confusion matrix, and how `mention` pages fare.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.extract import extract  # noqa: E402
from pipelines.relevance import LABELS, RelevanceScorer  # noqa: E402
from starcity.config import load_topic  # noqa: E402

# The fetch time of the pages read here: this run's (what a crawl would give them).
NOW = datetime.now(UTC)

DEV_DIR = ROOT / "bench" / "relevance"


def load_cases(directory: Path = DEV_DIR) -> list[dict]:
    cases = []
    for labels in sorted(directory.glob("labels-*.jsonl")):
        for line in labels.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


def judge_all(cases: list[dict], directory: Path = DEV_DIR) -> list[tuple[dict, object]]:
    scorer = RelevanceScorer(load_topic())
    results = []
    for case in cases:
        body = (directory / case["file"]).read_bytes()
        record = extract(body, f"https://dev.example/{case['id']}", fetched_at=NOW)
        judgement = scorer.judge(record["title"], record["description"], record["text"])
        results.append((case, judgement))
    return results


def report(results: list[tuple[dict, object]]) -> tuple[str, dict[str, float]]:
    pairs = [(case["label"], judgement.label) for case, judgement in results]
    confusion = Counter(pairs)
    tp = confusion[("relevant", "relevant")]
    predicted = sum(v for (_, p), v in confusion.items() if p == "relevant")
    actual = sum(v for (g, _), v in confusion.items() if g == "relevant")
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    accuracy = sum(v for (g, p), v in confusion.items() if g == p) / len(pairs)
    mention_total = sum(v for (g, _), v in confusion.items() if g == "mention")
    mention_ok = confusion[("mention", "mention")]
    figures = {
        "relevant_precision": precision,
        "relevant_recall": recall,
        "accuracy": accuracy,
        "mention_recall": mention_ok / mention_total if mention_total else 0.0,
    }
    lines = [
        f"Pages: {len(pairs)} ({', '.join(f'{k} {v}' for k, v in sorted(Counter(g for g, _ in pairs).items()))})",  # noqa: E501
        "",
        f"- relevant: precision {100 * precision:.1f}, recall {100 * recall:.1f}"
        f" ({tp} of {actual} found, {predicted - tp} wrongly)",
        f"- mention pages labelled mention: {mention_ok} of {mention_total}",
        f"- all four labels right: {100 * accuracy:.1f}",
        "",
        "| gold \\ predicted | " + " | ".join(LABELS) + " |",
        "|---" * (len(LABELS) + 1) + "|",
    ]
    for gold in LABELS:
        lines.append(f"| {gold} | " + " | ".join(str(confusion[(gold, p)]) for p in LABELS) + " |")
    return "\n".join(lines), figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    cases = load_cases()
    if not cases:
        print("error: no labelled pages in bench/relevance/", file=sys.stderr)
        return 2
    results = judge_all(cases)
    text, _ = report(results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "relevance.md").write_text("# Relevance on the development set\n\n" + text + "\n")
    print(text)
    if args.show_errors:
        for case, judgement in results:
            if case["label"] != judgement.label:
                ev = judgement.evidence
                print(
                    f"\n{case['id']}: gold {case['label']}, got {judgement.label}"
                    f" (score {judgement.score}; show {ev['show_weight']},"
                    f" other {ev['other_weight']}, title_use {ev['title_use']},"
                    f" place_use {ev['place_use']})\n  names {ev['names']}\n"
                    f"  show {ev['show']}\n  other {ev['other']}\n  note: {case.get('note')}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
