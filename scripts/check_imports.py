"""Every third-party package the code imports is declared in pyproject.toml (`make lint`).

The project's code (spiders/, pipelines/, db/, starcity/, settings.py) may import only the
production dependencies; tests/ and bench/ the development ones too. An import is mapped to
the distributions that provide it (importlib.metadata), so `yaml` is PyYAML's.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# "anchors" and "evaluate" are the evaluation's own modules, in ../shared/eval.
LOCAL = {
    "spiders", "pipelines", "db", "starcity", "settings", "tests", "bench", "anchors", "evaluate",
}  # fmt: skip
PRODUCTION = ["spiders", "pipelines", "db", "starcity", "settings.py"]
DEVELOPMENT = ["tests", "bench"]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)).lower()


def imports_of(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level module -> the files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def python_files(parts: list[str]) -> list[Path]:
    files: list[Path] = []
    for part in parts:
        path = ROOT / part
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def undeclared(parts: list[str], declared: set[str]) -> list[str]:
    providers = metadata.packages_distributions()
    problems = []
    for module, files in sorted(imports_of(python_files(parts)).items()):
        if module in sys.stdlib_module_names or module in LOCAL or module == "__future__":
            continue
        dists = {_name(d) for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{module}: imported by {', '.join(sorted(files))}, not installed")
        elif not dists & declared:
            problems.append(
                f"{module} ({', '.join(sorted(dists))}): imported by"
                f" {', '.join(sorted(files))}, not declared in pyproject.toml"
            )
    return problems


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    production = {_name(r) for r in project["dependencies"]}
    development = production | {
        _name(r) for extra in project["optional-dependencies"].values() for r in extra
    }
    problems = undeclared(PRODUCTION, production) + undeclared(DEVELOPMENT, development)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
