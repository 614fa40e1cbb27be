"""``ringback voicemail analyze``: one recording in, the facts out, nothing stored.

The output is the evaluation contract of issue 3 (keys fixed, order fixed); it is built
by the same transcriber and extractor the inbox pipeline uses, so a benchmark of this
command measures what users get.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.config import Settings

CONTRACT_KEYS = (
    "transcript",
    "duration",
    "callback_number",
    "callback_number_confidence",
    "caller_name",
    "company",
    "emails",
    "dates",
    "amounts",
    "addresses",
    "summary",
    "urgent",
    "is_prospect",
    "callback_extension",  # added last: the keys before it keep their order
)


class BadAudio(ValueError):
    """The file is missing or is not audio we can decode; the message says which."""


def parse_time(raw: str | None, settings: Settings) -> datetime:
    """ISO 8601 date-time; without a zone it is in the user's timezone. None/"now" = now."""
    from ringback.contacts.fields import check_year

    now = datetime.now(settings.tz)
    if raw is None or raw.strip().lower() in ("", "now"):
        return now
    try:
        value = datetime.fromisoformat(raw.strip())  # 3.11: "2026-11-23 14:05", "...Z" too
    except ValueError:
        raise ValueError(
            f"cannot read the time {raw!r}; use ISO 8601, e.g. 2026-11-23T14:05 or "
            "2026-11-23T14:05-05:00"
        ) from None
    check_year(value, raw)
    return value if value.tzinfo else value.replace(tzinfo=settings.tz)


def decode_file(path: Path) -> Any:
    """16 kHz samples of ``path``, or :class:`BadAudio` saying what is wrong with it."""
    from ringback.speech import AudioDecodeError
    from ringback.speech.audio import decode

    if not path.exists():
        raise BadAudio(f"no such file: {path}")
    if not path.is_file():
        raise BadAudio(f"not a file: {path}")
    try:
        return decode(path)
    except AudioDecodeError as exc:
        raise BadAudio(f"{path.name} is not usable audio: {exc.reason}") from None


def analyze_file(
    path: Path,
    settings: Settings,
    *,
    caller_id: str | None = None,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """The contract dict for one recording (plus nothing else)."""
    from ringback.voicemail.adapters import FactsExtractor, speech_engine

    samples = decode_file(Path(path))
    engine = speech_engine(settings)
    transcript = engine.transcribe(samples)
    when = received_at or datetime.now(settings.tz)
    facts = FactsExtractor(settings, engine).extract_audio(
        transcript,
        audio=samples,
        caller_id=caller_id,
        received_at=when,
        duration=transcript.duration,
    )
    out: dict[str, Any] = {
        "transcript": transcript.text,
        "duration": round(float(transcript.duration), 2),
    }
    stored = facts.to_json()  # printed exactly as an inbox message stores it
    out.update({key: stored[key] for key in CONTRACT_KEYS[2:]})
    return out
