"""docs/reliability.md names a test for every promise: each named test must exist, and each
setting it names must be a real one, so the page cannot drift from the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ringback.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def test_every_promise_names_a_test_that_exists() -> None:
    refs = TEST_REF.findall(DOC.read_text())
    assert len(refs) >= 30, "the page should name the tests behind its promises"
    missing = [
        f"{file}::{name}"
        for file, name in refs
        if not (ROOT / file).exists() or name not in _test_names(ROOT / file)
    ]
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"


def test_every_setting_it_names_exists() -> None:
    named = set(re.findall(r"RINGBACK_([A-Z_]+)", DOC.read_text()))
    fields = {name.upper() for name in Settings.model_fields}
    assert named, "the page should name the settings behind its limits"
    assert named <= fields, f"unknown settings: {sorted(named - fields)}"
