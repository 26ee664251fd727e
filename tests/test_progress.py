"""Progress on the console while a crawl runs."""

from __future__ import annotations

import re

from starcity.components.progress import progress_line
from tests.helpers import run_crawl
from tests.hostile_web import HostileWeb, article, slow


def test_a_crawl_prints_its_progress_while_it_runs(tmp_path):
    web = HostileWeb()
    try:
        for n in range(4):
            page = article(f"Star City slow page {n}").encode()
            web.routes[f"/slow/{n}.html"] = slow(
                0.7 * (n + 1), (200, {"Content-Type": "text/html"}, page)
            )
        web.feed("/feed.xml", [f"{web.url}/slow/{n}.html" for n in range(4)])
        web.feed("/other.xml", [f"{web.url}/slow/0.html"])
        sources = tmp_path / "sources.yml"
        sources.write_text(
            "sources:\n"
            f'  - name: slow\n    prefilter: false\n    start_urls: ["{web.url}/feed.xml"]\n'
            f'  - name: other\n    prefilter: false\n    start_urls: ["{web.url}/other.xml"]\n'
            "settings:\n  DOWNLOAD_DELAY: 0\n  AUTOTHROTTLE_ENABLED: false\n",
            encoding="utf-8",
        )
        shown = run_crawl(
            tmp_path / "a.db", "--sources", str(sources), "-s", "STARCITY_PROGRESS_INTERVAL=0.5"
        )
        quiet = run_crawl(
            tmp_path / "b.db",
            "--sources",
            str(sources),
            "--quiet",
            "-s",
            "STARCITY_PROGRESS_INTERVAL=0.5",
        )
    finally:
        web.stop()
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.startswith("feeds ")]
    assert len(lines) >= 2, shown.stdout
    assert all(re.search(r"fetched \d+ \(\d+\.\d/s\)  stored \d+", line) for line in lines)
    # two sources: each shown, once it has counts
    assert any(
        re.search(r"slow [1-3]/\d+/\d+/\d+\b.*\(fetched/stored/relevant/errors\)$", line)
        for line in lines
    ), shown.stdout
    assert quiet.returncode == 0 and not [
        line for line in quiet.stdout.splitlines() if line.startswith("feeds ")
    ]


def test_a_progress_line_counts_per_source():
    stats = {
        "source/a/fetched": 10,
        "source/a/stored": 9,
        "source/a/relevant": 4,
        "source/a/errors/http_404": 1,
        "source/b/fetched": 2,
    }
    line = progress_line(stats, ["a", "b", "c"], 4.0, "feeds")
    assert line.startswith("feeds 0:04  fetched 12 (3.0/s)  stored 9  relevant 4  errors 1")
    assert "a 10/9/4/1, b 2/0/0/0 (fetched/stored/relevant/errors)" in line
    assert progress_line(stats, ["a"], 0.0).endswith("errors 1")
