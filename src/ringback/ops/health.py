"""Readiness: can this server do its work right now? A list of named checks.

``/readyz`` runs :data:`CHECKS` (those that apply to the settings) side by side, each
with a short timeout, and answers 503 naming the ones that failed and why. A check is a
function of the settings that returns nothing when the thing it probes answers and
raises otherwise; its message is shown with any URL password masked. A new backend adds
its check with one line in :data:`CHECKS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ringback.redact import redact, url_secrets

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ringback.config import Settings

TIMEOUT_SECONDS = 3.0  # one check's budget: a load balancer's probe must not hang


@dataclass(frozen=True)
class Check:
    """A named probe; ``when`` says whether it applies to these settings."""

    name: str
    probe: Callable[[Settings], None]
    when: Callable[[Settings], bool] = lambda _settings: True


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    error: str | None  # why not, secrets masked; None when ok
    ms: int


@dataclass(frozen=True)
class Readiness:
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "checks": {
                c.name: {"ok": c.ok, "ms": c.ms, **({"error": c.error} if c.error else {})}
                for c in self.checks
            },
        }


# -- the probes ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _probe_engine(url: str) -> Engine:
    """An engine of its own, without a pool, that gives up connecting after the timeout."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    backend = make_url(url).get_backend_name()
    args: dict[str, Any] = {"connect_timeout": int(TIMEOUT_SECONDS)}
    if backend == "sqlite":
        args = {"timeout": TIMEOUT_SECONDS}
    return create_engine(url, poolclass=NullPool, connect_args=args)


def database_reachable(settings: Settings) -> None:
    from sqlalchemy import text

    with _probe_engine(settings.effective_database_url).connect() as conn:
        conn.execute(text("SELECT 1"))


def queue_name(settings: Settings) -> str:
    """Which queue runs the pipeline: ``embedded`` (the default) or ``celery``."""
    return str(getattr(settings, "queue", "embedded") or "embedded")


def uses_broker(settings: Settings) -> bool:
    return queue_name(settings) == "celery"


def broker_reachable(settings: Settings) -> None:
    """Open and close a connection to RINGBACK_BROKER_URL (Redis or RabbitMQ)."""
    url = str(getattr(settings, "broker_url", "") or "")
    if not url:
        raise RuntimeError("RINGBACK_QUEUE=celery but RINGBACK_BROKER_URL is not set")
    try:
        from kombu import Connection
    except ImportError:
        raise RuntimeError("kombu is not installed: pip install 'ringback[workers]'") from None
    options = {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS}
    with Connection(url, connect_timeout=TIMEOUT_SECONDS, transport_options=options) as conn:
        # One try, no retry loop: the probe reports, the caller decides.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)


def has_storage(settings: Settings) -> bool:
    import importlib.util

    return importlib.util.find_spec("ringback.storage") is not None


def storage_reachable(settings: Settings) -> None:
    """The recording store answers (``ringback.storage``'s own reachability check)."""
    import importlib

    storage: Any = importlib.import_module("ringback.storage")
    # reachable() raises with the reason when the store does not answer.
    if not storage.storage_from_settings(settings).reachable():
        raise RuntimeError("the recording storage does not answer")


CHECKS: tuple[Check, ...] = (
    Check("database", database_reachable),
    Check("broker", broker_reachable, when=uses_broker),
    Check("storage", storage_reachable, when=has_storage),
)


# -- running them -------------------------------------------------------------------------


def _secrets(settings: Settings) -> list[str]:
    """Every secret the settings hold (passwords in URLs, secret settings), to mask."""
    from pydantic import SecretStr

    found = url_secrets(settings.effective_database_url)
    for name in type(settings).model_fields:
        raw = getattr(settings, name, None)
        if isinstance(raw, SecretStr):
            found.append(raw.get_secret_value())
        elif isinstance(raw, str) and "://" in raw:
            found += url_secrets(raw)
    return found


def _timed(check: Check, settings: Settings) -> tuple[str | None, int]:
    t0 = time.perf_counter()
    try:
        check.probe(settings)
        error = None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".strip()
    return error, int((time.perf_counter() - t0) * 1000)


def readiness(settings: Settings, checks: Sequence[Check] = CHECKS) -> Readiness:
    """Run the checks that apply, side by side; one that outlasts its budget has failed."""
    wanted = [c for c in checks if c.when(settings)]
    known = _secrets(settings)
    results = []
    pool = ThreadPoolExecutor(max_workers=max(1, len(wanted)), thread_name_prefix="readyz")
    try:
        futures = [(c, pool.submit(_timed, c, settings)) for c in wanted]
        for check, future in futures:
            try:
                error, ms = future.result(timeout=TIMEOUT_SECONDS + 1)
            except FutureTimeout:
                error, ms = f"no answer within {TIMEOUT_SECONDS:g} s", int(TIMEOUT_SECONDS * 1000)
            first = redact(error, known).splitlines()[0][:300] if error else None
            results.append(CheckResult(check.name, error is None, first, ms))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return Readiness(tuple(results))
