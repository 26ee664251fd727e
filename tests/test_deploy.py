"""The shipped schedule files run the documented command and point at each other."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys

import yaml

from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def test_systemd_timer_runs_the_crawl_service():
    timer = unit("starcity-crawl.timer")
    service = unit("starcity-crawl.service")
    assert timer["Timer"]["Unit"] == "starcity-crawl.service"
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    assert service["Service"]["Type"] == "oneshot"
    # the crawl's own exit status reaches systemd (make would turn 3 into 2)
    assert service["Service"]["ExecStart"].endswith("/.venv/bin/python -m starcity crawl")
    assert "3" in service["Service"]["SuccessExitStatus"].split()


def test_datasette_service_serves_from_the_installed_venv():
    # not `make serve`, which may rebuild the venv when the service starts
    command = unit("starcity-datasette.service")["Service"]["ExecStart"]
    assert command.startswith("/opt/starcity-monitor/.venv/bin/python -m starcity serve")
    assert "make" not in command


def test_crontab_line_is_valid_and_runs_the_crawl_command():
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    assert ".venv/bin/python -m starcity crawl" in fields[5]


def test_readme_documents_the_schedule_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in ("deploy/crontab", "starcity-crawl.timer", "starcity-datasette.service"):
        assert path in readme


def test_compose_file_runs_redis_the_writer_crawlers_and_datasette():
    """deploy/compose/docker-compose.yml (docs/distributed.md): every service's command is
    one the command line takes, with options it knows (Docker itself is not run here)."""
    compose = yaml.safe_load((ROOT / "deploy/compose/docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "writer", "crawler", "datasette"}
    assert "--appendonly" in services["redis"]["command"]
    for name in ("writer", "crawler", "datasette"):
        command = services[name]["command"]
        assert command[:3] == ["python", "-m", "starcity"], name
        help_text = subprocess.run(
            [sys.executable, "-m", "starcity", command[3], "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        for option in [a for a in command[4:] if a.startswith("-")]:
            assert option in help_text, (name, option)
    dockerfile = (ROOT / "deploy/compose/Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and "--require-hashes" in dockerfile
    assert ".venv" in (ROOT / ".dockerignore").read_text()
