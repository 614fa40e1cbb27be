"""What a coach check is, and the pieces the voicemail and the opener checks share.

A check (:data:`CheckFn`) reads a script and returns a :class:`Check`: how much credit
(0-1), passed or not, why, and a rewrite hint. The voicemail rules
(:mod:`ringback.coach.checks`) and the live-call opener rules (:mod:`ringback.coach.opener`)
both build their checks from these: the caller's introduction (:func:`caller_intro`),
full credit when a phrase is said or is not (:func:`when_said`, :func:`unless_said`), and
the stand-ins for the owner's details in hints. Its own room so that the opener's checks
do not depend on the voicemail's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.coach import lexicon as lx
from ringback.coach.text import Script

if TYPE_CHECKING:  # importing contacts at runtime would pull in SQLAlchemy
    from ringback.contacts.profile import ContactProfile


@dataclass(frozen=True)
class Check:
    credit: float
    passed: bool
    message: str
    hint: str = ""


CheckFn = Callable[[Script, "ContactProfile | None"], Check]


def clamp(value: float) -> float:
    return 0.0 if value < 0 else 1.0 if value > 1 else value


def said(script: Script, match: re.Match[str]) -> str:
    """The words as the user wrote them (capitals kept) for quoting back."""
    return script.raw[match.start() : match.end()]


def when_said(pattern: re.Pattern[str], script: Script, ok: str, missing: str, hint: str) -> Check:
    """Full credit when the script says ``pattern``; none, with the hint, when it does not."""
    if pattern.search(script.low):
        return Check(1.0, True, ok)
    return Check(0.0, False, missing, hint)


def unless_said(
    found: re.Match[str] | None, script: Script, ok: str, fault: str, hint: str
) -> Check:
    """Full credit when nothing was ``found``; none when it was, quoting it in ``fault``
    (its ``{said}``) with the hint."""
    if found is None:
        return Check(1.0, True, ok)
    return Check(0.0, False, fault.format(said=said(script, found)), hint)


def _word_at(script: Script, offset: int) -> int:
    return len(script.low[:offset].split())


def caller_intro(script: Script) -> tuple[str | None, str | None, int]:
    """(name, company, word index of the name) of the caller, or Nones."""
    low = script.low
    for pattern in (lx.INTRO, lx.NAME_HERE):
        for m in pattern.finditer(low):
            name = m.group(1)
            if (
                name in lx.NOT_A_NAME
                or name in lx.ENGLISH_STOPWORDS
                or name in script.listener_names
            ):
                continue
            if not script.capitalised and name.endswith("ing"):  # "i'm hoping", "this is exciting"
                continue
            if not script.is_capitalised_at(m.start(1)):
                continue
            company = None
            c = lx.COMPANY_AFTER.match(low, m.end(1))
            if c and c.group(1) not in lx.NOT_A_COMPANY and script.is_capitalised_at(c.start(1)):
                company = c.group(1)
            return name, company, _word_at(script, m.start(1))
    return None, None, -1


# Stand-ins in the hints for the owner's own details; ``Score.for_owner`` fills them from
# RINGBACK_OWNER_* so a hint reads as the sentence the user will say, never a stranger's.
YOUR_NAME = "[your name]"
YOUR_COMPANY = "[your company]"
YOUR_NUMBER = "[your number]"
