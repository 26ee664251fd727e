"""bench/results.md: one file for the benchmarks of `make bench`, one section each.

Each benchmark replaces its own "## " section and leaves the others as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"
_TITLE = "# Benchmarks\n\nWritten by `make bench`; each section by the script it names.\n"


def write_section(heading: str, body: str, path: Path = RESULTS) -> None:
    """Put ``body`` under ``## heading`` in ``path``, replacing that section if present."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text.startswith(_TITLE):
        text = _TITLE  # an older file of one benchmark only: start again
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
