"""How Datasette is started for this project: one place for its options and plugins."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from starcity.config import ROOT

METADATA = ROOT / "db" / "metadata.yml"
# The name the metadata file uses for the database; Datasette names a database after its file.
METADATA_DB_NAME = "starcity"

# Safe defaults for a public instance: a time limit on SQL, no CSV streaming of whole tables.
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "allow_csv_stream": "off",
    "default_page_size": "50",
}


def metadata_for(db_path: str | Path) -> Path:
    """The metadata file, re-keyed to the database's own name when the file is not starcity.db."""
    name = Path(db_path).stem
    if name == METADATA_DB_NAME:
        return METADATA
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    databases = data.get("databases") or {}
    if METADATA_DB_NAME in databases:
        databases[name] = databases.pop(METADATA_DB_NAME)
    out = Path(tempfile.gettempdir()) / f"starcity-metadata-{name}.yml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def datasette_command(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The argv that serves ``db_path`` read-only with the project's metadata."""
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_for(db_path)),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for key, value in SETTINGS.items():
        command += ["--setting", key, value]
    return command
