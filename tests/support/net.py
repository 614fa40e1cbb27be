"""Loopback networking for tests that start real servers."""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Tarpit:
    """A server on 127.0.0.1 that takes connections and says nothing until let go: an
    SMTP server that hangs, holding each mail task (and the worker process running it)
    where it is, for as long as the test wants. ``held`` counts the connections taken."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="tarpit", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            with self._lock:
                self.connections.append(conn)

    @property
    def held(self) -> int:
        with self._lock:
            return len(self.connections)

    def let_go(self, n: int) -> None:
        """Close connection ``n``: its client sees the server hang up."""
        with self._lock:
            self.connections[n].close()

    def close(self) -> None:
        self.server.close()
        with self._lock:
            for conn in self.connections:
                conn.close()
