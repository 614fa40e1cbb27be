"""``ringback voicemail analyze`` and ``extract``: a recording or a transcript in, the
facts out, nothing stored.

The output is the evaluation contract of issue 3 (keys fixed, order fixed); it is built
by the same transcriber and extractor the inbox pipeline uses, so a benchmark of this
command measures what users get. ``extract`` reads a transcript made elsewhere (a
carrier's or a PBX's voicemail-to-text) with the same extractor and prints the same keys.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.voicemail.facts import MessageFacts

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
    "callback_extension",  # added late: the keys before it keep their order
    "callback_at",
)


# A transcript read whole: some 40,000 words, hours of speech, far past any voicemail;
# bounds what a wrong file (a log, a database dump) can cost.
MAX_TRANSCRIPT_BYTES = 256 * 1024


class BadAudio(ValueError):
    """The file is missing or is not audio we can decode; the message says which."""


class BadTranscript(ValueError):
    """The transcript cannot be used (empty, unreadable, too large); the message says why."""


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
    return contract(transcript.text, round(float(transcript.duration), 2), facts)


def contract(transcript: str, duration: float | None, facts: MessageFacts) -> dict[str, Any]:
    """The printed keys, in order: the facts exactly as an inbox message stores them."""
    stored = facts.to_json()
    out: dict[str, Any] = {"transcript": transcript, "duration": duration}
    out.update({key: stored[key] for key in CONTRACT_KEYS[2:]})
    return out


def read_transcript(text: str | None, path: Path | None) -> str:
    """The transcript given as ``text`` or in the file ``path`` (exactly one of them), or
    :class:`BadTranscript`. A FIFO or a device is refused without reading from it."""
    from ringback.inputs import InputFileError, read_input_file

    if (text is None) == (path is None):
        raise BadTranscript("give the transcript once: --text TEXT or --file FILE")
    if path is not None:
        if path.is_dir():
            raise BadTranscript(f"{path} is a directory, not a file")
        try:
            if path.is_file() and path.stat().st_size > MAX_TRANSCRIPT_BYTES:
                raise BadTranscript(_too_long(str(path)))
            data = read_input_file(path, limit=MAX_TRANSCRIPT_BYTES)
        except InputFileError as exc:
            raise BadTranscript(str(exc)) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadTranscript(f"{path} is not UTF-8 text; save the transcript as UTF-8") from None
    assert text is not None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TRANSCRIPT_BYTES:
        raise BadTranscript(_too_long("the transcript"))
    if not text.strip():
        raise BadTranscript("the transcript is empty; pass the words of the message")
    return text


def _too_long(what: str) -> str:
    return f"{what} is over {MAX_TRANSCRIPT_BYTES // 1024} KB, longer than any voicemail"


def analyze_text(
    text: str,
    settings: Settings,
    *,
    caller_id: str | None = None,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """The contract dict for a transcript made elsewhere: the same extractor as the
    inbox, from the text alone (no audio, so ``duration`` is null)."""
    from ringback.speech.types import Transcript
    from ringback.voicemail.adapters import FactsExtractor

    when = received_at or datetime.now(settings.tz)
    facts = FactsExtractor(settings).extract(
        Transcript(text.strip()), caller_id=caller_id, received_at=when
    )
    return contract(text.strip(), None, facts)
