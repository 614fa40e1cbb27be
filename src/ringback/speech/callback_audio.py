"""The callback number checked against the recording: the audio side of callback numbers.

The text side (:mod:`ringback.extract.callback`) reads the number from the transcript. When
that leaves it unsettled (no valid reading, readings that disagree, a low confidence), the
digits heard are *repaired* here: the likely one-digit slips are scored against the audio
of each saying with Whisper's forced alignment (:mod:`ringback.speech.alignment`).

Why it lives in ``speech``: it needs the model, and the ground-floor text package must not
depend on speech. ``speech`` builds on ``extract`` (one way), and every caller that wants
a number from audio (``ringback speech callback-number``, the voicemail pipeline) imports
this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ringback.extract.callback import (
    CallbackNumber,
    check_caller_id,
    close_digits,
    resolve,
    with_extension,
)
from ringback.extract.spoken_numbers import Reading, find_readings
from ringback.phones import e164_or_none
from ringback.speech.types import (
    SAMPLE_RATE,
    AudioInput,
    TranscribeOptions,
    Transcriber,
    Transcript,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_REREAD_PAD_S = 0.6  # audio kept either side of the digits when re-reading them
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
    region: str,
    caller_id: str | None = None,
    transcript: Transcript | None = None,
    options: TranscribeOptions | None = None,
    verify_below: float = _UNSURE,
    repair: bool = True,
    compare_caller_id: bool = True,
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
    The number found is then compared with the caller ID
    (:func:`ringback.extract.callback.check_caller_id`; ``compare_caller_id=False`` skips
    that, as a measure of what the comparison is worth).
    """
    from ringback.speech.audio import decode

    region = region.upper()
    samples = decode(audio)
    if transcript is None:
        transcript = transcriber.transcribe(samples, options=options)
    found = _read_and_repair(
        transcriber,
        samples,
        transcript,
        region,
        e164_or_none(caller_id, region),
        verify_below,
        repair,
    )
    if compare_caller_id:
        found = check_caller_id(found, e164_or_none(caller_id, region), region)
    return transcript, found


def _read_and_repair(
    transcriber: Transcriber,
    samples: npt.NDArray[np.float32],
    transcript: Transcript,
    region: str,
    caller: str | None,
    verify_below: float,
    repair: bool,
) -> CallbackNumber:
    """The number the transcript gives, repaired against the audio when it is unsettled."""
    valid, partial = find_readings(transcript.text, transcript.words, region=region)
    first = with_extension(resolve(valid, partial, caller, region), transcript.text)
    # For the audio repair, digit fragments too short to be partial readings count: a
    # word the model got wrong ("eight, middle, nine") splits one saying into pieces.
    v_all, fragments = find_readings(
        transcript.text, transcript.words, region=region, min_partial=1
    )
    heard = first.readings[0] if first.readings else ""
    # A second saying that does not agree with the chosen number (a long partial reading
    # more than one digit away) is contradicting evidence, as is a low confidence.
    contradicted = any(len(p.digits) >= 6 and not close_digits(p.digits, heard) for p in partial)
    unsettled = (
        not valid
        or (first.source == "spoken" and first.confidence <= verify_below)
        or (first.source == "spoken" and contradicted)
    )
    if not (repair and unsettled and (valid or partial)) or not isinstance(transcriber, _Rescorer):
        return first
    repaired = _repair(transcriber, samples, _sayings([*v_all, *fragments]), region)
    if repaired is None:
        return first
    repaired = with_extension(repaired, transcript.text)
    if caller and repaired.e164 == caller:
        return replace(repaired, confidence=0.9)
    if first.source == "spoken" and repaired.e164 == first.e164:
        # The audio confirms what the transcript said: keep its spans and confidence.
        return replace(first, confidence=max(first.confidence, repaired.confidence))
    # The repair's own readings, with the runs they came from (for the caller-ID check).
    return replace(repaired, runs=first.runs)


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
            e164 = e164_or_none(digits, region)
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
