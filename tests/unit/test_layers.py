"""The house rules, read from the source with ast: no import cycles, and each layer imports only below itself.

Order (README, "Where things live"): tables < services (top-level modules < payments < invoices < mail < dashboard < demo)
< controllers. Controller modules import services, never tables or each other; controllers/_*.py are helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGES = ("app", "stripe_sandbox")
# Feature packages of app.services, lowest first: a package may import the ones before it, never after.
SERVICE_ORDER = ("payments", "invoices", "einvoice", "mail", "quotes", "autopay", "recurring", "dashboard", "reports",
                 "portal", "api", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((SRC / pkg).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, name: str, modules: dict[str, Path]) -> tuple[set[str], list[int]]:
    """(modules imported at run time, line numbers of imports made inside functions)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    inner: list[int] = []

    def target(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                inner.append(child.lineno)
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = target(child)
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in child.names
                             if f"{module}.{alias.name}" in modules)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found, inner


def _graph() -> tuple[dict[str, set[str]], dict[str, list[int]], dict[str, set[str]]]:
    modules = _modules()
    edges, inner, raw = {}, {}, {}
    for name, path in modules.items():
        found, lines = _imports(path, name, modules)
        raw[name] = found
        edges[name] = {m for m in found if m in modules and m != name}
        inner[name] = lines
    return edges, inner, raw


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _controller_module(module: str) -> bool:
    """A module holding route handlers (helpers named controllers/_*.py and the package itself are not)."""
    return _within(module, "app.controllers") and module != "app.controllers" and not module.rsplit(".", 1)[1].startswith("_")


def _service_package(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[:2] == ["app", "services"] and parts[2] in SERVICE_ORDER:
        return parts[2]
    return None


def _violations() -> list[str]:
    edges, _, raw = _graph()
    problems = []
    for module, imported in sorted(raw.items()):
        for other in sorted(imported):
            if _within(module, "app.services") and _within(other, "litestar"):
                problems.append(f"{module} imports {other}: services never import Litestar")
            if _within(module, "app.tables") and _within(other, "app.services"):
                problems.append(f"{module} imports {other}: tables never import services")
            if _controller_module(module) and _within(other, "app.tables"):
                problems.append(f"{module} imports {other}: controllers ask services, not tables")
            if _within(module, "app.controllers") and module != "app.controllers" and _controller_module(other) \
                    and other != module:
                problems.append(f"{module} imports {other}: controllers never import other controllers")
            mine, theirs = _service_package(module), _service_package(other)
            if mine and theirs and SERVICE_ORDER.index(theirs) > SERVICE_ORDER.index(mine):
                problems.append(f"{module} imports {other}: services/{mine} sits below services/{theirs}")
            if module.count(".") == 2 and _within(module, "app.services") and theirs and not _service_package(module):
                problems.append(f"{module} imports {other}: top-level services sit below the feature packages")
    return problems


def test_there_is_no_import_cycle():
    edges, _, _ = _graph()
    assert _cycles(edges) == []


def test_each_layer_imports_only_below_itself():
    assert _violations() == []


def test_imports_happen_at_module_level_except_in_cli():
    _, inner, _ = _graph()
    late = {module: lines for module, lines in inner.items() if lines and not module.endswith(".cli")}
    assert late == {}


def test_the_rules_see_a_cycle_and_a_reversed_layer():
    """The checks themselves: a planted cycle and an upward edge are reported."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    edges, _, _ = _graph()
    assert "app.services.rows" in edges and "app.services.invoices.lifecycle" in edges, "the graph reads src/"
    assert _service_package("app.services.mail.compose") == "mail"
    assert _controller_module("app.controllers.invoices") and not _controller_module("app.controllers._errors")
