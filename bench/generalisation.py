"""Leave-sites-out figures of our extractor on ../shared/eval/dev: what its rules are worth
on sites they were not written for.

Usage (part of `make accuracy`; alone):

    .venv/bin/python bench/generalisation.py [--eval-dir ../shared/eval] [--out bench/results]

The development pages are split into five folds by publisher domain (the registrable
domain of the page's URL; every page of a domain in one fold, the folds about equal in
pages). A rule is a signal the extractor reads (as provenance names it:
``text:credit-line``, ``meta:og:title``, ``htmldate`` ...) or one of the named rules of
``pipelines.extract.RULES``. For each rule, the pages it decided are extracted again with
the rule switched off, which gives its worth page by page (a date, an author set or a
title that becomes right or wrong). A signal decided the pages whose provenance names
it; the title rules and the ``<h1>`` (read by ``title:h1-agreement``) leave no name, so
they are switched off on every page and decided those whose title changes without them.
For each fold, a rule is switched off when it decided
nothing on the other four folds, or did harm there (its worth summed over them is
negative); the fold's pages are then extracted with those rules switched off and scored.
A rule written for one site, which decides nothing elsewhere, is thus switched off on the
fold of that site, as it would be on a site nobody tuned for. The leave-sites-out figure
scores every page so; the full figure scores every page with every rule, as the crawl
runs.

Scoring is the evaluation's own (evaluate.py's score_case and summarize). Writes
``<out>/generalisation.md`` and prints it, and ``<out>/generalisation.jsonl`` (one line a
page: its fold, the rules switched off there, both scorings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.extract import RULES, extract  # noqa: E402
from starcity.urlgate import registrable_domain  # noqa: E402

FOLDS = 5
FIELDS = (("date", "date_ok"), ("authors", "authors_exact"), ("title", "title_ok"))
# Rules that decide a title without leaving their name in its provenance: each is
# switched off on every page, and decided a page where the title changed without it.
SILENT = ("h1", *(r for r in RULES if r.startswith("title:")))


def fold_of_domains(cases: list[dict[str, Any]], folds: int = FOLDS) -> dict[str, int]:
    """Domain -> fold: domains in a fixed pseudo-random order (by hash), each put in the
    fold with the fewest pages so far."""
    pages: dict[str, int] = defaultdict(int)
    for case in cases:
        pages[domain_of(case)] += 1
    sizes = [0] * folds
    assignment = {}
    for domain in sorted(pages, key=lambda d: hashlib.sha1(d.encode()).hexdigest()):
        fold = sizes.index(min(sizes))
        assignment[domain] = fold
        sizes[fold] += pages[domain]
    return assignment


def domain_of(case: dict[str, Any]) -> str:
    host = urlsplit(case.get("url") or "").hostname or case["id"]
    return registrable_domain(host)


def fired(record: dict[str, Any]) -> set[str]:
    """The signals and rules that decided a record's title, authors and date."""
    provenance = record.get("provenance") or {}
    found = set()
    for field in ("title", "authors", "published"):
        value = provenance.get(field)
        if not value:
            continue
        parts = value.split("+")
        found.add(parts[0])
        if "byline" in parts[1:]:
            found.add("authors:byline-merge")
        if "offset:url" in parts[1:]:
            found.add("dates:url-day")
        if "later" in parts[1:]:
            found.add("dates:dateline-later")
    kinds = record.get("author_kinds") or []
    if "organisation" in kinds:
        beside = any(kind != "organisation" for kind in kinds)
        found.add("authors:organisations-beside" if beside else "authors:organisations")
    return found


def decided_by(rule: str, named: set[str], record: dict, without: dict) -> bool:
    """Whether ``rule`` decided a page: provenance names it (``named``, the page's
    ``fired`` rules), or the title changes when it is switched off (``without``: the
    record extracted so), whether the title became right, wrong or neither."""
    return rule in named or (rule in SILENT and without.get("title") != record.get("title"))


# -- work in the pool's processes ---------------------------------------------------------

_EVALUATE: Any = None


def _start(eval_dir: str) -> None:
    global _EVALUATE
    sys.path.insert(0, eval_dir)
    import evaluate

    _EVALUATE = evaluate


