"""A real S3-compatible server on loopback (moto in server mode), behind a TCP proxy that a
test can switch off and on to play a store that is down for a while (moto keeps its
buckets: the proxy refuses connections while the server itself stays up)."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.net import free_port


class SwitchableProxy:
    """Forwards 127.0.0.1:<port> to a target; :meth:`off` refuses (and cuts) connections."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.refused_while_off = 0

    def on(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def off(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._open.clear()

    @property
    def is_on(self) -> bool:
        return self._listener is not None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)


@dataclass
class S3Server:
    """A running moto server, its proxy, and one fresh bucket."""

    endpoint: str
    bucket: str
    proxy: SwitchableProxy
    env: dict[str, str] = field(default_factory=dict)

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def object_keys(self) -> list[str]:
        page = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(str(o["Key"]) for o in page.get("Contents", ()))

    def values(self, prefix: str = "rb") -> dict[str, str]:
        """Settings fields that point the app at this bucket (through the proxy)."""
        return {
            "storage_url": f"s3://{self.bucket}/{prefix}",
            "s3_endpoint_url": f"http://127.0.0.1:{self.proxy.port}",
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
        }

    def settings_env(self, prefix: str = "rb") -> dict[str, str]:
        """The same as RINGBACK_* environment variables."""
        return {f"RINGBACK_{k.upper()}": v for k, v in self.values(prefix).items()}

    def settings(self, data_dir: Path, prefix: str = "rb", **more: Any) -> Any:
        from ringback.config import Settings

        return Settings(data_dir=data_dir, **self.values(prefix), **more)

    def body(self, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read())


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on a free loopback port, a proxy in front of it, and an empty bucket."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    proxy = SwitchableProxy(port)
    proxy.on()
    found = S3Server(f"http://127.0.0.1:{port}", f"ringback-{uuid.uuid4().hex[:10]}", proxy)
    found.client().create_bucket(Bucket=found.bucket)
    try:
        yield found
    finally:
        proxy.off()
        server.stop()


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    """:func:`s3_server` for one test module (registered in tests/conftest.py)."""
    with s3_server() as server:
        yield server
