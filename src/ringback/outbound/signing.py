"""The ``Ringback-Signature`` header: how a receiver knows a POST came from Ringback.

``Ringback-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, where the HMAC is keyed
with the endpoint's secret and taken over ``"<t>.<raw request body>"``. A receiver
recomputes it over the bytes it got (before parsing the JSON), compares in constant time,
and refuses a ``t`` older than a few minutes (a replayed request). :func:`verify` is that
recipe, the one the README shows.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Ringback-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The header's value for ``body`` sent at ``timestamp`` (unix seconds)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, body: bytes, header: str, *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Does ``header`` sign ``body`` with ``secret``, at most ``tolerance`` seconds ago?"""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).rsplit("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
