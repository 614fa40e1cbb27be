"""`ringback greeting check/upload`: real recorded speech, transcribed by the real Whisper
model, checked against seed 003; the upload converted to 8 kHz μ-law and played by Twilio."""

from __future__ import annotations

import io
import json
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from ringback.lines import LineKind
from ringback.telephony.greetings import check_transcript
from ringback.web import create_app
from tests.conftest import Cli
from tests.support.audio import SOUNDS
from tests.support.twilio import Served, make_settings, twiml, voice_params

needs_sounds = pytest.mark.skipif(
    not (SOUNDS / "vm-intro.wav").is_file(),
    reason="needs Debian's asterisk-core-sounds-en-wav (apt-get install asterisk-core-sounds-en-wav)",
)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * 8000), dtype=np.int16)


@pytest.fixture(scope="module")
def good_greeting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ "Hello. Victor is on the phone." — a human voice (Asterisk's prompts), with the
    dead air a phone recording starts and ends with."""
    parts = [
        _silence(1.2),
        _read(SOUNDS / "hello.wav"),
        _silence(0.2),
        _read(SOUNDS / "phonetic" / "v_p.wav"),
        _silence(0.1),
        _read(SOUNDS / "vm-isonphone.wav"),
        _silence(1.5),
    ]
    path = tmp_path_factory.mktemp("greeting") / "greeting.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.concatenate(parts).tobytes())
    return path


@pytest.fixture
def cli_owner(cli_embedded: Cli) -> Cli:
    cli_embedded.env["RINGBACK_OWNER_NAME"] = "Victor Hale"
    return cli_embedded


def checks(data: dict) -> dict[str, bool]:  # type: ignore[type-arg]
    return {c["id"]: c["ok"] for c in data["checks"]}


@pytest.mark.slow
@needs_sounds
def test_check_a_good_greeting(cli_owner: Cli, good_greeting: Path) -> None:
    result = cli_owner("greeting", "check", str(good_greeting), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert "victor" in data["transcript"].lower()
    assert checks(data) == {
        "says_name": True,
        "short": True,
        "no_buttons": True,
        "no_preamble": True,
    }
    assert data["duration"] < 4.5  # the dead air at both ends is trimmed


@pytest.mark.slow
@needs_sounds
def test_check_the_carriers_mechanical_greeting_fails_point_by_point(cli_owner: Cli) -> None:
    # "Please leave your message after the tone. When done hang up or press the pound key."
    result = cli_owner("greeting", "check", str(SOUNDS / "vm-intro.wav"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert checks(data) == {
        "says_name": False,
        "short": True,
        "no_buttons": False,
        "no_preamble": False,
    }
    detail = {c["id"]: c["detail"] for c in data["checks"]}
    assert "press" in detail["no_buttons"]
    assert "Victor Hale" in detail["says_name"]

    text = cli_owner("greeting", "check", str(SOUNDS / "vm-intro.wav"))
    assert text.exit_code == 1
    assert "✗ Says your name" in text.stdout and "✓ At most 10 seconds" in text.stdout


@pytest.mark.slow
@needs_sounds
def test_check_a_long_ivr_greeting(cli_embedded: Cli) -> None:
    # "Thank you for calling Super Awesome Company, Waldo's premier provider ... press one"
    cli_embedded.env["RINGBACK_OWNER_NAME"] = "Waldo"
    result = cli_embedded("greeting", "check", str(SOUNDS / "basic-pbx-ivr-main.wav"), "--json")
    data = json.loads(result.stdout)
    assert checks(data) == {
        "says_name": True,
        "short": False,
        "no_buttons": False,
        "no_preamble": False,
    }
    assert data["duration"] > 20


@pytest.mark.slow
@needs_sounds
def test_upload_converts_to_mulaw_and_twilio_plays_it(
    cli_owner: Cli, good_greeting: Path, tmp_path: Path
) -> None:
    result = cli_owner("greeting", "upload", str(good_greeting), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["stored"] is True and data["ok"] is True and data["line"] == "personal"
    stored = Path(data["path"]).read_bytes()
    # RIFF/WAVE, fmt: format 7 (G.711 μ-law), 1 channel, 8000 Hz, 8 bits.
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WAVE"
    fmt = stored.index(b"fmt ")
    tag, channels, rate = struct.unpack("<HHI", stored[fmt + 8 : fmt + 16])
    bits = struct.unpack("<H", stored[fmt + 22 : fmt + 24])[0]
    assert (tag, channels, rate, bits) == (7, 1, 8000, 8)
    assert 2.5 < (len(stored) - 60) / 8000 < 4.5

    status = json.loads(cli_owner("greeting", "status", "--json").stdout)
    assert status[0]["line"] == "personal" and status[0]["greeting"]["ok"] is True
    assert status[1]["line"] == "prospect" and status[1]["greeting"] is None
    assert "Thanks for calling" in status[1]["fallback"]

    settings = make_settings(tmp_path, data_dir=Path(cli_owner.env["RINGBACK_DATA_DIR"]))
    with Served(create_app(settings)) as srv:
        root = twiml(srv.post("/telephony/twilio/voice", voice_params()))
        play, record, _ = list(root)
        assert play.tag == "Play" and record.tag == "Record"
        assert play.text == srv.base + data["url_path"]
        served = srv.get(data["url_path"])
        assert served.status_code == 200 and served.content == stored
        assert served.headers["content-type"] == "audio/wav"


@pytest.mark.slow
@needs_sounds
def test_upload_strict_refuses_a_failing_greeting(cli_owner: Cli) -> None:
    result = cli_owner("greeting", "upload", str(SOUNDS / "vm-intro.wav"), "--strict")
    assert result.exit_code == 1
    assert "not stored" in result.output
    data_dir = Path(cli_owner.env["RINGBACK_DATA_DIR"])
    assert not (data_dir / "greetings" / "personal.wav").exists()


def test_not_audio_is_a_clear_error(cli_owner: Cli, tmp_path: Path) -> None:
    junk = tmp_path / "greeting.wav"
    junk.write_bytes(b"%PDF-1.7 not audio at all" * 20)
    result = cli_owner("greeting", "check", str(junk))
    assert result.exit_code == 1
    assert "cannot check" in result.output and "Traceback" not in result.output
    silent = tmp_path / "silent.wav"
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 16000)
    silent.write_bytes(buffer.getvalue())
    result = cli_owner("greeting", "upload", str(silent))
    assert result.exit_code == 1 and "silent" in result.output


@pytest.mark.parametrize(
    ("text", "seconds", "failing"),
    [
        ("Hi, you've reached Dana Reyes. Leave a message and I'll call you back.", 4.0, set()),
        ("Dana here. Talk to me.", 1.5, set()),
        ("Hi, you've reached Dayna.", 1.5, set()),  # Whisper's spelling of the name
        ("Leave a message.", 1.0, {"says_name"}),
        ("Hi, this is Dana, press one for sales.", 3.0, {"no_buttons"}),
        ("Your call is important to us. Dana will be right with you.", 4.0, {"no_preamble"}),
        (
            "Thanks so much for calling, we really do appreciate it, this is Dana.",
            5,
            {"no_preamble"},
        ),
        ("Hi, you've reached Dana.", 12.0, {"short"}),
    ],
)
def test_check_rules(text: str, seconds: float, failing: set[str]) -> None:
    report = check_transcript(text, seconds, owner_name="Dana Reyes", line=LineKind.PERSONAL)
    assert {c.id for c in report.checks if not c.ok} == failing


def test_prospect_greeting_may_name_the_company() -> None:
    said = "Thanks for calling Northwind, tell us what you need."
    prospect = check_transcript(
        said, 3, owner_name="Dana Reyes", company="Northwind", line=LineKind.PROSPECT
    )
    personal = check_transcript(
        said, 3, owner_name="Dana Reyes", company="Northwind", line=LineKind.PERSONAL
    )
    assert prospect.ok and not personal.ok


def test_no_owner_name_says_what_to_set() -> None:
    report = check_transcript("Hi, it's me.", 1, owner_name="", line=LineKind.PERSONAL)
    assert "RINGBACK_OWNER_NAME" in report.checks[0].detail


@pytest.mark.slow
@needs_sounds
def test_a_greeting_with_no_speech_is_refused_and_the_live_one_kept(
    cli_owner: Cli, good_greeting: Path, tmp_path: Path
) -> None:
    assert cli_owner("greeting", "upload", str(good_greeting)).exit_code == 0
    live = Path(cli_owner.env["RINGBACK_DATA_DIR"]) / "greetings" / "personal.wav"
    before = live.read_bytes()
    # Five seconds of line hiss with a handset bump: sound, but nobody speaking.
    rng = np.random.default_rng(3)
    hiss = rng.normal(0, 0.05, 40_000)
    hiss[8000:10_400] += rng.normal(0, 0.5, 2400)
    noise = tmp_path / "pocket.wav"
    with wave.open(str(noise), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.clip(hiss, -1, 1) * 32767).astype("<i2").tobytes())

    result = cli_owner("greeting", "upload", str(noise))
    assert result.exit_code == 1, result.output
    assert "cannot use" in result.output and "no speech in it" in result.output
    assert "stays as it is" in result.output and "Traceback" not in result.output
    assert live.read_bytes() == before, "the greeting callers hear is unchanged"
