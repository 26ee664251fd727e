"""Strict configuration: a sources or topic file that does not fit its schema is refused
with one line naming the file, the line and the key, and exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

GOOD = '  - name: x\n    start_urls: ["https://example.com/feed.xml"]\n'
BAD_SOURCES = {
    "a word for a number": (
        "sources:\n" + GOOD + "    max_pages: five\n",
        ":4: sources[0].max_pages: Input should be a valid integer (got 'five')",
    ),
    "a source written as a plain string": (
        "sources:\n" + GOOD + "  - https://example.com/other.xml\n",
        ":4: sources[1]: a source is a mapping",
    ),
    "a list at the top level": (
        '- name: x\n  start_urls: ["https://example.com/feed.xml"]\n',
        ":1: the file must be a mapping",
    ),
    "a misspelt key": (
        "sources:\n" + GOOD + "    prefiter: false\n",
        ":4: sources[0]: unknown key 'prefiter' (did you mean 'prefilter'?)",
    ),
    "a misspelt key among the defaults": (
        "defaults:\n  alowed_domains: [example.com]\nsources:\n" + GOOD,
        ":2: defaults: unknown key 'alowed_domains' (did you mean 'allowed_domains'?)",
    ),
    "a misspelt top-level key": (
        "source:\n" + GOOD,
        ":1: top level: unknown key 'source' (did you mean 'sources'?)",
    ),
}


def starcity(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "starcity", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_a_bad_sources_file_is_refused_in_one_line(tmp_path, case):
    text, expected = BAD_SOURCES[case]
    path = tmp_path / "sources.yml"
    path.write_text(text, encoding="utf-8")
    for command in (["crawl", "--db", str(tmp_path / "x.db")], ["check-config"]):
        result = starcity(*command, "--sources", str(path))
        assert result.returncode == 2, result.stdout + result.stderr
        errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and errors[0].startswith(f"error: {path}{expected}"), errors
        assert "Traceback" not in result.stdout + result.stderr


def test_a_bad_topic_file_is_refused_in_one_line(tmp_path):
    topic = tmp_path / "topic.yml"
    topic.write_text("name: t\nquery_terms: [Star City]\nevidnce:\n  specific: [a]\n")
    result = starcity("check-config", "--topic", str(topic))
    assert result.returncode == 2
    assert f"error: {topic}:3: top level: unknown key 'evidnce' (did you mean 'evidence'?)" in (
        result.stdout
    )
    topic.write_text("name: t\nquery_terms: []\n")
    result = starcity("check-config", "--topic", str(topic))
    assert result.returncode == 2 and f"{topic}:2: query_terms:" in result.stdout


def test_the_shipped_configuration_is_valid():
    for sources in ("real", "demo"):
        result = starcity("check-config", "--sources", sources)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "source(s)" in result.stdout and "topic 'Star City (Apple TV)'" in result.stdout
