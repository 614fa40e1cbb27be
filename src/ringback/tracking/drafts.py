"""Follow-up email drafts: from the contact's back story and the voicemail's value and next
step, ending with a concrete next step and a calendar proposal (seed 004: mix media; always
propose the next step). Plain text, so nothing the user or contact typed can become markup;
header values are single lines (no header injection)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from email.message import EmailMessage
from typing import TYPE_CHECKING

from ringback.tracking.meeting import meeting_time, names_a_time, when_words, without_when

if TYPE_CHECKING:
    from ringback.accounts.speaker import Speaker
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


# What a voicemail sentence says before its offer: "I'm calling to set up a 15-minute call
# to show …" → "how we cut it by 23%". A subject line is the offer alone.
_LEAD_IN = re.compile(
    r"^(?:(?:i'?m|i am)\s+(?:calling|writing|reaching out)\s+to\s+"
    r"|i\s+(?:just\s+)?(?:wanted|want|would like|'d like)\s+to\s+)?"
    r"(?:(?:set up|book|schedule|have)\s+an?\s+[\w-]+(?:\s+[\w-]+)?\s+(?:call|meeting|chat|demo)\s+"
    r"(?:to\s+)?)?(?:(?:show|share|explain)(?:\s+you)?\s+)?",
    re.IGNORECASE,
)


def offer_phrase(value: str | None, limit: int = 80) -> str | None:
    """The offer a subject line names, from the voicemail's value sentence only.

    Never from the back story or interaction notes: those are the owner's private notes
    and a subject line is the most visible part of an email (in the contact's inbox, on
    their phone's lock screen, in anything forwarded). The day and time are left out too:
    the body and the invite say them.
    """
    if not value:
        return None
    text = _LEAD_IN.sub("", without_when(one_line(value))).rstrip(" .!;,")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;") + "…"
    return text or None


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
    signer: Speaker | None = None,
) -> Draft:
    """The first email restates the voicemail; a later one (``nudge``) is two lines,
    signed by ``signer`` (the sequence's owner; default the RINGBACK_OWNER_* settings).

    One meeting time (:func:`~ringback.tracking.meeting.meeting_time`, in the contact's
    zone ``tz``) is both the day the text names and the invite's start; a voicemail
    sentence that names another day or time is said without it.
    """
    goal = profile.lead_goal.said if profile.lead_goal else None
    challenge = profile.challenges[0].said if profile.challenges else None
    topic = goal.topic if goal else None
    meeting = meeting_time(next_step, left_at=left_at, send_at=send_at, tz=tz)
    when = when_words(meeting, tz)
    left = left_at.astimezone(tz).strftime("%A")
    offer = offer_phrase(value)
    ask = _ask(next_step, when)
    proposal = (
        f"I've attached a calendar proposal for {when} (your time); if another time "
        "suits you better, just reply with it."
    )
    lines = [f"Hi {profile.first_name},", ""]
    if nudge:
        subject = f"Following up: {offer}" if offer else "Following up on my voicemail"
        lines += [f"A quick follow-up to my voicemail on {left}. {ask}", proposal]
    else:
        subject = f"My voicemail {left}: {offer}" if offer else f"My voicemail on {left}"
        about = f" about {topic}" if topic else ""
        lines.append(f"I left you a voicemail on {left}{about}; in case email suits you better:")
        said = goal if goal and not topic else challenge if not value else None
        if said is not None:  # said as a sentence: "You mentioned that payroll takes…"
            lines.append(f"{said.mentioned[:1].upper()}{said.mentioned[1:]}.")
        if value and (value != next_step or names_a_time(value)):
            lines.append(_in_writing(without_when(value)))  # one sentence may carry both
        lines += ["", ask, proposal]
    who = _signer(settings, signer)
    signature = [s for s in (who.name, who.company, who.phone_written()) if s]
    lines += ["", *(signature or ["Thanks"]), ""]
    lines.append('If you would rather not hear from me about this, reply "stop" and I won\'t.')
    return Draft(subject=one_line(subject, 200), body="\n".join(lines) + "\n", meeting=meeting)


def _in_writing(sentence: str) -> str:
    """A voicemail sentence as an email says it: "I'm calling to…" → "I'd like to…"."""
    return re.sub(r"^(?:i'?m|i am) calling to\b", "I'd like to", sentence, flags=re.IGNORECASE)


def _ask(next_step: str | None, when: str) -> str:
    """The question that proposes the meeting: the voicemail's own next step when it names
    no day or time (the proposal line after it names the day), else one that names ours."""
    if next_step and not names_a_time(next_step):
        return next_step
    return f"Would a 15-minute call on {when} work?"


NO_OWNER_EMAIL = (
    "set RINGBACK_OWNER_EMAIL to your email address (and RINGBACK_OWNER_NAME to your name): "
    "follow-up emails are sent from it and replies come back to it"
)


def _signer(settings: Settings, signer: Speaker | None) -> Speaker:
    from ringback.accounts.speaker import Speaker

    return signer or Speaker.from_settings(settings)


def owner_from(settings: Settings, signer: Speaker | None = None) -> str | None:
    """The follow-up's From: the signer's name at the install's address (RINGBACK_OWNER_EMAIL,
    the one the mail server sends for), "Sam Lee <dana@acme.example>"; None without it (a
    contact must be able to reply to a person, so a follow-up never goes out from
    "Ringback")."""
    from email.utils import formataddr

    address = one_line(settings.owner_email, 254)
    if "@" not in address:
        return None
    return formataddr((one_line(_signer(settings, signer).name, 100), address))


def reply_to(settings: Settings, signer: Speaker | None = None) -> str | None:
    """Where the contact's reply goes: the signer, "Sam Lee <sam@acme.example>" (their own
    address, so a rep's contacts answer the rep); None when the From is None."""
    from email.utils import formataddr

    who = _signer(settings, signer)
    address = one_line(who.email, 254)
    if owner_from(settings, who) is None or "@" not in address:
        return None
    return formataddr((one_line(who.name, 100), address))


def build_message(
    draft: Draft,
    *,
    to: str,
    settings: Settings,
    key: str,
    stamp: datetime,
    signer: Speaker | None = None,
) -> EmailMessage:
    """The email as the contact receives it: from ``signer`` (see :func:`owner_from`,
    Reply-To them), dated ``stamp``, its Message-ID and invite UID derived from ``key``
    (the step's stored uid), so a resend is the same message. Raises ValueError without
    an owner email."""
    from email.utils import format_datetime

    from ringback.mail.ics import meeting_invite
    from ringback.mail.protocol import message_id_for

    who = _signer(settings, signer)
    owner, answer_to = owner_from(settings, who), reply_to(settings, who)
    if owner is None or answer_to is None:
        raise ValueError(NO_OWNER_EMAIL)
    domain = one_line(settings.owner_email).rsplit("@", 1)[1]
    message = EmailMessage()
    message["From"] = owner
    message["Reply-To"] = answer_to
    message["To"] = one_line(to, 320)
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(stamp.astimezone(settings.tz))
    message["Message-ID"] = message_id_for(key, domain)
    message.set_content(draft.body)
    if draft.meeting is not None:
        invite = meeting_invite(
            uid=f"{key}@ringback",
            start=draft.meeting,
            summary=one_line(f"Call with {who.name or 'me'}", 120),
            stamp=stamp,
            duration=MEETING_LENGTH,
            description=draft.subject,
            organizer=one_line(who.email),
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
