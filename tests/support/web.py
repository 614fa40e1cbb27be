"""Real parts for the web server tests: `ringback serve` in a child process (the exact
configuration users get) and raw HTTP over loopback sockets."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.net import free_port
from tests.support.twilio import ACCOUNT_SID, AUTH_TOKEN, wait_for

PASSWORD = "correct horse battery"


@dataclass
class Server:
    port: int
    base: str

    def request(self, head: bytes, body: Sequence[bytes] = (), source: str = "127.0.0.1") -> Reply:
        return exchange(self.port, head, body, source)


@contextmanager
def ringback_serve(tmp: Path, **env: str) -> Iterator[Server]:
    """`ringback serve` on a free loopback port with a fresh SQLite data directory (or
    the database ``RINGBACK_DATABASE_URL`` in ``env`` names)."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "RINGBACK_DATABASE_URL"}
    environ.update(
        {
            "RINGBACK_DATA_DIR": str(tmp / "data"),
            "RINGBACK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "RINGBACK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "RINGBACK_WEB_PASSWORD": PASSWORD,
            "RINGBACK_FOLLOWUP_SWEEP_MINUTES": "0",
            **env,
        }
    )
    cmd = [sys.executable, "-m", "ringback", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = open(tmp / "server.log", "w")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(cmd, env=environ, stdout=log, stderr=subprocess.STDOUT)
    server = Server(port, f"http://127.0.0.1:{port}")

    def up() -> bool:
        assert proc.poll() is None, (tmp / "server.log").read_text()
        try:
            return httpx.get(server.base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 60, "ringback serve")
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


# -- raw HTTP over a socket -------------------------------------------------------------


@dataclass
class Reply:
    status: int | None  # None: no status line came back
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed (or reset) the connection
    sent: int  # bytes of the request the server took before refusing it


def _send(sock: socket.socket, parts: Sequence[bytes], sent: list[int]) -> None:
    for part in parts:
        try:
            sock.sendall(part)
        except OSError:  # refused mid-request: the server closed the connection
            return
        sent[0] += len(part)


def exchange(
    port: int, head: bytes, body: Sequence[bytes] = (), source: str = "127.0.0.1"
) -> Reply:
    """Send ``head`` then ``body`` from ``source`` (a loopback address) while reading the
    answer, until the server closes the connection (or 10 s pass)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sent = [0]
    sender = threading.Thread(target=_send, args=(sock, [head, *body], sent), daemon=True)
    sender.start()
    data, closed = b"", False
    try:
        while chunk := sock.recv(65536):
            data += chunk
        closed = True
    except ConnectionResetError:  # closed with our bytes unread: a refusal too
        closed = True
    except TimeoutError:
        pass
    finally:
        sock.close()
        sender.join(10)
    head_part, _, rest = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else None
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return Reply(status, headers, rest, closed, sent[0])


def get(path: str, *extra: str, length: int | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *extra]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def basic(user: str, password: str) -> str:
    return "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def all_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, included routers opened up (with their prefixes)."""
    from fastapi.routing import iter_route_contexts

    for route in iter_route_contexts(routes):
        if route.methods:
            yield from ((m, str(route.path)) for m in route.methods if m != "HEAD")
        else:  # a mount (static files)
            yield ("GET", str(route.path))
