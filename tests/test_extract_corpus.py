"""extract_facts over the hand-written voicemail corpus (tests/support/extract_data.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.extract_data import CORPUS
from tests.support.extract_data_blind import BLIND, BLIND2, BLIND3, HELDOUT, KNOWN_MISSES
from tests.support.extract_metrics import BOOL_FIELDS, LIST_FIELDS, actual_value, facts_for

FIELDS = ("caller_name", "company", *LIST_FIELDS, *BOOL_FIELDS)
ALL_CASES = {**CORPUS, **HELDOUT, **BLIND, **BLIND2, **BLIND3}


def _params() -> list[Any]:
    params = []
    for name in ALL_CASES:
        marks = []
        if name in KNOWN_MISSES:
            reason = f"known miss: {', '.join(KNOWN_MISSES[name])}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", _params())
def test_corpus_case(name: str) -> None:
    case = ALL_CASES[name]
    facts = facts_for(case)
    for field in FIELDS:
        got = actual_value(facts, field)
        if field in LIST_FIELDS:
            assert sorted(got) == sorted(case[field]), field
        else:
            assert got == case[field], field
    assert facts.intent == case["intent"]
    assert 0 < len(facts.summary) <= 80
    for part in case["summary_has"]:
        assert part in facts.summary
    # The dict contract: the date text is what was said, the ISO value parses back.
    as_dict = facts.to_dict()
    for entry in as_dict["dates"]:
        assert entry["text"].lower() in case["text"].lower()
