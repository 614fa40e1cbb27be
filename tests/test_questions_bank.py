"""The question bank behind the prep brief: open questions, chosen by the contact's back story."""

from __future__ import annotations

import pytest

from ringback.contacts.models import BackStoryKind
from ringback.contacts.profile import BackStoryEntry, ContactProfile
from ringback.questions import classify
from ringback.questions.bank import BANK, GENERAL, for_kind, questions_for

SAMPLE_ITEM = "expanding the plant in Ohio"


def _profile(*items: tuple[BackStoryKind, str]) -> ContactProfile:
    return ContactProfile(
        id=1,
        name="Bill Turner",
        company="ABC Inc",
        back_story=tuple(BackStoryEntry(kind=k, text=t) for k, t in items),
    )


@pytest.mark.parametrize("question", BANK, ids=lambda q: q.text[:40])
def test_every_bank_question_is_open(question) -> None:  # type: ignore[no-untyped-def]
    text = question.text.format(mentioned=f"You mentioned {SAMPLE_ITEM}", topic=SAMPLE_ITEM)
    assert classify(text) == "open", text


@pytest.mark.parametrize("kind", [*(k.value for k in BackStoryKind), GENERAL])
def test_every_kind_has_woven_and_probing_questions(kind: str) -> None:
    questions = for_kind(kind)
    assert len(questions) >= 3
    if kind != GENERAL:
        assert any(q.personal for q in questions), kind


def test_empty_back_story_gets_general_discovery_questions() -> None:
    questions = questions_for(_profile())
    assert len(questions) == 5
    assert questions == [q.text for q in for_kind(GENERAL)][:5]


def test_goals_are_woven_in_first() -> None:
    profile = _profile(
        (BackStoryKind.INTEREST, "Sailing"),
        (BackStoryKind.PROFESSIONAL_GOAL, "Cut order-to-ship time to two days."),
        (BackStoryKind.CHALLENGE, "Hiring enough technicians"),
    )
    questions = questions_for(profile, limit=5)
    assert questions[0].startswith(
        "You mentioned you want to cut order-to-ship time to two days — "
    )
    assert any("hiring enough technicians" in q for q in questions)
    assert any("sailing" in q for q in questions)
    # The note's own trailing period must not end up inside the sentence.
    assert not any(".." in q or ". —" in q for q in questions)


def test_two_goals_of_one_kind_get_different_questions() -> None:
    profile = _profile(
        (BackStoryKind.FINANCIAL_GOAL, "Pay off the warehouse loan"),
        (BackStoryKind.FINANCIAL_GOAL, "Save for a second site"),
    )
    first, second = questions_for(profile, limit=2)
    assert "pay off the warehouse loan" in first
    assert "save for a second site" in second
    assert first.split("—")[1] != second.split("—")[1]


@pytest.mark.parametrize("limit", [0, 1, 3, 8])
def test_limit_is_respected_and_questions_are_distinct(limit: int) -> None:
    profile = _profile((BackStoryKind.LIFE_EVENT, "Just became a grandfather"))
    questions = questions_for(profile, limit=limit)
    assert len(questions) == limit
    assert len(set(questions)) == limit


def test_woven_questions_classify_as_open() -> None:
    profile = _profile(
        *((kind, "Wants to retire by 55") for kind in BackStoryKind),
    )
    for question in questions_for(profile, limit=10):
        assert classify(question) == "open", question
    assert questions_for(profile, limit=1) == [
        "You mentioned you want to retire by 55 — what would achieving that change for you and your team?"
    ]


def test_names_keep_their_capitals_and_newest_note_comes_first() -> None:
    from datetime import date

    profile = ContactProfile(
        id=2,
        name="Dana Wu",
        back_story=(
            BackStoryEntry(
                BackStoryKind.PROFESSIONAL_GOAL, "Ohio expansion", None, date(2025, 1, 5)
            ),
            BackStoryEntry(
                BackStoryKind.PROFESSIONAL_GOAL, "Launch in Mexico", None, date(2026, 3, 1)
            ),
        ),
    )
    first, second = questions_for(profile, limit=2)
    assert first.startswith("You mentioned you want to launch in Mexico — ")
    assert "Ohio expansion" in second
