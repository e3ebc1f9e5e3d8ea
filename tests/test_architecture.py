"""The direction of imports that docs/architecture.md states, over every import.

Every module of the package is parsed (no import runs), and every import statement counts:
at module level, inside functions and methods, and inside ``try``/``if`` blocks. A rule
that only looked at module-level imports would let a cycle hide behind a function-level
import, which is how one grew to 17 modules before.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

PACKAGE = "wagtail_buddy"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# The page's routes reach the public views through one method (as wagtail.contrib.forms
# reaches its views from its models): the views import the models, so this one import is
# made when a route runs. It is the only edge from the models upwards.
DISPATCH = ("wagtail_buddy.models.programme_routes", "wagtail_buddy.views.public")

# Function-level imports that hide something, and what. Any other import goes at the top.
ALLOWED_LAZY = {
    DISPATCH: "the page's one dispatch point to its views",
    ("wagtail_buddy.apps", "wagtail_buddy.admin.page_form"):
        "AppConfig.ready: models exist only once the registry is loaded",
    ("wagtail_buddy.apps", "wagtail_buddy.compat"): "AppConfig.ready",
    ("wagtail_buddy.apps", "wagtail_buddy.models"): "AppConfig.ready",
    ("wagtail_buddy.apps", "wagtail_buddy.services.tokens"): "AppConfig.ready",
    ("wagtail_buddy.services.demo", "faker"): "optional dependency (demo extra)",
    ("wagtail_buddy.services.certificate", "fpdf"): "optional dependency (pdf extra)",
    ("wagtail_buddy.management.commands.buddy_demo_data", "faker"):
        "optional dependency: a clear message when it is missing",
}

# Layer -> packages/modules it must never import (prefix match), from docs/architecture.md.
FORBIDDEN = {
    "wagtail_buddy.models": ("wagtail_buddy.services", "wagtail_buddy.views",
                             "wagtail_buddy.admin", "wagtail_buddy.permissions",
                             "wagtail_buddy.forms", "wagtail_buddy.tasks",
                             "wagtail_buddy.wagtail_hooks"),
    "wagtail_buddy.permissions": ("wagtail_buddy.services", "wagtail_buddy.views",
                                  "wagtail_buddy.admin", "wagtail_buddy.forms"),
    "wagtail_buddy.services": ("wagtail_buddy.views", "wagtail_buddy.admin",
                               "wagtail_buddy.tasks", "wagtail_buddy.wagtail_hooks"),
    "wagtail_buddy.matching": ("django", "wagtail", "modelcluster", "django_q",
                               "wagtail_buddy.models", "wagtail_buddy.services",
                               "wagtail_buddy.views", "wagtail_buddy.admin",
                               "wagtail_buddy.conf", "wagtail_buddy.permissions"),
    # The retry schedule sits below the outbox: one way.
    "wagtail_buddy.services.retry": ("wagtail_buddy.services.emails",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))
            if "migrations" not in p.parts}


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """The module names an import statement loads (``from a import b`` is ``a.b`` when
    that is a module of the package, else ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")[: None if is_package else -1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    known = modules()
    return [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix
            for a in node.names]


@cache
def imports() -> list[tuple[str, str, int, bool]]:
    """(importer, imported, line, inside a function) for every import in the package."""
    found = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = {id(n) for fn in ast.walk(tree)
                       if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                       for n in ast.walk(fn)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            for target in _targets(module, node, path.name == "__init__.py"):
                found.append((module, target, node.lineno, id(node) in in_function))
    return found


def _owner(name: str) -> str | None:
    """The package module ``name`` loads (a name inside a module counts as the module)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def graph(skip: tuple[str, str] | None = DISPATCH) -> dict[str, set[str]]:
    """Module -> package modules it imports, its parent packages included (importing
    ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` too)."""
    edges: dict[str, set[str]] = {m: set() for m in modules()}
    for importer, imported, _line, _lazy in imports():
        target = _owner(imported) if imported.split(".")[0] == PACKAGE else None
        if target is None or (importer, target) == skip:
            continue
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            parent = ".".join(parts[:i])
            if parent != importer and parent in edges and not importer.startswith(parent + "."):
                edges[importer].add(parent)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walk_sees_function_level_imports():
    """The check itself: it finds the dispatch import inside a method."""
    lazy = {(a, _owner(b)) for a, b, _line, inside in imports() if inside}
    assert DISPATCH in lazy
    assert len(modules()) > 80


def test_no_import_cycles_counting_function_level_imports():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_cycle_check_finds_a_cycle():
    """Without the dispatch exception the models reach the views and back: the check
    reports it (so an empty report above means something)."""
    found = cycles(graph(skip=None))
    assert any("wagtail_buddy.views.public" in c and "wagtail_buddy.models.programme_routes" in c
               for c in found)


def test_layers_import_only_downwards():
    wrong = []
    for importer, imported, line, _inside in imports():
        for layer, forbidden in FORBIDDEN.items():
            if importer != layer and not importer.startswith(layer + "."):
                continue
            if (importer, _owner(imported)) == DISPATCH:
                continue
            if any(imported == f or imported.startswith(f + ".") for f in forbidden):
                wrong.append(f"{importer}:{line} imports {imported}")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(sorted(wrong))


def test_function_level_imports_hide_something():
    """An import inside a function must break a real cycle or wait for something; the
    allowed ones say what. Everything else goes at the top of its module."""
    unexplained = sorted(
        f"{importer}:{line} imports {imported}"
        for importer, imported, line, inside in imports()
        if inside and (importer, _owner(imported) or imported.split(".")[0]) not in ALLOWED_LAZY)
    assert not unexplained, "function-level imports that hide nothing:\n" + \
        "\n".join(unexplained)
    dispatch = [f"{importer}:{line}" for importer, imported, line, inside in imports()
                if inside and (importer, _owner(imported)) == DISPATCH]
    assert len(dispatch) == 1, f"the page reaches its views at one point, not {dispatch}"


def test_the_documented_direction_is_the_checked_one():
    """docs/architecture.md states the rules this file enforces."""
    text = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for claim in ("Models import nothing from services, views, admin or permissions",
                  "tests/test_architecture.py", "views.public"):
        assert claim in text


def test_engine_imports_nothing_from_django_or_the_rest_of_the_package():
    code = (
        "import sys, wagtail_buddy.matching, wagtail_buddy.matching.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'wagtail')\n"
        "             or (m.startswith('wagtail_buddy.') and not m.startswith("
        "'wagtail_buddy.matching')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# Nothing is over the size guideline; a name added here must say why.
SIZE_EXCEPTIONS: set[str] = set()


def test_sizes_follow_the_guideline():
    """No module over 400 lines, no function over 80, no class over 200."""
    over = []
    for module, path in modules().items():
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > 400:
            over.append(f"{module}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            limit = (80 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else
                     200 if isinstance(node, ast.ClassDef) else None)
            if limit is None:
                continue
            length = node.end_lineno - node.lineno + 1
            if length > limit and f"{module}.{node.name}" not in SIZE_EXCEPTIONS:
                over.append(f"{module}.{node.name}: {length} lines")
    assert not over, "over the size guideline:\n" + "\n".join(sorted(over))
