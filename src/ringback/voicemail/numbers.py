"""The callback number in a voicemail, and how sure we are of it.

The digits people said are found by ``ringback.speech.spoken_numbers`` (every way of
saying and writing them, cut into *readings*). Here:

- readings of the same number are reconciled: agreement raises confidence, a one-digit
  disagreement is settled by the words' probabilities, a valid reading beats a partial;
- caller ID is the cross-check, the completion of a partial number, or the fallback;
- from audio (:func:`callback_number_from_audio`), a number the transcript leaves
  unsettled is repaired against the recording itself.

:func:`extract_callback_number` is pure text processing: no audio, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import phonenumbers

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

from ringback.speech.spoken_numbers import (
    Reading,
    WordLike,
    find_extension,
    find_readings,
    valid_e164,
)
from ringback.speech.types import (
    SAMPLE_RATE,
    AudioInput,
    TranscribeOptions,
    Transcriber,
    Transcript,
)

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


def _close(a: str, b: str) -> bool:
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
        support = len(g) + 0.5 * sum(_close(p.digits, g[0].digits) for p in partial)
        surest = max((r.mean_prob or 0.0) for r in g)
        return (support, max(r.cue for r in g), round(surest, 1), item[0])

    _, group = max(enumerate(groups), key=rank)
    heard = [r for r in group if not r.reread] or group
    spans = tuple(r.span for r in heard)
    readings = tuple(r.digits for r in heard)
    supporters = [p for p in partial if _close(p.digits, group[0].digits)]
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


def _parse_caller_id(caller_id: str | None, region: str) -> str | None:
    if not caller_id:
        return None
    try:
        number = phonenumbers.parse(caller_id, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _national(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    return phonenumbers.national_significant_number(number)


def _matches_caller_id(partial: str, national: str) -> bool:
    """A partial reading that is clearly the caller-ID number: its tail (the local number
    said without area code), its start (cut off), or the whole with one digit off."""
    if len(partial) >= 4 and national.endswith(partial):
        return True
    if len(partial) >= 6 and national.startswith(partial):
        return True
    return len(partial) >= 8 and (_close(partial, national) or _close(partial, "1" + national))


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
    found = _resolve(valid, partial, _parse_caller_id(caller_id, region), region)
    return with_extension(found, text)


def with_extension(number: CallbackNumber, text: str) -> CallbackNumber:
    """``number`` with the extension said in ``text`` (kept only when there is a number)."""
    if not number.found:
        return number
    return replace(number, extension=find_extension(text))


def _resolve(
    valid: list[Reading], partial: list[Reading], caller: str | None, region: str
) -> CallbackNumber:
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
        national = _national(caller)
        for p in reversed(partial):
            if _matches_caller_id(p.digits, national):
                return CallbackNumber(caller, 0.75, "caller_id", (p.span,), (p.digits,))
        # A local number said without its area code: borrow the caller's.
        for p in reversed(partial):
            if len(p.digits) == 7 and len(national) == 10:
                e164 = valid_e164(national[:3] + p.digits, region, False)
                if e164:
                    return CallbackNumber(e164, 0.6, "spoken", (p.span,), (p.digits,))
        return CallbackNumber(caller, 0.5, "caller_id")
    return NONE


def format_number(e164: str) -> str:
    """``+14155550137`` → ``+1 415-555-0137`` (how people read it)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- from audio ------------------------------------------------------------------------

_REREAD_PAD_S = 0.6  # audio kept either side of the digits when re-reading them
_DISAGREEMENT = 0.7  # confidence given to readings reconciled by a vote
_UNSURE = 0.7  # at or below this, a spoken number is checked against the audio
_JOIN_GAP_S = 1.0  # digit fragments closer than this are one saying
_MAX_CANDIDATES = 40  # valid variants scored per repair (each costs one forced decode)
_UNSURE_DIGITS = 3  # a misheard digit is looked for at this many least sure positions
_UNSURE_PROB = 0.5  # ... and at every digit whose word probability is under this
# Work budget for one repair: at most this many sayings are scored (one trimmed, batched
# alignment of ≤ 40 candidates each, about 1 s unloaded). A count, not a clock: a
# wall-clock budget made the number read depend on how busy the machine was (a second
# saying skipped under load changed the answer). Sayings are scored surest first; any
# left over lower the confidence to _OVER_BUDGET.
_MAX_SAYINGS_SCORED = 2
# A leader this far ahead (log-probability, nats: a likelihood ratio of e^2 ≈ 7) after a
# saying is not re-checked on the next one. On the callback-number bench no lead over 1
# nat was ever overturned by a second saying, and stopping there saves a quarter of the
# repair time (bench/bench_callback_numbers.py: 78 % either way).
_SETTLED_NATS = 2.0
# Otherwise the next saying scores only the leaders so far: of the five bench numbers
# that needed a second saying, the right one (when a candidate at all) ranked 3rd, 5th
# and 7th after the first, and scoring ten instead of forty left the accuracy at 78 %.
_RECHECKED = 10
_OVER_BUDGET = 0.55


