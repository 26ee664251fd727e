"""The version of the analysis: what derived an article's stored values.

A reprocess (issue #18) can take only the articles an older analysis derived. What the
analysis makes of a page depends on its code, the libraries it calls and their models,
and its configuration (topic, knowledge base, models, labels analysed); the version is a
short digest of all of them, so that any change to one gives a new version and nothing
else does. No library keeps such a fingerprint of a code base: it is written here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pipelines.analysis import AnalysisConfig

_HERE = Path(__file__).resolve().parent
# The analysis's own code: this package, and the modules of the project it imports.
_PROJECT_MODULES = ("article.py", "hygiene.py", "pagebounds.py", "urlgate.py", "urls.py")
# The libraries whose releases change what the analysis finds.
LIBRARIES = (
    "trafilatura",
    "htmldate",
    "lxml",
    "extruct",
    "dateparser",
    "py3langid",
    "spacy",
    "datasketch",
)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the analysis's source files (this package's and the project modules it
    imports), by name and content."""
    files = sorted(p for p in _HERE.iterdir() if p.is_file() and p.suffix in (".py", ".txt"))
    files += [_HERE.parent / "starcity" / name for name in _PROJECT_MODULES]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _installed(name: str) -> str:
    """The installed version of a distribution (a spaCy model's package name too)."""
    for candidate in (name, name.replace("_", "-")):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return "-"


def _plain(value: Any) -> Any:
    """JSON for what json.dumps cannot write: sets in sorted order (a set's own order
    changes from one process to the next), anything else by its repr."""
    if isinstance(value, set | frozenset):
        return sorted(value)
    return repr(value)


def analysis_version(config: AnalysisConfig) -> str:
    """A 12-hex-digit version of the analysis with ``config``: code, libraries and their
    versions, spaCy models and their versions, and the configuration."""
    models = sorted({config.model, *(config.language_models or {}).values()})
    parts = {
        "code": code_digest(),
        "libraries": {name: _installed(name) for name in LIBRARIES},
        "models": {name: _installed(name) for name in models},
        "config": dataclasses.asdict(config),
    }
    text = json.dumps(parts, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
