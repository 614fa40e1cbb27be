"""The Settings page over HTTP (issue 15 §3, §5): a greeting uploaded from the page is
checked and goes live only when it passes (not audio, too large, silent or noise are
refused and nothing changes), the phone lines, and a test email to a real SMTP server."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from bench.fsdd import to_wav

from ringback.db.migrate import upgrade
from tests.support.twilio import smtp_overrides, smtp_server
from tests.support.web_pages import SignedIn, signed_in_app

SOUNDS = Path("/usr/share/asterisk/sounds/en")
needs_sounds = pytest.mark.skipif(
    not (SOUNDS / "vm-intro.wav").is_file(),
    reason="needs Debian's asterisk-core-sounds-en-wav (apt-get install asterisk-core-sounds-en-wav)",
)


@pytest.fixture
def web(tmp_path: Path, sqlite_url: str) -> Iterator[SignedIn]:
    upgrade(sqlite_url)
    with signed_in_app(tmp_path, sqlite_url) as signed_in:
        yield signed_in


def _wav(samples: np.ndarray) -> bytes:
    """8 kHz 16-bit WAV of samples in [-1, 1]."""
    return to_wav(np.clip(samples, -1, 1) * 32767)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768


def _live(web: SignedIn) -> Path:
    return web.settings.data_dir / "greetings" / "personal.wav"


def upload(web: SignedIn, name: str, data: bytes, kind: str = "audio/wav", **form: str) -> object:
    return web.post(
        "/settings/greeting",
        fragment=True,
        data={"line": "personal", **form},
        files={"greeting": (name, data, kind)},
    )


def test_a_greeting_that_is_not_audio_or_is_silent_is_refused(web: SignedIn) -> None:
    page = web.client.get("/settings").text
    assert "no recording yet; callers hear" in page and "you&#39;ve reached Victor Hale" in page
    refused = {
        "not audio": upload(web, "notes.txt", b"call me", "text/plain"),
        "fake wav": upload(web, "greeting.wav", b"RIFF" + b"\0" * 300),
        "silent": upload(web, "silent.wav", _wav(np.zeros(8000 * 3))),
        "empty": upload(web, "empty.webm", b"", "audio/webm"),
    }
    for what, reply in refused.items():
        assert reply.status_code == 422, what  # type: ignore[attr-defined]
        assert "stays as it is" in reply.text, what  # type: ignore[attr-defined]
    assert "not audio (text/plain)" in refused["not audio"].text  # type: ignore[attr-defined]
    assert "silent" in refused["silent"].text  # type: ignore[attr-defined]
    assert not _live(web).exists()


def test_a_greeting_over_the_upload_limit_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with signed_in_app(tmp_path, sqlite_url, web_max_upload_mb=1) as web:
        big = _wav(np.zeros(8000 * 80))  # 1.3 MB
        reply = upload(web, "long.wav", big)
        assert reply.status_code == 413  # type: ignore[attr-defined]
        assert not _live(web).exists()
        page = web.client.get("/settings").text
        assert 'data-max-mb="1"' in page  # the page's script checks the size before sending


@pytest.mark.slow
def test_noise_with_no_speech_is_refused_and_the_live_greeting_kept(web: SignedIn) -> None:
    rng = np.random.default_rng(3)
    hiss = rng.normal(0, 0.05, 40_000)
    hiss[8000:10_400] += rng.normal(0, 0.5, 2400)  # a handset bump: sound, nobody speaking
    reply = upload(web, "pocket.wav", _wav(hiss))
    assert reply.status_code == 422  # type: ignore[attr-defined]
    assert "no speech in it" in reply.text and "stays as it is" in reply.text  # type: ignore[attr-defined]
    assert not _live(web).exists()


@pytest.mark.slow
@needs_sounds
def test_a_greeting_goes_live_only_when_it_passes(web: SignedIn) -> None:
    parts = [np.zeros(9600), _read(SOUNDS / "hello.wav"), np.zeros(1600),
             _read(SOUNDS / "phonetic" / "v_p.wav"), np.zeros(800),
             _read(SOUNDS / "vm-isonphone.wav"), np.zeros(12000)]  # fmt: skip
    good = upload(web, "greeting.wav", _wav(np.concatenate(parts)))
    assert good.status_code == 200, good.text  # type: ignore[attr-defined]
    assert "It passes: this is now the greeting on your personal line" in good.text  # type: ignore[attr-defined]
    live = _live(web).read_bytes()
    page = web.client.get("/settings").text
    assert (
        "your recording" in page
        and '<audio controls preload="none" src="/telephony/greetings/personal-' in page
    )
    # The carrier's mechanical greeting: each failing check said in plain words, not used.
    mechanical = (SOUNDS / "vm-intro.wav").read_bytes()
    bad = upload(web, "vm-intro.wav", mechanical)
    assert bad.status_code == 422  # type: ignore[attr-defined]
    text = bad.text  # type: ignore[attr-defined]
    assert "Not used: it does not pass every check below" in text
    assert '<span class="verdict">No</span>' in text and "Says your name" in text
    assert "seed" not in text.lower()  # the rules' sources are not what a user reads
    assert _live(web).read_bytes() == live, "the greeting callers hear is unchanged"


def test_the_phone_lines_and_where_mail_goes_are_shown(tmp_path: Path, sqlite_url: str) -> None:
    upgrade(sqlite_url)
    overrides = {"owner_phone": "(415) 555-0137", "prospect_numbers": "+14155550100, 4155550111"}
    with signed_in_app(tmp_path, sqlite_url, **overrides) as web:
        page = web.client.get("/settings").text
    assert "+1 415-555-0137" in page
    assert "+1 415-555-0100, +1 415-555-0111" in page
    assert "RINGBACK_PROSPECT_NUMBERS" in page  # how to change them
    assert "the local mailbox (no SMTP server set)" in page
    assert 'href="/account/password"' in page


def test_a_test_email_reaches_the_smtp_server(tmp_path: Path, sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with (
        smtp_server() as (port, inbox),
        signed_in_app(tmp_path, sqlite_url, **smtp_overrides(port)) as web,
    ):
        page = web.client.get("/settings").text
        assert f"the SMTP server 127.0.0.1:{port}" in page
        sent = web.post("/settings/mail/test", data={"to": ""}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == "/settings#mail"
        messages = inbox.wait(1, timeout=10)
        assert len(messages) == 1 and messages[0]["To"] == "victor@example.com"
        assert messages[0]["Subject"] == "Ringback test message"
        shown = web.client.get("/settings").text
        assert "Test message sent to victor@example.com" in shown
        other = web.post("/settings/mail/test", data={"to": "sam@example.com"})
        assert other.status_code == 200 and inbox.wait(2, timeout=10)[1]["To"] == "sam@example.com"
        bad = web.post("/settings/mail/test", data={"to": "not an address\r\nBcc: x@y"})
        assert "is not an email address" in bad.text and len(inbox.messages()) == 2


def test_a_test_email_that_fails_says_why_without_an_error_page(
    tmp_path: Path, sqlite_url: str
) -> None:
    upgrade(sqlite_url)
    from tests.support.net import free_port

    closed = smtp_overrides(free_port())  # nothing listens there
    with signed_in_app(tmp_path, sqlite_url, **closed) as web:
        reply = web.post("/settings/mail/test", data={})
        assert reply.status_code == 200
        assert "The test message was not sent" in reply.text
        assert "RINGBACK_SMTP_" in reply.text and "Traceback" not in reply.text