def _extract(
    job: tuple[dict[str, Any], str, list[frozenset[str]]],
) -> list[tuple[dict, dict]]:
    """(scored row, record) of one page for each set of rules switched off."""
    case, path, variants = job
    body = _EVALUATE.page_bytes(Path(path))
    out = []
    now = datetime.now(UTC)
    for disabled in variants:
        try:
            record = dict(extract(body, case.get("url") or "", fetched_at=now, disabled=disabled))
            pred = {
                "title": record["title"],
                "authors": record["authors"],
                "published": record["published_at_local"],
            }
            status, error = "ok", None
        except Exception as exc:  # scored as no answer, as evaluate.py does
            record, pred, status, error = {}, None, "error", repr(exc)
        out.append((_EVALUATE.score_case(case, status, pred, 0.0, error), record))
    return out


def _run(
    pool: ProcessPoolExecutor, eval_dir: Path, jobs: list[tuple[dict, list[frozenset[str]]]]
) -> list[list[tuple[dict, dict]]]:
    work = [(case, str(eval_dir / "dev" / case["html_path"]), variants) for case, variants in jobs]
    return list(pool.map(_extract, work, chunksize=4))


# -- the measurement ----------------------------------------------------------------------


def worth(base: dict, without: dict) -> int:
    """How many of a page's fields the rule made right (negative: made wrong)."""
    total = 0
    for _, key in FIELDS:
        if key in base:
            total += int(bool(base[key])) - int(bool(without.get(key)))
    return total


def measure(eval_dir: Path, workers: int = 2) -> dict[str, Any]:
    cases_file = eval_dir / "dev" / "cases.jsonl"
    cases = [json.loads(line) for line in cases_file.read_text(encoding="utf-8").splitlines()]
    cases = [c for c in cases if c.get("html_path")]
    folds = fold_of_domains(cases)
    fold = {c["id"]: folds[domain_of(c)] for c in cases}
    with ProcessPoolExecutor(workers, initializer=_start, initargs=(str(eval_dir),)) as pool:
        base = [r[0] for r in _run(pool, eval_dir, [(c, [frozenset()]) for c in cases])]
        # every rule that decided a page, on the pages it decided (as provenance names
        # it); the rules that decide a title without leaving their name (the named title
        # rules, and the <h1>, read by title:h1-agreement) on every page
        jobs, keys = [], []
        for case, (_, record) in zip(cases, base, strict=True):
            rules = sorted(fired(record) | set(SILENT))
            jobs.append((case, [frozenset({r}) for r in rules]))
            keys.append((case["id"], record, rules))
        ablated = _run(pool, eval_dir, jobs)
        effect: dict[str, dict[str, int]] = defaultdict(dict)  # rule -> page -> worth
        decided: dict[str, set[str]] = defaultdict(set)  # rule -> pages it decided
        base_rows = {c["id"]: row for c, (row, _) in zip(cases, base, strict=True)}
        for (page, record, rules), results in zip(keys, ablated, strict=True):
            named = fired(record)
            for rule, (row, without) in zip(rules, results, strict=True):
                if decided_by(rule, named, record, without):
                    effect[rule][page] = worth(base_rows[page], row)
                    decided[rule].add(page)
        domain = {c["id"]: domain_of(c) for c in cases}
        sites = {rule: {domain[p] for p in pages} for rule, pages in decided.items()}
        for rule in SILENT:  # listed, deciding or not
            effect.setdefault(rule, {})
            sites.setdefault(rule, set())
        # per fold: off, the rules that do harm on the other folds, or decide nothing
        # there (written for sites of this fold only)
        switched_off: dict[int, frozenset[str]] = {}
        for k in range(FOLDS):
            off = set()
            for rule, pages in effect.items():
                elsewhere = [p for p in pages if fold[p] != k]
                if not elsewhere or sum(pages[p] for p in elsewhere) < 0:
                    off.add(rule)
            switched_off[k] = frozenset(off)
        lso_jobs = [(c, [switched_off[fold[c["id"]]]]) for c in cases]
        lso = [r[0][0] for r in _run(pool, eval_dir, lso_jobs)]
    return {
        "cases": cases,
        "fold": fold,
        "full": [row for row, _ in base],
        "lso": lso,
        "effect": effect,
        "sites": sites,
        "switched_off": switched_off,
    }


