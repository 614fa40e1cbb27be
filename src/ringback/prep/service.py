"""The call-prep brief (seed 004: "preparation is the key to getting your calls returned").

Everything you want in front of you before you dial: who they are, what they are trying
to achieve, what happened last time and what was promised, questions worth asking, the
voicemail to leave if they don't pick up, and a mindset check on the value of the call
*for them*. ``brief_for_contact`` is the action (CLI and web call it); ``build_brief`` is
pure: it takes a :class:`ContactProfile` and returns a frozen :class:`PrepBrief`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringback.contacts.models import BackStoryKind
from ringback.contacts.profile import ContactProfile, profile_of
from ringback.contacts.promises import Promise, find_promises
from ringback.timefmt import format_clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.coach.compose import Owner
    from ringback.config import Settings

# Calls outside these local hours reach people at dinner or asleep: warn before dialling.
BUSINESS_HOURS = range(8, 19)
GOAL_LABELS = {
    BackStoryKind.PERSONAL_GOAL: "personal",
    BackStoryKind.PROFESSIONAL_GOAL: "professional",
    BackStoryKind.FINANCIAL_GOAL: "financial",
}


@dataclass(frozen=True)
class VoicemailPlan:
    variant: str
    script: str
    score: int
    seconds: float


@dataclass(frozen=True)
class Mindset:
    value_for_them: str
    question: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrepBrief:
    contact: dict[str, Any]
    goals: dict[str, list[str]]
    challenges: list[str]
    interests: list[str]
    life_events: list[str]
    last_interactions: list[dict[str, Any]]
    promises: list[Promise]
    questions: list[str]
    voicemail: VoicemailPlan | None
    voicemail_alternatives: list[VoicemailPlan] = field(default_factory=list)
    mindset: Mindset | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _their_local_time(profile: ContactProfile, now: datetime) -> tuple[str | None, str | None]:
    if not profile.timezone:
        return None, None
    try:
        local = now.astimezone(ZoneInfo(profile.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return None, f"their timezone {profile.timezone!r} is not a known IANA name"
    warning = None
    if local.hour not in BUSINESS_HOURS or local.weekday() >= 5:
        warning = f"it is {local:%a} {format_clock(local)} for them: outside business hours"
    return local.isoformat(timespec="minutes"), warning


def _mindset(profile: ContactProfile, value: str | None) -> Mindset:
    warnings: list[str] = []
    goals = profile.goals
    if value:
        value_for_them = value
    elif goals:
        value_for_them = f"Moves them toward their goal: {goals[0].text}"
    elif profile.challenges:
        value_for_them = f"Helps with their challenge: {profile.challenges[0].text}"
    else:
        value_for_them = "Unknown yet: make discovering their goals the purpose of this call."
        warnings.append(
            "no goals recorded: ask what they are trying to accomplish "
            "(add them with `ringback contacts story`)"
        )
    if not profile.interactions:
        warnings.append("no history: this is a first contact, expect some defensiveness")
    return Mindset(
        value_for_them=value_for_them,
        question="Do I really believe I have something of value for them? Say it in their terms.",
        warnings=tuple(warnings),
    )


def build_brief(
    profile: ContactProfile,
    *,
    now: datetime,
    owner: Owner,
    reason: str | None = None,
    value: str | None = None,
    next_step: str | None = None,
    question_limit: int = 5,
) -> PrepBrief:
    from ringback.coach.compose import compose_variants
    from ringback.questions.bank import questions_for

    local_time, tz_warning = _their_local_time(profile, now)
    contact = {
        "id": profile.id,
        "name": profile.name,
        "company": profile.company,
        "title": profile.title,
        "phones": list(profile.phones),
        "emails": list(profile.emails),
        "timezone": profile.timezone,
        "their_local_time": local_time,
    }
    goals = {
        label: [item.text for item in profile.items(kind)] for kind, label in GOAL_LABELS.items()
    }
    last = [
        {
            "kind": i.kind,
            "direction": i.direction,
            "at": i.occurred_at.isoformat(timespec="minutes"),
            "outcome": i.outcome,
            "text": i.text,
        }
        for i in reversed(profile.interactions[-5:])
    ]
    variants = compose_variants(
        profile,
        owner=owner,
        today=now.date(),
        reason=reason,
        value=value,
        next_step=next_step,
    )
    plans = [VoicemailPlan(v.name, v.text, v.score, v.seconds) for v in variants]
    mindset = _mindset(profile, value)
    if owner.missing():
        missing = ", ".join(owner.missing())
        where = owner.where_to_set()
        mindset = Mindset(
            mindset.value_for_them,
            mindset.question,
            (*mindset.warnings, f"the voicemail has placeholders: set {missing} {where}"),
        )
    if tz_warning:
        mindset = Mindset(mindset.value_for_them, mindset.question, (*mindset.warnings, tz_warning))
    return PrepBrief(
        contact=contact,
        goals=goals,
        challenges=[c.text for c in profile.challenges],
        interests=[i.text for i in profile.items(BackStoryKind.INTEREST)],
        life_events=[e.text for e in profile.items(BackStoryKind.LIFE_EVENT)],
        last_interactions=last,
        promises=find_promises(profile),
        questions=questions_for(profile, limit=question_limit),
        voicemail=plans[0] if plans else None,
        voicemail_alternatives=plans[1:],
        mindset=mindset,
    )


def brief_for_contact(
    session: Session,
    *,
    contact_ref: str | int,
    settings: Settings,
    now: datetime,
    reason: str | None = None,
    value: str | None = None,
    next_step: str | None = None,
) -> PrepBrief:
    """The call-prep brief for a contact found by id, name, email or phone (ContactNotFound
    if none): who they are, their goals, last interactions and promises, questions worth
    asking, the voicemail to leave and a mindset check, as of ``now``."""
    from ringback.accounts.profile import acting_speaker
    from ringback.contacts.service import get_contact

    contact = get_contact(session, ref=contact_ref, region=settings.default_region)
    return build_brief(
        profile_of(contact),
        now=now,
        owner=acting_speaker(session, settings=settings),  # the brief's voicemail is theirs
        reason=reason,
        value=value,
        next_step=next_step,
    )
