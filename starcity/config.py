"""Load the sources file and the topic file into plain typed objects."""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from starcity.urlgate import ANY_SITE, RefusedURL, request_url, sites_for

ROOT = Path(__file__).resolve().parent.parent
# Beside the code in a checkout; an installed package (pip install .) has its copy of
# config/ under <prefix>/share/starcity-monitor/ (pyproject.toml data-files).
SHARED = Path(sys.prefix) / "share" / "starcity-monitor"
DATA_ROOT = ROOT if (ROOT / "config").is_dir() or not SHARED.is_dir() else SHARED
CONFIG_DIR = DATA_ROOT / "config"

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
    prefilter: bool | None = True
    active: bool | None = True
    # For `site` sources: article links to fetch, links never to fetch, listing pages to
    # follow (sections, tags, pagination), and how many listing pages at most.
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    max_pages: int = 5
    # How many links away from a start page a listing page may be (0: start pages only).
    max_depth: int = 2
    # Article pages rendered in a headless browser first (pages built by JavaScript):
    # a pattern of the addresses to render, ".*" for all ("render: true"); None: none.
    render: str | None = None
    # Links to Google News articles decoded to the publishers' addresses (a Google News
    # feed; starcity/components/gnews.py).
    google_news: bool = False


@dataclass(frozen=True)
class Topic:
    """The watched topic: its names, query terms and the evidence for and against it."""

    name: str
    query_terms: tuple[str, ...]
    names: tuple[str, ...] = ()
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    other_contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""


# The files' schemas: every key known, every value of its type. A file that does not fit
# is refused with one line naming the file, the line and the key (ConfigError, exit 2).
# A key written with no value (``allow:``) means the default, as it did before the schema.
_TEXTS = str | list[str] | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SourceEntry(_Strict):
    """One source as written in a sources file (docs/sources.md)."""

    name: str
    kind: Literal["feed", "sitemap", "site"] = "feed"
    start_urls: _TEXTS
    allowed_domains: _TEXTS = ()
    language: str | None = None
    prefilter: bool | None = True
    active: bool | None = True
    allow: _TEXTS = ()
    deny: _TEXTS = ()
    follow: _TEXTS = ()
    max_pages: int = Field(5, ge=0)
    max_depth: int = Field(2, ge=0)
    render: bool | str = False
    google_news: bool = False


class _SourceDefaults(SourceEntry):
    name: str | None = None  # type: ignore[assignment]
    start_urls: _TEXTS = ()


class SourcesFile(_Strict):
    defaults: _SourceDefaults | None = None
    sources: list[dict[str, Any]] | None = None
    settings: dict[str, Any] | None = None


class TopicFile(_Strict):
    name: str = "topic"
    description: str | None = ""
    names: list[str] | None = None
    query_terms: list[str] = Field(min_length=1)
    evidence: dict[str, list[str] | None] | None = None
    other_contexts: dict[str, list[str] | None] | None = None


_BRANCHES = {"str", "list[str]", "int", "bool", "dict[str,any]", "list[dict[str,any]]"}


def _line(node: Any, loc: tuple[Any, ...], of_key: bool = False) -> int | None:
    """The line (1-based) of the value at ``loc`` in a composed YAML document (of its
    key, with ``of_key``)."""
    found = node.start_mark.line + 1 if node is not None else None
    for depth, key in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == key]
            if not match:
                return found
            if of_key and depth == len(loc) - 1:
                return match[0][0].start_mark.line + 1
            node = match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                return found
            node = node.value[key]
        else:
            return found
        found = node.start_mark.line + 1
    return found


def _where(loc: tuple[Any, ...]) -> str:
    shown = ""
    for key in loc:
        shown += f"[{key}]" if isinstance(key, int) else (f".{key}" if shown else str(key))
    return shown or "top level"


