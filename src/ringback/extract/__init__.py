"""Reading a transcript (ground floor): facts, dates, and the callback number said in it.

Pure text processing, used by the voicemail pipeline, call analysis (``calls``) and script
rehearsal (``coach``) alike, so none of them reaches into another for it. Import from this
package, not from its modules; the names below are its public API:

- :func:`extract_facts` / :class:`VoicemailFacts`: who, how to reach them, when, how much,
  where, why (the text half of ``ringback voicemail analyze``); rule-based and
  deterministic, so that a fact is either right or absent;
- :func:`normalize` and :func:`extract_dates`: one sentence's dates ("next Tuesday at 3"),
  resolved against when it was said; of these, ``callback_at`` (:mod:`.callback_time`)
  is the one said of a call or a meeting, never an event's ("the closing on the 10th");
- :func:`extract_callback_number` (:mod:`.callback`) and :func:`find_readings`
  (:mod:`.spoken_numbers`, :mod:`.digit_runs`): the phone numbers said, however they were
  said or written. Checking a number against the recording needs Whisper, so that half
  is ``ringback.speech.callback_audio``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ringback.extract._text import Normalized, normalize
from ringback.extract.addresses import extract_addresses
from ringback.extract.callback import NONE, CallbackNumber, extract_callback_number, with_extension
from ringback.extract.callback_time import callback_iso, callback_mention
from ringback.extract.dates import DateMention, extract_dates
from ringback.extract.emails import extract_emails
from ringback.extract.money import extract_amounts
from ringback.extract.people import caller_scored
from ringback.extract.said_digits import mask_said_digits
from ringback.extract.signals import is_prospect, is_urgent
from ringback.extract.spoken_numbers import Reading, find_readings
from ringback.extract.summary import detect_intent, summarize

__all__ = [
    "NONE",
    "CallbackNumber",
    "DateMention",
    "Normalized",
    "Reading",
    "VoicemailFacts",
    "extract_callback_number",
    "extract_dates",
    "extract_facts",
    "find_readings",
    "normalize",
    "with_extension",
]


@dataclass(frozen=True)
class VoicemailFacts:
    caller_name: str | None = None
    company: str | None = None
    emails: tuple[str, ...] = ()
    dates: tuple[DateMention, ...] = ()
    amounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    summary: str = ""
    urgent: bool = False
    is_prospect: bool = False
    intent: str = field(default="message", compare=False)
    # When to call back (one of ``dates``, see :mod:`.callback_time`), or None.
    callback: DateMention | None = field(default=None, compare=False)

    @property
    def callback_at(self) -> str | None:
        """ISO 8601: a date and time, a date alone when only a day was said, or None."""
        return callback_iso(self.callback)

    # How sure the cue for the name and the company was (people.UNSURE_FACT is the line).
    caller_name_confidence: float = field(default=0.0, compare=False)
    company_confidence: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The keys of the `voicemail analyze --json` contract that this module owns."""
        return {
            "caller_name": self.caller_name,
            "company": self.company,
            "emails": list(self.emails),
            "dates": [d.to_dict() for d in self.dates],
            "amounts": list(self.amounts),
            "addresses": list(self.addresses),
            "summary": self.summary,
            "urgent": self.urgent,
            "is_prospect": self.is_prospect,
            "callback_at": self.callback_at,
        }


def extract_facts(transcript: str, *, received_at: datetime, tz: ZoneInfo) -> VoicemailFacts:
    """Extract the facts of one transcript. received_at must be timezone-aware."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    text = transcript or ""
    norm = normalize(text)
    who = caller_scored(text)
    dates = extract_dates(norm, received_at, tz)
    callback = callback_mention(mask_said_digits(norm.text), dates, received_at)
    found_addresses = extract_addresses(norm)
    original_spans = [(a, norm.span(*span)) for a, span in found_addresses]
    today = received_at.astimezone(tz).date()
    intent, action = detect_intent(text)
    return VoicemailFacts(
        caller_name=who.name,
        company=who.company,
        emails=tuple(extract_emails(norm.text)),
        dates=tuple(dates),
        amounts=tuple(extract_amounts(norm.text)),
        addresses=tuple(a for a, _ in found_addresses),
        summary=summarize(text, callback, original_spans, today, action),
        urgent=is_urgent(text),
        is_prospect=is_prospect(text),
        intent=intent,
        callback=callback,
        caller_name_confidence=who.name_confidence,
        company_confidence=who.company_confidence,
    )
