"""The rules table (rules.toml) as frozen data: ids, titles, weights, reasoning, seed citations.

Weights live in the data file, not in code, so that the README (generated from the same
table) and the scores can never disagree about how much a rule counts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.toml")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    weight: int
    checks: str
    why: str
    source: str


@cache
def _table() -> dict[str, tuple[Rule, ...]]:
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    table: dict[str, tuple[Rule, ...]] = {}
    for section in ("voicemail", "opener"):
        rules = tuple(Rule(**row) for row in data[section])
        ids = [rule.id for rule in rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{RULES_FILE.name}: duplicate rule id in [[{section}]]")
        if any(rule.weight <= 0 for rule in rules):
            raise ValueError(f"{RULES_FILE.name}: weights must be positive in [[{section}]]")
        table[section] = rules
    return table


def voicemail_rules() -> tuple[Rule, ...]:
    return _table()["voicemail"]


def opener_rules() -> tuple[Rule, ...]:
    return _table()["opener"]
