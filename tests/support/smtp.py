"""A real SMTP server (aiosmtpd on loopback) for the mail tests; skipped without it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from tests.support.net import free_port

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")


PASSWORD = "s3cr3t-Pa55word!"
USER = "seller"


@dataclass
class Collector:
    """aiosmtpd handler that keeps every accepted envelope; ``reply`` simulates refusals."""

    envelopes: list[Any] = field(default_factory=list)
    reply: str = "250 Message accepted for delivery"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply

    def messages(self) -> list[EmailMessage]:
        out = []
        for env in self.envelopes:
            msg = BytesParser(policy=default_policy).parsebytes(env.content)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def wait(self, count: int, timeout: float = 120) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (or what there is after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages()


@dataclass
class Holding(Collector):
    """A server that takes the message whose Subject is ``subject`` and then says nothing
    until ``release`` is set (its sender is mid-exchange meanwhile: the data is in, the
    reply is not); ``arrived`` is set once it is held. Other messages go through."""

    subject: str = "hold me"
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if f"Subject: {self.subject}\r\n".encode() in envelope.content:
            self.arrived.set()
            # In a worker thread, so the server keeps serving the other connections.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Server:
    port: int
    handler: Collector
    controller: Any = None
    running: bool = True

    def stop(self) -> None:
        """Stop listening (the server is down); a new ``start(port=...)`` brings it back."""
        if self.running:
            if isinstance(self.handler, Holding):
                self.handler.release.set()  # a held message must not hold the shutdown
            self.controller.stop()
            self.running = False


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = (
        isinstance(auth_data, aiosmtpd_smtp.LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


@contextmanager
def smtp_servers() -> Iterator[Callable[..., Server]]:
    """Start real SMTP servers on loopback: ``start(port=None, handler=None,
    **controller_kwargs)`` (a :class:`Collector` by default); all stopped on leaving.
    The ``smtpd`` fixture (conftest) is this."""
    servers: list[Server] = []

    def start(port: int | None = None, handler: Collector | None = None, **kwargs: Any) -> Server:
        handler = handler or Collector()
        port = port or free_port()
        controller = aiosmtpd_controller.Controller(
            handler, hostname="127.0.0.1", port=port, **kwargs
        )
        controller.start()
        servers.append(Server(port, handler, controller))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@contextmanager
def smtp_server() -> Iterator[tuple[int, Collector]]:
    """A real SMTP server on loopback: its port and what it collects."""
    with smtp_servers() as start:
        server = start()
        yield server.port, server.handler


def smtp_settings(tmp_path: Path, port: int, **overrides: Any) -> Any:
    """Settings that send through the test SMTP server on ``port`` (plain, no login)."""
    from tests.support.mail import make_settings

    return make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from="Ringback <ringback@example.com>",
        smtp_to="seller@example.com, assistant@example.com",
        smtp_timeout=5,
        **overrides,
    )
