"""Callback numbers from transcript text: every way people say them and Whisper writes them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ringback.extract import (
    NONE,
    CallbackNumber,
    extract_callback_number,
    find_readings,
)
from ringback.phones import pretty as format_number

SF = "+14155550137"


@dataclass(frozen=True)
class W:
    text: str
    probability: float


def words(*pairs: tuple[str, float]) -> list[W]:
    return [W(text, p) for text, p in pairs]


def spoken(text: str, **kw: object) -> CallbackNumber:
    kw.setdefault("region", "US")
    return extract_callback_number(text, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "four one five five five five oh one three seven",
        "four one five five five five zero one three seven",
        "four one five five five five o one three seven",
        "Four, one, five. Five, five, five. Zero, one, three, seven.",
        "415-555-0137",
        "(415) 555 0137",
        "415 5550137",
        "415.555.0137",
        "4155550137",
        "4-1-5, 5-5-5, 0-1-3-7.",
        "4, 1, 5, 5, 5, 5, 0, 1, 3, 7.",
        "four-one-five, five-five-five, oh-one-three-seven",
        "four one five triple five oh one three seven",
        "four one five double five five oh one three seven",
        "four fifteen, five fifty five, oh one thirty seven",
        "four one five, five five five, oh one three seven",
        "for one five five five five oh one three seven",
        "4 1 5 five five five 0137",
        "plus one four one five five five five zero one three seven",
        "+1 415 555 0137",
        "one four one five five five five oh one three seven",
        "1-415-555-0137",
        "four one five dash five five five dash oh one three seven",
        "four one five, uh, five five five, oh one three seven",
    ],
)
def test_spoken_forms(text: str) -> None:
    result = spoken(f"Hi, it's Sarah from Northwind, call me back at {text}. Thanks!")
    assert result.e164 == SF, result
    assert result.source == "spoken"
    assert 0.5 < result.confidence <= 1


def test_toll_free_eight_hundred() -> None:
    assert spoken("call one eight hundred five five five one two one two").e164 == "+18005551212"
    assert spoken("eight hundred, five five five, twelve twelve").e164 == "+18005551212"
    # "hundred" takes tens or teens, never a lone digit: 800-555…, not 805.
    assert spoken("eight hundred five five five one two one two").e164 == "+18005551212"


def test_hundred_with_tens() -> None:
    assert spoken("four hundred fifteen, five five five, oh one three seven").e164 == SF


def test_homophones_only_inside_runs() -> None:
    assert spoken("I wanted to talk to you for a minute about the lease.") == NONE
    # "to" right before the number is not taken as a 2 when that would spoil the number.
    assert spoken("you can get back to 415 555 0137").e164 == SF
    # ... but "to" is a 2 when the number needs it.
    assert spoken("to one two, five five five, oh one three seven").e164 == "+12125550137"
    assert spoken("two won two five five five oh one three seven").e164 == "+12125550137"
    assert spoken("four one five five five five oh one three ate").e164 == "+14155550138"
    # Mishearings of "six", "three", "nine" seen on real 8 kHz digits, only inside a run.
    assert spoken("eight zero five, eight five set, four eight three two").e164 == "+18058564832"
    assert spoken("four one five, five five five, oh one tree seven").e164 == SF
    assert spoken("I feel sick about the delay, call 415 555 0137").e164 == SF
    assert spoken("We set up the tree farm tour, nein danke.") == NONE


def test_other_numbers_are_not_phone_numbers() -> None:
    assert spoken("Let's meet Thursday at 2:30, the quote was $1,500 for 12 units.") == NONE
    assert spoken("") == NONE
    assert spoken("Hi, this is Bill, no need to call back.") == NONE


def test_said_twice_agreeing_is_high_confidence() -> None:
    once = spoken("call me at 415 555 0137")
    twice = spoken("call me at 415 555 0137, again that's 415 555 0137")
    assert twice.e164 == SF
    assert twice.confidence >= 0.9 > once.confidence
    assert twice.readings == ("4155550137", "4155550137")
    assert len(twice.spans) == 2


def test_said_twice_back_to_back_in_one_run() -> None:
    result = spoken("4, 1, 5, 5, 5, 5, 0, 1, 3, 7, 4, 1, 5, 5, 5, 5, 0, 1, 3, 7.")
    assert result.e164 == SF
    assert result.confidence >= 0.9


def test_two_readings_of_one_breath_that_disagree_are_not_trusted() -> None:
    # Whisper's words for one number said twice without a pause (FSDD bench): the cut gives
    # two different valid numbers, so one saying was misheard and the text cannot say which.
    # The email must say "check the recording" (under UNSURE_NUMBER), not pick one quietly.
    from ringback.mail.compose import UNSURE_NUMBER

    breath = "5, 3, 1, 3, 1, 0, 4, 1, 8, 4, 5, 3, 1, 2, 1, 3, 1, 4, 1, 6, 4."
    result = spoken(breath)
    assert result.found
    assert result.confidence < UNSURE_NUMBER
    # The same two numbers with words between them are two numbers, each said once: the
    # one chosen (here after "my cell is") keeps a said-once confidence.
    apart = spoken(
        "my cell is 5, 3, 1, 3, 1, 0, 4, 1, 8, 4, or the office 5, 3, 1, 2, 1, 3, 1, 4, 1, 6."
    )
    assert apart.e164 == "+15313104184"
    assert apart.confidence >= UNSURE_NUMBER


def test_disagreement_settled_by_word_probability() -> None:
    # Second reading misheard the last digit (8 for 7) with low confidence.
    ws = words(
        (" Call", 0.9), (" 415", 0.9), (" 555", 0.9), (" 0137.", 0.9),
        (" Again", 0.9), (" 415", 0.9), (" 555", 0.9), (" 0138.", 0.3),
    )  # fmt: skip
    result = spoken("", words=ws)
    assert result.e164 == SF
    assert result.readings == ("4155550137", "4155550138")
    assert 0.5 < result.confidence < 0.9
    # The same text, the other way round: the first reading is the doubtful one.
    ws = words(
        (" Call", 0.9), (" 415", 0.9), (" 555", 0.9), (" 0138.", 0.2),
        (" Again", 0.9), (" 415", 0.9), (" 555", 0.9), (" 0137.", 0.95),
    )  # fmt: skip
    assert spoken("", words=ws).e164 == SF


def test_disagreement_prefers_the_valid_reading() -> None:
    # First reading dropped a digit: only the second is a valid number.
    result = spoken("call 415 555 013, that's 415 555 0137")
    assert result.e164 == SF
    assert result.source == "spoken"


def test_caller_id_fallback_when_nothing_said() -> None:
    result = spoken("Hi, it's Bill, give me a call when you can.", caller_id="(415) 555-0137")
    assert result == CallbackNumber(SF, 0.5, "caller_id")


def test_caller_id_confirms_spoken() -> None:
    result = spoken("call me at 415 555 0137", caller_id="+1 415 555 0137")
    assert result.e164 == SF and result.source == "spoken"
    assert result.confidence >= 0.97


def test_spoken_wins_over_different_caller_id() -> None:
    result = spoken("call me on my cell, 212 555 0199", caller_id="+14155550137")
    assert result.e164 == "+12125550199"
    assert result.source == "spoken"


def test_partial_spoken_matching_caller_id_suffix() -> None:
    result = spoken("call me at five five five oh one three seven", caller_id="4155550137")
    assert result.e164 == SF
    assert result.source == "caller_id"
    assert 0.5 < result.confidence < 0.9
    assert result.spans == ("five five five oh one three seven",)


def test_partial_spoken_with_one_digit_off_matches_caller_id() -> None:
    # Nine digits heard (one dropped), caller ID has the full number.
    result = spoken("my number is 4, 1, 5, 5, 5, 0, 1, 3, 7", caller_id="+14155550137")
    assert result.e164 == SF
    assert result.source == "caller_id"


def test_local_number_borrows_caller_id_area_code() -> None:
    result = spoken("reach me at 555 0199", caller_id="+14155550137")
    assert result.e164 == "+14155550199"
    assert result.source == "spoken"
    assert result.confidence == pytest.approx(0.6)


def test_partial_without_caller_id_is_no_number() -> None:
    assert spoken("call me at 5, 5, 5, 0, 1, 3") == NONE
    assert spoken("call me at 555 0137", caller_id="not a number") == NONE


def test_two_numbers_callback_cue_and_repetition() -> None:
    text = "My office is 212 555 0199 but call me on my cell at 415 555 0137, that's 415 555 0137."
    assert spoken(text).e164 == SF
    # A fax number is not the callback number.
    text = "Call me back at 415 555 0137. Our fax is 212 555 0199."
    assert spoken(text).e164 == SF


def test_other_region() -> None:
    result = spoken("ring me on oh two oh seven nine four six oh oh one eight", region="GB")
    assert result.e164 == "+442079460018"
    assert spoken("plus four four twenty 7946 0018").e164 == "+442079460018"


def test_probabilities_scale_confidence() -> None:
    sure = spoken("", words=words((" Call", 0.9), (" 415-555-0137.", 0.98)))
    unsure = spoken("", words=words((" Call", 0.9), (" 415-555-0137.", 0.4)))
    assert sure.e164 == unsure.e164 == SF
    assert sure.confidence > unsure.confidence


def test_find_readings_reports_partials() -> None:
    valid, partial = find_readings("call 415 555 0137 or 5 5 5 0 1", region="US")
    assert [r.e164 for r in valid] == [SF]
    assert [r.digits for r in partial] == ["55501"]


def test_format_number() -> None:
    assert format_number(SF) == "+1 415-555-0137"


def test_decoder_loop_is_cut() -> None:
    text = "3-5-4-9-1-7-2-3-9-8-3-5-4-9-1-7-2-3-9-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8-8"
    result = spoken(text)
    assert result.e164 == "+13549172398"
    assert result.readings == ("3549172398", "3549172398")


def test_said_twice_one_saying_lost_digits() -> None:
    # The second saying dropped three digits: the cut must not straddle the two.
    result = spoken("6, 0, 3, 8, 3, 1, 7, 3, 0, 8, 6, 0, 3, 8, 3, 0, 8.")
    assert result.e164 == "+16038317308"
    result = spoken("2, 2, 6, 9, 9, 1, 7, 5, 6, 9, 2, 6, 9, 9, 1, 7, 5, 6, 9.")
    assert result.e164 == "+12269917569"


def test_said_twice_split_at_the_pause_when_timed() -> None:
    # Word timings: the 1 s pause between the sayings decides the cut.
    digits = "71878317107187861710"
    ws = [
        W_t(
            f" {d},",
            0.4 * i + (1.0 if i >= 10 else 0.0),
            0.4 * i + 0.3 + (1.0 if i >= 10 else 0.0),
            0.9,
        )
        for i, d in enumerate(digits)
    ]
    result = spoken("", words=ws)
    assert result.readings == ("7187831710", "7187861710")
    assert result.e164 in ("+17187831710", "+17187861710")


@dataclass(frozen=True)
class W_t:
    text: str
    start: float
    end: float
    probability: float


# --- repair against the audio: candidates, budget, and the real model ----------------------


def test_likely_variants_vary_only_unsure_digits() -> None:
    from ringback.speech.callback_audio import _likely_variants

    probs = (0.99, 0.98, 0.97, 0.96, 0.2, 0.95, 0.94, 0.93, 0.92, 0.6)
    out = _likely_variants("4155550137", probs)
    assert out[0] == "4155550137"
    assert "41555550137" in out  # a merged repeat is doubled at any position
    assert "415550137" in out  # ... or a digit dropped
    assert "4155750137" in out  # the unsure "5" (p = 0.2) changed
    assert "4155550138" in out  # among the three least sure
    assert "9155550137" not in out  # a sure digit is not changed
    assert len(out) < 100
    # Without probabilities every position is a suspect.
    assert "9155550137" in _likely_variants("4155550137")


class _FakeRescorer:
    """Scores the text equal to ``truth`` highest, ``lead`` nats ahead of the rest (per
    call, when ``truth`` is a list: what each saying's audio favours); records each call."""

    def __init__(self, truth: str | list[str], lead: float | list[float] = 5.0) -> None:
        self.truths = [truth] if isinstance(truth, str) else truth
        self.leads = [lead] if isinstance(lead, float) else lead
        self.calls: list[int] = []

    def score_texts(
        self, samples: object, texts: list[str], *, language: str | None = None
    ) -> list[float]:
        k = min(len(self.calls), len(self.truths) - 1)
        truth, lead = ", ".join(self.truths[k]) + ".", self.leads[min(k, len(self.leads) - 1)]
        self.calls.append(len(texts))
        return [0.0 if t == truth else -lead for t in texts]


def _reading(digits: str, start: float, prob: float = 0.9) -> object:
    from ringback.extract import Reading

    return Reading(
        digits, None, digits, (prob,) * len(digits), 0.0, 0, start_time=start, end_time=start + 3
    )


def test_repair_scores_each_saying_once_with_capped_candidates() -> None:
    import numpy as np

    from ringback.speech import callback_audio as numbers

    rescorer = _FakeRescorer("4155550137", lead=1.0)  # a narrow lead: check the other saying
    heard = [_reading("415550137", 1.0), _reading("415550137", 6.0, 0.8)]
    got = numbers._repair(rescorer, np.zeros(16000 * 10, np.float32), heard, "US")  # type: ignore[arg-type]
    assert got is not None and got.e164 == SF
    assert got.confidence == 0.6  # a repair the model never wrote
    assert len(rescorer.calls) == 2  # one batched call per saying
    assert rescorer.calls[0] <= numbers._MAX_CANDIDATES
    assert rescorer.calls[1] <= numbers._RECHECKED  # the front-runners only


def test_repair_stops_once_one_number_clearly_leads() -> None:
    import numpy as np

    from ringback.speech import callback_audio as numbers

    heard = [_reading("415550137", 1.0), _reading("415550137", 6.0, 0.8)]
    clip = np.zeros(16000 * 10, np.float32)
    settled = _FakeRescorer("4155550137", lead=numbers._SETTLED_NATS + 1)
    got = numbers._repair(settled, clip, heard, "US")  # type: ignore[arg-type]
    assert len(settled.calls) == 1  # the second saying could not have changed the answer
    assert got is not None and got.e164 == SF and got.confidence == 0.6  # not "over budget"
    # A narrow lead is checked, and the second saying can overturn it.
    overturned = _FakeRescorer(["4155550137", "4155500137"], lead=[1.0, 3.0])
    got = numbers._repair(overturned, clip, heard, "US")  # type: ignore[arg-type]
    assert len(overturned.calls) == 2
    assert got is not None and got.e164 == "+14155500137"


def test_repair_over_budget_keeps_the_best_so_far_less_sure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    from ringback.speech import callback_audio as numbers

    monkeypatch.setattr(numbers, "_MAX_SAYINGS_SCORED", 1)
    rescorer = _FakeRescorer("4155550137", lead=1.0)  # not settled by the first saying
    heard = [_reading("415550137", 1.0, 0.5), _reading("4155550137", 6.0, 0.9)]
    got = numbers._repair(rescorer, np.zeros(16000 * 10, np.float32), heard, "US")  # type: ignore[arg-type]
    assert len(rescorer.calls) == 1  # the surest saying only
    assert got is not None and got.e164 == SF
    assert got.confidence == numbers._OVER_BUDGET


@pytest.mark.slow
@pytest.mark.parametrize(
    ("digits", "speaker", "repeated"),
    [("4155550137", "jackson", True), ("2125550199", "george", False)],
)
def test_repair_on_real_audio_keeps_the_right_number(
    digits: str, speaker: str, repeated: bool
) -> None:
    """The real model, the repair forced (``verify_below=1``): the same number."""
    import random

    from bench import fsdd

    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech import callback_audio as numbers
    from tests.conftest import IN_CI

    if not fsdd.available():
        if IN_CI:
            pytest.fail(f"CI=true requires it: {fsdd.RECORDINGS}")
        pytest.skip(f"evaluation data missing: {fsdd.RECORDINGS}")
    transcriber = FasterWhisperTranscriber.from_settings()
    wav = fsdd.splice(digits, speaker, random.Random(7), repeated=repeated)
    transcript = transcriber.transcribe(wav)
    repairs: list[object] = []
    repair = numbers._repair

    def counted(*args: object) -> object:
        repairs.append(args)
        return repair(*args)  # type: ignore[arg-type]

    mp = pytest.MonkeyPatch()
    mp.setattr(numbers, "_repair", counted)
    try:
        _, number = numbers.callback_number_from_audio(
            transcriber, wav, region="US", transcript=transcript, verify_below=1.0
        )
    finally:
        mp.undo()
    assert repairs, "the repair did not run"
    assert number.e164 == "+1" + digits, transcript.text


@pytest.mark.slow
@pytest.mark.parametrize("reread", [True, False])
def test_callback_reread_setting_decides_whether_the_audio_is_checked(
    monkeypatch: pytest.MonkeyPatch, reread: bool
) -> None:
    """RINGBACK_CALLBACK_REREAD: on, a number the transcript cannot settle (nine digits
    heard) is repaired against the audio; off, the transcript's reading stands."""
    import random
    from datetime import UTC, datetime

    from bench import fsdd

    from ringback.config import Settings
    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech import callback_audio as numbers
    from ringback.speech.audio import decode
    from ringback.voicemail.adapters import FactsExtractor
    from tests.conftest import IN_CI

    if not fsdd.available():
        if IN_CI:
            pytest.fail(f"CI=true requires it: {fsdd.RECORDINGS}")
        pytest.skip(f"evaluation data missing: {fsdd.RECORDINGS}")
    engine = FasterWhisperTranscriber.from_settings()
    audio = decode(fsdd.splice("212555019", "george", random.Random(7)))  # a digit short
    transcript = engine.transcribe(audio)
    calls: list[object] = []
    repair = numbers._repair

    def spy(*args: object) -> object:
        calls.append(args)
        return repair(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(numbers, "_repair", spy)
    settings = Settings(_env_file=None, callback_reread=reread)  # type: ignore[call-arg]
    facts = (
        FactsExtractor(settings, engine)
        .extract_audio(
            transcript,
            audio=audio,
            caller_id=None,
            received_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        )
        .to_json()
    )
    assert bool(calls) is reread
    if not reread:
        assert facts["callback_number"] is None  # nine digits are no number; not guessed
