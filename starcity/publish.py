"""Serve the database in Datasette, or publish it with `datasette publish` / `package`."""

from __future__ import annotations

import logging
import signal
import tempfile
from pathlib import Path

DEFAULT_DB = "data/starcity.db"
DEFAULT_PORT = 8001
console = logging.getLogger("starcity")


def serve(db: str = DEFAULT_DB, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
    """Serve the database read-only in Datasette until interrupted."""
    from db.migrations import open_database
    from starcity.serve import DatabaseNameError, check_db_name, datasette_command

    # An empty, well-formed database rather than an error when there is none yet, and an
    # older database brought up to the schema the metadata and stored queries expect.
    try:
        check_db_name(db)
    except DatabaseNameError as exc:
        console.error("error: %s", exc)
        return 2
    open_database(db).close()
    with tempfile.TemporaryDirectory(prefix="starcity-serve-") as folder:
        command = datasette_command(db, host=host, port=port, folder=folder)
        console.info("Datasette on http://%s:%d/ (Ctrl-C to stop)", host, port)
        return _run_foreground(command)


def publish(db: str, target: str, extra: list[str], dry_run: bool = False) -> int:
    """Publish the database with `datasette publish` / `datasette package` (see README)."""
    from db.snapshot import snapshot
    from starcity.serve import DatabaseNameError, format_command, publish_command

    if not Path(db).exists():
        console.error("error: no database at %s (crawl first)", db)
        return 2
    if target == "package" and not dry_run and not docker_running():
        # `datasette package` prints Docker's error but exits 0 without an image.
        console.error("error: `datasette package` needs Docker, and no Docker daemon answers")
        return 2
    try:
        if dry_run:  # the command as it will run, on a snapshot of the database
            print(format_command(publish_command(db, target, extra)), flush=True)
            return 0
        with tempfile.TemporaryDirectory(prefix="starcity-publish-") as folder:
            copy = snapshot(db, folder)
            command = publish_command(copy, target, extra, folder=folder)
            print(format_command(command), flush=True)
            return _run_foreground(command)
    except DatabaseNameError as exc:
        console.error("error: %s", exc)
        return 2


def docker_running() -> bool:
    """True when a Docker daemon answers (`datasette package` needs one)."""
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return probe.returncode == 0


def _run_foreground(command: list[str]) -> int:
    """Run a child in the foreground; SIGINT and SIGTERM are passed on so it never outlives us."""
    import subprocess

    child = subprocess.Popen(command)

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
