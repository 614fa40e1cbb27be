"""Active-listening metrics from speaker-attributed words.

Pure arithmetic on :class:`~ringback.calls.model.SpokenWord` lists: no audio, no model, so
every rule here is unit-tested on hand-built timelines. The definitions (each one fixed so
two calls can be compared):

* **talk time**: the union of a speaker's utterances (words closer than 0.5 s joined); in
  the mono fallback, the speaker's speech as heard by voice activity detection, pauses up
  to 0.5 s joined the same way (see :mod:`ringback.calls.diarize`).
* **backchannel**: a short acknowledgement ("uh-huh", "I see", "right") by one party while
  the other holds the floor (they spoke until at most 1.5 s before and go on within 2 s
  after). It is the audible nod of active listening on the phone (seed 002) and neither
  takes the floor nor counts as an interruption.
* **turn**: a maximal run of one speaker's floor-taking (non-backchannel) utterances.
* **monologue**: the longest stretch inside one turn with no pause over 3 s.
* **interruption**: a floor-taking utterance that starts while the other party is still
  speaking and overlaps them by more than 0.5 s (shorter overlaps are ordinary turn-taking).
* **patience**: the mean pause between the end of a customer's turn and the start of the
  rep's next turn (0 when the rep cut in; gaps over 10 s are a hold, not a pause).
* **filler rate**: "um", "uh", "er", "you know", "I mean"… per 100 words.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from ringback.calls.model import SPEAKERS, Speaker, SpokenWord, Utterance, utterances

INTERRUPTION_OVERLAP = 0.5
BACKCHANNEL_BEFORE = 1.5
BACKCHANNEL_AFTER = 2.0
BACKCHANNEL_MAX_WORDS = 4
BACKCHANNEL_MAX_SECONDS = 2.0
MONOLOGUE_PAUSE = 3.0
PATIENCE_MAX_GAP = 10.0

# Acknowledgements that say "go on, I'm listening". Single words are matched after
# collapsing repeats ("yeah yeah" -> "yeah"); Whisper spells the hums several ways.
BACKCHANNEL_PHRASES = frozenset(
    [
        "uhhuh",
        "uh",
        "huh",
        "mmhmm",
        "mhm",
        "mmhm",
        "mm",
        "hmm",
        "hm",
        "mhmm",
        "yeah",
        "yes",
        "yep",
        "yup",
        "right",
        "okay",
        "ok",
        "sure",
        "really",
        "wow",
        "oh",
        "exactly",
        "absolutely",
        "gotcha",
        "alright",
        "true",
        "totally",
        "definitely",
        "nice",
        "great",
        "cool",
        "interesting",
    ]
) | frozenset(
    {
        "i see",
        "oh i see",
        "got it",
        "of course",
        "makes sense",
        "that makes sense",
        "all right",
        "oh okay",
        "oh really",
        "oh wow",
        "oh yeah",
        "that's right",
        "i hear you",
        "no way",
        "oh no",
        "fair enough",
        "i know",
        "sure thing",
        # A drawn-out "okay" comes out of Whisper as two words: "Oh, Kay", "O. K.", "Oh, K."
        "o k",
        "oh k",
        "oh kay",
        "o kay",
    }
)
FILLER_WORDS = frozenset(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "eh", "hmm"])
FILLER_PHRASES = (("you", "know"), ("i", "mean"))


def is_backchannel_text(words: tuple[SpokenWord, ...]) -> bool:
    bare = [w.bare for w in words if w.bare]
    if not bare or len(bare) > BACKCHANNEL_MAX_WORDS:
        return False
    collapsed: list[str] = []
    for word in bare:
        if not collapsed or collapsed[-1] != word:
            collapsed.append(word)
    return " ".join(collapsed) in BACKCHANNEL_PHRASES


def count_fillers(words: list[SpokenWord]) -> int:
    bare = [w.bare for w in words]
    count = sum(1 for b in bare if b in FILLER_WORDS)
    for i in range(len(bare) - 1):
        if (bare[i], bare[i + 1]) in FILLER_PHRASES:
            count += 1
    return count


@dataclass(frozen=True)
class Turn:
    speaker: Speaker
    utterances: tuple[Utterance, ...]

    @property
    def start(self) -> float:
        return self.utterances[0].start

    @property
    def end(self) -> float:
        return max(u.end for u in self.utterances)

    @property
    def words(self) -> tuple[SpokenWord, ...]:
        return tuple(w for u in self.utterances for w in u.words)

    def stretches(self) -> list[tuple[float, float, tuple[Utterance, ...]]]:
        """The turn cut at pauses over MONOLOGUE_PAUSE: (start, end, utterances)."""
        out: list[tuple[float, float, tuple[Utterance, ...]]] = []
        group: list[Utterance] = []
        for u in self.utterances:
            if group and u.start - max(g.end for g in group) > MONOLOGUE_PAUSE:
                out.append((group[0].start, max(g.end for g in group), tuple(group)))
                group = []
            group.append(u)
        if group:
            out.append((group[0].start, max(g.end for g in group), tuple(group)))
        return out


@dataclass(frozen=True)
class Event:
    start: float
    speaker: Speaker
    text: str
    end: float = 0.0


@dataclass(frozen=True)
class SpeakerMetrics:
    talk_seconds: float
    words: int
    words_per_minute: float
    longest_monologue_seconds: float
    turns: int
    fillers: int
    fillers_per_100_words: float
    backchannels: int


@dataclass(frozen=True)
class Metrics:
    duration: float
    speakers: dict[Speaker, SpeakerMetrics]
    talk_share_rep: float
    utterances: tuple[Utterance, ...]
    turns: tuple[Turn, ...]
    interruptions: tuple[Event, ...]
    backchannels: tuple[Event, ...]
    patience_seconds: float | None
    rep_backchannels_per_customer_minute: float
    customer_longest_story: Event | None = None
    longest_monologue: dict[Speaker, Event | None] = field(default_factory=dict)


def _floor_context(u: Utterance, others: list[Utterance], starts: list[float]) -> bool:
    """Does the other party hold the floor around ``u`` (before it and after it)?"""
    i = bisect.bisect_left(starts, u.start)
    before = any(v.end >= u.start - BACKCHANNEL_BEFORE for v in others[max(0, i - 3) : i])
    after = any(
        v.end > u.end and v.start <= u.end + BACKCHANNEL_AFTER
        for v in others[max(0, i - 1) : i + 3]
    )
    return before and after


def _backchannels(utts: list[Utterance]) -> set[int]:
    """Indexes (into ``utts``) of the utterances that are backchannels."""
    by_speaker = {s: [u for u in utts if u.speaker == s] for s in SPEAKERS}
    starts = {s: [u.start for u in by_speaker[s]] for s in SPEAKERS}
    found = set()
    for index, u in enumerate(utts):
        if u.duration > BACKCHANNEL_MAX_SECONDS or not is_backchannel_text(u.words):
            continue
        other: Speaker = "customer" if u.speaker == "rep" else "rep"
        if _floor_context(u, by_speaker[other], starts[other]):
            found.add(index)
    return found


def _turns(floor: list[Utterance]) -> list[Turn]:
    turns: list[Turn] = []
    group: list[Utterance] = []
    for u in floor:
        if group and u.speaker != group[0].speaker:
            turns.append(Turn(group[0].speaker, tuple(group)))
            group = []
        group.append(u)
    if group:
        turns.append(Turn(group[0].speaker, tuple(group)))
    return turns


def _interruptions(floor: list[Utterance]) -> list[Event]:
    by_speaker = {s: [u for u in floor if u.speaker == s] for s in SPEAKERS}
    starts = {s: [u.start for u in by_speaker[s]] for s in SPEAKERS}
    out = []
    for u in floor:
        other: Speaker = "customer" if u.speaker == "rep" else "rep"
        i = bisect.bisect_left(starts[other], u.start)
        # Utterances of one speaker do not overlap, so only the last one that started
        # before ``u`` can still be going on when ``u`` starts.
        if i == 0:
            continue
        v = by_speaker[other][i - 1]
        overlap = min(u.end, v.end) - u.start
        if v.end > u.start and overlap > INTERRUPTION_OVERLAP:
            out.append(Event(u.start, u.speaker, u.text, end=u.end))
    return out


def _union_seconds(utts: list[Utterance]) -> float:
    total, reach = 0.0, float("-inf")
    for u in sorted(utts, key=lambda u: u.start):
        start = max(u.start, reach)
        if u.end > start:
            total += u.end - start
        reach = max(reach, u.end)
    return total


def compute(
    words: list[SpokenWord], duration: float, talk: dict[Speaker, float] | None = None
) -> Metrics:
    """Every metric of one call from its attributed words. ``talk`` (seconds per speaker),
    when given, is talk time measured from the audio itself (the mono fallback measures
    each voice's speech: word times run across changes of speaker) and replaces the
    union of utterances."""
    utts = utterances(words)
    back_index = _backchannels(utts)
    backs = [utts[i] for i in sorted(back_index)]
    floor = [u for i, u in enumerate(utts) if i not in back_index]
    turns = _turns(floor)

    speakers: dict[Speaker, SpeakerMetrics] = {}
    longest: dict[Speaker, Event | None] = {}
    for s in SPEAKERS:
        own_words = [w for w in words if w.speaker == s]
        talk_s = (
            talk[s] if talk is not None else _union_seconds([u for u in utts if u.speaker == s])
        )
        best: Event | None = None
        for turn in (t for t in turns if t.speaker == s):
            for start, end, group in turn.stretches():
                if best is None or end - start > best.end - best.start:
                    text = " ".join(u.text for u in group)
                    best = Event(start, s, text, end=end)
        longest[s] = best
        n = len(own_words)
        fillers = count_fillers(own_words)
        speakers[s] = SpeakerMetrics(
            talk_seconds=round(talk_s, 3),
            words=n,
            words_per_minute=round(n / (talk_s / 60), 1) if talk_s > 0 else 0.0,
            longest_monologue_seconds=round(best.end - best.start, 3) if best else 0.0,
            turns=sum(1 for t in turns if t.speaker == s),
            fillers=fillers,
            fillers_per_100_words=round(100 * fillers / n, 2) if n else 0.0,
            backchannels=sum(1 for u in backs if u.speaker == s),
        )
    both = speakers["rep"].talk_seconds + speakers["customer"].talk_seconds
    share = speakers["rep"].talk_seconds / both if both > 0 else 0.0

    gaps = []
    for prev, nxt in itertools.pairwise(turns):
        if prev.speaker == "customer" and nxt.speaker == "rep":
            gap = nxt.start - prev.end
            if gap <= PATIENCE_MAX_GAP:
                gaps.append(max(0.0, gap))
    customer_minutes = speakers["customer"].talk_seconds / 60
    return Metrics(
        duration=round(duration, 3),
        speakers=speakers,
        talk_share_rep=round(share, 4),
        utterances=tuple(utts),
        turns=tuple(turns),
        interruptions=tuple(_interruptions(floor)),
        backchannels=tuple(Event(u.start, u.speaker, u.text, end=u.end) for u in backs),
        patience_seconds=round(sum(gaps) / len(gaps), 3) if gaps else None,
        rep_backchannels_per_customer_minute=(
            round(speakers["rep"].backchannels / customer_minutes, 2) if customer_minutes else 0.0
        ),
        customer_longest_story=longest["customer"],
        longest_monologue=longest,
    )
