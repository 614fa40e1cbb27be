"""Host-name patterns such as ``api.*.twilio.com`` (ground floor): read and matched.

``RINGBACK_TWILIO_API_HOSTS`` is checked when settings are read (``ringback.config``) and
matched before the recording downloader sends credentials anywhere
(``ringback.telephony.download``); the rules live here so that config imports no
telephony code. ``*`` stands for exactly one label.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

_LABEL = re.compile(r"^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")


def host_patterns(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"api.twilio.com, api.*.twilio.com"`` → the patterns, lower case; ValueError naming
    a pattern that is malformed or so broad it would match hosts outside one domain."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        pattern = item.strip().lower().rstrip(".")
        if not pattern:
            continue
        labels = pattern.split(".")
        if not all(_LABEL.match(label) for label in labels) and not _is_ip(pattern):
            raise ValueError(f"{item.strip()!r} is not a host name (e.g. api.twilio.com)")
        if "*" in labels and (len(labels) < 3 or "*" in labels[-2:]):
            raise ValueError(f"{item.strip()!r} is too broad: end it with a domain (*.twilio.com)")
        out.append(pattern)
    if not out:
        raise ValueError("no host given: list at least api.twilio.com")
    return tuple(out)


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``patterns`` (``*`` standing for exactly one label)."""
    name = host.lower().rstrip(".")
    labels = name.split(".")
    for pattern in patterns:
        wanted = pattern.split(".")
        if len(wanted) == len(labels) and all(
            w in ("*", got) for w, got in zip(wanted, labels, strict=True)
        ):
            return True
    return False


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
