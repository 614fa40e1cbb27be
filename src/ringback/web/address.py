"""Where ``ringback serve`` listens by default, and the address to open in a browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringback.config import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def browser_url(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """The web app's address: the public URL when one is set, else the local server's."""
    if settings.public_url:
        return settings.public_url + "/"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{port}/"
