"""The house rules of issue 13, read from the source with ``ast`` (nothing is imported):

- no import cycle between modules of ``src/ringback``, counting imports inside functions
  and under ``TYPE_CHECKING`` (a cycle hidden in a function is still a cycle to a reader);
- no import cycle between the packages (the rooms: ``ringback.calls``, ``ringback.phones``
  ...), imports inside functions counted; the command table (``ringback.cli``,
  ``ringback.__main__``), the migrations' model registry (``ringback.db.models``,
  ``ringback.db.migrations``) and ``ringback.docs`` may import every domain;
- no function over 80 lines outside the database migrations;
- no command-line module (one that imports ``click``) runs a query itself: commands call
  their domain's service functions, the ones the web app calls too;
- test modules share helpers only through ``tests/support``;
- at most 30 pairs of repeated code that are not boilerplate (the ``duplicates`` tool).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ringback"
MAX_LINES = 80

QUERY_IMPORTS = {"select", "insert", "update", "delete", "func", "text"}
QUERY_CALLS = {"execute", "scalars", "scalar", "query"}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, a package named by its ``__init__.py``."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported(module: str, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The project's modules one import statement names (``from pkg import mod`` names
    ``pkg.mod`` when that is a module, else ``pkg``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: resolved against the importing module's package
            package = module.split(".")
            if modules[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]
    return {name for name in names if name in modules}


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                # A module importing its own package's __init__ is how Python loads it,
                # not a cycle.
                graph[name] |= {
                    t
                    for t in _imported(name, node, modules)
                    if t != name and not name.startswith(t + ".")
                }
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
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


# Modules that may import every domain by design (read exactly as check_house.py does).
REGISTRIES = (
    "ringback.cli",
    "ringback.__main__",
    "ringback.db.models",
    "ringback.db.migrations",
    "ringback.docs",
)


def _room(module: str) -> str:
    """The package a module lives in: ``ringback.voicemail.pipeline.ingest`` ->
    ``ringback.voicemail``; a ground-floor module is its own room."""
    return ".".join(module.split(".")[:2])


def _package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.startswith(REGISTRIES):
            continue
        for target in targets:
            edge = (_room(module), _room(target))
            if edge[0] != edge[1]:
                rooms.setdefault(edge[0], set()).add(edge[1])
                rooms.setdefault(edge[1], set())
    return rooms


def _long_functions() -> dict[str, int]:
    """``path:name`` -> lines, for every function over MAX_LINES outside migrations."""
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("db/migrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_LINES:
                    long[f"{relative}:{node.name}"] = lines
    return long


def test_cycle_finder_sees_a_cycle() -> None:
    """The check itself: a two-module and a three-module loop are found, a chain is not."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(graph)) == [["a", "b"], ["c", "d", "e"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_import_cycles() -> None:
    cycles = _cycles(_import_graph())
    assert not cycles, "modules that import one another in a circle:\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_package_graph_rooms_and_registries() -> None:
    """The check itself: modules are grouped by package, the registries are left out."""
    graph = {
        "ringback.calls.analysis": {"ringback.lines", "ringback.calls.model"},
        "ringback.lines": {"ringback.phones"},
        "ringback.cli": {"ringback.calls.cli"},
        "ringback.calls.cli": {"ringback.calls.analysis"},
    }
    assert _package_graph(graph) == {
        "ringback.calls": {"ringback.lines"},
        "ringback.lines": {"ringback.phones"},
        "ringback.phones": set(),
    }


def test_no_package_import_cycles() -> None:
    """Ground floor -> domains -> interfaces: no two packages import each other in a
    circle, not even through a function-level import."""
    cycles = _cycles(_package_graph(_import_graph()))
    assert not cycles, "packages that import one another in a circle:\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_no_new_long_functions() -> None:
    long = _long_functions()
    assert not long, f"functions over {MAX_LINES} lines (split them): " + ", ".join(
        f"{name} ({lines})" for name, lines in sorted(long.items())
    )


def _queries(tree: ast.AST) -> list[str]:
    """What in a module runs a query: a query builder imported from SQLAlchemy, or
    ``session.execute / scalars / scalar / query`` called."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"imports {a.name}" for a in node.names if a.name in QUERY_IMPORTS]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_CALLS
            and isinstance(node.func.value, ast.Name)
            and "session" in node.func.value.id
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}()")
    return found


def _command_line_modules() -> dict[str, ast.AST]:
    """``path`` -> syntax tree, for every module that imports click."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            a.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for a in node.names
        ]
        if "click" in names:
            found[path.relative_to(PACKAGE).as_posix()] = tree
    return found


def test_query_finder_sees_a_query() -> None:
    tree = ast.parse(
        "def f(session):\n    from sqlalchemy import select\n    return session.scalars(q)"
    )
    assert _queries(tree) == ["imports select", "line 3: session.scalars()"]
    assert _queries(ast.parse("def f(items):\n    return items.scalars()")) == []


def test_command_line_modules_run_no_queries() -> None:
    modules = _command_line_modules()
    assert "contacts/cli.py" in modules and "voicemail/cli.py" in modules
    querying = {path: found for path, tree in modules.items() if (found := _queries(tree))}
    assert not querying, "command-line modules that query (call a service instead): " + (
        "; ".join(f"{path}: {', '.join(found)}" for path, found in sorted(querying.items()))
    )


def test_test_modules_share_helpers_only_through_tests_support() -> None:
    """A helper two test files need lives in ``tests/support``: importing one test module
    from another runs (and collects) its tests twice over, and hides where helpers are."""
    tests = Path(__file__).resolve().parent
    wrong = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
                target = (node.module or "").split(".")[1]
                if target not in ("support", "conftest"):
                    wrong.append(f"{path.relative_to(tests)}: from {node.module}")
    assert not wrong, "import shared helpers from tests.support: " + "; ".join(wrong)


def test_repeated_code_stays_within_the_house_limit() -> None:
    """At most 30 pairs of repeated code that are not boilerplate, as the library's
    ``duplicates`` tool lists them (issue 13). The tool is a developer's command, not a
    dependency of the product: where it is not installed there is nothing to run."""
    tool = shutil.which("duplicates")
    if tool is None:
        pytest.skip("the `duplicates` command is not on PATH on this machine")
    out = subprocess.run(
        [tool, "--repo", str(PACKAGE), "--most", "200", "--seconds", "120"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    pairs = [line for line in out.splitlines() if line.startswith("D")]
    repeated = [line for line in pairs if "boilerplate" not in line]
    assert pairs, out[:500]  # the tool ran and read the package
    assert len(repeated) <= 30, "\n".join(repeated)
