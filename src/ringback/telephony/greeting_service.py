"""What a person does with their greetings: see what each line plays, put a new
recording live once it passes the checks, take one down. ``ringback greeting`` and the
web app's Settings page call these; the checks themselves are in :mod:`.greetings`.

Each user has their own greetings (one per line kind); the first owner's are the
install's, which every other user's line plays until they record their own
(:attr:`~ringback.accounts.speaker.Speaker.greetings_of`). A user manages their own;
only an owner (``manage_settings``) may manage someone else's (:func:`greeting_speaker`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringback.lines import LineKind

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings
    from ringback.telephony.greetings import Greeting, GreetingReport, GreetingStore


# What a line plays: the user's own recording, the install's, or the spoken fallback.
PLAYS = ("own", "install", "spoken")


@dataclass(frozen=True)
class LineGreeting:
    """One line's greeting: the stored recording's info (duration, transcript, checks,
    ``name`` under /telephony/greetings/), or the sentence Twilio speaks instead;
    ``plays``: whose (one of :data:`PLAYS`), on the line of ``user`` (their email)."""

    line: LineKind
    info: dict[str, Any] | None
    fallback: str | None
    plays: str = "own"
    user: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "line": str(self.line),
            "greeting": self.info,
            "fallback": self.fallback,
            "plays": self.plays,
            "user": self.user,
        }


def _line_greeting(store: GreetingStore, line: LineKind, who: Speaker) -> LineGreeting:
    """What ``who``'s ``line`` plays: their own recording, else the install's, else the
    spoken fallback in their name (as the voice webhook decides)."""
    from ringback.telephony.twiml import CallPlan, spoken_greeting

    mine = who.greetings_of
    own = store.info(line, mine)
    shared = None if own or mine is None else store.info(line)
    plan = CallPlan(line=line, base_url="", owner_name=who.name, owner_company=who.company)
    plays = "own" if own else "install" if shared else "spoken"
    fallback = None if own or shared else spoken_greeting(plan)
    return LineGreeting(line, own or shared, fallback, plays, who.profile_of)


def line_greetings(settings: Settings, speaker: Speaker | None = None) -> list[LineGreeting]:
    """Which greeting each of ``speaker``'s lines plays (the user looking, or the one an
    owner asked about; default the owner settings)."""
    from ringback.accounts.speaker import Speaker
    from ringback.telephony.greetings import GreetingStore

    store = GreetingStore.for_settings(settings)
    who = speaker or Speaker.from_settings(settings)
    return [_line_greeting(store, kind, who) for kind in LineKind]


def team_greetings(session: Session, *, settings: Settings) -> list[dict[str, Any]]:
    """What every phone line of the team (``ringback lines``) plays and whose it is, for
    an owner: each row is :meth:`LineGreeting.as_json` with the ``number``. The line's
    kind is the one the voice webhook answers it as (RINGBACK_PROSPECT_NUMBERS, or the
    line added as a prospect line)."""
    from ringback.accounts.lines import list_lines, prospect_numbers
    from ringback.accounts.profile import speaker_for
    from ringback.accounts.scope import actor_of
    from ringback.accounts.service import AccountError, can
    from ringback.lines import line_kind
    from ringback.telephony.greetings import GreetingStore

    actor = actor_of(session)
    if actor is not None and not can(actor, "manage_settings"):
        raise AccountError("only an owner sees what every line plays; yours: `greeting status`")
    store = GreetingStore.for_settings(settings)
    speakers: dict[int, Speaker] = {}
    rows = []
    team_prospects = prospect_numbers(session)
    for line in list_lines(session):
        if line.user_id not in speakers:
            speakers[line.user_id] = speaker_for(session, user_id=line.user_id, settings=settings)
        kind = line_kind(line.number, settings, team_prospects)
        played = _line_greeting(store, kind, speakers[line.user_id])
        rows.append({"number": line.number, **played.as_json()})
    return rows


def greeting_speaker(session: Session, *, email: str | None, settings: Settings) -> Speaker:
    """Whose greetings an action is on: the acting user's (``--as``, the signed-in user),
    or with ``email`` that user's, which only they or an owner may manage. AccountError
    otherwise: a rep never reads, replaces or removes another rep's greeting."""
    from ringback.accounts.profile import acting_speaker, speaker_for
    from ringback.accounts.scope import actor_of
    from ringback.accounts.service import AccountError, can, find_user

    if not email:
        return acting_speaker(session, settings=settings)
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip()[:80]!r}")
    actor = actor_of(session)
    if actor is not None and actor.id != user.id and not can(actor, "manage_settings"):
        raise AccountError(f"only {user.email} or an owner may manage {user.email}'s greetings")
    return speaker_for(session, user_id=user.id, settings=settings)


def remove_greeting(settings: Settings, *, line: LineKind, speaker: Speaker) -> bool:
    """Take ``speaker``'s own greeting on ``line`` down (their line then plays the
    install's, or the spoken fallback); False when there was none."""
    from ringback.telephony.greetings import GreetingStore

    return GreetingStore.for_settings(settings).remove(line, speaker.greetings_of)


@dataclass(frozen=True)
class CheckedGreeting:
    """A recording checked as a greeting; ``stored`` is None when it was not made live."""

    report: GreetingReport
    stored: Greeting | None


def check_and_store(
    source: Path | bytes,
    settings: Settings,
    *,
    line: LineKind = LineKind.PERSONAL,
    source_name: str = "",
    strict: bool = True,
    speaker: Speaker | None = None,
) -> CheckedGreeting:
    """Check a recording against the greeting rules and, when it passes (or ``strict`` is
    off), convert it for the phone and make it the one callers hear on ``line``.
    ``speaker``: who records it (the acting user), whose name it must say and whose own
    greeting it becomes (the install's for the first owner).
    Raises GreetingError when it is not audio or has no speech: nothing changes then."""
    from ringback.accounts.speaker import Speaker
    from ringback.telephony.greetings import (
        GreetingStore,
        check_samples,
        load_samples,
        to_telephony_wav,
    )

    samples = load_samples(source)
    report = check_samples(samples, settings, line, speaker=speaker)
    if strict and not report.ok:
        return CheckedGreeting(report, None)
    who = speaker or Speaker.from_settings(settings)
    stored = GreetingStore.for_settings(settings).save(
        line,
        to_telephony_wav(samples),
        {"source": source_name, **report.to_json()},
        who.greetings_of,
    )
    return CheckedGreeting(report, stored)
