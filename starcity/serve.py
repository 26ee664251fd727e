"""How Datasette is started for this project: one place for its options and plugins."""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from starcity.config import ROOT

METADATA = ROOT / "db" / "metadata.yml"
PLUGINS_DIR = ROOT / "db" / "plugins"
TEMPLATES_DIR = ROOT / "db" / "templates"
# The name the metadata file uses for the database; Datasette names a database after its file.
METADATA_DB_NAME = "starcity"

# Safe defaults for a public instance: a time limit on SQL, no CSV streaming of whole tables,
# long article texts cut in table views (the row page shows them whole).
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "allow_csv_stream": "off",
    "default_page_size": "50",
    "truncate_cells_html": "300",
    # A published (immutable) database could otherwise be downloaded whole, article texts
    # and all.
    "allow_download": "off",
    # Suggesting facets tries every column of every table page: seconds on a large database.
    "suggest_facets": "off",
}


# Datasette addresses a database by its file name; other characters than these are
# escaped in its URLs, which the dashboard plugin does not do.
_DB_NAME = re.compile(r"[A-Za-z0-9_-]+")


class DatabaseNameError(ValueError):
    """A database file whose name Datasette would have to escape in its URLs."""


def check_db_name(db_path: str | Path) -> str:
    """The database's name in Datasette (the file name without .db), checked."""
    name = Path(db_path).stem
    if not _DB_NAME.fullmatch(name):
        raise DatabaseNameError(
            f"database file name {Path(db_path).name!r}: use letters, digits, '-' and '_' "
            "before .db (Datasette addresses the database by this name)"
        )
    return name


def rekey_metadata(data: dict[str, Any], name: str) -> dict[str, Any]:
    """Point the metadata, its home page links and its dashboards at database ``name``."""
    databases = data.get("databases") or {}
    if METADATA_DB_NAME in databases:
        databases[name] = databases.pop(METADATA_DB_NAME)
    if isinstance(data.get("description_html"), str):
        data["description_html"] = data["description_html"].replace(
            f"/{METADATA_DB_NAME}/", f"/{name}/"
        )
    dashboards = (data.get("plugins") or {}).get("datasette-dashboards") or {}
    for dashboard in dashboards.values():
        parts = [*dashboard.get("charts", {}).values(), *dashboard.get("filters", {}).values()]
        for part in parts:
            if part.get("db") == METADATA_DB_NAME:
                part["db"] = name
    return data


def metadata_for(db_path: str | Path, folder: str | Path | None = None) -> Path:
    """The metadata file, re-keyed to the database's own name when the file is not starcity.db.

    A re-keyed copy is written to ``folder`` (the caller's temporary directory, removed
    with it), else to a new private directory that stays.
    """
    name = check_db_name(db_path)
    if name == METADATA_DB_NAME:
        return METADATA
    data = rekey_metadata(yaml.safe_load(METADATA.read_text(encoding="utf-8")), name)
    # A private directory: a predictable name in /tmp could be planted by another user.
    out = Path(folder or tempfile.mkdtemp(prefix="starcity-metadata-")) / f"{name}.yml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


# The Datasette plugins the newsroom needs (pyproject.toml); a public deploy installs the
# versions installed here. None of them writes to the database or accepts uploads.
PLUGINS = (
    "datasette-vega",
    "datasette-search-all",
    "datasette-atom",
    "datasette-dashboards",
    "datasette-block-robots",
)
# Pinned too in a deploy: Datasette itself (the metadata and plugin configuration are
# 0.65's) and the plugins datasette-dashboards brings along (render-markdown's settings are
# part of the safety configuration).
PINNED_WITH_PLUGINS = ("datasette", "datasette-render-markdown", "datasette-leaflet")
# `datasette publish <target>` targets built into Datasette, plus `datasette package`.
PUBLISH_TARGETS = ("cloudrun", "heroku", "package")


def publish_command(
    db_path: str | Path,
    target: str,
    extra: list[str] | None = None,
    folder: str | Path | None = None,
) -> list[str]:
    """The argv of `datasette publish TARGET` (or `datasette package`) for ``db_path``.

    The deploy gets the same metadata, plugins (pinned to the installed versions), project
    plugin, templates and settings as `make serve`; Datasette serves a published database
    immutable (read-only).
    """
    if target not in PUBLISH_TARGETS:
        raise ValueError(f"unknown publish target {target!r} (one of {', '.join(PUBLISH_TARGETS)})")
    verb = ["package"] if target == "package" else ["publish", target]
    command = [sys.executable, "-m", "datasette", *verb, str(db_path)]
    command += ["--metadata", str(metadata_for(db_path, folder))]
    command += ["--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    for name in (*PINNED_WITH_PLUGINS, *PLUGINS):
        command += ["--install", f"{name}=={version(name)}"]
    settings = " ".join(f"--setting {key} {value}" for key, value in SETTINGS.items())
    command += ["--extra-options", settings]
    return command + list(extra or [])


def format_command(command: list[str]) -> str:
    """A command as one shell line."""
    return shlex.join(command)


def datasette_command(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    immutable: bool = False,
    folder: str | Path | None = None,
) -> list[str]:
    """The argv that serves ``db_path`` read-only with the project's metadata.

    ``immutable`` serves it the way a published deploy does (`datasette -i`): the file is
    opened read-only and never expected to change.
    """
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *(["-i"] if immutable else []),
        str(db_path),
        "--metadata",
        str(metadata_for(db_path, folder)),
        "--host",
        host,
        "--port",
        str(port),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--template-dir",
        str(TEMPLATES_DIR),
    ]
    for key, value in SETTINGS.items():
        command += ["--setting", key, value]
    return command