@runtime_checkable
class _Rescorer(Protocol):
    def score_texts(
        self,
        samples: npt.NDArray[np.float32],
        texts: list[str],
        *,
        language: str | None = None,
    ) -> list[float]: ...


def callback_number_from_audio(
    transcriber: Transcriber,
    audio: AudioInput,
    *,
    region: str = "US",
    caller_id: str | None = None,
    transcript: Transcript | None = None,
    options: TranscribeOptions | None = None,
    verify_below: float = _UNSURE,
    repair: bool = True,
) -> tuple[Transcript, CallbackNumber]:
    """Transcribe a voicemail (unless ``transcript`` is given) and find its callback number.

    When the transcript does not settle the number (no valid reading, readings that
    disagree, or one the model was unsure of), the digits heard are *repaired* against the
    audio: every valid number within one digit of a reading (a digit dropped — Whisper
    often merges "two two" into one "two" — added, or misheard) is scored by how well it
    explains the audio of each saying, and the best wins. Needs a transcriber with
    ``score_texts`` (``FasterWhisperTranscriber`` has it); others get the text result.
    ``verify_below``: a spoken number with a confidence at or below this is checked too.
    ``repair=False`` skips the audio check altogether (the transcript's reading stands).
    """
    from ringback.speech.audio import decode

    region = region.upper()
    samples = decode(audio)
    if transcript is None:
        transcript = transcriber.transcribe(samples, options=options)
    valid, partial = find_readings(transcript.text, transcript.words, region)
    caller = _parse_caller_id(caller_id, region)
    first = with_extension(_resolve(valid, partial, caller, region), transcript.text)
    # For the audio repair, digit fragments too short to be partial readings count: a
    # word the model got wrong ("eight, middle, nine") splits one saying into pieces.
    v_all, fragments = find_readings(transcript.text, transcript.words, region, min_partial=1)
    heard = first.readings[0] if first.readings else ""
    # A second saying that does not agree with the chosen number (a long partial reading
    # more than one digit away) is contradicting evidence, as is a low confidence.
    contradicted = any(len(p.digits) >= 6 and not _close(p.digits, heard) for p in partial)
    unsettled = (
        not valid
        or (first.source == "spoken" and first.confidence <= verify_below)
        or (first.source == "spoken" and contradicted)
    )
    if not (repair and unsettled and (valid or partial)) or not isinstance(transcriber, _Rescorer):
        return transcript, first
    repaired = _repair(transcriber, samples, _sayings([*v_all, *fragments]), region)
    if repaired is None:
        return transcript, first
    repaired = with_extension(repaired, transcript.text)
    if caller and repaired.e164 == caller:
        return transcript, replace(repaired, confidence=0.9)
    if first.source == "spoken" and repaired.e164 == first.e164:
        # The audio confirms what the transcript said: keep its spans and confidence.
        return transcript, replace(first, confidence=max(first.confidence, repaired.confidence))
    return transcript, repaired


