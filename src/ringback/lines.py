"""Which of your numbers a call came in on: the personal line or a prospect line.

Seed 003: inbound prospects ("people you don't know who are calling you to find
something out") deserve "a specific process (and probably a specific number)". A number
listed in ``RINGBACK_PROSPECT_NUMBERS`` is a prospect line; every other number is
personal; and so is a team line added with ``ringback lines add NUMBER --prospect``,
whose numbers the callers read from the database (``accounts.lines.prospect_numbers``)
and hand in, this floor reading no database. Lookups are cached: the voice webhook asks
on every call.

Ground floor: the telephony webhooks, the voicemail pipeline, call analysis and the web
app all ask which line a number is, so none of them owns the answer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.config import Settings


class LineKind(enum.StrEnum):
    PERSONAL = "personal"
    PROSPECT = "prospect"


def normalise(raw: str | None, region: str) -> str | None:
    """E.164 when the number parses, else its digits (a short code, an extension), else None."""
    from ringback.phones import digits, e164_or_none

    text = (raw or "").strip()
    return e164_or_none(text, region) or digits(text) or None


@lru_cache(maxsize=64)
def _prospect_set(numbers: str, region: str) -> frozenset[str]:
    found = (normalise(part, region) for part in numbers.replace(";", ",").split(","))
    return frozenset(n for n in found if n)


@lru_cache(maxsize=4096)
def _kind(number: str | None, numbers: str, region: str) -> LineKind:
    if not number or not numbers.strip():
        return LineKind.PERSONAL
    normal = normalise(number, region)
    return LineKind.PROSPECT if normal in _prospect_set(numbers, region) else LineKind.PERSONAL


def line_kind(
    to_number: str | None, settings: Settings, team_prospects: frozenset[str] = frozenset()
) -> LineKind:
    """The kind of line ``to_number`` (the number the caller dialled) is: a prospect line
    when RINGBACK_PROSPECT_NUMBERS lists it or it is in ``team_prospects`` (the team's
    lines of kind prospect, E.164), else personal."""
    kind = _kind(to_number, settings.prospect_numbers, settings.default_region)
    if kind is LineKind.PROSPECT or not (team_prospects and to_number):
        return kind
    normal = _normal(to_number, settings.default_region)
    return LineKind.PROSPECT if normal in team_prospects else LineKind.PERSONAL


@lru_cache(maxsize=4096)
def _normal(number: str, region: str) -> str | None:
    return normalise(number, region)


def recorded_line(meta: Mapping[str, Any] | None) -> str | None:
    """The line kind stored with a message (its ``source_meta["line"]``), if any."""
    value = (meta or {}).get("line")
    return value if value in {k.value for k in LineKind} else None


@dataclass(frozen=True)
class CalledLine:
    """The number a message was left on, and the line kind recorded with it when it was
    stored (None for a message stored before kinds were recorded)."""

    number: str | None
    recorded: str | None = None

    @classmethod
    def of(cls, to_number: str | None, meta: Mapping[str, Any] | None) -> CalledLine:
        """A stored message's: its ``to_number`` and its ``source_meta``."""
        return cls(to_number, recorded_line(meta))


def message_line(called: CalledLine | None, settings: Settings) -> LineKind:
    """The line a stored message was left on: a prospect line when it was recorded as one
    when stored (a team's prospect line, or a call Twilio answered as one), else as
    RINGBACK_PROSPECT_NUMBERS says (so messages stored before the kind was recorded read
    as they always did)."""
    if called is None:
        return LineKind.PERSONAL
    if called.recorded == LineKind.PROSPECT:
        return LineKind.PROSPECT
    return line_kind(called.number, settings)


def prospect_line_numbers(settings: Settings) -> frozenset[str]:
    return _prospect_set(settings.prospect_numbers, settings.default_region)


def addresses(values: Iterable[str]) -> list[str]:
    return [addr for _, addr in getaddresses([v for v in values if v]) if "@" in addr]


def notify_recipients(settings: Settings, line: LineKind | str) -> tuple[str, ...]:
    """Who is emailed about a message on this line: the prospect address for a prospect
    line (when set), else nobody in particular (the mail default: SMTP_TO, owner)."""
    if LineKind(line) is LineKind.PROSPECT:
        return tuple(addresses([settings.prospect_notify_to]))
    return ()


def greetings_dir(data_dir: Path) -> Path:
    """Where the greetings are stored: ``<data_dir>/greetings``."""
    return Path(data_dir) / "greetings"


def greeting_stem(line: LineKind | str, user_id: int | None = None) -> str:
    """Where under ``greetings/`` a greeting lives, without its extension: ``personal``
    for the install's (the first owner's, as before teams), ``users/<id>/personal`` for
    a user's own. Keyed by the user's id, never their email (which can change)."""
    kind = LineKind(line)
    return str(kind) if user_id is None else f"users/{int(user_id)}/{kind}"


def greeting_path(data_dir: Path, line: LineKind | str, user_id: int | None = None) -> Path:
    """The greeting recorded for ``line`` (whether or not there is one yet): the
    install's, or with ``user_id`` that user's own.

    ``ringback.telephony.greetings`` writes and serves it; call analysis reads the personal
    line's as the owner's voice, so the place is settled here, not in either of them."""
    return greetings_dir(data_dir) / f"{greeting_stem(line, user_id)}.wav"
