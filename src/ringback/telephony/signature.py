"""Is this request from Twilio? ``X-Twilio-Signature`` checked with the twilio library.

Twilio signs the full URL it called plus the POST parameters with the account's auth
token. Behind a proxy or tunnel the URL this process sees (http://127.0.0.1:8000/...) is
not the one Twilio called, so ``RINGBACK_PUBLIC_URL`` names the public base and the
signed URL is rebuilt from it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from functools import lru_cache

from twilio.request_validator import RequestValidator

try:  # newer twilio: the algorithm named by X-Twilio-Webhooks-Signature-Settings
    from twilio.request_validator import get_signature_algorithm
except ImportError:  # older: HMAC-SHA1 with the auth token only
    get_signature_algorithm = None

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


class Params(Mapping[str, str]):
    """POST parameters as Twilio sent them, repeated keys kept (the validator signs all)."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._all: dict[str, list[str]] = {}
        for key, value in pairs:
            self._all.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> str:
        return self._all[key][0]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def getall(self, key: str) -> list[str]:  # the validator's MultiDict protocol
        return self._all[key]


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def signed_url(request_url: str, path_and_query: str, public_url: str) -> str:
    """The URL Twilio signed: the public base plus this request's path and query, or the
    request's own URL when no public base is configured."""
    if public_url:
        return public_url.rstrip("/") + path_and_query
    return request_url


def is_valid(
    token: str,
    url: str,
    params: Mapping[str, str],
    signature: str | None,
    settings_header: str | None = None,
) -> bool:
    """True when ``signature`` is Twilio's for this URL and these parameters."""
    if not token or not signature:
        return False
    validator = _validator(token)
    if get_signature_algorithm is None or not settings_header:
        # The common case first, computed once: the URL exactly as Twilio called it.
        # (validate() below always computes two: with and without the default port.)
        expected = validator.compute_signature(url, params).encode()
        if hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            return True
        return bool(validator.validate(url, params, signature))
    algorithm = get_signature_algorithm(settings_header)
    return bool(validator.validate(url, params, signature, algorithm=algorithm))


def sign(token: str, url: str, params: Mapping[str, str]) -> str:
    """What Twilio would send as ``X-Twilio-Signature`` (tests and the benchmark use it)."""
    return str(_validator(token).compute_signature(url, params))
