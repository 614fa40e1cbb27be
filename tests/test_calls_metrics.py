"""Call metrics on hand-built timelines: every definition in calls/metrics.py, checked
against what a listener would count. No audio, no model (those are in test_calls_analyze)."""

from __future__ import annotations

import pytest

from ringback.calls.analysis import swapped_evidence
from ringback.calls.metrics import compute, count_fillers
from ringback.calls.model import Speaker, SpokenWord
from ringback.calls.questions import Question, find_questions
from tests.support.calls import said


def test_talk_time_share_turns_and_words_per_minute() -> None:
    words = (
        said("rep", 0.0, "Hi Bill, this is Dana from Northwind.")  # 7 words, 2.1 s
        + said("customer", 3.0, "Oh hi Dana, good to hear from you again today.")  # 10 words
        + said("rep", 6.5, "What is keeping you busy this quarter?")  # 7 words
    )
    m = compute(words, duration=10.0)
    assert m.speakers["rep"].talk_seconds == pytest.approx(4.2)
    assert m.speakers["customer"].talk_seconds == pytest.approx(3.0)
    assert m.talk_share_rep == pytest.approx(4.2 / 7.2, abs=1e-3)
    assert (m.speakers["rep"].turns, m.speakers["customer"].turns) == (2, 1)
    assert m.speakers["rep"].words_per_minute == pytest.approx(14 / (4.2 / 60), abs=0.1)
    assert m.patience_seconds == pytest.approx(6.5 - 6.0)


def test_a_pause_over_half_a_second_is_not_talk() -> None:
    words = said("rep", 0.0, "one two") + said("rep", 2.0, "three four")
    m = compute(words, duration=5.0)
    assert m.speakers["rep"].talk_seconds == pytest.approx(1.2)
    assert len(m.utterances) == 2


def test_interruption_needs_more_than_half_a_second_of_overlap() -> None:
    customer = said(
        "customer", 0.0, "we have been looking at three vendors for the new plant"
    )  # to 3.3
    cut_in = said("rep", 2.0, "sorry can I just ask about the budget")  # overlaps 1.3 s
    m = compute(customer + cut_in, duration=6.0)
    assert [(e.start, e.speaker) for e in m.interruptions] == [(2.0, "rep")]
    # Starting 0.3 s before the customer finishes is ordinary turn-taking.
    polite = said("rep", 3.0, "and what is the budget")
    m = compute(customer + polite, duration=6.0)
    assert m.interruptions == ()
    assert m.patience_seconds == 0.0  # overlapped: no pause at all


def test_backchannel_is_listening_not_an_interruption_nor_a_turn() -> None:
    story = said("customer", 0.0, "so the plant in Austin opened in May and since then") + said(
        "customer", 4.0, "we doubled the shifts and hiring is the real problem now"
    )
    nod = [SpokenWord("rep", "Uh-huh.", 3.4, 3.8)]
    m = compute(story + nod, duration=8.0)
    assert m.interruptions == ()
    assert [e.text for e in m.backchannels] == ["Uh-huh."]
    assert m.speakers["rep"].backchannels == 1
    assert m.speakers["rep"].turns == 0 and m.speakers["customer"].turns == 1
    assert m.rep_backchannels_per_customer_minute > 0
    # The customer's longest story runs across the nod.
    assert m.customer_longest_story is not None
    assert m.customer_longest_story.start == 0.0
    assert m.customer_longest_story.end == pytest.approx(7.3)


def test_the_same_word_that_takes_the_floor_is_not_a_backchannel() -> None:
    words = [*said("customer", 0.0, "that is all I had"), SpokenWord("rep", "Right.", 2.0, 2.4)]
    m = compute(words, duration=3.0)
    assert m.backchannels == ()
    assert m.speakers["rep"].turns == 1


def test_longest_monologue_breaks_at_a_long_pause() -> None:
    words = said("rep", 0.0, "a b c d e f g h i j") + said("rep", 7.0, "k l")  # 3 s, 4 s gap
    m = compute(words, duration=10.0)
    assert m.speakers["rep"].turns == 1
    assert m.speakers["rep"].longest_monologue_seconds == pytest.approx(3.0)


def test_fillers_are_counted_but_meaningful_you_know_is_not_special_cased_away() -> None:
    words = said("rep", 0, "um so uh I mean the um plan you know works")
    assert count_fillers(words) == 5
    m = compute(words, duration=5)
    assert m.speakers["rep"].fillers_per_100_words == pytest.approx(100 * 5 / 11, abs=0.01)


def test_questions_have_speaker_time_and_kind() -> None:
    words = (
        said("rep", 0.0, "Thanks for taking the call. What keeps you up at night?")
        + said("customer", 5.0, "Hiring, mostly. Do you know anyone?")
        + said("rep", 9.0, "Is the budget approved?")
    )
    m = compute(words, duration=12.0)
    found = [(q.speaker, q.kind, q.start) for q in find_questions(m.turns)]
    assert found == [("rep", "open", 1.5), ("customer", "closed", 5.6), ("rep", "closed", 9.0)]


def test_empty_call_has_no_share_and_no_patience() -> None:
    m = compute([], duration=3.0)
    assert m.talk_share_rep == 0.0 and m.patience_seconds is None


def _q(speaker: Speaker) -> Question:
    return Question(speaker, "What is next?", 0.0, "open")


def test_swapped_channels_by_self_introduction() -> None:
    rep = said("rep", 0, "Hello? Yes speaking.")
    customer = said("customer", 2, "Hi Bill, this is Dana from Northwind.")
    why = swapped_evidence(rep + customer, (), "Dana Reyes", "Northwind")
    assert why is not None and "this is Dana" in why
    # The right way round: nothing to say.
    flipped = [
        SpokenWord("rep" if w.speaker == "customer" else "customer", w.text, w.start, w.end)
        for w in rep + customer
    ]
    assert swapped_evidence(flipped, (), "Dana Reyes", "Northwind") is None


def test_swapped_channels_by_who_asks_the_questions() -> None:
    questions = (_q("customer"), _q("customer"), _q("customer"), _q("rep"), _q("rep"))
    assert swapped_evidence([], questions, "", "") is None  # 3 vs 2: not more than twice
    why = swapped_evidence([], questions[:4], "", "")
    assert why is not None and "3 of the 4" in why


@pytest.mark.parametrize(
    "spoken", [["Mm-hmm."], ["I", "see."], ["Oh,", "Kay,"], ["Right,", "right."], ["Uh-huh."]]
)
def test_the_ways_whisper_writes_an_acknowledgement(spoken: list[str]) -> None:
    story = said("customer", 0.0, "we moved the plant to Austin") + said(
        "customer", 3.0, "and hiring is hard there"
    )
    nod = [SpokenWord("rep", w, 2.0 + 0.3 * i, 2.3 + 0.3 * i) for i, w in enumerate(spoken)]
    m = compute(story + nod, duration=5.0)
    assert len(m.backchannels) == 1 and m.speakers["rep"].turns == 0


def test_a_real_answer_is_not_mistaken_for_an_acknowledgement() -> None:
    story = said("customer", 0.0, "we moved the plant to Austin") + said(
        "customer", 3.5, "and hiring is hard there"
    )
    answer = said("rep", 2.0, "oh which part of Austin")
    m = compute(story + answer, duration=6.0)
    assert m.backchannels == () and m.speakers["rep"].turns == 1
