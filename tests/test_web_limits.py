"""`ringback serve` holds up before anyone is authenticated (issue 12, points 7 and 11).

Every test here talks to the real server: ``python -m ringback serve`` in a child process,
so it runs with exactly the uvicorn configuration users get, and raw requests go over
loopback sockets (no HTTP client that would tidy up a hostile request first).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from ringback.telephony import twiml
from ringback.telephony.signature import sign
from tests.support.twilio import AUTH_TOKEN, recording_params, recording_sid, voice_params, wait_for
from tests.support.web import PASSWORD, Reply, Server, basic, get, ringback_serve

FORM = "application/x-www-form-urlencoded"
VOICE = twiml.VOICE_PATH
RECORDING = twiml.RECORDING_PATH


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with ringback_serve(tmp_path_factory.mktemp("serve")) as srv:
        yield srv


# -- headers ------------------------------------------------------------------------------


def test_a_megabyte_header_is_refused_and_the_connection_closed(server: Server) -> None:
    reply = server.request(get("/healthz", "X-Big: " + "a" * (1 << 20)))
    # A refusal the client may see as the 400 itself or as a reset (its bytes unread).
    assert reply.status in (400, 431, None) and reply.status != 200
    assert reply.closed


def test_ten_thousand_small_headers_are_refused(server: Server) -> None:
    many = [f"X-H{i}: 1" for i in range(10_000)]
    reply = server.request(get("/healthz", *many))
    assert reply.status in (400, 431, None) and reply.closed
    # Few enough to fit the byte cap, still too many to be a real client's.
    reply = server.request(get("/healthz", *many[:150]))
    assert reply.status == 431 and reply.closed
    assert b"too many request headers" in reply.body
    assert server.request(get("/healthz", *many[:20])).status == 200


def test_healthz_answers_while_huge_header_clients_are_connected(server: Server) -> None:
    # Clients holding half-sent headers open, and clients pushing 32 MB of header each.
    holders = []
    for _ in range(4):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 8000)
        holders.append(sock)
    results: list[Reply] = []
    chunk = b"a" * (1 << 20)
    pushers = [
        threading.Thread(
            target=lambda: results.append(
                server.request(get("/healthz")[:-2], [b"X-Big: "] + [chunk] * 32)
            )
        )
        for _ in range(4)
    ]
    try:
        for pusher in pushers:
            pusher.start()
        reply = server.request(get("/healthz"))
        assert reply.status == 200 and reply.body == b'{"status":"ok"}'
    finally:
        for pusher in pushers:
            pusher.join(30)
        for sock in holders:
            sock.close()
    assert len(results) == 4
    assert all(r.closed and r.status != 200 and r.sent < 32 << 20 for r in results)


# -- bodies -------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused_on_every_route(server: Server) -> None:
    greeting = "/telephony/greetings/personal-0000000000000000.wav"
    for head in (
        get("/healthz", length=10_000_000),
        get("/api/telephony/recordings", basic("ringback", PASSWORD), length=10_000_000),
        get(greeting, length=10_000_000),
        get(VOICE, f"Content-Type: {FORM}", length=10_000_000).replace(b"GET", b"POST", 1),
    ):
        reply = server.request(head)  # headers only: refused before a byte of body is read
        assert reply.status == 413, head[:40]
        assert reply.closed


def test_a_streamed_body_is_cut_off_at_the_limit_and_nothing_stored(server: Server) -> None:
    sid = recording_sid(7)
    url = server.base + RECORDING
    params = recording_params(sid, "https://api.twilio.com/rec/" + sid, Padding="p" * 300_000)
    body = urlencode(params).encode()
    head = (
        f"POST {RECORDING} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n"
        f"X-Twilio-Signature: {sign(AUTH_TOKEN, url, params)}\r\n\r\n"
    ).encode()
    step = 16 * 1024
    chunks = [
        b"%x\r\n%s\r\n" % (len(body[i : i + step]), body[i : i + step])
        for i in range(0, len(body), step)
    ]
    reply = server.request(head, [*chunks, b"0\r\n\r\n"])
    assert reply.status == 413 and reply.closed
    listed = httpx.get(server.base + "/api/telephony/recordings", auth=("ringback", PASSWORD))
    assert listed.json() == {"recordings": []}


# -- content type (point 11) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (FORM, 200),
        (FORM + "; charset=utf-8", 200),
        ("Application/X-WWW-Form-URLEncoded", 200),
        (FORM + "xyz", 415),
        (FORM + "-evil; charset=utf-8", 415),
        ("application/x-www-form", 415),
        ("text/plain", 415),
    ],
)
def test_webhooks_take_exactly_a_form_body(server: Server, content_type: str, status: int) -> None:
    params = voice_params()
    url = server.base + VOICE
    headers = {"Content-Type": content_type, "X-Twilio-Signature": sign(AUTH_TOKEN, url, params)}
    reply = httpx.post(url, content=urlencode(params), headers=headers, timeout=10)
    assert reply.status_code == status, reply.text


# -- connections ----------------------------------------------------------------------------


def test_past_the_connection_limit_requests_get_503_until_one_closes(tmp_path: Path) -> None:
    with ringback_serve(tmp_path, RINGBACK_WEB_MAX_CONNECTIONS="4") as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
        try:
            reply = server.request(get("/healthz"))
            assert reply.status == 503 and reply.closed
        finally:
            for sock in idle:
                sock.close()
        wait_for(lambda: server.request(get("/healthz")).status == 200, 10, "a free slot")


def test_serve_runs_uvicorn_with_the_limits_from_the_settings(tmp_path: Path) -> None:
    from ringback.config import Settings
    from ringback.web.server import uvicorn_config

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        web_keep_alive_seconds=7,
        web_backlog=64,
        web_forwarded_allow_ips="10.0.0.5",
    )
    config = uvicorn_config(object(), settings, host="127.0.0.1", port=0)  # type: ignore[arg-type]
    assert (config.http, config.h11_max_incomplete_event_size) == ("h11", 16 * 1024)
    assert (config.timeout_keep_alive, config.backlog, config.limit_concurrency) == (7, 64, 200)
    assert config.proxy_headers and config.forwarded_allow_ips == "10.0.0.5"
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert not uvicorn_config(object(), settings, host="h", port=1).proxy_headers  # type: ignore[arg-type]
