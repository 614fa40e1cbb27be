"""The questions each party asked, with their time and kind, from the foundation's classifier.

A turn is cut into sentences at Whisper's sentence punctuation (and at pauses over a
second, since punctuation on phone audio is unreliable); each sentence is classified
alone by :func:`ringback.questions.classify`, which reads words first and uses a "?" only
as extra evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringback.calls.metrics import Turn
from ringback.calls.model import Speaker, SpokenWord

SENTENCE_PAUSE = 1.0


@dataclass(frozen=True)
class Question:
    speaker: Speaker
    text: str
    start: float
    kind: str  # "open" or "closed"

    def contract(self) -> dict[str, object]:
        return {
            "speaker": self.speaker,
            "text": self.text,
            "start": round(self.start, 3),
            "kind": self.kind,
        }


def sentences(words: tuple[SpokenWord, ...]) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    current: list[SpokenWord] = []
    for word in words:
        if current and word.start - current[-1].end > SENTENCE_PAUSE:
            out.append((current[0].start, " ".join(w.text for w in current)))
            current = []
        current.append(word)
        if word.text.rstrip('"”').endswith((".", "?", "!")):
            out.append((current[0].start, " ".join(w.text for w in current)))
            current = []
    if current:
        out.append((current[0].start, " ".join(w.text for w in current)))
    return out


def find_questions(turns: tuple[Turn, ...]) -> list[Question]:
    from ringback.questions import classify

    found = []
    for turn in turns:
        for start, text in sentences(turn.words):
            kind = classify(text)
            if kind in ("open", "closed"):
                found.append(Question(turn.speaker, text.strip(), start, kind))
    return sorted(found, key=lambda q: q.start)
