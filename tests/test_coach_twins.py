"""The ranking test: good/bad twin scripts, each pair differing in one rule only.

The twins vary one base message, so a pair's good script must score higher *and* the rule it
isolates must be the only one whose pass/fail flips: that checks the rule is independent of
the others, not just that the total moved.
"""

from __future__ import annotations

import pytest

from ringback.coach import feature_names, score_script
from tests.support.coach import BASE, FOLLOW, INTRO, NUMBER, script

PAD = (
    "The report covers the quarter, the region and each product line, with charts for every "
    "line and a summary page at the front, so the whole picture fits on one sheet of paper."
)

# (rule that must flip, good script, bad script)
TWINS: list[tuple[str, str, str]] = [
    # names_caller
    ("names_caller", script(*BASE), script("Hi Tom.", *BASE[1:])),
    (
        "names_caller",
        script("Hi Ana, it's Marco with Bright Solar.", *BASE[1:]),
        script("Hi Ana, it's about the roof.", *BASE[1:]),
    ),
    (
        "names_caller",
        script(*BASE),
        script("Hi Tom.", *BASE[1:5], "This is Priya Shah from Lumen Payroll.", BASE[5]),
    ),
    # follow_up
    (
        "follow_up",
        script(*BASE),
        script(INTRO, "Payroll can take a team like yours three days a month.", *BASE[2:]),
    ),
    (
        "follow_up",
        script(
            INTRO,
            "When we met at the expo, you said payroll takes your team three days a month.",
            *BASE[2:],
        ),
        script(INTRO, "Payroll takes your team three days a month, and you know it.", *BASE[2:]),
    ),
    (
        "follow_up",
        script(INTRO, "I'm following up on your email from Monday about payroll.", *BASE[2:]),
        script(INTRO, "I'm following up about payroll for your team.", *BASE[2:]),
    ),
    # listener_focus
    (
        "listener_focus",
        script(*BASE),
        script(*BASE[:3], "Have you made a decision on our proposal?", *BASE[3:]),
    ),
    (
        "listener_focus",
        script(*BASE),
        script(*BASE[:4], "We would love to be doing business with you.", *BASE[4:]),
    ),
    (
        "listener_focus",
        script(*BASE),
        script(
            *BASE[:2],
            "I'm calling to show you how to cut that to one afternoon; I built our method myself, "
            "and my partners and I use it at our firm with our own staff every month.",
            *BASE[3:],
        ),
    ),
    # specific_value
    (
        "specific_value",
        script(
            INTRO, FOLLOW, "I'm calling to show you how to cut that to one afternoon.", *BASE[3:]
        ),
        script(
            INTRO,
            "I'm following up on our call last Thursday, where you mentioned your payroll team.",
            "I'm calling to show you what we talked about.",
            *BASE[3:],
        ),
    ),
    (
        "specific_value",
        script(
            INTRO,
            "I'm following up on our call last Thursday.",
            "I'm calling to show you how to save your team 20 hours a month.",
            *BASE[3:],
        ),
        script(
            INTRO,
            "I'm following up on our call last Thursday.",
            "I'm calling to show you your new reports we talked about.",
            *BASE[3:],
        ),
    ),
    (
        "specific_value",
        script(
            INTRO,
            "I'm following up on our call last Thursday.",
            "I'm calling to show you how your team could grow revenue by 12% this year.",
            *BASE[3:],
        ),
        script(
            INTRO,
            "I'm following up on our call last Thursday.",
            "I'm calling to show you something for you and your team. Our clients grew revenue by 12% this year.",
            *BASE[3:],
        ),
    ),
    # clear_reason
    (
        "clear_reason",
        script(*BASE),
        script(INTRO, FOLLOW, "Cutting that to one afternoon is doable for you.", *BASE[3:]),
    ),
    (
        "clear_reason",
        script(
            INTRO, FOLLOW, "The reason for my call: you can cut that to one afternoon.", *BASE[3:]
        ),
        script(INTRO, FOLLOW, "You can cut that to one afternoon.", *BASE[3:]),
    ),
    (
        "clear_reason",
        script(
            INTRO,
            FOLLOW,
            "I'm calling to share a way to cut that to one afternoon for you.",
            *BASE[3:],
        ),
        script(
            INTRO,
            FOLLOW,
            "I'm calling to catch up; cutting that to one afternoon is possible for you.",
            *BASE[3:],
        ),
    ),
    # call_to_action
    (
        "call_to_action",
        script(*BASE),
        script(*BASE[:3], "Give me a call back.", *BASE[4:]),
    ),
    (
        "call_to_action",
        script(*BASE[:3], "Who else from your team should see it?", *BASE[4:]),
        script(*BASE[:3], "Let me know what your team thinks.", *BASE[4:]),
    ),
    (
        "call_to_action",
        script(*BASE[:3], "Can we book a 20-minute walkthrough Friday morning?", *BASE[4:]),
        script(*BASE[:3], "Call me back about it.", *BASE[4:]),
    ),
    # brevity
    ("brevity", script(*BASE), script(*BASE[:3], PAD, PAD, *BASE[3:])),
    ("brevity", script(*BASE), script(*BASE[:4], PAD, PAD, PAD, *BASE[4:])),
    (
        "brevity",
        script(*BASE),
        script(*BASE[:2], PAD, BASE[2], PAD, *BASE[3:]),
    ),
    # callback_number
    ("callback_number", script(*BASE), script(*BASE[:5])),
    (
        "callback_number",
        script(*BASE[:5], "Reach me at three one two, five five five, oh one eight eight."),
        script(*BASE[:5], "Reach me at the office."),
    ),
    (
        "callback_number",
        script(*BASE),
        script(INTRO, "My number is 312-555-0188, again 312-555-0188.", *BASE[1:5]),
    ),
    # no_weak_phrases
    ("no_weak_phrases", script(*BASE), script(INTRO, "Sorry to bother you.", *BASE[1:])),
    (
        "no_weak_phrases",
        script(*BASE),
        script(
            *BASE[:3],
            "Does Wednesday at 2 pm work for a 15-minute call, whenever you get a chance?",
            *BASE[4:],
        ),
    ),
    (
        "no_weak_phrases",
        script(*BASE),
        script(INTRO, "Just checking in.", *BASE[1:]),
    ),
    # energy
    (
        "energy",
        script(*BASE),
        script(
            *BASE[:2], "I'm calling to show you how to maybe cut that to one afternoon.", *BASE[3:]
        ),
    ),
    (
        "energy",
        script(
            *BASE[:2],
            "Great news: I'm calling to show you how to cut that to one afternoon.",
            *BASE[3:5],
            NUMBER,
        ),
        script(
            *BASE[:2],
            "I'm calling to show you how to cut that to one afternoon.",
            BASE[3],
            "The details are in an email to you.",
            NUMBER,
        ),
    ),
    (
        "energy",
        script(*BASE),
        script(
            *BASE[:2],
            "I think I'm calling to show you how to cut that to one afternoon, hopefully.",
            *BASE[3:],
        ),
    ),
    # mixing_media
    (
        "mixing_media",
        script(*BASE),
        script(*BASE[:4], "I'll have the details ready.", NUMBER),
    ),
    (
        "mixing_media",
        script(*BASE[:4], "Great: the summary is already in your inbox.", NUMBER),
        script(*BASE[:4], "Great: the summary is already on your desk.", NUMBER),
    ),
    (
        "mixing_media",
        script(*BASE[:4], "I'll send you a short note by email today.", NUMBER),
        script(*BASE[:4], "I'll bring the details to the call.", NUMBER),
    ),
]


def test_twins_cover_every_rule_at_least_three_times():
    counts = {rule: 0 for rule in feature_names()}
    for rule, _good, _bad in TWINS:
        counts[rule] += 1
    assert len(TWINS) >= 30
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize(
    ("rule", "good", "bad"), TWINS, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(TWINS)]
)
def test_good_twin_ranks_above_bad_twin_and_only_its_rule_flips(rule, good, bad):
    g, b = score_script(good), score_script(bad)
    assert g.score > b.score
    assert g.features()[rule] == 1 and b.features()[rule] == 0
    flipped = [r for r in feature_names() if g.features()[r] != b.features()[r]]
    assert flipped == [rule]
