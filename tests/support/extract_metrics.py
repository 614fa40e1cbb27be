"""How extraction is scored against the labelled corpus."""

from __future__ import annotations

from typing import Any

from ringback.extract import VoicemailFacts, extract_facts

LIST_FIELDS = ("emails", "dates", "amounts", "addresses")


BOOL_FIELDS = ("urgent", "is_prospect")


def facts_for(case: dict[str, Any]) -> VoicemailFacts:
    return extract_facts(case["text"], received_at=case["received_at"], tz=case["tz"])


def actual_value(facts: VoicemailFacts, field: str) -> Any:
    if field == "dates":
        return [d.iso for d in facts.dates]
    if field in LIST_FIELDS:
        return list(getattr(facts, field))
    return getattr(facts, field)
