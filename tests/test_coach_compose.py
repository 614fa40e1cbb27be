"""The composer's pure API: scripts from the back story that score ≥ 85, in distinct variants."""

from __future__ import annotations

import inspect
from datetime import date, datetime

import pytest

from ringback.coach.compose import (
    NAME_PLACEHOLDER,
    NUMBER_PLACEHOLDER,
    Owner,
    compose_variants,
)
from ringback.coach.scoring import score_script
from ringback.contacts.models import BackStoryKind
from ringback.contacts.profile import BackStoryEntry, ContactProfile, InteractionEntry

TODAY = date(2026, 11, 23)  # a Monday
OWNER = Owner(name="Dana Reyes", company="Northwind", phone="415-555-0199", email="dana@nw.test")


def _profile(*story: tuple[BackStoryKind, str], interactions=()) -> ContactProfile:
    return ContactProfile(
        id=1,
        name="Bill Turner",
        company="ABC Inc",
        back_story=tuple(BackStoryEntry(kind, text) for kind, text in story),
        interactions=tuple(interactions),
    )


MEETING = InteractionEntry("meeting", "outbound", datetime(2026, 11, 17, 15))  # last Tuesday
RICH = _profile(
    (BackStoryKind.CHALLENGE, "Manual reporting takes two days every month"),
    (BackStoryKind.PROFESSIONAL_GOAL, "Increase production levels at ABC Inc by 20%"),
    interactions=[MEETING],
)
ONE_GOAL = _profile((BackStoryKind.PERSONAL_GOAL, "More time with her family"))
ONE_CHALLENGE = _profile((BackStoryKind.CHALLENGE, "slow hiring"))
ONLY_A_CALL = _profile(
    interactions=[InteractionEntry("call", "outbound", datetime(2026, 10, 2, 9))]
)

PROFILES = {
    "rich": RICH,
    "one-goal": ONE_GOAL,
    "one-challenge": ONE_CHALLENGE,
    "only-a-call": ONLY_A_CALL,
}


@pytest.mark.parametrize("name", PROFILES)
def test_every_variant_scores_at_least_85(name):
    variants = compose_variants(PROFILES[name], owner=OWNER, today=TODAY)
    assert len(variants) == 3
    for v in variants:
        assert v.score >= 85, (v.name, v.score, v.text, [f.message for f in v.result.failed])


def test_variants_are_distinct_named_and_best_first():
    variants = compose_variants(RICH, owner=OWNER, today=TODAY)
    assert {v.name for v in variants} == {"follow-up-first", "goal-first", "question-first"}
    second_sentences = {v.text.split(". ")[1] for v in variants}
    assert len(second_sentences) == 3  # each opens differently after the greeting
    assert [v.score for v in variants] == sorted((v.score for v in variants), reverse=True)


def test_script_carries_seed_004s_three_ideas_and_the_owner():
    v = next(
        v for v in compose_variants(RICH, owner=OWNER, today=TODAY) if v.name == "follow-up-first"
    )
    assert v.text.startswith("Hi Bill, this is Dana Reyes from Northwind.")
    assert "our meeting last Tuesday" in v.text  # professional follow-up, dated from `today`
    assert "increase production levels at ABC Inc by 20%" in v.text  # their goal, their words
    assert "I have an idea to help you get there." in v.text  # the reason, said as the idea
    assert v.text.count("(415) 555-0199") == 2  # number twice, formatted to be read out
    assert v.text.rindex("(415) 555-0199") > len(v.text) * 0.8  # near the end
    assert v.text.count("?") >= 1 and ("Thursday" in v.text or "this week" in v.text)  # a next step
    assert v.seconds <= 30, v.seconds  # the coach's own 20–30 s


def test_users_reason_value_and_next_step_are_used():
    variants = compose_variants(
        RICH,
        owner=OWNER,
        today=TODAY,
        reason="to share the results of the Denver pilot",
        value="cut your month-end close by 3 days",
        next_step="a 20-minute review on Friday at 10 am",
    )
    for v in variants:
        assert "share the results of the Denver pilot" in v.text
        assert "cut your month-end close by 3 days" in v.text
        assert "Would a 20-minute review on Friday at 10 am work for you?" in v.text
        assert v.score >= 85, (v.name, [f.message for f in v.result.failed])


