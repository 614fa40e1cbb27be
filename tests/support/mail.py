"""Settings, sample voicemails and Maildir reading for the mail tests."""

from __future__ import annotations

import email
import email.policy
import mailbox
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from ringback.config import Settings
from ringback.mail import (
    AudioFile,
    MentionedDate,
    VoicemailEmailInput,
)
from ringback.speech.types import Word

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> & "quotes"'


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "timezone": "America/New_York",
        "owner_email": "seller@example.com",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def tiny(subject: str = "hello") -> EmailMessage:
    """A small plain message from Ringback to the seller."""
    msg = EmailMessage()
    msg["From"] = "Ringback <ringback@example.com>"
    msg["To"] = "seller@example.com"
    msg["Subject"] = subject
    msg.set_content("body")
    return msg


def sample_vm(**overrides: Any) -> VoicemailEmailInput:
    said = [
        (" Hi,", 0.95),
        (" this", 0.97),
        (" is", 0.99),
        (" Sarah", 0.91),
        (" Chen", 0.31),
        (" from", 0.96),
        (" Northwind.", 0.42),
        (" Can", 0.9),
        (" we", 0.9),
        (" meet", 0.9),
        (" Thursday", 0.9),
        (" at", 0.9),
        (" two?", 0.9),
    ]
    # Half a second a word, as the recogniser would time them.
    words = tuple(Word(text, i / 2, (i + 1) / 2, p) for i, (text, p) in enumerate(said))
    values: dict[str, Any] = {
        "voicemail_id": "42",
        "received_at": datetime(2026, 11, 23, 15, 0, tzinfo=UTC),  # Mon 10:00 EST
        "duration": 27.4,
        "transcript": "".join(w.text for w in words).strip(),
        "words": words,
        "caller_name": "Sarah Chen",
        "company": "Northwind",
        "callback_number": "+14155550137",
        "callback_number_confidence": 0.97,
        "caller_id": "+14155550199",
        "summary": "wants to meet Thursday 2 pm",
        "dates": (MentionedDate("Thursday at two", "2026-11-26T14:00:00-05:00"),),
        "callback_at": "2026-11-26T14:00:00-05:00",
        "amounts": ("$450,000",),
        "addresses": ("12 Main Street, Springfield",),
        "emails": ("john.smith@acme.com",),
        "is_prospect": False,
        "audio": AudioFile(b"RIFF" + b"\0" * 2000, "msg0001.wav", "audio/wav"),
    }
    values.update(overrides)
    return VoicemailEmailInput(**values)


def reparse(msg: EmailMessage) -> EmailMessage:
    """Through bytes and back, the way a receiving server sees it."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts_of(msg: EmailMessage) -> dict[str, EmailMessage]:
    found: dict[str, EmailMessage] = {}
    for part in msg.walk():
        if not part.is_multipart():
            found.setdefault(part.get_content_type(), part)  # type: ignore[arg-type]
    return found


def maildir_messages(data_dir: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(data_dir / "mail", create=False)
    parser = BytesParser(policy=policy.default)
    out = []
    for key in box.iterkeys():
        message = parser.parsebytes(box.get_bytes(key))
        assert isinstance(message, EmailMessage)
        out.append(message)
    return out
