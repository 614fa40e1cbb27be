"""A real HTTP receiver on loopback for the outbound webhooks' tests: it records every
request it gets and answers as told (a status per request, or hanging until released);
:func:`dead_url` is a loopback URL that nothing listens on."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from tests.support.net import free_port

HANG_LIMIT = 30.0  # a hanging answer gives up after this, so a failed test cannot stall


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """``with Receiver() as r: ... r.url``; ``r.answer(500, 200)`` scripts the next
    answers (then 200); ``r.hang()`` holds every answer until the receiver stops."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._answers: deque[int] = deque()
        self._hanging = threading.Event()
        self._release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/crm?token=abc123"

    def answer(self, *statuses: int) -> None:
        self._answers.extend(statuses)

    def hang(self) -> None:
        self._hanging.set()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                if receiver._hanging.is_set():
                    receiver._release.wait(HANG_LIMIT)
                status = receiver._answers.popleft() if receiver._answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    """A loopback URL nothing listens on: every POST to it is refused."""
    return f"http://127.0.0.1:{free_port()}/hooks"