def _schema_error(
    path: Path, text: str, exc: ValidationError, prefix: tuple = (), model: type = SourceEntry
) -> ConfigError:
    """One line for the first thing wrong: file, line, key path, what was expected."""
    # The deepest error: of a value that fits neither "str" nor "list[str]", the item at fault.
    error = max(exc.errors(), key=lambda e: len(e["loc"]))
    # Union branches ("str", "list[str]") appear in pydantic's location: keep the file's keys.
    loc = prefix + tuple(
        k for k in error["loc"] if k not in _BRANCHES and not str(k).startswith("function-")
    )
    try:
        line = _line(yaml.compose(text), loc, of_key=error["type"] == "extra_forbidden")
    except yaml.YAMLError:
        line = None
    at = f"{path}:{line}" if line else str(path)
    if error["type"] == "extra_forbidden":
        key = loc[-1]
        if model is SourceEntry and len(loc) == 1:
            model = SourcesFile  # a key at the top of a sources file
        known = list(model.model_fields)
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
        return ConfigError(f"{at}: {_where(loc[:-1])}: unknown key '{key}'{hint}")
    value = error.get("input")
    shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
    message = error["msg"]
    if error["type"] == "missing" and loc:
        return ConfigError(f"{at}: {_where(loc[:-1])}: has no {loc[-1]}")
    if error["type"] == "dict_type" and loc[:1] == ("sources",):
        message = "a source is a mapping (name:, start_urls:, ...), not a single value"
    return ConfigError(f"{at}: {_where(loc)}: {message}{shown}")


def _read_yaml(path: Path, what: str) -> tuple[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, yaml.safe_load(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc


def validate_sources(path: Path, text: str, data: Any) -> SourcesFile:
    """The sources file checked against its schema (ConfigError naming the key if not)."""
    if data is None:
        data = {"sources": []}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: the file must be a mapping with a 'sources' list (got a "
            f"{type(data).__name__})"
        )
    try:
        checked = SourcesFile.model_validate({"sources": [], **data})
    except ValidationError as exc:
        raise _schema_error(path, text, exc) from exc
    defaults = (data.get("defaults") or {}) if isinstance(data.get("defaults"), dict) else {}
    for i, raw in enumerate(checked.sources or []):
        try:
            SourceEntry.model_validate({**defaults, **raw})
        except ValidationError as exc:
            raise _schema_error(path, text, exc, ("sources", i)) from exc
    return checked


def resolve_sources_path(spec: str | Path) -> Path:
    """Map a source-set name ("real", "demo") or a file path to the sources file."""
    path = SOURCE_SETS.get(str(spec), Path(spec))
    if not path.is_file() and not path.is_absolute() and (DATA_ROOT / path).is_file():
        path = DATA_ROOT / path
    if not path.is_file():
        raise ConfigError(f"sources file not found: {path} (use 'real', 'demo' or a path)")
    return path


def load_sources(spec: str | Path, demo_url: str | None = None) -> list[Source]:
    """Read a sources file; "{demo}" in URLs is replaced by ``demo_url``."""
    path = resolve_sources_path(spec)
    text, data = _read_yaml(path, "sources file")
    validate_sources(path, text, data)
    data = data or {}
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
        render = entry.get("render")
        if render is True:
            render = ".*"
        elif not render:
            render = None
        else:
            try:
                re.compile(str(render))
            except re.error as exc:
                raise ConfigError(
                    f"{path}: source {name!r}: render pattern {render!r} is invalid: {exc}"
                ) from exc
        if render and ANY_SITE in domains:
            # the browser is confined to the rendering sources' sites (spiders/render.py):
            # a source that may go anywhere would open it to every address
            raise ConfigError(
                f"{path}: source {name!r}: render cannot go with allowed_domains"
                f" {ANY_SITE!r} (the browser reaches only the sources' own sites)"
            )
        if kind == "site" and not patterns["allow"]:
            raise ConfigError(f"{path}: source {name!r} (kind site) needs allow patterns")
        sources.append(
            Source(
                name=name,
                kind=kind,
                start_urls=tuple(urls),
                allowed_domains=tuple(domains),
                language=entry.get("language"),
                prefilter=entry.get("prefilter") is not False,
                active=entry.get("active") is not False,
                max_pages=int(entry.get("max_pages", 5)),
                max_depth=int(entry.get("max_depth", 2)),
                render=str(render) if render else None,
                google_news=entry.get("google_news") is True,
                **patterns,
            )
        )
    return sources


def load_topic(path: str | Path = DEFAULT_TOPIC) -> Topic:
    """Read the topic file (name, query terms, confirming and contrary contexts).

    A relative path is taken from the project's root, wherever the command runs.
    """
    path = resolve_path(path)
    text, data = _read_yaml(path, "topic file")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the topic file must be a mapping with query_terms")
    try:
        TopicFile.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(path, text, exc, model=TopicFile) from exc

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
    """A configured path; a relative one is taken from the project's root (the code's for
    files shipped in its packages, the data's for config/)."""
    path = Path(path)
    if path.is_absolute():
        return path
    return ROOT / path if (ROOT / path).exists() else DATA_ROOT / path


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
