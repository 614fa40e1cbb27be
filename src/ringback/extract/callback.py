"""The callback number in a voicemail's text, and how sure we are of it.

The digits people said are found by :mod:`ringback.extract.spoken_numbers` (every way of
saying and writing them, cut into *readings*). Here:

- readings of the same number are reconciled: agreement raises confidence, a one-digit
  disagreement is settled by the words' probabilities, a valid reading beats a partial;
- caller ID is the cross-check, the completion of a partial number, or the fallback.

Pure text processing: no audio, no model. A number the transcript leaves unsettled is
repaired against the recording by ``ringback.speech.callback_audio``, which builds on this
module (the audio side needs Whisper, so it lives with speech, above the text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ringback.extract.digit_runs import WordLike, find_extension
from ringback.extract.spoken_numbers import Reading, find_readings
from ringback.phones import e164_or_none, national_digits

_DISAGREEMENT = 0.7  # confidence given to readings reconciled by a vote

Source = Literal["spoken", "caller_id", "none"]


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
    """

    e164: str | None
    confidence: float
    source: Source
    spans: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    extension: str | None = None

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
        return CallbackNumber(r.e164, round(min(conf, 0.9), 3), "spoken", spans, readings)
    if all(r.digits == group[0].digits for r in group):
        probs = [p for r in group if (p := r.mean_prob) is not None]
        mean = sum(probs) / len(probs) if probs else 0.6
        conf = 0.9 + 0.09 * mean if said > 1 else min(_single_confidence(group[0]) + 0.1, 0.9)
        return CallbackNumber(group[0].e164, round(conf, 3), "spoken", spans, readings)
    e164, chosen = _vote(group, region)
    if e164 is None:
        # The vote made an invalid number: keep the reading the model was surest of.
        e164 = chosen.e164
    return CallbackNumber(e164, _DISAGREEMENT, "spoken", spans, readings)


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
    region: str = "US",
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
    valid, partial = find_readings(text, words, region)
    found = resolve(valid, partial, e164_or_none(caller_id, region), region)
    return with_extension(found, text)


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
            return CallbackNumber(
                result.e164,
                max(result.confidence, 0.97),
                "spoken",
                result.spans,
                result.readings,
            )
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
