"""The callback number in a voicemail's text, and how sure we are of it.

The digits people said are found by :mod:`ringback.extract.spoken_numbers` (every way of
saying and writing them, cut into *readings*). Here:

- readings of the same number are reconciled: agreement raises confidence, a one-digit
  disagreement is settled by the words' probabilities, a valid reading beats a partial;
- caller ID is the cross-check, the completion of a partial number, or the fallback;
- a number heard one or two digits off the caller ID is settled by :func:`check_caller_id`
  (which one is used, and the sentence that says why).

Pure text processing: no audio, no model. A number the transcript leaves unsettled is
repaired against the recording by ``ringback.speech.callback_audio``, which builds on this
module (the audio side needs Whisper, so it lives with speech, above the text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ringback.extract.digit_runs import WordLike, find_extension
from ringback.extract.spoken_numbers import Reading, edit_distance, find_readings
from ringback.phones import e164_or_none, is_mobile, national_digits, pretty

_DISAGREEMENT = 0.7  # confidence given to readings reconciled by a vote
# The flag line: a callback number under this confidence is shown with "check" wherever it
# is shown (the email's subject, facts and invite, `inbox show`). The one definition.
UNSURE_NUMBER = 0.8
# Digits apart (misheard, missing or extra) within which a heard number is taken for a
# mishearing of the caller ID; further apart it is another number (a direct line, a cell).
_NEAR_EDITS = 2

Source = Literal["spoken", "caller_id", "none"]


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """The callback number compared with the caller ID, when the two differ.

    Attributes:
      used: The number the email and the task use (E.164).
      other: The one not used (E.164), offered beside it and flagged.
      reason: One plain sentence saying which one is used and why.
      edits: Digits apart (each digit misheard, missing or extra counts one).
      near: Whether they are close enough for one to be a mishearing of the other (then
        the other is flagged as one to check); False for a different number altogether.
      used_is: "heard" (the number said in the message) or "caller_id".
    """

    used: str
    other: str
    reason: str
    edits: int
    near: bool = False
    used_is: Literal["heard", "caller_id"] = "heard"

    def to_json(self) -> dict[str, str | int | bool]:
        return {
            "used": self.used,
            "other": self.other,
            "reason": self.reason,
            "edits": self.edits,
            "near": self.near,
            "used_is": self.used_is,
        }


@dataclass(frozen=True, slots=True)
class CallbackNumber:
    """The number to call back.

    Attributes:
      e164: ``"+14155550137"``, or None when no number could be established.
      confidence: 0..1. Roughly: ≥ 0.9 said twice alike or confirmed by caller ID;
        0.6–0.9 said once clearly; 0.4–0.6 completed or substituted from caller ID;
        0 when there is no number.
      source: "spoken" (from the message), "caller_id" (from the call's metadata), or
        "none".
      spans: The text of the transcript that gave the number, one entry per reading.
      readings: The digits heard in each of those spans (may differ when misheard).
      extension: The extension said with it ("ext. 12" → ``"12"``), or None.
      check: How it compares with the caller ID when they differ (:func:`check_caller_id`).
      runs: The whole digit runs the readings were cut from (longer than a reading when a
        digit was left over).
    """

    e164: str | None
    confidence: float
    source: Source
    spans: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    extension: str | None = None
    check: NumberCheck | None = None
    runs: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.e164 is not None


NONE = CallbackNumber(None, 0.0, "none")

# --- step 3: reconcile ---------------------------------------------------------------


def _same_number(a: str, b: str) -> bool:
    """Two readings of one number: equal, or the same length with at most two digits off."""
    if len(a) != len(b):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def close_digits(a: str, b: str) -> bool:
    """Within one edit (a digit dropped, added or misheard)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def _vote(group: list[Reading], region: str) -> tuple[str | None, Reading]:
    """Per-digit vote across readings of one length, weighted by word probability."""
    best = max(group, key=lambda r: r.mean_prob or 0.5)
    digits = []
    for pos in range(len(group[0].digits)):
        weight: dict[str, float] = {}
        for r in group:
            p = r.probs[pos]
            weight[r.digits[pos]] = weight.get(r.digits[pos], 0.0) + (p if p is not None else 0.5)
        digits.append(max(weight, key=lambda d: (weight[d], d == best.digits[pos])))
    voted = "".join(digits)
    for r in group:
        if r.digits == voted and r.e164:
            return r.e164, r
    return None, best


def _single_confidence(r: Reading) -> float:
    p = r.mean_prob
    return 0.85 if p is None else round(0.55 + 0.4 * p, 3)


def _from_spoken(valid: list[Reading], partial: list[Reading], region: str) -> CallbackNumber:
    # Group readings of the same number (allowing a misheard digit between them).
    groups: list[list[Reading]] = []
    for r in valid:
        for g in groups:
            if _same_number(g[0].digits, r.digits):
                g.append(r)
                break
        else:
            groups.append([r])

    # Which number is the callback number: said most often, then after a cue such as
    # "call me at", then the last one (people leave the callback number at the end).
    def rank(item: tuple[int, list[Reading]]) -> tuple[float, float, float, int]:
        g = item[1]
        support = len(g) + 0.5 * sum(close_digits(p.digits, g[0].digits) for p in partial)
        surest = max((r.mean_prob or 0.0) for r in g)
        return (support, max(r.cue for r in g), round(surest, 1), item[0])

    _, group = max(enumerate(groups), key=rank)
    heard = [r for r in group if not r.reread] or group
    spans = tuple(r.span for r in heard)
    readings = tuple(r.digits for r in heard)
    runs = tuple(r.run_digits for r in heard if r.run_digits)
    supporters = [p for p in partial if close_digits(p.digits, group[0].digits)]
    # Times it was said: a re-read of the same audio confirms, but is not a second saying.
    said = max(sum(not r.reread for r in group), sum(r.reread for r in group))
    if len(group) == 1:
        r = group[0]
        conf = _single_confidence(r) + 0.05 * len(supporters)
        # A number said twice in one breath whose two sayings were heard as different
        # valid numbers: one is misheard and nothing in the text says which, so the choice
        # is no surer than a vote (and so is checked against the audio). Two *different*
        # numbers are not said back to back without a word between them.
        if r.run is not None and any(o is not r and o.run == r.run for o in valid):
            conf = min(conf, _DISAGREEMENT)
        # Digits left over around the one saying ("6, 5, 0, 5, 5, 0, 1, 5, 9, 9, 9" read as
        # the last ten): a digit is too many somewhere, and which one is a guess.
        if r.stray:
            conf = min(conf, _DISAGREEMENT)
        return CallbackNumber(
            r.e164, round(min(conf, 0.9), 3), "spoken", spans, readings, runs=runs
        )
    if all(r.digits == group[0].digits for r in group):
        probs = [p for r in group if (p := r.mean_prob) is not None]
        mean = sum(probs) / len(probs) if probs else 0.6
        conf = 0.9 + 0.09 * mean if said > 1 else min(_single_confidence(group[0]) + 0.1, 0.9)
        return CallbackNumber(group[0].e164, round(conf, 3), "spoken", spans, readings, runs=runs)
    e164, chosen = _vote(group, region)
    if e164 is None:
        # The vote made an invalid number: keep the reading the model was surest of.
        e164 = chosen.e164
    return CallbackNumber(e164, _DISAGREEMENT, "spoken", spans, readings, runs=runs)


def _matches_caller_id(partial: str, national: str) -> bool:
    """A partial reading that is clearly the caller-ID number: its tail (the local number
    said without area code), its start (cut off), or the whole with one digit off."""
    if len(partial) >= 4 and national.endswith(partial):
        return True
    if len(partial) >= 6 and national.startswith(partial):
        return True
    return len(partial) >= 8 and (
        close_digits(partial, national) or close_digits(partial, "1" + national)
    )


def extract_callback_number(
    text: str,
    *,
    words: Sequence[WordLike] | None = None,
    region: str,
    caller_id: str | None = None,
) -> CallbackNumber:
    """The callback number in a transcript.

    Args:
      text: The transcript. Ignored in favour of ``words`` when those are given (their
        concatenated text is the transcript, with a probability per word).
      words: Optional word-level output of the recogniser (anything with ``text`` and
        ``probability``, such as :class:`ringback.speech.Word`); probabilities settle
        disagreements between two readings and scale the confidence.
      region: Region for numbers said without a country code.
      caller_id: The calling number from the call's metadata, in any format; used to
        complete or confirm a partial spoken number, or as the fallback when none was said.
    """
    region = region.upper()
    if words:
        text = "".join(w.text for w in words)
    valid, partial = find_readings(text, words, region=region)
    caller = e164_or_none(caller_id, region)
    found = resolve(valid, partial, caller, region)
    return check_caller_id(with_extension(found, text), caller, region)


def with_extension(number: CallbackNumber, text: str) -> CallbackNumber:
    """``number`` with the extension said in ``text`` (kept only when there is a number)."""
    if not number.found:
        return number
    return replace(number, extension=find_extension(text))


def resolve(
    valid: list[Reading], partial: list[Reading], caller: str | None, region: str
) -> CallbackNumber:
    """The callback number from a transcript's valid and partial readings and the caller
    ID (E.164 or None), before any extension is read."""
    if valid:
        result = _from_spoken(valid, partial, region)
        if caller and result.e164 == caller:
            return replace(result, confidence=max(result.confidence, 0.97))
        return result
    if caller:
        national = national_digits(caller)
        for p in reversed(partial):
            if _matches_caller_id(p.digits, national):
                return CallbackNumber(caller, 0.75, "caller_id", (p.span,), (p.digits,))
        # A local number said without its area code: borrow the caller's.
        for p in reversed(partial):
            if len(p.digits) == 7 and len(national) == 10:
                e164 = e164_or_none(national[:3] + p.digits, region)
                if e164:
                    return CallbackNumber(e164, 0.6, "spoken", (p.span,), (p.digits,))
        return CallbackNumber(caller, 0.5, "caller_id")
    return NONE


# --- step 4: the caller ID as a second witness ---------------------------------------


def check_caller_id(number: CallbackNumber, caller: str | None, region: str) -> CallbackNumber:
    """``number`` compared with the caller ID ``caller`` (E.164; None when blocked or absent).

    A heard number that is the caller ID, or that is nothing like it, is kept (a caller ID
    can be a switchboard or another phone: a different number said is a real one). One or
    two digits off it (or a digit too many or too few besides) is most likely a mishearing
    of it. Then the number said twice the same way and sure is kept; one that differs only
    in its last four digits (a direct line beside a switchboard?) is kept but flagged for a
    check (under :data:`UNSURE_NUMBER`); otherwise the caller ID is used, flagged unless it
    is a mobile number, the caller's own phone. ``check`` names the other number and why.
    """
    if caller is None or number.source != "spoken" or number.e164 in (None, caller):
        return number
    assert number.e164 is not None
    edits, near = _digits_apart(number, national_digits(caller))
    heard, theirs = pretty(number.e164), pretty(caller)
    if not near:
        reason = (
            f"The number said in the message is used; the caller ID {theirs} is a different "
            "number (perhaps a switchboard or another phone)."
        )
        return replace(number, check=NumberCheck(number.e164, caller, reason, edits))
    apart = f"{edits} digit{'s' if edits != 1 else ''} off"
    agreed = len(number.readings) >= 2 and len(set(number.readings)) == 1
    if agreed and number.confidence >= UNSURE_NUMBER:
        reason = (
            f"The number said in the message is used, since it was said twice the same way; "
            f"the caller ID {theirs} is {apart} it (perhaps another line)."
        )
        return replace(number, check=NumberCheck(number.e164, caller, reason, edits, True))
    mobile = is_mobile(caller, region)
    said = national_digits(number.e164)
    theirs_national = national_digits(caller)
    if not mobile and len(said) == len(theirs_national) and said[:-4] == theirs_national[:-4]:
        # Only the last digits differ, as another line at the same place would (a direct
        # line beside the switchboard): as likely as a mishearing, so kept and flagged.
        reason = (
            f"The number said in the message is used; the caller ID {theirs} differs only in "
            "its last digits: another line at the same place, or misheard — check the recording."
        )
        return replace(
            number,
            confidence=min(number.confidence, _DISAGREEMENT),
            check=NumberCheck(number.e164, caller, reason, edits, True),
        )
    reason = (
        f"The caller ID{', a mobile number,' if mobile else ''} is used: the number heard, "
        f"{heard}, is {apart} it, most likely misheard"
        + ("." if mobile else "; check the recording in case the caller gave another line.")
    )
    return replace(
        number,
        e164=caller,
        confidence=0.85 if mobile else min(number.confidence, _DISAGREEMENT),
        check=NumberCheck(caller, number.e164, reason, edits, True, "caller_id"),
    )


def _digits_apart(number: CallbackNumber, national: str) -> tuple[int, bool]:
    """How many digits the closest thing heard is from the caller ID's, and whether that is
    near enough to be a mishearing of it (two digits off, three when the lengths differ)."""
    assert number.e164 is not None
    heard = {national_digits(number.e164), *number.readings, *number.runs}
    best = (99, False)
    for digits in heard:
        for theirs in (national, "1" + national):
            edits = edit_distance(digits, theirs)
            near = edits <= _NEAR_EDITS + (len(digits) != len(theirs))
            best = min(best, (edits, not near))
    return best[0], not best[1]