@pytest.mark.parametrize(
    ("met", "said"),
    [
        (datetime(2026, 11, 23, 9), "today"),
        (datetime(2026, 11, 22, 9), "yesterday"),
        (datetime(2026, 11, 18, 9), "last Wednesday"),
        (datetime(2026, 11, 12, 9), "last week"),
        (datetime(2026, 10, 2, 9), "on October 2"),
    ],
)
def test_follow_up_says_when_you_last_spoke(met, said):
    profile = _profile(interactions=[InteractionEntry("call", "outbound", met)])
    text = compose_variants(profile, owner=OWNER, today=TODAY)[0].text
    assert f"our call {said}" in text


def test_back_story_in_third_person_is_spoken_to_them():
    text = compose_variants(ONE_GOAL, owner=OWNER, today=TODAY)[0].text
    assert "your family" in text and "her family" not in text


def test_no_history_never_claims_a_previous_conversation():
    empty = _profile()
    for v in compose_variants(empty, owner=OWNER, today=TODAY):
        assert "following up" not in v.text and "we last spoke" not in v.text
        follow_up = next(f for f in v.result.findings if f.rule == "follow_up")
        assert "First contact" in follow_up.message
        assert v.score >= 85, (v.name, v.score, [f.message for f in v.result.failed])


def test_first_contact_is_not_faulted_for_follow_up_but_a_known_contact_is():
    script = "Hi Ana, this is Dana from Northwind. Call me at 415-555-0199."
    first = score_script(script, profile=_profile())
    known = score_script(
        script,
        profile=_profile((BackStoryKind.CHALLENGE, "the ERP is slow")),
    )
    rule = {f.rule: f for f in first.findings}["follow_up"]
    assert rule.passed and not {f.rule: f for f in known.findings}["follow_up"].passed
    assert score_script(script).score < first.score  # without --contact nothing is known


def test_missing_owner_details_become_visible_placeholders():
    assert Owner().missing() == ["RINGBACK_OWNER_NAME", "RINGBACK_OWNER_PHONE"]
    assert OWNER.missing() == []
    v = compose_variants(RICH, today=TODAY)[0]
    assert NAME_PLACEHOLDER in v.text and v.text.count(NUMBER_PLACEHOLDER) == 2
    assert v.score >= 85  # the structure is right; the user fills in the blanks


def test_compose_api_is_keyword_only_after_the_profile():
    params = list(inspect.signature(compose_variants).parameters.values())
    assert params[0].name == "profile"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    with pytest.raises(TypeError):
        compose_variants(RICH, OWNER)  # type: ignore[misc]


def test_variants_serialise_with_their_score():
    variants = compose_variants(RICH, owner=Owner("Dana Reyes", "Northwind", "415-555-0199"))
    assert isinstance(variants[0].score, int) and isinstance(variants[0].seconds, float)
    assert "Dana Reyes" in variants[0].text
    data = variants[0].as_json()
    assert data["name"] == variants[0].name and data["score"] == variants[0].score


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"reason": "I'm calling about your renewal"}, "I'm calling about your renewal, which"),
        ({"reason": "to share the pilot results"}, "I'm calling to share the pilot results, "),
        ({"reason": "Share the pilot results."}, "I'm calling to share the pilot results, "),
        ({"next_step": "Thursday at 10 am"}, "Would Thursday at 10 am work for a quick call?"),
        ({"next_step": "meet at the expo on Friday"}, "Could we meet at the expo on Friday?"),
        ({"next_step": "Who else should join us?"}, "Who else should join us?"),
        ({"value": "help you cut costs by 12%"}, "to help you cut costs by 12%"),
    ],
)
def test_users_words_are_fitted_into_the_sentence(options, expected):
    for v in compose_variants(RICH, owner=OWNER, today=TODAY, **options):
        assert expected in v.text, v.text
        assert "calling I'm" not in v.text and "calling to to" not in v.text
        assert v.score >= 85, (v.name, [f.message for f in v.result.failed])


def test_a_professional_goal_leads_over_a_later_personal_one():
    profile = ContactProfile(
        id=1,
        name="Bill Turner",
        back_story=(
            BackStoryEntry(BackStoryKind.PROFESSIONAL_GOAL, "increase production levels by 20%"),
            BackStoryEntry(BackStoryKind.PERSONAL_GOAL, "spend more weekends with his kids"),
        ),
    )
    for variant in compose_variants(profile, owner=OWNER, today=TODAY):
        assert "production" in variant.text and "weekends" not in variant.text, variant.text
