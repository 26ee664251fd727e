"""Scrapyd: scrapyd-deploy builds the project's egg and a local Scrapyd lists its spiders."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, get_json

BIN = Path(sys.executable).parent


@pytest.fixture
def scrapyd(tmp_path):
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\n"
        f"dbs_dir = {tmp_path / 'dbs'}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "daemonstatus.json", timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_scrapyd_deploy_uploads_the_project(scrapyd):
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "env"],
        cwd=ROOT,
        env={**os.environ, "SCRAPYD_URL": scrapyd},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = get_json(scrapyd + "listspiders.json?project=starcity")
    assert listed["status"] == "ok", listed
    # (reprocess runs from `python -m starcity reprocess`, which chooses its articles)
    assert set(listed["spiders"]) == {"feeds", "sitemaps", "sites", "reprocess"}