def _repair(
    rescorer: _Rescorer, samples: npt.NDArray[np.float32], heard: list[Reading], region: str
) -> CallbackNumber | None:
    """Score the likely valid variants of the sayings against the audio of each saying.

    Each saying's clip (its words ± ``_REREAD_PAD_S``) is scored for all candidates in one
    batched, trimmed alignment; once one candidate leads by ``_SETTLED_NATS`` the other
    sayings are not scored, and until then each further saying scores only the
    ``_RECHECKED`` best so far. Candidates are the likeliest slips only (see
    :func:`_likely_variants`), at most ``_MAX_CANDIDATES``; past ``_MAX_SAYINGS_SCORED`` the
    remaining sayings are skipped and the best so far is returned, less sure.
    """
    from ringback.speech.alignment import score_clip

    sayings = [r for r in heard if r.start_time is not None and r.end_time is not None]
    if not sayings:
        return None
    candidates: dict[str, str] = {}
    for r in sayings:
        for digits in _likely_variants(r.digits, r.probs):
            if len(candidates) >= _MAX_CANDIDATES:
                break
            if digits in candidates:
                continue
            e164 = valid_e164(digits, region, False)
            if e164:
                candidates[digits] = e164
    if not candidates:
        return None
    totals = dict.fromkeys(candidates, 0.0)
    duration = len(samples) / SAMPLE_RATE
    over_budget = False
    # The saying the model was surest of first: if the budget runs out, it decided.
    order = sorted(sayings, key=lambda r: -(r.mean_prob or 0.0))
    for n, r in enumerate(order):
        if n >= _MAX_SAYINGS_SCORED:
            over_budget = True
            break
        assert r.start_time is not None and r.end_time is not None
        a = max(0.0, r.start_time - _REREAD_PAD_S)
        b = min(duration, r.end_time + _REREAD_PAD_S)
        clip = samples[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
        options = list(totals)
        for digits, score in zip(
            options, score_clip(rescorer, clip, [_as_said(c) for c in options]), strict=True
        ):
            totals[digits] += score
        ranked = sorted(totals, key=totals.__getitem__, reverse=True)
        if len(ranked) < 2 or totals[ranked[0]] - totals[ranked[1]] > _SETTLED_NATS:
            break  # another saying would have to favour the runner-up by more than this
        # Only the front-runners are worth another saying's time.
        totals = {c: totals[c] for c in ranked[:_RECHECKED]}
    digits = max(totals, key=totals.__getitem__)
    heard_as_is = any(r.digits == digits for r in sayings)
    # Confirmed by one of the readings → fairly sure; a repair the model never wrote → a
    # best guess, flagged by a confidence under the "check it" line.
    confidence = 0.75 if heard_as_is else 0.6
    if over_budget:
        confidence = min(confidence, _OVER_BUDGET)
    return CallbackNumber(
        candidates[digits],
        confidence,
        "spoken",
        tuple(r.span for r in sayings),
        tuple(r.digits for r in sayings),
    )


def _as_said(digits: str) -> str:
    """A candidate number as the text the decoder is forced to write: digit by digit, as
    Whisper itself writes a digit run it hears ("4, 1, 5.")."""
    return ", ".join(digits) + "."


def _sayings(pieces: list[Reading]) -> list[Reading]:
    """Join pieces said close together (under a second apart) while the joined digits still
    fit one number (at most 11); each result is one saying of the number."""
    timed = sorted(
        (r for r in pieces if r.start_time is not None and r.end_time is not None),
        key=lambda r: r.start_time or 0.0,
    )
    out: list[Reading] = []
    for r in timed:
        last = out[-1] if out else None
        if (
            last is not None
            and last.e164 is None
            and r.e164 is None
            and (r.start_time or 0.0) - (last.end_time or 0.0) < _JOIN_GAP_S
            and len(last.digits) + len(r.digits) <= 11
        ):
            out[-1] = replace(
                last,
                digits=last.digits + r.digits,
                span=f"{last.span} … {r.span}",
                probs=last.probs + r.probs,
                end_time=r.end_time,
            )
        else:
            out.append(r)
    return [r for r in out if len(r.digits) >= 6]


def _likely_variants(digits: str, probs: Sequence[float | None] = ()) -> list[str]:
    """The digits as heard, then the likeliest one-digit slips, likeliest first.

    Every position gets a digit doubled (Whisper merges "two two" into one "two") or
    dropped; a digit changed or a missing one inserted is looked for only where the model
    was unsure: the ``_UNSURE_DIGITS`` positions of lowest word probability and any under
    ``_UNSURE_PROB`` (all positions when there are no probabilities).
    """
    n = len(digits)
    known = [(p, i) for i, p in enumerate(probs[:n]) if p is not None]
    if len(known) < n:
        unsure = list(range(n))
    else:
        ranked = sorted(known)
        unsure = sorted(
            {i for _, i in ranked[:_UNSURE_DIGITS]} | {i for p, i in known if p < _UNSURE_PROB}
        )
    gaps = sorted({g for i in unsure for g in (i, i + 1)})
    out = [digits]
    out += [digits[: i + 1] + digits[i:] for i in range(n)]
    out += [digits[:i] + digits[i + 1 :] for i in range(n)]
    out += [digits[:i] + d + digits[i + 1 :] for i in unsure for d in "0123456789"]
    out += [digits[:g] + d + digits[g:] for g in gaps for d in "0123456789"]
    return list(dict.fromkeys(out))
