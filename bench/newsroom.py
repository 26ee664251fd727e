"""Time the newsroom's stored queries, searches and dashboard charts through a real Datasette.

    python bench/newsroom.py --db data/bench/starcity.db      # after bench/generate.py

Starts Datasette the way `make serve` does (starcity.serve.datasette_command), asks each
stored query of db/metadata.yml for its JSON (blank parameters, then typical values), the
table page with its facets, full-text search on the table and across tables, and the SQL of
each dashboard chart; each request is repeated and the median and worst times are written
to bench/results/newsroom.md and .json, against the 200 ms target of issue #7.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starcity.serve import METADATA, datasette_command  # noqa: E402

TARGET_MS = 200.0
# Typical values for the parameters of the stored queries (blank is tried too).
TYPICAL = {
    "source": "source-01",
    "since": "2026-01-01",
    "person": "matt-wolpert",
    "kind": "filming",
    "date": "2026-05-29",
    "story": "42",
    "q": "Wolpert",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - began) * 1000


def requests_to_time(db_name: str) -> list[tuple[str, str]]:
    """(label, path) of every request the benchmark times."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["starcity"]["queries"]
    base = f"/{db_name}"
    found: list[tuple[str, str]] = []
    for name, query in queries.items():
        params = query.get("params") or []
        blank = urllib.parse.urlencode({p: "" for p in params})
        found.append((f"query {name}", f"{base}/{name}.json?{blank}"))
        if params:
            typical = urllib.parse.urlencode({p: TYPICAL.get(p, "") for p in params})
            found.append((f"query {name} ({typical})", f"{base}/{name}.json?{typical}"))
    found.append(("query new_relevant_articles as Atom", f"{base}/new_relevant_articles.atom"))
    # The request datasette-search-all's page sends for each searchable table.
    search_all = (
        "_shape=objects&_labels=on&_extra=count&_extra=database&_extra=table&_size=5"
        "&_search=Wolpert"
    )
    found += [
        ("table articles, default facets", f"{base}/articles.json"),
        ("table articles page (HTML)", f"{base}/articles"),
        ("table articles, search 'Wolpert'", f"{base}/articles.json?_search=Wolpert"),
        ("table articles, search 'Wolpert' (HTML)", f"{base}/articles?_search=Wolpert"),
        ("table articles, month facet selected", f"{base}/articles.json?published_month=2026-05"),
        ("search across tables 'Wolpert': page", "/-/search?q=Wolpert"),
        ("search across tables 'Wolpert': articles", f"{base}/articles.json?{search_all}"),
        ("dashboard page", "/-/dashboards/coverage"),
    ]
    dashboard = metadata["plugins"]["datasette-dashboards"]["coverage"]
    for slug, chart in dashboard["charts"].items():
        sql = chart["query"].replace("[[", "").replace("]]", "")
        args = {"sql": sql, "date_start": "2026-01-01", "date_end": "2026-06-30"}
        args["source"] = "source-01"
        found.append(
            (f"dashboard chart {slug} (filtered)", f"{base}.json?{urllib.parse.urlencode(args)}")
        )
        bare = {"sql": _without_options(chart["query"])}
        found.append((f"dashboard chart {slug}", f"{base}.json?{urllib.parse.urlencode(bare)}"))
    return found


def _without_options(sql: str) -> str:
    import re

    return re.sub(r"\[\[.*?\]\]", "", sql)


