"""The voicemail email as a MIME message: subject, parts, escaping, facts, invite, audio."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from ringback.mail import (
    AudioFile,
    MentionedDate,
    build_voicemail_email,
)
from ringback.mail.ics import fold
from ringback.speech.types import Word
from tests.support.mail import HOSTILE, make_settings, parts_of, reparse, sample_vm


def text_and_html(msg: EmailMessage) -> tuple[str, str]:
    parts = parts_of(msg)
    return parts["text/plain"].get_content(), parts["text/html"].get_content()


def test_subject_format(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    msg = reparse(build_voicemail_email(sample_vm(), settings=s))
    assert (
        msg["Subject"]
        == "Voicemail from Sarah Chen (+1 415-555-0137), 0:27 — wants to meet Thursday 2 pm"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"urgent": True}, "[Urgent] Voicemail from Sarah Chen (+1 415-555-0137), 0:27"),
        ({"is_prospect": True}, "[Prospect] Voicemail from Sarah Chen (+1 415-555-0137), 0:27"),
        ({"caller_name": None, "company": None}, "Voicemail from +1 415-555-0137, 0:27"),
        (
            {"caller_name": None, "company": None, "callback_number": None},
            "Voicemail from +1 415-555-0199, 0:27",  # falls back to caller ID
        ),
        (
            {"caller_name": None, "company": None, "callback_number": None, "caller_id": None},
            "Voicemail from unknown caller, 0:27",
        ),
        ({"duration": 3723}, "Voicemail from Sarah Chen (+1 415-555-0137), 1:02:03"),
    ],
)
def test_subject_variants(tmp_path: Path, overrides: dict[str, Any], expected: str) -> None:
    vm = sample_vm(summary="", **overrides)
    msg = reparse(build_voicemail_email(vm, settings=make_settings(tmp_path)))
    assert msg["Subject"] == expected


def test_subject_cannot_be_injected_and_is_bounded(tmp_path: Path) -> None:
    vm = sample_vm(
        caller_name="Eve\r\nBcc: victim@example.com",
        summary="call me\r\nBcc: other@example.com\nX-Evil: 1 " + "very long words " * 40,
    )
    msg = build_voicemail_email(vm, settings=make_settings(tmp_path))
    raw = msg.as_bytes()
    parsed = reparse(msg)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
    subject = str(parsed["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert len(subject) <= 140 and subject.endswith("…")
    assert subject.startswith("Voicemail from Eve Bcc: victim@example.com (+1 415-555-0137)")


def test_bidi_overrides_are_stripped_from_the_subject(tmp_path: Path) -> None:
    vm = sample_vm(caller_name="Bob \u202egnp.exe", summary="\u2066hi\u2069")
    subject = str(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path)))["Subject"])
    assert not any(ch in subject for ch in "\u202e\u2066\u2069")
    assert subject.startswith("Voicemail from Bob gnp.exe (+1 415-555-0137)")


def test_structure_and_headers(tmp_path: Path) -> None:
    msg = reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    assert msg.get_content_type() == "multipart/mixed"
    alternative = next(
        p for p in msg.iter_parts() if p.get_content_type() == "multipart/alternative"
    )
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == "Ringback <seller@example.com>"
    assert msg["To"] == "seller@example.com"
    assert msg["Message-ID"].startswith("<voicemail-42.") and msg["Message-ID"].endswith(
        "@example.com>"
    )
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Ringback-Voicemail-Id"] == "42"
    again = build_voicemail_email(sample_vm(), settings=make_settings(tmp_path))
    assert again["Message-ID"] == msg["Message-ID"]  # stable per idempotency key


def test_hostile_transcript_is_escaped(tmp_path: Path) -> None:
    vm = sample_vm(transcript=HOSTILE, words=(), caller_name="<b>Mallory</b>", summary="<i>x</i>")
    _, html = text_and_html(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path))))
    assert "<script" not in html and "<img" not in html and "<b>Mallory" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &quot;quotes&quot;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html


def test_hostile_words_are_escaped_too(tmp_path: Path) -> None:
    words = (Word(" <script>alert(1)</script>", 0.0, 1.0, 0.2), Word(" ok", 1.0, 1.5, 0.9))
    vm = sample_vm(transcript="", words=words)
    text, html = text_and_html(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path))))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<sup>?</sup></span>" in html
    assert "[<script>alert(1)</script>?] ok" in text  # the text part is plain text


def test_low_confidence_words_are_marked(tmp_path: Path) -> None:
    text, html = text_and_html(
        reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    )
    flat = " ".join(text.split())  # the text part is wrapped at 72 columns
    assert "Hi, this is Sarah [Chen?] from [Northwind?]. Can we meet Thursday at two?" in flat
    assert "under 50% confidence" in text
    assert html.count('class="low-confidence"') == 2
    assert 'title="unclear: 31% confidence"' in html
    assert ">Chen<sup>?</sup></span> from" in html
    assert ">Northwind<sup>?</sup></span>." in html  # punctuation stays outside the mark


def test_facts_table_tel_link_and_local_times(tmp_path: Path) -> None:
    text, html = text_and_html(
        reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    )
    assert '<a href="tel:+14155550137"' in html and "tel:+14155550137" in text
    assert '<table class="facts"' in html
    for label, value in [
        ("Caller", "Sarah Chen"),
        ("Company", "Northwind"),
        ("Received", "Mon 23 Nov"),  # 15:00 UTC in New York
        ("Length", "0:27"),
        ("Amounts", "$450,000"),
        ("Addresses", "12 Main Street, Springfield"),
    ]:
        assert f">{label}</th><td" in html
        assert value in html
        assert any(line.startswith(f"{label}:") and value in line for line in text.splitlines())
    assert "10:00 am" in text  # 15:00 UTC in New York
    assert re.search(r"“Thursday at two” → Thu 26 Nov( 2026)?, 2:00 pm", text)
    assert '<a href="mailto:john.smith@acme.com">john.smith@acme.com</a>' in html
    assert "+1 415-555-0199" in text  # caller ID differs from the number they gave


def test_unsure_number_is_flagged(tmp_path: Path) -> None:
    vm = sample_vm(callback_number_confidence=0.55)
    text, _ = text_and_html(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path))))
    assert "only 55% sure: check the recording" in text


def test_no_tel_link_for_something_that_is_not_e164(tmp_path: Path) -> None:
    vm = sample_vm(callback_number="javascript:alert(1)", caller_id=None)
    _, html = text_and_html(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path))))
    assert 'href="javascript' not in html and "tel:" not in html


def test_ics_invite_for_a_proposed_time(tmp_path: Path) -> None:
    msg = reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    ics_part = parts_of(msg)["text/calendar"]
    assert ics_part.get_filename() == "invite.ics"
    assert ics_part.get_param("method") == "PUBLISH"
    ics = ics_part.get_payload(decode=True).decode("utf-8")
    assert ics.endswith("\r\n") and "\n" not in ics.replace("\r\n", "")
    unfolded = ics.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    assert "METHOD:PUBLISH" in lines and "BEGIN:VEVENT" in lines
    assert "DTSTART:20261126T190000Z" in lines  # 2 pm EST
    assert "DTEND:20261126T193000Z" in lines  # 30 minutes
    assert "SUMMARY:Meeting with Sarah Chen (Northwind)" in lines
    assert "LOCATION:12 Main Street\\, Springfield" in lines
    uid = next(line for line in lines if line.startswith("UID:"))
    again = reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    assert uid in again.as_string() or uid in parts_of(again)["text/calendar"].get_payload(
        decode=True
    ).decode("utf-8").replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_naive_time_is_read_in_the_users_timezone_and_dates_alone_make_no_invite(
    tmp_path: Path,
) -> None:
    s = make_settings(tmp_path)
    vm = sample_vm(dates=(MentionedDate("Thursday", "2026-11-26"),), callback_at="2026-11-26")
    assert "text/calendar" not in parts_of(reparse(build_voicemail_email(vm, settings=s)))
    vm = sample_vm(
        dates=(MentionedDate("at nine", "2026-11-26T09:00:00"),), callback_at="2026-11-26T09:00:00"
    )
    ics = parts_of(reparse(build_voicemail_email(vm, settings=s)))["text/calendar"]
    assert "DTSTART:20261126T140000Z" in ics.get_payload(decode=True).decode()


def test_the_invite_is_for_the_callback_time_never_another_date(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    closing = MentionedDate("the closing on the 10th at 10", "2026-12-10T10:00:00-05:00")
    # An event said in the message is listed, but no invite is made for it.
    msg = reparse(build_voicemail_email(sample_vm(dates=(closing,), callback_at=None), settings=s))
    assert "text/calendar" not in parts_of(msg)
    assert "Dec" in text_and_html(msg)[0] and "A calendar invite" not in text_and_html(msg)[0]
    # The callback time, said after the event, is the invite's time.
    later = MentionedDate("tomorrow after 3", "2026-11-24T15:00:00-05:00")
    vm = sample_vm(dates=(closing, later), callback_at=later.iso)
    ics = parts_of(reparse(build_voicemail_email(vm, settings=s)))["text/calendar"]
    assert "DTSTART:20261124T200000Z" in ics.get_payload(decode=True).decode()


def test_ics_text_is_escaped(tmp_path: Path) -> None:
    vm = sample_vm(caller_name="Evil;Name,\nEND:VEVENT", company=None, addresses=())
    ics = parts_of(reparse(build_voicemail_email(vm, settings=make_settings(tmp_path))))
    text = ics["text/calendar"].get_payload(decode=True).decode().replace("\r\n ", "")
    assert text.split("\r\n").count("END:VEVENT") == 1  # no line of its own was injected
    assert "SUMMARY:Meeting with Evil\\;Name\\, END:VEVENT" in text


def test_fold_keeps_utf8_characters_whole() -> None:
    folded = fold("DESCRIPTION:" + "é" * 100)
    assert all(len(line.encode()) <= 75 for line in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 100


def test_audio_attached_when_small_enough(tmp_path: Path) -> None:
    msg = reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    audio = parts_of(msg)["audio/wav"]
    assert audio.get_filename() == "msg0001.wav"
    assert audio.get_payload(decode=True) == b"RIFF" + b"\0" * 2000
    text, _ = text_and_html(msg)
    assert "Audio not attached" not in text


def test_audio_over_the_cap_is_not_attached_and_the_mail_says_why(tmp_path: Path) -> None:
    s = make_settings(tmp_path, mail_max_attachment_mb=0.001)  # 1000 bytes
    msg = reparse(build_voicemail_email(sample_vm(), settings=s))
    assert "audio/wav" not in parts_of(msg)
    text, html = text_and_html(msg)
    assert "Audio not attached: 0.0 MB is over the 0.001 MB limit" in text
    assert "RINGBACK_MAIL_MAX_ATTACHMENT_MB" in html


def test_audio_turned_off(tmp_path: Path) -> None:
    s = make_settings(tmp_path, mail_attach_audio=False)
    msg = reparse(build_voicemail_email(sample_vm(), settings=s))
    assert "audio/wav" not in parts_of(msg)
    assert "RINGBACK_MAIL_ATTACH_AUDIO=false" in text_and_html(msg)[0]


def test_attachment_filename_and_mime_are_sanitised(tmp_path: Path) -> None:
    vm = sample_vm(audio=AudioFile(b"xx", "../../etc/pass\r\nwd.wav", "audio/x wav\r\nX: y"))
    msg = reparse(build_voicemail_email(vm, settings=make_settings(tmp_path)))
    part = parts_of(msg)["application/octet-stream"]
    assert part.get_filename() == "pass wd.wav"
    assert msg["X"] is None


def test_received_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sample_vm(received_at=datetime(2026, 11, 23, 15, 0))


def test_idempotency_key_defaults_from_the_id() -> None:
    assert sample_vm().idempotency_key == "voicemail-42"
    assert replace(sample_vm(), idempotency_key="custom").idempotency_key == "custom"
