"""Load the sources file and the topic file into plain typed objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from starcity.urlgate import RefusedURL, request_url, sites_for

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"

# Named source sets; anything else given as SOURCES is read as a path.
SOURCE_SETS = {
    "real": CONFIG_DIR / "sources.yml",
    "demo": CONFIG_DIR / "sources-demo.yml",
}
DEFAULT_TOPIC = CONFIG_DIR / "topic.yml"
KINDS = ("feed", "sitemap", "site")


class ConfigError(ValueError):
    """A sources or topic file that cannot be used, with the reason."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...] = ()
    language: str | None = None
    prefilter: bool = True
    active: bool = True
    # For `site` sources: article links to fetch, links never to fetch, listing pages to
    # follow (sections, tags, pagination), and how many listing pages at most.
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    max_pages: int = 5
    # How many links away from a start page a listing page may be (0: start pages only).
    max_depth: int = 2


@dataclass(frozen=True)
class Topic:
    """The watched topic: its names, query terms and the evidence for and against it."""

    name: str
    query_terms: tuple[str, ...]
    names: tuple[str, ...] = ()
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    other_contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""


def resolve_sources_path(spec: str | Path) -> Path:
    """Map a source-set name ("real", "demo") or a file path to the sources file."""
    path = SOURCE_SETS.get(str(spec), Path(spec))
    if not path.is_file() and not path.is_absolute() and (ROOT / path).is_file():
        path = ROOT / path
    if not path.is_file():
        raise ConfigError(f"sources file not found: {path} (use 'real', 'demo' or a path)")
    return path


def load_sources(spec: str | Path, demo_url: str | None = None) -> list[Source]:
    """Read a sources file; "{demo}" in URLs is replaced by ``demo_url``."""
    path = resolve_sources_path(spec)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    defaults = data.get("defaults") or {}
    sources: list[Source] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("sources") or []):
        entry = {**defaults, **(raw or {})}
        name = entry.get("name")
        if not name:
            raise ConfigError(f"{path}: source #{i + 1} has no name")
        if name in seen:
            raise ConfigError(f"{path}: source name {name!r} is used twice")
        seen.add(name)
        kind = entry.get("kind", "feed")
        if kind not in KINDS:
            raise ConfigError(f"{path}: source {name!r}: unknown kind {kind!r} (known: {KINDS})")
        urls = entry.get("start_urls") or []
        if isinstance(urls, str):
            urls = [urls]
        if not urls:
            raise ConfigError(f"{path}: source {name!r} has no start_urls")
        if any("{demo}" in u for u in urls):
            if not demo_url:
                raise ConfigError(f"{path}: source {name!r} needs the demo web's URL")
            urls = [u.replace("{demo}", demo_url.rstrip("/")) for u in urls]
        # No list means the start URLs' sites; "*" lets an aggregator's entries link to
        # any public site (starcity/urlgate.py).
        domains = entry.get("allowed_domains") or ()
        if isinstance(domains, str):
            domains = [domains]
        domains = [str(d) for d in domains]
        try:
            for url in urls:
                request_url(url)
            sites_for(domains, urls)
        except (RefusedURL, ValueError) as exc:
            raise ConfigError(f"{path}: source {name!r}: {exc}") from exc
        patterns = {}
        for key in ("allow", "deny", "follow"):
            values = entry.get(key) or ()
            values = [values] if isinstance(values, str) else list(values)
            for value in values:
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ConfigError(
                        f"{path}: source {name!r}: {key} pattern {value!r} is invalid: {exc}"
                    ) from exc
            patterns[key] = tuple(values)
        if kind == "site" and not patterns["allow"]:
            raise ConfigError(f"{path}: source {name!r} (kind site) needs allow patterns")
        sources.append(
            Source(
                name=name,
                kind=kind,
                start_urls=tuple(urls),
                allowed_domains=tuple(domains),
                language=entry.get("language"),
                prefilter=bool(entry.get("prefilter", True)),
                active=bool(entry.get("active", True)),
                max_pages=int(entry.get("max_pages", 5)),
                max_depth=int(entry.get("max_depth", 2)),
                **patterns,
            )
        )
    return sources


def load_topic(path: str | Path = DEFAULT_TOPIC) -> Topic:
    """Read the topic file (name, query terms, confirming and contrary contexts).

    A relative path is taken from the project's root, wherever the command runs.
    """
    path = Path(path)
    if not path.is_absolute():
        path = ROOT / path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read topic file: {exc}") from exc
    if not data.get("query_terms"):
        raise ConfigError(f"{path}: topic has no query_terms")

    def groups(key: str) -> dict[str, tuple[str, ...]]:
        raw = data.get(key) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: {key} must map group names to lists of terms")
        return {name: tuple(str(t) for t in terms or ()) for name, terms in raw.items()}

    return Topic(
        name=data.get("name", "topic"),
        query_terms=tuple(data["query_terms"]),
        names=tuple(data.get("names") or data["query_terms"]),
        evidence=groups("evidence"),
        other_contexts=groups("other_contexts"),
        description=data.get("description", ""),
    )


KNOWLEDGE_FILE = ROOT / "db" / "knowledge.yml"


def resolve_path(path: str | Path) -> Path:
    """A configured path; a relative one is taken from the project's root."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def load_knowledge(path: str | Path = KNOWLEDGE_FILE) -> dict[str, Any]:
    """Read the knowledge base file (people, works, organisations, words that are no
    people) as plain data, for pipelines.entities.KnowledgeBase."""
    path = resolve_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read knowledge base: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the knowledge base must be a mapping")
    return data
