"""Score our extractor and the reference tools on the real pages of ../shared/eval, in one run.

Usage (what `make accuracy` runs):

    .venv-eval/bin/python bench/accuracy.py [--eval-dir ../shared/eval] [--out bench/results]

Each tool is scored by the evaluation's own scorer (evaluate.py), one after the other with
one worker, so that the median times per page are comparable. Writes
`<out>/accuracy.md` (tables) and `<out>/<tool>.jsonl` (per page, for finding errors).
Our extractor runs in the project venv (.venv); the reference tools in .venv-eval.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, python, module:function, extra evaluate.py arguments, module search path)
TOOLS = [
    (
        "ours: pipelines.extract",
        ".venv/bin/python",
        "bench.extractor:extract",
        ["--raw-bytes"],
        ".",
    ),
    ("htmldate 1.11.0 find_date", ".venv-eval/bin/python", "anchors:htmldate_only", [], None),
    (
        "trafilatura 2.3.1 extract_metadata",
        ".venv-eval/bin/python",
        "anchors:trafilatura_meta",
        [],
        None,
    ),
    (
        "trafilatura 2.3.1 bare_extraction",
        ".venv-eval/bin/python",
        "bench.reference_tools:trafilatura_bare",
        [],
        ".",
    ),
    ("newspaper4k 0.9.6", ".venv-eval/bin/python", "anchors:newspaper4k", [], None),
]
COLUMNS = [
    ("date acc", "date_acc"),
    ("date cov", "date_cov"),
    ("author P", "auth_p"),
    ("author R", "auth_r"),
    ("author F1", "auth_f1"),
    ("title exact", "title_acc"),
]


def run_tool(
    eval_dir: Path,
    out: Path,
    label: str,
    python: str,
    func: str,
    extra: list[str],
    path: str | None,
    only: str | None,
) -> dict:
    slug = func.replace(":", "-").replace(".", "-")
    summary = out / f"{slug}.summary.json"
    command = [
        str(ROOT / python),
        str(eval_dir / "evaluate.py"),
        "--python",
        func,
        "--jobs",
        "1",
        "--quiet",
        "--label",
        label,
        "--out",
        str(out / f"{slug}.jsonl"),
        "--summary",
        str(summary),
        *extra,
    ]
    if path:
        command += ["--path", str(ROOT / path)]
    if only:
        command += ["--source", only]
    print(f"scoring {label} ...", flush=True)
    subprocess.run(command, cwd=eval_dir, check=True, stdout=subprocess.DEVNULL)
    return json.loads(summary.read_text(encoding="utf-8"))


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def table(results: list[tuple[str, dict]], subset: str) -> list[str]:
    lines = [
        "| tool | " + " | ".join(name for name, _ in COLUMNS) + " | median ms/page |",
        "|---" * (len(COLUMNS) + 2) + "|",
    ]
    for label, summary in results:
        row = summary["summaries"].get(subset)
        if row is None:
            continue
        cells = []
        for _, key in COLUMNS:
            n_key = {"date": "n_date", "auth": "n_auth", "titl": "n_title"}[key[:4]]
            no_output = key.startswith("auth") and row.get("auth_p", 0) == 0
            no_output |= key.startswith("title") and row.get("title_acc", 0) == 0
            cells.append("–" if not row.get(n_key) or no_output else percent(row.get(key)))
        cells.append(f"{1000 * row['time_median']:.1f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def worst_publishers(eval_dir: Path, per_case: Path, limit: int = 10) -> list[str]:
    """Publishers (fundus) and sites (htmldate) where our extractor errs most."""
    cases = {
        c["id"]: c
        for c in map(json.loads, (eval_dir / "dev" / "cases.jsonl").read_text().splitlines())
    }
    errors: dict[str, list[str]] = defaultdict(list)
    for line in per_case.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        case = cases[row["id"]]
        name = case.get("publisher") or row["id"].split("-", 2)[-1].split(".")[0]
        if row.get("date_given") and not row.get("date_ok"):
            errors[name].append("date")
        gold_authors = row["gold"].get("authors")
        if gold_authors is not None and not row.get("authors_exact"):
            errors[name].append("authors")
        if row["gold"].get("title") is not None and not row.get("title_ok"):
            errors[name].append("title")
    ranked = sorted(errors.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    return [
        f"| {name} | {len(kinds)} | {', '.join(sorted(set(kinds)))} |" for name, kinds in ranked
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only-ours", action="store_true", help="score our extractor only")
    parser.add_argument("--source", help="fundus or htmldate only")
    args = parser.parse_args()
    eval_dir = args.eval_dir.resolve()
    if not (eval_dir / "evaluate.py").is_file():
        print(f"error: no evaluate.py in {eval_dir}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    tools = TOOLS[:1] if args.only_ours else TOOLS
    results = [(t[0], run_tool(eval_dir, args.out, *t, only=args.source)) for t in tools]

    lines = [
        f"# Extraction accuracy on ../shared/eval/dev ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        "Generated by `make accuracy` (bench/accuracy.py): every tool scored by the",
        "evaluation's own scorer, one after the other, one worker each, on this machine.",
        "",
    ]
    for subset, title in [
        ("all", "All 471 pages"),
        ("fundus", "133 pages of 67 publishers (title, authors, date)"),
        ("fundus:en", "English pages with title and authors"),
        ("htmldate", "338 pages of 338 sites (publication day only)"),
    ]:
        lines += [f"## {title}", "", *table(results, subset), ""]
    ours_cases = args.out / "bench-extractor-extract.jsonl"
    lines += [
        "## Where our extractor errs most",
        "",
        "| publisher or site | wrong fields | which |",
        "|---|---|---|",
        *worst_publishers(eval_dir, ours_cases),
        "",
    ]
    report = args.out / "accuracy.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    print(report.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
