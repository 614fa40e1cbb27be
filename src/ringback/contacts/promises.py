"""Find what was promised in past interactions: "I'll send you…" from either side.

A prep brief that reminds you of your own open promises (and theirs) is the cheapest
way to sound "professional, structured and reliable" (seed 004, idea 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ringback.contacts.profile import ContactProfile

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# Who made the promise is decided by the subject of the commitment verb.
_MINE = re.compile(
    r"\b(?:i|we)(?:'ll|’ll| will| shall| am going to| are going to| promised to| owe (?:you|them|him|her))\b",
    re.I,
)
_THEIRS = re.compile(
    r"\b(?:you|they|he|she)(?:'ll|’ll| will| are going to| is going to| promised to| said (?:you|they|he|she)(?:'d| would))\b",
    re.I,
)


@dataclass(frozen=True)
class Promise:
    by: str  # "you" (the user) or "them" (the contact)
    text: str
    when: datetime | None
    source: str  # "follow-up" or the interaction kind


def _speaker_aware(direction: str, mine: bool) -> str:
    # A note or an outbound message is written from the user's side; an inbound message
    # (their email, their voicemail) is written by the contact, so "I'll" means them.
    if direction == "inbound":
        return "them" if mine else "you"
    return "you" if mine else "them"


def find_promises(profile: ContactProfile, *, limit: int = 6) -> list[Promise]:
    found: list[Promise] = [
        Promise(by="you", text=f.title, when=f.due_at, source="follow-up")
        for f in profile.follow_ups
        if not f.done
    ]
    for interaction in reversed(profile.interactions):
        for sentence in _SENTENCE.findall(interaction.text or ""):
            sentence = sentence.strip()
            if _MINE.search(sentence):
                by = _speaker_aware(interaction.direction, mine=True)
            elif _THEIRS.search(sentence):
                by = _speaker_aware(interaction.direction, mine=False)
            else:
                continue
            found.append(
                Promise(
                    by=by,
                    text=sentence,
                    when=interaction.occurred_at,
                    source=interaction.kind,
                )
            )
    return found[:limit]