def run(db: Path, repeat: int) -> list[dict]:
    from db.migrations import open_database

    # A database generated before the latest migrations (`make bench-large` builds its
    # once): its schema brought up to date, as a crawl or `make serve` would.
    open_database(str(db)).close()
    port = _free_port()
    server = subprocess.Popen(
        datasette_command(db, port=port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("datasette did not start")
        results = []
        for label, path in requests_to_time(db.stem):
            try:
                _get(base + path)  # warm the page cache and Datasette's own caches
                times = [_get(base + path) for _ in range(repeat)]
            except urllib.error.HTTPError as exc:
                # Datasette gave up on it (its SQL time limit, 400): a result too, the slowest
                results.append(
                    {
                        "request": label,
                        "path": path,
                        "median_ms": f"failed ({exc.code})",
                        "max_ms": f"failed ({exc.code})",
                        "under_target": False,
                    }
                )
                print(f"  failed ({exc.code})  {label}")
                continue
            results.append(
                {
                    "request": label,
                    "path": path,
                    "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(max(times), 1),
                    "under_target": max(times) < TARGET_MS,
                }
            )
            print(f"{results[-1]['median_ms']:8.1f} {results[-1]['max_ms']:8.1f}  {label}")
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def _articles(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("select count(*) from articles").fetchone()[0]


def write(
    results: list[dict],
    db: Path,
    out: Path,
    name: str = "newsroom",
    compare: Path | None = None,
    made_by: str = "make bench",
) -> None:
    """``out``/``name``.md and .json; with ``compare`` (another size's .json, with its
    "articles"), both sizes side by side per request, and how each grew."""
    out.mkdir(parents=True, exist_ok=True)
    articles = _articles(db)
    slow = [r for r in results if not r["under_target"]]
    lines = [
        "# Newsroom query timings",
        "",
        f"Database: {db} ({articles:,} articles, {db.stat().st_size / 1e6:.0f} MB).",
        "Each request through a real Datasette (HTTP; JSON unless marked HTML), once to warm up,",
        f"then timed; target: every request under {TARGET_MS:.0f} ms. Made by `{made_by}`.",
        "",
    ]
    other = json.loads(compare.read_text(encoding="utf-8")) if compare else None
    if isinstance(other, list):  # written before the file named its size
        other = {"articles": 0, "results": other}
    if isinstance(other, dict):
        small = {r["request"]: r for r in other["results"]}
        size = f"{other['articles']:,}" if other.get("articles") else "the other size"
        lines += [
            f"Beside the same requests on {size} articles ({compare.name}): how each grows"
            " with the data.",
            "",
            f"| request | {size}: median ms | {articles:,}: median ms | worst ms | growth |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in results:
            before = small.get(r["request"], {}).get("median_ms")
            numbers = isinstance(before, float | int) and isinstance(r["median_ms"], float | int)
            growth = f"{r['median_ms'] / before:.1f}x" if numbers and before else "-"
            lines.append(
                f"| {r['request']} | {before if before is not None else '-'} | {r['median_ms']}"
                f" | {r['max_ms']} | {growth} |"
            )
    else:
        lines += ["| request | median ms | worst ms |", "|---|---:|---:|"]
        lines += [f"| {r['request']} | {r['median_ms']} | {r['max_ms']} |" for r in results]
    lines += [
        "",
        f"{len(results) - len(slow)} of {len(results)} requests under {TARGET_MS:.0f} ms"
        + (": slow: " + ", ".join(r["request"] for r in slow) if slow else "."),
    ]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    record = {"articles": articles, "results": results}
    (out / f"{name}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("data/bench/starcity.db"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--name", default="newsroom", help="the result files' name")
    parser.add_argument(
        "--compare", type=Path, help="another size's .json: both sizes side by side"
    )
    parser.add_argument(
        "--no-fail-slow",
        dest="fail_slow",
        action="store_false",
        help="exit 0 even when a request misses the target",
    )
    args = parser.parse_args(argv)
    results = run(args.db, args.repeat)
    made_by = "make bench" if args.name == "newsroom" else "make bench-large"
    write(results, args.db, args.out, args.name, args.compare, made_by)
    slow = sum(not r["under_target"] for r in results)
    print(
        f"{len(results) - slow} of {len(results)} under {TARGET_MS:.0f} ms;"
        f" {args.out}/{args.name}.md"
    )
    return 1 if slow and args.fail_slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
