"""Shared fixtures: the fixture news web on loopback, crawls run as subprocesses, Datasette."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from starcity.demoweb import DemoWeb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_web() -> Iterator[DemoWeb]:
    """The bundled demo news web, served on a free loopback port for one test."""
    with DemoWeb() as web:
        yield web


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str


def run_crawl(db: Path, *args: str, timeout: float = 120) -> CrawlResult:
    """Run a crawl exactly as `make crawl` does: `python -m starcity crawl ...` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "starcity", "crawl", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@dataclass
class Datasette:
    url: str
    process: subprocess.Popen


@pytest.fixture
def start_datasette() -> Iterator:
    """Start Datasette the way `make serve` does, on a free port; stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(db: Path) -> Datasette:
        from starcity.serve import datasette_command

        port = free_port()
        proc = subprocess.Popen(
            datasette_command(db, port=port),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"datasette exited: {proc.stdout.read()}")
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=1).close()
                return Datasette(url, proc)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("datasette did not start within 30 s")

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
