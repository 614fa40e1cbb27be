"""A provider's recording callback, inside the webhook: parsed, then recorded once.

:func:`parse_recording_callback` reads Twilio's RecordingStatusCallback (and what our
own URL carried) into a :class:`RecordingEvent`; :func:`accept` records it, a unique row
per RecordingSid, in one short statement, so the webhook can answer at once. Its own room
apart from :mod:`ringback.telephony.service`, which works the accepted rows in the
background (download, store, the inbox pipeline): this is what the web request waits on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.lines import LineKind, line_kind
from ringback.telephony.models import RecordingStatus, TelephonyRecording

if TYPE_CHECKING:
    from ringback.config import Settings

SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
REQUIRED = ("RecordingSid", "RecordingUrl")


class MissingParams(ValueError):
    """The callback lacks what is needed to fetch the recording (answered 400)."""


@dataclass(frozen=True)
class RecordingEvent:
    """A RecordingStatusCallback, parsed: Twilio's parameters plus what our URL carried."""

    recording_sid: str
    recording_url: str
    provider_status: str = "completed"
    call_sid: str | None = None
    account_sid: str | None = None
    duration: int | None = None
    from_number: str | None = None
    to_number: str | None = None
    caller_name: str | None = None
    line: LineKind = LineKind.PERSONAL
    intake: str | None = None
    started_at: datetime | None = None
    params: Mapping[str, str] = field(default_factory=dict)


def _clean(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").split())[:limit]
    return text or None


def parse_recording_callback(
    params: Mapping[str, str],
    query: Mapping[str, str],
    settings: Settings,
    team_prospects: frozenset[str] = frozenset(),
) -> RecordingEvent:
    """The event, or :class:`MissingParams` naming what is missing or malformed.
    ``team_prospects``: the team's prospect lines, as :func:`ringback.lines.line_kind`."""
    missing = [name for name in REQUIRED if not (params.get(name) or "").strip()]
    if missing:
        raise MissingParams(f"missing {', '.join(missing)}")
    sid = params["RecordingSid"].strip()
    if not SID.match(sid):
        raise MissingParams(f"RecordingSid {sid[:40]!r} is not a recording SID")
    url = params["RecordingUrl"].strip()
    if not url.startswith(("https://", "http://")) or len(url) > 1024:
        raise MissingParams("RecordingUrl is not an http(s) URL")
    duration_text = (params.get("RecordingDuration") or "").strip()
    started = None
    if params.get("RecordingStartTime"):
        try:
            started = parsedate_to_datetime(params["RecordingStartTime"])
        except (TypeError, ValueError):
            started = None
        if started is not None and started.tzinfo is None:
            started = None
    to_number = _clean(query.get("to") or params.get("To"), 40)
    line = line_kind(to_number, settings, team_prospects) if to_number else _line(query.get("line"))
    return RecordingEvent(
        recording_sid=sid,
        recording_url=url,
        provider_status=(params.get("RecordingStatus") or "completed").strip().lower()[:20],
        call_sid=_clean(params.get("CallSid"), 64),
        account_sid=_clean(params.get("AccountSid"), 64),
        duration=int(duration_text) if duration_text.isdigit() else None,
        from_number=_clean(query.get("from") or params.get("From"), 40),
        to_number=to_number,
        caller_name=_clean(query.get("caller") or params.get("CallerName"), 200),
        line=line,
        intake=_clean(query.get("intake"), 2000),
        started_at=started,
        params=dict(params),
    )


def _line(value: str | None) -> LineKind:
    try:
        return LineKind(value or "personal")
    except ValueError:
        return LineKind.PERSONAL


def _upsert_insert(dialect: str, table: Any) -> Any:
    """The dialect's INSERT with ON CONFLICT support (SQLite and PostgreSQL spell it alike)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table)


def accept(event: RecordingEvent, url: str) -> tuple[int, bool]:
    """Record the callback; (row id, created). A known RecordingSid changes nothing."""
    values: dict[str, Any] = {
        "provider": "twilio",
        "recording_sid": event.recording_sid,
        "call_sid": event.call_sid,
        "account_sid": event.account_sid,
        "recording_url": event.recording_url,
        "provider_status": event.provider_status,
        "duration": event.duration,
        "from_number": event.from_number,
        "to_number": event.to_number,
        "caller_name": event.caller_name,
        "line": str(event.line),
        "intake": event.intake,
        "params": dict(event.params),
        "status": RecordingStatus.RECEIVED,
        "attempts": 0,
        "received_at": event.started_at or utcnow(),
    }
    # One statement, no read first: INSERT ... ON CONFLICT DO NOTHING. The webhook waits on
    # this write (the SID must be durable before Twilio hears 2xx), so it is kept short.
    table = TelephonyRecording.__table__
    with transaction(url) as session:
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            values.setdefault("updated_at", utcnow())
            statement = (
                _upsert_insert(dialect, table)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["recording_sid"])
                .returning(table.c.id)
            )
            new_id = session.execute(statement).scalar()
            if new_id is not None:
                return int(new_id), True
        else:  # any other backend: the plain way
            try:
                with session.begin_nested():
                    row = TelephonyRecording(**values)
                    session.add(row)
                    session.flush()
                    return row.id, True
            except IntegrityError:
                pass
        known = session.scalar(
            select(TelephonyRecording.id).where(
                TelephonyRecording.recording_sid == event.recording_sid
            )
        )
    if known is None:
        raise RuntimeError(f"recording {event.recording_sid} vanished while being recorded")
    return known, False
