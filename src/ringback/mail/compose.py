"""One email per voicemail: subject, text + HTML, facts table, call-back link,
calendar invite and (size permitting) the audio."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from ringback.config import Settings
from ringback.extract.callback import UNSURE_NUMBER
from ringback.mail.ics import meeting_invite, proposed_time
from ringback.mail.model import VoicemailEmailInput
from ringback.mail.protocol import key_digest, message_id_for
from ringback.mail.render import (
    LOW_CONFIDENCE,
    Fact,
    duration_label,
    esc,
    html_body,
    local_time,
    mailto_href,
    safe_url,
    tel_href,
    text_body,
    transcript_html,
    transcript_text,
)
from ringback.phones import pretty

SUBJECT_MAX = 140  # what mail clients show in a list, give or take
# UNSURE_NUMBER (the flag line) comes from the callback-number reading, its one definition.
# Line breaks of every kind (no header injection) and bidi overrides (a caller name
# that renders backwards in the inbox list).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def one_line(value: str | None) -> str:
    """Collapse whitespace and strip control characters: no CR/LF reaches a header."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _clip(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    cut = value[: max(0, limit - 1)].rstrip()
    if " " in cut[limit // 2 :]:  # prefer a word boundary when one is near the end
        cut = cut[: cut.rfind(" ")].rstrip(" ,;:—-")
    return cut + "…"


def number_unsure(vm: VoicemailEmailInput) -> bool:
    """Whether the number to call is under the flag line, so that wherever it goes (the
    subject, the invite) "check" goes with it. The caller ID standing in when no number was
    heard is the number that called, not a reading that could be wrong: not flagged there."""
    if not vm.callback_number or vm.callback_number_confidence >= UNSURE_NUMBER:
        return False
    return vm.callback_number != vm.caller_id or vm.other_number is not None


def number_label(vm: VoicemailEmailInput, *, extension: bool = False) -> str:
    """``+1 415-555-0137``, or ``+1 415-555-0137 (check)`` when it is under the flag line."""
    if not vm.number:
        return ""
    shown = pretty(vm.number, vm.extension if extension else None)
    return f"{shown} (check)" if number_unsure(vm) else shown


def caller_label(vm: VoicemailEmailInput) -> str:
    """``Sarah Chen (+1 415-555-0137)``, ``+1 415-555-0137``, or ``unknown caller``; an
    unsure number reads ``Sarah Chen (+1 415-555-0137, check)``."""
    name = one_line(vm.caller_name) or one_line(vm.company)
    number = number_label(vm)
    if name and number.endswith(" (check)"):
        return f"{name} ({number.removesuffix(' (check)')}, check)"
    if name and number:
        return f"{name} ({number})"
    return name or number or "unknown caller"


def subject_for(vm: VoicemailEmailInput) -> str:
    prefix = ("[Urgent] " if vm.urgent else "") + ("[Prospect] " if vm.is_prospect else "")
    head = f"{prefix}Voicemail from {_clip(caller_label(vm), 80)}, {duration_label(vm.duration)}"
    summary = one_line(vm.summary)
    if summary and len(head) + 3 < SUBJECT_MAX:
        head += " — " + _clip(summary, SUBJECT_MAX - len(head) - 3)
    return head


def _addresses(value: str) -> list[str]:
    return [addr for _, addr in getaddresses([value]) if "@" in addr]


def sender(settings: Settings) -> str:
    configured = one_line(settings.smtp_from) or one_line(settings.owner_email)
    if not configured:
        return "Ringback <ringback@localhost>"
    return configured if "<" in configured else f"Ringback <{configured}>"


def recipients(settings: Settings) -> str:
    for value in (settings.smtp_to, settings.owner_email, settings.smtp_from):
        found = _addresses(one_line(value))
        if found:
            return ", ".join(found)
    return "ringback@localhost"  # Maildir default: the address only labels the message


def _facts(vm: VoicemailEmailInput, settings: Settings) -> list[Fact]:
    tz = settings.tz
    facts: list[Fact] = []

    def add(label: str, text: str, html: str | None = None) -> None:
        facts.append(Fact(label, text, esc(text) if html is None else html))

    if vm.caller_name:
        add("Caller", one_line(vm.caller_name))
    if vm.company:
        add("Company", one_line(vm.company))
    facts += _number_facts(vm)
    add("Received", local_time(vm.received_at, tz))
    add("Length", duration_label(vm.duration))
    if vm.language and not vm.untranscribed:  # an English-only model always says "en"
        add("Language", one_line(vm.language))
    if vm.summary:
        add("Summary", one_line(vm.summary))
    if vm.line == "prospect":
        number = f" ({pretty(vm.line_number)})" if vm.line_number else ""
        add("Line", f"prospect line{number}")
    if vm.intake:
        add("Intake", f"“{one_line(vm.intake)}”")
    if vm.urgent or vm.is_prospect:
        add(
            "Flags",
            ", ".join(
                f for f, on in (("urgent", vm.urgent), ("new prospect", vm.is_prospect)) if on
            ),
        )
    if vm.dates:
        rows = []
        for d in vm.dates:
            when = proposed_time([d.iso], tz)
            if when is not None:
                shown = local_time(when, tz)
            else:
                try:
                    shown = local_time(
                        datetime.fromisoformat(d.iso).replace(tzinfo=tz), tz, with_time=False
                    )
                except ValueError:
                    shown = one_line(d.iso)
            rows.append((f"“{one_line(d.text)}”", shown))
        add(
            "Dates",
            "\n".join(f"{said} → {shown}" for said, shown in rows),
            "<br>".join(f"{esc(said)} → <strong>{esc(shown)}</strong>" for said, shown in rows),
        )
    for label, values in (("Amounts", vm.amounts), ("Addresses", vm.addresses)):
        if values:
            clean = [one_line(v) for v in values]
            add(label, "\n".join(clean), "<br>".join(esc(v) for v in clean))
    if vm.emails:
        clean = [one_line(v) for v in vm.emails]
        links = []
        for address in clean:
            href = mailto_href(address)
            links.append(f'<a href="{esc(href)}">{esc(address)}</a>' if href else esc(address))
        add("Emails", "\n".join(clean), "<br>".join(links))
    url = safe_url(vm.link)
    if url:
        add("Message", url, f'<a href="{esc(url)}">{esc(url)}</a>')
    return facts


def _tel_fact(label: str, e164: str, note: str = "", extension: str | None = None) -> Fact:
    """A number as a row: shown, with its ``tel:`` link (in the text too) and a note."""
    shown = pretty(e164, extension)
    href = tel_href(e164, extension)
    link = f'<a href="{esc(href)}">{esc(shown)}</a>' if href else esc(shown)
    return Fact(label, shown + note + (f"  {href}" if href else ""), link + esc(note))


def _number_facts(vm: VoicemailEmailInput) -> list[Fact]:
    """The number to call; beside it the caller ID or the number heard that was not used
    (flagged when a digit or two off) and the sentence saying why."""
    rows: list[Fact] = []
    if vm.callback_number:
        note = ""
        if vm.callback_number_confidence < UNSURE_NUMBER:
            note = (
                f" (only {round(vm.callback_number_confidence * 100)}% sure: check the recording)"
            )
        rows.append(_tel_fact("Call back", vm.callback_number, note, vm.extension))
    if vm.callback_number and vm.other_number:
        label = "Caller ID" if vm.other_number == vm.caller_id else "Heard as"
        flag = (
            " (not used: a digit or two off, check the recording)" if vm.other_number_near else ""
        )
        rows.append(_tel_fact(label, vm.other_number, flag))
        if vm.number_reason:
            reason = one_line(vm.number_reason)
            rows.append(Fact("Why", reason, esc(reason)))
    elif vm.caller_id and vm.caller_id != vm.callback_number:
        rows.append(_tel_fact("Caller ID", vm.caller_id))
    elif not vm.callback_number:
        text = "no number given and no caller ID"
        rows.append(Fact("Call back", text, esc(text)))
    return rows


UNTRANSCRIBED_TEXT = (
    "Ringback could not transcribe this message: there was speech, but not words the "
    "English speech model could write down (another language?);"
)


def _audio_note(vm: VoicemailEmailInput, settings: Settings) -> tuple[bool, str | None]:
    """Whether to attach the audio, and if not, the line that says why."""
    if vm.audio is None:
        return False, None
    if not settings.mail_attach_audio:
        return False, "Audio not attached: turned off (RINGBACK_MAIL_ATTACH_AUDIO=false)."
    size_mb = len(vm.audio.data) / 1_000_000
    if size_mb > settings.mail_max_attachment_mb:
        return False, (
            f"Audio not attached: {size_mb:.1f} MB is over the {settings.mail_max_attachment_mb:g} MB "
            "limit (RINGBACK_MAIL_MAX_ATTACHMENT_MB); it is kept with the message in Ringback."
        )
    return True, None


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ]+", "_", one_line(base)).strip(" .")
    return base[:100] or "voicemail.audio"