def _summary(evaluate: Any, rows: list[dict]) -> dict[str, Any]:
    return evaluate.summarize(rows) if rows else {}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def report(result: dict[str, Any], eval_dir: Path) -> str:
    sys.path.insert(0, str(eval_dir))
    import evaluate

    full, lso, fold = result["full"], result["lso"], result["fold"]
    lines = [
        f"# Leave-sites-out figures ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        "Generated by `make accuracy` (bench/generalisation.py). Full: every page with every"
        " rule, as the crawl runs. Leave-sites-out: the pages split into five folds by"
        " publisher domain; each fold scored without the rules that decided nothing on the other"
        " four folds or did harm there (a rule = a signal the extractor reads, or a named rule"
        " of `pipelines.extract.RULES`).",
        "",
        "| pages | figure | date acc | date cov | author P | author R | author F1 | title exact |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, keep in (
        ("all", lambda r: True),
        ("fundus (title, authors, date)", lambda r: r["source"] == "fundus"),
        ("htmldate (date only)", lambda r: r["source"] == "htmldate"),
    ):
        for name, rows in (("full", full), ("leave-sites-out", lso)):
            s = _summary(evaluate, [r for r in rows if keep(r)])
            lines.append(
                f"| {label} | {name} | {_pct(s.get('date_acc'))} | {_pct(s.get('date_cov'))}"
                f" | {_pct(s.get('auth_p'))} | {_pct(s.get('auth_r'))}"
                f" | {_pct(s.get('auth_f1'))} | {_pct(s.get('title_acc'))} |"
            )
    lines += [
        "",
        "## By fold",
        "",
        "| fold | pages | domains | date acc full / lso | author F1 full / lso |"
        " title exact full / lso | rules switched off |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in range(FOLDS):
        rows_full = [r for r in full if fold[r["id"]] == k]
        rows_lso = [r for r in lso if fold[r["id"]] == k]
        a, b = _summary(evaluate, rows_full), _summary(evaluate, rows_lso)
        domains = {domain_of(c) for c in result["cases"] if fold[c["id"]] == k}
        off = sorted(result["switched_off"][k])
        lines.append(
            f"| {k + 1} | {len(rows_full)} | {len(domains)}"
            f" | {_pct(a.get('date_acc'))} / {_pct(b.get('date_acc'))}"
            f" | {_pct(a.get('auth_f1'))} / {_pct(b.get('auth_f1'))}"
            f" | {_pct(a.get('title_acc'))} / {_pct(b.get('title_acc'))}"
            f" | {len(off)} |"
        )
    lines += [
        "",
        "## Rules",
        "",
        "Worth: fields a rule made right minus fields it made wrong, over the pages where it"
        " decided (switched off, another signal decides). Sites: domains where it decided"
        " something. A rule that decides nothing outside one fold, or does harm outside it, is"
        " switched off on that fold.",
        "",
        "| rule | pages decided | sites | worth | worth by fold | switched off on folds |",
        "|---|---|---|---|---|---|",
    ]
    effect, sites, off = result["effect"], result["sites"], result["switched_off"]
    for rule in sorted(effect, key=lambda r: (-sum(effect[r].values()), r)):
        pages = effect[rule]
        by_fold = [sum(w for p, w in pages.items() if fold[p] == k) for k in range(FOLDS)]
        decided = len(pages)
        folds_off = ", ".join(str(k + 1) for k in range(FOLDS) if rule in off[k]) or "-"
        lines.append(
            f"| `{rule}` | {decided} | {len(sites[rule])} | {sum(pages.values()):+d}"
            f" | {' '.join(f'{w:+d}' for w in by_fold)} | {folds_off} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    eval_dir = args.eval_dir.resolve()
    if not (eval_dir / "evaluate.py").is_file():
        print(f"error: no evaluate.py in {eval_dir}", file=sys.stderr)
        return 2
    result = measure(eval_dir, args.workers)
    text = report(result, eval_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "generalisation.md").write_text(text, encoding="utf-8")
    # per page: its fold, the rules switched off there, and both scorings, for finding
    # what a rule was worth where
    with (args.out / "generalisation.jsonl").open("w", encoding="utf-8") as out:
        for full, lso in zip(result["full"], result["lso"], strict=True):
            k = result["fold"][full["id"]]
            row = {"id": full["id"], "fold": k + 1, "off": sorted(result["switched_off"][k])}
            out.write(json.dumps({**row, "full": full, "lso": lso}, ensure_ascii=False) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
