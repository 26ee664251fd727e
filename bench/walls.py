"""Walls on the real pages: which of ../shared/eval's 471 news pages pipelines/walls.py
takes for a consent page, a bot challenge, a paywall or the shell of a page built by
JavaScript.

Every one of these pages is an article its publisher served (the evaluation's ground
truth names its title, authors and date), so a page taken for a consent page, a bot
challenge or a paywall's stub without metadata would be an article lost: the count of
those is the detector's false alarms on unseen sites. Paywalled articles kept with their
metadata are listed too. Results: bench/results/walls.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.extract import extract  # noqa: E402
from pipelines.walls import find_wall, needs_browser  # noqa: E402

OUT = ROOT / "bench" / "results" / "walls.md"


def _judge(job: tuple[str, str, str]) -> tuple[str, str | None, str | None, bool]:
    case_id, url, path = job
    sys.path.insert(0, str(Path(path).parents[2]))
    import evaluate  # the evaluation's own reader of its pages

    body = evaluate.page_bytes(Path(path))
    try:
        record = extract(body, url, fetched_at=datetime.now(UTC))
    except Exception:  # noqa: BLE001 (an unreadable page is no wall)
        return case_id, None, None, False
    wall = find_wall(record, body, url)
    if wall is None and needs_browser(record):
        return case_id, "needs_browser", "a JavaScript shell", False
    if wall is None:
        return case_id, None, None, False
    return case_id, wall.kind, wall.evidence, wall.keeps_article


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    cases = [
        json.loads(line)
        for line in (args.eval_dir / "dev" / "cases.jsonl").read_text().splitlines()
    ]
    jobs = [
        (c["id"], c.get("url") or "", str(args.eval_dir / "dev" / c["html_path"]))
        for c in cases
        if c.get("html_path")
    ]
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_judge, jobs, chunksize=8))
    lost = [(i, k, e) for i, k, e, keeps in results if k and not keeps]
    kept = [(i, k, e) for i, k, e, keeps in results if k and keeps]
    kinds = Counter(k for _, k, _ in lost)
    lines = [
        f"Written by bench/walls.py on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"{len(jobs)} real news pages of ../shared/eval/dev, each an article its publisher served.",
        "",
        "| | pages |",
        "|---|---|",
        f"| taken for a wall and not stored (false alarms) | {len(lost)}"
        + (f" ({', '.join(f'{k} {n}' for k, n in kinds.items())})" if kinds else "")
        + " |",
        f"| paywalled, kept with their metadata, text marked partial | {len(kept)} |",
        "",
        *[f"- not stored: `{i}`: {k} ({e})" for i, k, e in lost],
        *[f"- kept, partial: `{i}`: {e}" for i, _, e in kept],
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
