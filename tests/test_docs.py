"""Every user-facing command is documented, and the README's examples run."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.helpers import ROOT, free_port

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_make_target_is_in_the_readme():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    missing = [t for t in phony if t != "help" and f"make {t}" not in README]
    assert not missing, f"undocumented make targets: {missing}"


def test_every_cli_subcommand_and_option_is_documented():
    from starcity.cli import main

    help_text = subprocess.run(
        [sys.executable, "-m", "starcity", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    commands = re.search(r"\{([a-z,-]+)\}", help_text).group(1).split(",")
    assert main  # the module imports
    for command in commands:
        assert f"python -m starcity {command}" in README or f"`{command}`" in README, command
    crawl_help = subprocess.run(
        [sys.executable, "-m", "starcity", "crawl", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    for option in re.findall(r"(--[a-z-]+)", crawl_help):
        if option != "--help":
            assert option in README, f"crawl option {option} is not in the README"


def test_readme_extract_example_runs_offline():
    example = re.search(r"python -m pipelines\.extract (demoweb/\S+) \\\n\s+--url (\S+)", README)
    assert example, "README lost its extraction example"
    path, url = example.groups()
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.extract", path, "--url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    record = json.loads(out)
    assert record["title"] == "Rhys Ifans to lead Apple's Soviet space drama Star City"
    assert record["authors"] == ["Eleanor Price"]
    assert record["provenance"]["published"] == "time[datetime]"


def test_extract_cli_reports_a_missing_file():
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.extract", "no/such/page.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_extract_cli_fetches_a_url_and_reports_a_failed_fetch(demo_web):
    def cli(url: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.extract", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    page = cli(f"{demo_web.url}/courier/tv/rhys-ifans-star-city.html")
    assert page.returncode == 0, page.stderr
    assert json.loads(page.stdout)["title"]
    missing = cli(f"{demo_web.url}/no/such/page.html")
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    assert "Traceback" not in missing.stderr
    refused = cli(f"http://127.0.0.1:{free_port()}/x.html")
    assert refused.returncode == 1 and "cannot fetch" in refused.stderr
