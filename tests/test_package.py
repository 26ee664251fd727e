"""The project as a package: the wheel `pip install .` builds (docs/install.md)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.helpers import ROOT


def test_the_wheel_holds_the_command_the_settings_and_the_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("starcity_monitor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "settings.py",
        "starcity/cli.py",
        "starcity/components/store.py",
        "spiders/feeds.py",
        "pipelines/extract.py",
        "pipelines/news_agencies.txt",
        "db/metadata.yml",
        "db/knowledge.yml",
        "db/plugins/newsroom.py",
        "db/templates/row.html",
    ):
        assert expected in names, expected
    data = [n for n in names if ".data/data/share/starcity-monitor/config/" in n]
    assert {n.rsplit("/", 1)[-1] for n in data} >= {"sources.yml", "topic.yml"}
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "starcity = starcity.cli:main" in text and "settings = settings" in text
