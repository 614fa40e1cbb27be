"""The shapes call review works on: words attributed to a speaker, grouped into utterances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ringback.words import plain_words

Speaker = Literal["rep", "customer"]
SPEAKERS: tuple[Speaker, Speaker] = ("rep", "customer")

# Words closer than this belong to one utterance. Half a second is about the longest pause
# inside a spoken sentence; human word-timed references (RTTM/STM turns) break at about
# the same length, so talk time measured over utterances matches theirs.
UTTERANCE_GAP = 0.5


@dataclass(frozen=True, slots=True)
class SpokenWord:
    speaker: Speaker
    text: str  # as transcribed, stripped ("right," "Okay.")
    start: float
    end: float

    @property
    def bare(self) -> str:
        """Lower-case letters and digits only: "Uh-huh," -> "uhhuh"."""
        return "".join(plain_words(self.text))


@dataclass(frozen=True, slots=True)
class Utterance:
    speaker: Speaker
    words: tuple[SpokenWord, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words).strip()


def utterances(words: list[SpokenWord], gap: float = UTTERANCE_GAP) -> list[Utterance]:
    """Each speaker's words grouped at pauses longer than ``gap``, all in start order."""
    out: list[Utterance] = []
    for speaker in SPEAKERS:
        own = sorted((w for w in words if w.speaker == speaker), key=lambda w: w.start)
        current: list[SpokenWord] = []
        for word in own:
            if current and word.start - current[-1].end > gap:
                out.append(Utterance(speaker, tuple(current)))
                current = []
            current.append(word)
        if current:
            out.append(Utterance(speaker, tuple(current)))
    return sorted(out, key=lambda u: (u.start, u.speaker))
