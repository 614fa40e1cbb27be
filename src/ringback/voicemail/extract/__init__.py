"""Facts from a voicemail transcript: who, how to reach them, when, how much, where, why.

`extract_facts` is the text half of `ringback voicemail analyze` (issue 3, section 3); the
callback number comes from ringback.voicemail.numbers and is merged by the caller.
Everything is rule-based and deterministic so that a fact is either right or absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ringback.voicemail.extract._text import normalize
from ringback.voicemail.extract.addresses import extract_addresses
from ringback.voicemail.extract.dates import DateMention, extract_dates
from ringback.voicemail.extract.emails import extract_emails
from ringback.voicemail.extract.money import extract_amounts
from ringback.voicemail.extract.people import caller
from ringback.voicemail.extract.signals import is_prospect, is_urgent
from ringback.voicemail.extract.summary import detect_intent, summarize

__all__ = ["DateMention", "VoicemailFacts", "extract_facts"]


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
        }


def extract_facts(transcript: str, *, received_at: datetime, tz: ZoneInfo) -> VoicemailFacts:
    """Extract the facts of one transcript. received_at must be timezone-aware."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    text = transcript or ""
    norm = normalize(text)
    name, company = caller(text)
    dates = extract_dates(norm, received_at, tz)
    found_addresses = extract_addresses(norm)
    original_spans = [(a, norm.span(*span)) for a, span in found_addresses]
    today = received_at.astimezone(tz).date()
    intent, action = detect_intent(text)
    return VoicemailFacts(
        caller_name=name,
        company=company,
        emails=tuple(extract_emails(norm.text)),
        dates=tuple(dates),
        amounts=tuple(extract_amounts(norm.text)),
        addresses=tuple(a for a, _ in found_addresses),
        summary=summarize(text, dates, original_spans, today, action),
        urgent=is_urgent(text),
        is_prospect=is_prospect(text),
        intent=intent,
    )
