"""Which voice is the rep, the part both ways of telling two voices apart share.

:mod:`ringback.calls.diarize` tells the voices apart by speaker embeddings
(:mod:`ringback.calls.voice_windows`) or, without the encoder, by MFCC timbre
(:mod:`ringback.calls.mfcc_voices`). Whichever found the two voices, the words are first
joined into stretches at pauses (:func:`chunks`) and the rep is named the same way: the
voice of the call's first real turn (:func:`first_turn`, :func:`named_roles`). Kept in a
room of its own so that both methods, and the tests of the convention, use one rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from ringback.calls.model import UTTERANCE_GAP, Speaker, SpokenWord

CHUNK_GAP = 0.25  # a pause this long may be a change of speaker
# A call's first *real* turn: this much speech from one voice. Whoever picks up a phone
# answers with a short "Hello?" and the caller then says who they are and why they call
# (the summons-answer opening of telephone calls, Schegloff 1968); a rep who answers
# greets at length ("Thanks for calling Acme, this is Dan"). So the first real turn is
# the rep's, calling out or answering, where the first sound may be either party.
FIRST_TURN_S = 1.0


def chunks(words: list[SpokenWord]) -> list[list[int]]:
    """Indexes of the words (in time order) joined across pauses up to CHUNK_GAP."""
    chunks: list[list[int]] = []
    reach = float("-inf")
    for i, word in enumerate(words):
        if chunks and word.start - reach <= CHUNK_GAP:
            chunks[-1].append(i)
        else:
            chunks.append([i])
        reach = max(reach, word.end) if len(chunks[-1]) > 1 else word.end
    return chunks


def first_turn(spans: Iterable[tuple[float, float]], voices: Iterable[int]) -> int | None:
    """The voice that first holds the floor for FIRST_TURN_S of speech: stretches of
    speech (``spans``, in time order) of one voice, pauses up to UTTERANCE_GAP between
    them; None when no voice ever does (a call of one-word replies)."""
    run_voice, held, reach = None, 0.0, float("-inf")
    for (start, end), voice in zip(spans, voices, strict=True):
        if voice == run_voice and start - reach <= UTTERANCE_GAP:
            held += end - max(start, reach)
        else:
            run_voice, held = int(voice), end - start
        reach = max(reach, end)
        if held >= FIRST_TURN_S:
            return run_voice
    return None


def named_roles(labels: list[int], rep_first: bool) -> dict[int, Speaker]:
    """Roles for the two voices, ``labels[0]`` being the voice of the call's first real
    turn (see FIRST_TURN_S)."""
    first = labels[0] if labels else 0
    if rep_first:
        return {first: "rep", 1 - first: "customer"}
    return {first: "customer", 1 - first: "rep"}
