"""Real parts for the telephony tests: uvicorn on loopback, requests signed with the real
twilio validator, a loopback HTTP server standing in for Twilio's recording storage (it
checks the basic-auth credentials), and a real aiosmtpd server collecting the email."""

from __future__ import annotations

import base64
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from ringback.config import Settings
from ringback.telephony.signature import sign
from tests.support.net import free_port
from tests.support.smtp import smtp_server as smtp_server  # the Twilio tests' mail sink

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CALL_SID = "CA" + "a" * 32
OWNER = "+14155550199"
CALLER = "+12125550199"


def recording_sid(n: int) -> str:
    return "RE" + f"{n:032x}"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite:///{tmp_path / 'ringback.db'}",
        "timezone": "America/New_York",
        "owner_name": "Victor Hale",
        "owner_company": "Northwind",
        "owner_email": "victor@example.com",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_download_attempts": 3,
        "twilio_download_backoff": 0.05,
        "twilio_download_timeout": 2.0,
        # The loopback recording host stands in for api.twilio.com: the credentials go
        # only to the hosts listed here.
        "twilio_api_hosts": "127.0.0.1",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# -- the app under uvicorn ------------------------------------------------------------


class Served:
    """A uvicorn server in a thread on 127.0.0.1:<port>, stopped on exit."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.app = app

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)

    def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        token: str | None = AUTH_TOKEN,
        signed_url: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST as Twilio does: form-encoded, signed over the full URL with ``token``."""
        url = self.base + path
        hdrs = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if signature is not None:
            hdrs["X-Twilio-Signature"] = signature
        elif token is not None:
            hdrs["X-Twilio-Signature"] = sign(token, signed_url or url, params)
        return httpx.post(url, content=urlencode(params), headers=hdrs, timeout=30)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kwargs)


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def voice_params(to: str = OWNER, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": CALL_SID,
        "From": CALLER,
        "To": to,
        "Called": to,
        "Caller": CALLER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def recording_params(sid: str, recording_url: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": CALL_SID,
        "RecordingSid": sid,
        "RecordingUrl": recording_url,
        "RecordingStatus": "completed",
        "RecordingDuration": "22",
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Mon, 23 Nov 2026 19:30:00 +0000",
        **extra,
    }


# -- Twilio's recording storage, on loopback ------------------------------------------


@dataclass
class Media:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0  # seconds before answering (a timeout test)
    fail_first: int = 0  # answer 404 this many times first
    content_length: int | None = None  # lie about the size (a huge recording)
    location: str | None = None  # answer 302 to here (Twilio redirects to its storage)


@dataclass
class RecordingHost:
    """Serves ``files[path]`` only to requests with the right basic-auth credentials."""

    port: int
    files: dict[str, Media] = field(default_factory=dict)
    hits: list[tuple[str, bool]] = field(default_factory=list)  # (path, authorised)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def recording_url(self, sid: str) -> str:
        return f"{self.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"

    def add(self, sid: str, media: Media) -> str:
        self.files[f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}.wav"] = media
        return self.recording_url(sid)

    def count(self, sid: str) -> int:
        return sum(1 for path, _ in self.hits if sid in path)


@contextmanager
def recording_host(user: str = ACCOUNT_SID, password: str = AUTH_TOKEN) -> Iterator[RecordingHost]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    host = RecordingHost(port=0)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            authorised = self.headers.get("Authorization") == expected
            host.hits.append((self.path, authorised))
            if not authorised:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            media = host.files.get(self.path)
            if media is None:
                self._plain(404)
                return
            if media.fail_first > 0:
                media.fail_first -= 1
                self._plain(404)
                return
            if media.delay:
                time.sleep(media.delay)
            if media.location:
                self.send_response(302)
                self.send_header("Location", media.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(media.status)
            self.send_header("Content-Type", "audio/x-wav")
            size = media.content_length if media.content_length is not None else len(media.body)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(media.body)

        def _plain(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving("127.0.0.1", Handler) as port:
        host.port = port
        yield host


@contextmanager
def serving(address: str, handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A threaded HTTP server on ``address`` (a free port, returned) until the block ends."""
    server = ThreadingHTTPServer((address, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Stranger:
    """A host that is not Twilio's: it serves anything to anyone and notes, per request,
    whether an Authorization header came with it."""

    base: str
    body: bytes
    hits: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Authorization)


@contextmanager
def stranger_host(
    body: bytes = b"RIFF" + b"\0" * 64, address: str = "127.0.0.2"
) -> Iterator[Stranger]:
    """On another loopback address than the recording host, so it is another host name."""
    stranger = Stranger(base="", body=body)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            stranger.hits.append((self.path, self.headers.get("Authorization")))
            self.send_response(200)
            self.send_header("Content-Type", "audio/x-wav")
            self.send_header("Content-Length", str(len(stranger.body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(stranger.body)

    with serving(address, Handler) as port:
        stranger.base = f"http://{address}:{port}"
        yield stranger


# -- email ----------------------------------------------------------------------------


def smtp_overrides(port: int) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "Ringback <ringback@example.com>",
        "smtp_to": "victor@example.com",
        "smtp_timeout": 5,
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def callback_path(to: str = OWNER, caller: str = CALLER, line: str = "personal") -> str:
    """The recording callback path as our TwiML hands it to Twilio (call facts in the query)."""
    return "/telephony/twilio/recording?" + urlencode({"line": line, "from": caller, "to": to})