def build_voicemail_email(
    vm: VoicemailEmailInput,
    *,
    settings: Settings,
    now: datetime | None = None,
    low_confidence: float = LOW_CONFIDENCE,
) -> EmailMessage:
    """The email for one voicemail. Building it has no side effects; send it through
    :class:`ringback.mail.outbox.Outbox` so that it is delivered once and never lost."""
    msg = EmailMessage()
    from_addr = _set_headers(msg, vm, settings, now)
    meeting = proposed_time([vm.callback_at] if vm.callback_at else [], settings.tz)
    plain = _set_bodies(msg, vm, settings, meeting, low_confidence)
    if meeting is not None:
        _attach_invite(msg, vm, settings, meeting, plain=plain, organizer=from_addr)
    _attach_audio(msg, vm, settings)
    return msg


def _set_headers(
    msg: EmailMessage, vm: VoicemailEmailInput, settings: Settings, now: datetime | None
) -> str:
    """Subject, addresses, date, ids and priority; returns the sender's address."""
    from_header = sender(settings)
    from_addr = (_addresses(from_header) or ["ringback@localhost"])[0]
    msg["Subject"] = subject_for(vm)
    msg["From"] = from_header
    chosen = [a for a in (one_line(r) for r in vm.recipients) if "@" in a]
    msg["To"] = ", ".join(chosen) if chosen else recipients(settings)
    msg["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(settings.tz))
    msg["Message-ID"] = message_id_for(vm.idempotency_key, from_addr.rsplit("@", 1)[1])
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to us
    msg["X-Ringback-Voicemail-Id"] = one_line(vm.voicemail_id)[:200]
    if vm.urgent or vm.line == "prospect":
        # A prospect line's calls are new business: flagged so they are read first.
        msg["Importance"] = "high"
        msg["X-Priority"] = "1"
        msg["Priority"] = "urgent"
    return from_addr


def _set_bodies(
    msg: EmailMessage,
    vm: VoicemailEmailInput,
    settings: Settings,
    meeting: datetime | None,
    low_confidence: float,
) -> str:
    """The text and HTML bodies; returns the plain transcript (the invite quotes it)."""
    facts = _facts(vm, settings)
    _, audio_note = _audio_note(vm, settings)
    notes = [audio_note] if audio_note else []
    if meeting is not None:
        notes.append(
            f"A calendar invite for {local_time(meeting, settings.tz)} is attached (invite.ics)."
        )
    heading = f"Voicemail from {caller_label(vm)}"
    plain, marked = transcript_text(vm.transcript, vm.words, low_confidence)
    markup = transcript_html(vm.transcript, vm.words, low_confidence)
    missing = "(no speech recognised)"
    if vm.untranscribed:
        # What the English model wrote for speech it could not follow is not what was said.
        plain, markup, marked = "", "", 0
        missing = UNTRANSCRIBED_TEXT + (
            " listen to the attached audio." if vm.audio and not audio_note else " listen to it."
        )
    msg.set_content(
        text_body(
            heading=heading,
            facts=facts,
            transcript=plain,
            marked=marked,
            threshold=low_confidence,
            notes=notes,
            missing=missing,
        ),
        cte="quoted-printable",  # stays readable in the raw message, unlike base64
    )
    msg.add_alternative(
        html_body(
            heading=heading,
            facts=facts,
            transcript_markup=markup,
            marked=marked,
            threshold=low_confidence,
            notes=notes,
            missing=missing,
            call_href=tel_href(vm.number, vm.extension),
            call_label=number_label(vm, extension=True),
        ),
        subtype="html",
    )
    return plain


def _attach_invite(
    msg: EmailMessage,
    vm: VoicemailEmailInput,
    settings: Settings,
    meeting: datetime,
    *,
    plain: str,
    organizer: str,
) -> None:
    """invite.ics for ``callback_at``, the time the caller asked to talk or meet."""
    who = one_line(vm.caller_name) or one_line(vm.company) or number_label(vm) or "caller"
    if vm.caller_name and vm.company:
        who += f" ({one_line(vm.company)})"
    about = [
        one_line(vm.summary),
        f"Call back: {number_label(vm, extension=True)}" if vm.number else "",
        f"Or: {pretty(vm.other_number)} ({one_line(vm.number_reason)})" if vm.other_number else "",
        f"Voicemail received {local_time(vm.received_at, settings.tz)}",
    ]
    description = "\n".join(line for line in about if line) + (f"\n\n{plain}" if plain else "")
    ics = meeting_invite(
        uid=f"{key_digest(vm.idempotency_key)[:32]}@ringback",
        start=meeting,
        summary=f"Meeting with {who}",
        stamp=vm.received_at,
        description=description,
        location=one_line(vm.addresses[0]) if vm.addresses else number_label(vm),
        organizer=organizer,
        url=safe_url(vm.link) or "",
    )
    msg.add_attachment(
        ics.encode("utf-8"),
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )


def _attach_audio(msg: EmailMessage, vm: VoicemailEmailInput, settings: Settings) -> None:
    """The recording, when it is there, wanted and under the size limit."""
    attach, _ = _audio_note(vm, settings)
    if not attach or vm.audio is None:
        return
    maintype, _, subtype = vm.audio.mime.partition("/")
    if not (re.fullmatch(r"[\w.+-]+", maintype) and re.fullmatch(r"[\w.+-]+", subtype)):
        maintype, subtype = "application", "octet-stream"
    msg.add_attachment(
        vm.audio.data,
        maintype=maintype,
        subtype=subtype,
        filename=_safe_filename(vm.audio.filename),
    )
