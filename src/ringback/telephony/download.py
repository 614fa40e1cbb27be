"""Fetching a recording from the provider: basic auth, a size cap, retries with backoff.

Twilio announces a recording a moment before every edge serves it, so a 404 right after
the callback is normal and is retried, like timeouts, dropped connections, 429 and 5xx.
Wrong credentials (401/403) cannot get better by waiting and fail at once. A recording
over the size cap is refused without reading the rest of it.

The credentials go only to Twilio's API hosts (``RINGBACK_TWILIO_API_HOSTS``): a signed
callback can still name any URL (a compromised or misconfigured account, a replayed test
request), and the account SID and auth token open the whole account. A URL on another
host is refused before any request is made; a redirect from Twilio to its storage (a
pre-signed URL) is followed without them.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from ringback.hosts import host_allowed, host_patterns

log = logging.getLogger("ringback.telephony.download")

CHUNK = 64 * 1024
MAX_REDIRECTS = 5
# Twilio's REST API hosts: api.twilio.com, api.<region>.twilio.com and
# api.<edge>.<region>.twilio.com (twilio.com/docs/global-infrastructure). ``*`` is one label.
DEFAULT_API_HOSTS = ("api.twilio.com", "api.*.twilio.com", "api.*.*.twilio.com")


class DownloadError(Exception):
    """The recording could not be fetched. ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False, attempts: int = 1) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.attempts = attempts


class RecordingTooLarge(DownloadError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"recording is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit "
            "(RINGBACK_MAX_UPLOAD_MB)",
            permanent=True,
        )
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    content_type: str
    attempts: int


@runtime_checkable
class RecordingDownloader(Protocol):
    """Fetches one recording to ``dest``; raises :class:`DownloadError` when it cannot."""

    def fetch(self, recording_url: str, dest: Path) -> Downloaded: ...


def wav_url(recording_url: str) -> str:
    """Twilio's RecordingUrl has no extension; ``.wav`` asks for the WAV rendition."""
    path = urlsplit(recording_url).path
    if path.lower().endswith((".wav", ".mp3")):
        return recording_url
    parts = urlsplit(recording_url)
    return parts._replace(path=parts.path + ".wav").geturl()


def check_url(url: str, api_hosts: Iterable[str] = DEFAULT_API_HOSTS) -> None:
    """Refuse, before any request, a URL the credentials must not go to: not http(s), on a
    host that is not one of ``api_hosts``, or plain http except to this machine (tests, a
    local relay). The reason names the host, never the credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DownloadError(f"not an http(s) URL: {url[:200]!r}", permanent=True, attempts=0)
    host = parts.hostname
    if parts.username is not None or "\\" in parts.netloc:
        raise DownloadError(
            f"refusing a recording URL with a login in it ({host})", permanent=True, attempts=0
        )
    if not host_allowed(host, api_hosts):
        raise DownloadError(
            f"refusing to send the Twilio credentials to {host}: not a Twilio API host "
            "(the hosts allowed are set by RINGBACK_TWILIO_API_HOSTS)",
            permanent=True,
            attempts=0,
        )
    if parts.scheme == "http" and not _loopback(host):
        raise DownloadError(
            f"refusing to send credentials over plain http to {host}", permanent=True, attempts=0
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpRecordingDownloader:
    """The real downloader: httpx with HTTP basic auth (account SID, auth token), sent only
    to ``api_hosts`` over TLS (or to this machine)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_hosts: Iterable[str] = DEFAULT_API_HOSTS,
        attempts: int = 5,
        timeout: float = 30.0,
        backoff: float = 2.0,
        max_bytes: int = 200 << 20,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        login = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._authorization = f"Basic {login}"
        self.api_hosts = host_patterns(api_hosts)
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.sleep = sleep

    def fetch(self, recording_url: str, dest: Path) -> Downloaded:
        url = wav_url(recording_url)
        check_url(url, self.api_hosts)
        last: DownloadError | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                size, content_type = self._once(url, dest)
                return Downloaded(dest, size, content_type, attempt)
            except DownloadError as exc:
                exc.attempts = attempt
                if exc.permanent:
                    raise
                last = exc
                log.warning("recording download attempt %d/%d: %s", attempt, self.attempts, exc)
            if attempt < self.attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        assert last is not None
        raise DownloadError(
            f"gave up after {self.attempts} attempts: {last}", attempts=self.attempts
        )

    def _credentials(self, request: Any) -> None:
        """Run for every request, each redirect included: the credentials go with it only
        to an allowed API host; a hop to plain http elsewhere is refused outright."""
        host = request.url.host
        if request.url.scheme != "https" and not _loopback(host):
            raise DownloadError(f"refusing a redirect to plain http on {host}", permanent=True)
        if host_allowed(host, self.api_hosts):
            request.headers["Authorization"] = self._authorization
        else:  # e.g. Twilio's pre-signed storage URL: it needs no credentials
            request.headers.pop("Authorization", None)

    def _once(self, url: str, dest: Path) -> tuple[int, str]:
        import httpx

        tmp = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                httpx.Client(
                    timeout=self.timeout,
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                    event_hooks={"request": [self._credentials]},
                ) as client,
                client.stream("GET", url) as response,
            ):
                status = response.status_code
                if status in (401, 403):
                    raise DownloadError(
                        f"HTTP {status}: the provider refused the credentials "
                        "(check RINGBACK_TWILIO_ACCOUNT_SID and RINGBACK_TWILIO_AUTH_TOKEN)",
                        permanent=True,
                    )
                if status != 200:
                    raise DownloadError(f"HTTP {status} from {urlsplit(url).hostname}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise RecordingTooLarge(int(declared), self.max_bytes)
                size = 0
                with open(tmp, "wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise RecordingTooLarge(size, self.max_bytes)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if size == 0:
                    raise DownloadError("the provider sent an empty recording")
                os.replace(tmp, dest)
                return size, response.headers.get("content-type", "audio/wav")
        except httpx.TimeoutException as exc:
            raise DownloadError(
                f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise DownloadError(f"{type(exc).__name__}: {exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
