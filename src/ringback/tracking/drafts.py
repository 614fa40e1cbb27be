"""Follow-up email drafts: from the contact's back story and the voicemail's value and next
step, ending with a concrete next step and a calendar proposal (seed 004: mix media; always
propose the next step). Plain text, so nothing the user or contact typed can become markup;
header values are single lines (no header injection)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from email.message import EmailMessage
from typing import TYPE_CHECKING

from ringback.tracking.cadence import add_business_days

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.contacts.profile import ContactProfile

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NUMBER = re.compile(r"\d+\s*(?:%|percent|hours?|days?|k\b)|\$\s*\d", re.IGNORECASE)
_VALUE = re.compile(
    r"\b(?:save|saving|cut|grow|improve|increase|reduce|boost|faster|productivity|revenue)\w*",
    re.IGNORECASE,
)
_NEXT = re.compile(
    r"\?|\b(?:monday|tuesday|wednesday|thursday|friday|minute|meeting|call on|next step|"
    r"schedule|demo)\b",
    re.IGNORECASE,
)
MEETING_HOUR = 10
MEETING_LENGTH = timedelta(minutes=15)


def one_line(text: str | None, limit: int = 200) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:limit]


# What the voicemail said about the past or how to call back: already in the email's own words.
_NOT_VALUE = re.compile(
    r"\b(?:following up|you mentioned|we last spoke|you raised|reach me|my number|again, that's)\b",
    re.IGNORECASE,
)


def value_and_next_step(script: str | None) -> tuple[str | None, str | None]:
    """The sentence that offers value (a number or an outcome for them) and the one that
    proposes the next step (a question, a day, a meeting), read from the voicemail."""
    sentences = [
        s.strip() for s in _SENTENCE.split(script or "") if s.strip() and not _NOT_VALUE.search(s)
    ]
    # A payback with a number in it beats a general one ("cut it by 23%" over "cutting").
    value = next((s for s in sentences if _NUMBER.search(s)), None)
    value = value or next((s for s in sentences if _VALUE.search(s)), None)
    step = next((s for s in reversed(sentences) if _NEXT.search(s)), None)
    return value, step


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    meeting: datetime | None  # the proposed meeting start, aware


def proposed_meeting(after: datetime, tz: tzinfo) -> datetime:
    """The next business day after the email, at 10:00 the contact's time."""
    day = add_business_days(after.astimezone(tz).date(), 1)
    return datetime.combine(day, time(MEETING_HOUR), tz)


def write_draft(
    profile: ContactProfile,
    *,
    settings: Settings,
    left_at: datetime,
    send_at: datetime,
    tz: tzinfo,
    value: str | None,
    next_step: str | None,
    nudge: bool,
) -> Draft:
    """The first email restates the voicemail; a later one (``nudge``) is two lines."""
    goal = profile.lead_goal.said if profile.lead_goal else None
    challenge = profile.challenges[0].said if profile.challenges else None
    topic = goal.topic if goal else None
    meeting = proposed_meeting(send_at, tz)
    when = meeting.strftime("%A %B %-d at %-I:%M %p")
    left = left_at.astimezone(tz).strftime("%A")
    hello = f"Hi {profile.first_name},"
    ask = next_step or f"Would a 15-minute call on {when} work?"
    lines = [hello, ""]
    if nudge:
        subject = f"Following up: {one_line(value or topic or 'my voicemail', 80)}"
        lines += [
            f"A quick follow-up to my voicemail on {left}. {ask}",
            f"I've attached a calendar proposal for {when} (your time); if another time "
            "suits you better, just reply with it.",
        ]
    else:
        subject = f"My voicemail {left}: {one_line(value or topic or 'a quick question', 80)}"
        about = f" about {topic}" if topic else ""
        lines.append(f"I left you a voicemail on {left}{about}; in case email suits you better:")
        said = goal if goal and not topic else challenge if not value else None
        if said is not None:  # said as a sentence: "You mentioned that payroll takes…"
            lines.append(f"{said.mentioned[:1].upper()}{said.mentioned[1:]}.")
        if value and value != next_step:  # one sentence may carry both: say it once
            lines.append(value)
        lines += [
            "",
            ask,
            f"I've attached a calendar proposal for {when} (your time); if another time "
            "suits you better, just reply with it.",
        ]
    signature = [
        s for s in (settings.owner_name, settings.owner_company, settings.owner_phone) if s
    ]
    lines += ["", *(signature or ["Thanks"]), ""]
    lines.append('If you would rather not hear from me about this, reply "stop" and I won\'t.')
    return Draft(subject=one_line(subject, 200), body="\n".join(lines) + "\n", meeting=meeting)


def build_message(
    draft: Draft, *, to: str, settings: Settings, uid: str, stamp: datetime
) -> EmailMessage:
    from ringback.mail.compose import sender
    from ringback.mail.ics import meeting_invite

    message = EmailMessage()
    message["From"] = sender(settings)
    message["To"] = one_line(to, 320)
    message["Subject"] = draft.subject
    message.set_content(draft.body)
    if draft.meeting is not None:
        invite = meeting_invite(
            uid=uid,
            start=draft.meeting,
            summary=one_line(f"Call with {settings.owner_name or 'me'}", 120),
            stamp=stamp,
            duration=MEETING_LENGTH,
            description=draft.subject,
            organizer=settings.owner_email or settings.smtp_from,
            method="REQUEST",  # a proposal to the contact, who may accept or decline
        )
        message.add_attachment(
            invite.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="proposal.ics",
            params={"method": "REQUEST"},
        )
    return message
