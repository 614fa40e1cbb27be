"""The facts of one voicemail as one frozen record, from extraction to the inbox.

:class:`MessageFacts` is what the pipeline's extract stage produces and what the email,
the callback task, ``inbox show`` and ``inbox capture`` read. It becomes JSON in two
places only: where it is stored (the ``Voicemail.facts`` column and the extract stage's
row, :meth:`MessageFacts.to_json`) and where it is printed (the ``--json`` output of
``voicemail analyze`` and ``inbox show``, whose keys are that same JSON).

A record read back from JSON writes back exactly the keys it was read with: a row stored
before a key existed (``callback_extension`` came late) keeps its shape when a resumed
pipeline stores it again, and a partial record (a test's stub extractor) stays partial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ringback.extract.callback import NumberCheck
from ringback.mail.model import MentionedDate

#: A time the caller named: the words said and what they mean (ISO 8601). The email's
#: own type, so the facts' dates go into the email as they are.
FactDate = MentionedDate


@dataclass(frozen=True)
class MessageFacts:
    """Everything read from one message, in the order its JSON keys are written."""

    callback_number: str | None = None  # E.164
    callback_number_confidence: float = 0.0
    caller_name: str | None = None
    company: str | None = None
    emails: tuple[str, ...] = ()
    dates: tuple[FactDate, ...] = ()
    amounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    summary: str = ""
    urgent: bool = False
    is_prospect: bool = False
    callback_extension: str | None = None  # "ext. 12" said with the number
    # When the caller asked to be called back (ISO 8601; a date alone when only a day was
    # said); the summary, the task's due time and the invite take their time from it.
    callback_at: str | None = None
    # Beyond the analyze contract: what the inbox and the callback task need.
    callback_number_source: str | None = None  # "spoken", "caller_id"...
    intent: str = "message"
    asks_callback: bool = False
    callback_due: datetime | None = None
    callback_due_text: str | None = None
    # The callback number against the caller ID when they differ: which one is used, the
    # other, and the sentence that says why (JSON: {used, other, reason, edits, near, used_is}).
    number_check: NumberCheck | None = None
    line: str | None = None  # "prospect" when called on the prospect line, else absent
    # How sure the name and company are (``extract.people.UNSURE_FACT`` is the line):
    # below it they are shown "(unsure)" and not written into a contact until captured.
    # None: read from a row stored before these keys existed, taken as sure.
    caller_name_confidence: float | None = None
    company_confidence: float | None = None
    # The JSON keys this record was read from (None: made here, every key is written).
    read_keys: frozenset[str] | None = field(default=None, compare=False, repr=False)

    @property
    def unsure_name(self) -> bool:
        """The name came from a weak cue: shown "(unsure)", not stored as fact."""
        return _unsure(self.caller_name, self.caller_name_confidence)

    @property
    def unsure_company(self) -> bool:
        """The company came from a weak cue: shown "(unsure)", not stored as fact."""
        return _unsure(self.company, self.company_confidence)

    @property
    def sure_name(self) -> str | None:
        """The name when it may be written into a contact without asking."""
        return None if self.unsure_name else self.caller_name

    @property
    def sure_company(self) -> str | None:
        """The company when it may be written into a contact without asking."""
        return None if self.unsure_company else self.company

    @property
    def untranscribed(self) -> bool:
        """Speech the model could not transcribe: listen to the audio instead."""
        from ringback.speech.legibility import UNTRANSCRIBED_INTENT

        return self.intent == UNTRANSCRIBED_INTENT

    def to_json(self) -> dict[str, Any]:
        """The stored (and printed) form: plain JSON values, keys in field order."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "read_keys" or not self._writes(f.name):
                continue
            value = getattr(self, f.name)
            if f.name == "dates":
                value = [d.to_json() for d in value]
            elif isinstance(value, NumberCheck):
                value = value.to_json()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            out[f.name] = value
        return out

    def _writes(self, name: str) -> bool:
        if self.read_keys is not None:
            return name in self.read_keys
        return name != "line" or self.line is not None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MessageFacts:
        """The record stored as ``data``; keys it does not know are ignored."""
        known = {f.name for f in fields(cls)} - {"read_keys"}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for name in ("emails", "amounts", "addresses"):
            if name in values:
                values[name] = tuple(str(v) for v in values[name] or ())
        if "dates" in values:
            values["dates"] = tuple(
                FactDate(str(d.get("text", "")), str(d.get("iso", "")))
                for d in values["dates"] or ()
                if isinstance(d, Mapping)
            )
        if "number_check" in values:
            values["number_check"] = _number_check(values["number_check"])
        if values.get("callback_due"):
            values["callback_due"] = datetime.fromisoformat(str(values["callback_due"]))
        for name in ("caller_name_confidence", "company_confidence"):
            if values.get(name) is not None:
                values[name] = float(values[name])
        if "callback_number_confidence" in values:
            values["callback_number_confidence"] = float(values["callback_number_confidence"] or 0)
        for name in ("urgent", "is_prospect", "asks_callback"):
            if name in values:
                values[name] = bool(values[name])
        if "summary" in values:
            values["summary"] = str(values["summary"] or "")
        return cls(**values, read_keys=frozenset(values))


def _unsure(value: str | None, confidence: float | None) -> bool:
    from ringback.extract.people import UNSURE_FACT

    return bool(value) and confidence is not None and confidence < UNSURE_FACT


def _number_check(data: Any) -> NumberCheck | None:
    if not isinstance(data, Mapping) or not data.get("used") or not data.get("other"):
        return None
    edits = data.get("edits")
    return NumberCheck(
        str(data["used"]),
        str(data["other"]),
        str(data.get("reason") or ""),
        int(edits) if isinstance(edits, int | float) else 0,
        bool(data.get("near")),
        "caller_id" if data.get("used_is") == "caller_id" else "heard",
    )


def as_facts(value: MessageFacts | Mapping[str, Any] | None) -> MessageFacts | None:
    """``value`` as a record: the frozen values that carry facts take JSON (a row's column,
    a stage's stored output) as readily as a record, and always hold a record."""
    if value is None or isinstance(value, MessageFacts):
        return value
    return MessageFacts.from_json(value)


def facts_json(value: MessageFacts | None) -> dict[str, Any] | None:
    return value.to_json() if value is not None else None
