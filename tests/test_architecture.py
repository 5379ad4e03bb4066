"""The layout keeps its promises: layers import only downwards, modules stay small, and every
docs link in the code points at a heading that exists. Read from the source, so it cannot rot."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scheduler", "web")
MAX_LINES = 400

# Layer -> the project layers it may import (itself always allowed).
MAY_IMPORT = {
    "scheduler.domain": set(),
    "scheduler.solve": {"scheduler.domain"},
    "scheduler.store": {"scheduler.domain"},
    "scheduler.services": {"scheduler.domain", "scheduler.solve", "scheduler.store"},
    "scheduler.cli": {
        "scheduler.domain",
        "scheduler.solve",
        "scheduler.store",
        "scheduler.services",
        "web",
    },
    "web": {"scheduler.domain", "scheduler.solve", "scheduler.store", "scheduler.services"},
}
# Third-party libraries that belong to one or two layers only.
OWNED_BY = {
    "ortools": {"scheduler.solve"},
    "sqlalchemy": {"scheduler.store", "scheduler.services"},
    "alembic": {"scheduler.store"},
    "flask": {"web"},
    "werkzeug": {"web", "scheduler.services"},  # password hashing in accounts
    "click": {"scheduler.cli"},
    "gunicorn": {"scheduler.cli"},
    "prometheus_client": {"web"},
    "limits": {"scheduler.store", "web"},  # the database storage of the sign-in throttle
    "flask_limiter": {"web"},
    "flask_login": {"web"},
    "flask_wtf": {"web"},
}


def modules() -> list[tuple[str, Path]]:
    """Return (dotted name, path) of every Python module of the project."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join(parts), path))
    return found


def layer_of(module: str) -> str | None:
    """Return the layer a dotted module name belongs to, or None for the package roots."""
    for layer in sorted(MAY_IMPORT, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def imports_of(path: Path) -> set[str]:
    """Return every module an import statement in the file names, lazy imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_every_module_belongs_to_a_layer() -> None:
    loose = [m for m, _ in modules() if layer_of(m) is None and m not in ("scheduler",)]
    assert loose == [], "modules outside domain/solve/store/services/cli/web"


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_layers_import_only_what_they_may(module: str, path: Path) -> None:
    layer = layer_of(module)
    if layer is None:
        return
    wrong = []
    for name in imports_of(path):
        top = name.split(".")[0]
        target = layer_of(name)
        if top in ("scheduler", "web") and target is not None and target != layer:
            if target not in MAY_IMPORT[layer]:
                wrong.append(name)
        if top in OWNED_BY and layer not in OWNED_BY[top]:
            wrong.append(name)
    assert sorted(set(wrong)) == [], f"{module} ({layer}) imports what its layer may not"


def test_the_rules_hold_for_a_module_that_breaks_them(tmp_path) -> None:
    # The checker itself must be able to fail: a domain module importing CP-SAT and the store.
    bad = tmp_path / "bad.py"
    bad.write_text("from ortools.sat.python import cp_model\nfrom scheduler import store\n")
    names = imports_of(bad)
    assert "ortools.sat.python" in names and "scheduler.store" in names
    assert layer_of("scheduler.store") not in MAY_IMPORT["scheduler.domain"]
    assert "scheduler.domain" not in OWNED_BY["ortools"]


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_modules_stay_small(module: str, path: Path) -> None:
    if ".migrations." in f".{module}.":
        return
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def anchors(markdown: str) -> set[str]:
    """Return GitHub-style anchors of a Markdown file's headings."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_docs_links_in_the_code_point_at_headings_that_exist() -> None:
    link = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")
    broken = []
    for _, path in modules() + [(None, p) for p in (ROOT / "tests").rglob("*.py")]:
        for doc, anchor in link.findall(path.read_text(encoding="utf-8")):
            target = ROOT / "docs" / doc
            if not target.exists() or (anchor and anchor not in anchors(target.read_text())):
                broken.append(f"{path.relative_to(ROOT)}: docs/{doc}#{anchor}")
    assert broken == []


def undocumented(path: Path) -> list[str]:
    """Return the public functions, classes and methods of a module that have no docstring."""
    missing = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        members = [node]
        if isinstance(node, ast.ClassDef):
            members += [n for n in node.body if isinstance(n, ast.FunctionDef)]
        for member in members:
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            if isinstance(member, kinds) and not member.name.startswith("_"):
                if ast.get_docstring(member) is None:
                    missing.append(f"{member.name} (line {member.lineno})")
    return missing


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_public_functions_and_classes_have_docstrings(module: str, path: Path) -> None:
    if ".migrations." in f".{module}.":
        return
    assert undocumented(path) == []
