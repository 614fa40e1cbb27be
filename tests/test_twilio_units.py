"""The telephony pieces on their own: TwiML templates, parameters, lines, downloads, queue."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ringback.hosts import host_allowed, host_patterns
from ringback.lines import LineKind, line_kind, notify_recipients
from ringback.telephony import twiml
from ringback.telephony.callbacks import MissingParams, parse_recording_callback
from ringback.telephony.download import (
    DEFAULT_API_HOSTS,
    DownloadError,
    check_url,
    wav_url,
)
from ringback.telephony.signature import Params, is_valid, sign
from ringback.telephony.worker import ProcessJobQueue, ThreadJobQueue
from tests.support.twilio import CALLER, OWNER, make_settings, recording_params, recording_sid

PLANS = [
    twiml.CallPlan(line=LineKind.PERSONAL, base_url="https://rb.example.com", owner_name="Dana"),
    twiml.CallPlan(
        line=LineKind.PERSONAL,
        base_url="http://127.0.0.1:8000",
        greeting_url="http://127.0.0.1:8000/telephony/greetings/personal-ab.wav",
        ring_first="+14155550123",
        play_beep=False,
        max_length=30,
    ),
    twiml.CallPlan(
        line=LineKind.PROSPECT,
        base_url="https://rb.example.com/sub",
        owner_name='O\'Brien & "Sons" <Ltd>',
        owner_company="",
        gather_speech=True,
    ),
    twiml.CallPlan(line=LineKind.PROSPECT, base_url="https://x", owner_company="Northwind"),
]


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("dial_status", [None, "completed", "no-answer", "busy", "failed"])
@pytest.mark.parametrize(
    ("caller", "to", "name"),
    [
        (CALLER, OWNER, None),
        (None, None, None),
        ('+1 (212) 555-0199 & <x> "y"\n', "+14155550199", 'Ann "Q" <a&b>\t\r'),
    ],
)
def test_cached_twiml_is_byte_identical_to_building_it(
    plan: twiml.CallPlan,
    dial_status: str | None,
    caller: str | None,
    to: str | None,
    name: str | None,
) -> None:
    kwargs = {
        "from_number": caller,
        "to_number": to,
        "caller_name": name,
        "dial_status": dial_status,
    }
    cached = twiml.voice_response(plan, **kwargs)
    assert cached == twiml.build_voice_response(plan, **kwargs)
    assert twiml.voice_response(plan, **kwargs) == cached  # from the cache the second time
    ET.fromstring(cached)  # well-formed


def test_callback_url_round_trips_the_call_facts() -> None:
    from urllib.parse import parse_qs, urlsplit

    plan = PLANS[0]
    xml = twiml.voice_response(plan, from_number="+1 212&555", to_number=OWNER, caller_name="A&B")
    record = ET.fromstring(xml).find("Record")
    assert record is not None
    query = parse_qs(urlsplit(record.attrib["recordingStatusCallback"]).query)
    assert query == {"line": ["personal"], "from": ["+1 212&555"], "to": [OWNER], "caller": ["A&B"]}


def test_spoken_greetings_are_short_and_name_you() -> None:
    personal = twiml.spoken_greeting(PLANS[0])
    assert personal.startswith("Hi, you've reached Dana.")
    prospect = twiml.spoken_greeting(PLANS[3])
    assert prospect.startswith("Thanks for calling Northwind.")
    anonymous = twiml.spoken_greeting(twiml.CallPlan(line=LineKind.PERSONAL, base_url=""))
    for text in (personal, prospect, anonymous):
        assert "press" not in text.lower() and len(text.split()) <= 25


def test_repeated_parameters_are_all_signed() -> None:
    url = "https://rb.example.com/telephony/twilio/voice"
    pairs = [("To", OWNER), ("Tag", "b"), ("Tag", "a")]
    params = Params(pairs)
    assert params["Tag"] == "b" and params.getall("Tag") == ["b", "a"] and len(params) == 2
    signature = sign("token", url, params)
    assert is_valid("token", url, params, signature)
    assert not is_valid("token", url, Params([("To", OWNER), ("Tag", "b")]), signature)
    # Twilio sometimes signs with the default port spelled out: the fallback accepts it.
    with_port = sign("token", "https://rb.example.com:443/telephony/twilio/voice", params)
    assert is_valid("token", url, params, with_port)
    assert not is_valid("token", url, params, "not-base64-é")


def test_lines(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        prospect_numbers="(415) 555-0111; +1 415 555 0112, 7777",
        prospect_notify_to="Sales <sales@example.com>, lead@example.com",
    )
    assert line_kind("+14155550111", settings) is LineKind.PROSPECT
    assert line_kind("415-555-0112", settings) is LineKind.PROSPECT
    assert line_kind("7777", settings) is LineKind.PROSPECT  # a short code
    assert line_kind(OWNER, settings) is LineKind.PERSONAL
    assert line_kind(None, settings) is LineKind.PERSONAL
    assert notify_recipients(settings, LineKind.PROSPECT) == (
        "sales@example.com",
        "lead@example.com",
    )
    assert notify_recipients(settings, LineKind.PERSONAL) == ()
    plain = make_settings(tmp_path)
    assert line_kind("+14155550111", plain) is LineKind.PERSONAL


def test_recording_urls() -> None:
    base = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    assert wav_url(base) == base + ".wav"
    assert wav_url(base + ".mp3") == base + ".mp3"
    assert wav_url(base + "?x=1") == base + ".wav?x=1"
    check_url(base)
    check_url("https://api.sydney.au1.twilio.com/x")  # api.<edge>.<region>.twilio.com
    check_url("https://api.us1.twilio.com/x")
    check_url("http://127.0.0.1:9/x", ["127.0.0.1"])
    check_url("http://localhost:9/x", ["localhost"])
    with pytest.raises(DownloadError, match="plain http"):
        check_url("http://api.twilio.com/x")  # credentials never go out in clear
    with pytest.raises(DownloadError):
        check_url("ftp://api.twilio.com/x")


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://api.twilio.com.attacker.example/x",
        "https://twilio.com/x",
        "https://api.a.b.c.twilio.com/x",  # deeper than api.<edge>.<region>
        "https://api.twilio.com@attacker.example/x",
        "https://user:pw@api.twilio.com/x",
        "http://127.0.0.1:9/x",  # loopback too must be listed (tests list it)
    ],
)
def test_credentials_are_refused_to_hosts_off_the_list(url: str) -> None:
    with pytest.raises(DownloadError, match="refusing") as refused:
        check_url(url)
    assert refused.value.permanent and refused.value.attempts == 0


def test_api_host_patterns() -> None:
    assert host_patterns(" API.twilio.com. , api.*.twilio.com,") == (
        "api.twilio.com",
        "api.*.twilio.com",
    )
    assert host_allowed("api.dublin.ie1.twilio.com", DEFAULT_API_HOSTS)
    assert not host_allowed("api.dublin.ie1.twilio.com.evil", DEFAULT_API_HOSTS)
    for bad in ("", " , ", "*", "*.com", "api.*", "api twilio.com", "http://api.twilio.com"):
        with pytest.raises(ValueError):
            host_patterns(bad)


def test_parse_recording_callback(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, prospect_numbers="+14155550111")
    sid = recording_sid(7)
    params = recording_params(sid, "https://api.twilio.com/r", RecordingDuration="n/a")
    event = parse_recording_callback(
        params,
        {"from": CALLER, "to": "+14155550111", "line": "personal", "intake": " a  b "},
        settings,
    )
    assert event.line is LineKind.PROSPECT  # the settings decide, not the URL's word
    assert event.duration is None and event.intake == "a b"
    assert event.started_at is not None and event.started_at.tzinfo is not None
    no_to = parse_recording_callback(params, {"line": "prospect"}, settings)
    assert no_to.line is LineKind.PROSPECT and no_to.from_number is None
    with pytest.raises(MissingParams, match="RecordingSid, RecordingUrl"):
        parse_recording_callback({}, {}, settings)


def test_thread_queue_runs_each_sid_once_at_a_time() -> None:
    seen: list[str] = []
    gate = threading.Event()

    def handler(sid: str) -> None:
        gate.wait(5)
        seen.append(sid)

    queue = ThreadJobQueue(handler, workers=2)
    queue.start()
    for sid in ("a", "b", "a", "a"):
        queue.submit(sid)
    assert queue.busy == 2
    gate.set()
    assert queue.join(5)
    assert sorted(seen) == ["a", "b"]
    queue.stop(5)


def _record(sid: str) -> None:  # runs in the worker process
    Path(sid).write_text(str(time.time()))


def test_process_queue_runs_jobs_in_another_process(tmp_path: Path) -> None:
    queue = ProcessJobQueue(_record)
    queue.start()
    assert queue.join(0.1)  # nothing started yet: no process until there is work
    targets = [str(tmp_path / f"job{i}") for i in range(3)]
    for target in targets:
        queue.submit(target)
    assert queue.join(60)
    assert all(Path(t).exists() for t in targets)
    queue.stop(10)
