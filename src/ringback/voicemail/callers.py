"""Which contact a message is filed under: by number, then by name and company.

A number on file decides. Otherwise the caller is matched by name and company
(``contacts.matching``): a *strong* match (same name and company, or same name and a
number a digit or two off) files the message under that contact; a *probable* one files it
nowhere and proposes a merge (``inbox capture`` asks; ``contacts merge`` does it), so a
misheard number never makes a second "Karen Lopez" behind the user's back. Only a caller
nobody resembles gets a new contact, named and placed with what extraction is sure of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.voicemail.facts import MessageFacts, as_facts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.contacts.matching import ContactMatch
    from ringback.contacts.models import Contact
    from ringback.voicemail.models import Voicemail


def facts_of(row: Voicemail) -> MessageFacts:
    """The stored facts of a message (empty for one with none: a hang-up, a rejection)."""
    return as_facts(row.facts) or MessageFacts()


def marker(voicemail_id: int) -> str:
    """How tasks and back-story items name the message they came from."""
    return f"voicemail #{voicemail_id}"


def caller_numbers(row: Voicemail, region: str) -> list[tuple[str, str]]:
    """(E.164, label) for the numbers this message came with: caller ID, then the spoken one."""
    from ringback.phones import e164_or_none

    out: list[tuple[str, str]] = []
    said = facts_of(row).callback_number
    for raw, label in ((row.from_number, "caller id"), (said, "callback")):
        number = e164_or_none(raw, region)
        if number and number not in [n for n, _ in out]:
            out.append((number, label))
    return out


def display_name(row: Voicemail, region: str, contact_name: str | None = None) -> str | None:
    """The caller as a person would name them: said name, caller-ID name, the matched
    contact's name, company, number."""
    from ringback.phones import pretty

    facts = facts_of(row)
    said = (facts.caller_name, row.caller_name, contact_name, facts.company)
    for value in said:
        if value and str(value).strip():
            return str(value).strip()
    numbers = caller_numbers(row, region)
    return pretty(numbers[0][0]) if numbers else None


@dataclass(frozen=True)
class Filing:
    """Where a message goes: a contact (and whether it was made now), or none and the
    contacts it may belong to (a merge to propose)."""

    contact: Contact | None
    created: bool = False
    proposed: tuple[ContactMatch, ...] = ()


def matches_for(
    session: Session, row: Voicemail, *, region: str, exclude: int | None = None
) -> tuple[ContactMatch, ...]:
    """The contacts this message's caller may be, strongest first, by each number it came
    with (the heard one may be a digit or two off) and the name and company said."""
    from ringback.contacts.service import probable_matches

    facts = facts_of(row)
    name = facts.caller_name or row.caller_name
    best: dict[int, ContactMatch] = {}
    phones: list[str | None] = [n for n, _ in caller_numbers(row, region)]
    for phone in phones or [None]:
        for match in probable_matches(session, name=name, company=facts.company, phone=phone):
            if facts.unsure_name and match.reasons != ("same number",):
                match = _probable(match)  # an unsure name cannot make a match certain
            held = best.get(match.contact_id)
            if held is None or (held.strength, -held.score) > (match.strength, -match.score):
                best[match.contact_id] = match
    found = [m for cid, m in best.items() if cid != exclude]
    found.sort(key=lambda m: (m.strength != "strong", -m.score, m.contact_id))
    return tuple(found)


def _probable(match: ContactMatch) -> ContactMatch:
    from dataclasses import replace

    return replace(match, strength="probable")


def file_message(
    session: Session, row: Voicemail, *, region: str, lead: bool = False, match: bool = True
) -> Filing:
    """Where ``row`` is filed (see the module docstring); a new contact (a Lead when
    ``lead`` or the message reads as a prospect) only for a caller nobody resembles, and
    none at all when there is nothing to know them by. ``match=False``: the user decided
    the caller is nobody on file, so a probable match no longer holds the contact back."""
    from ringback.contacts.models import Contact, ContactPhone

    if row.contact_id is not None:
        known = session.get(Contact, row.contact_id)
        if known is not None:
            return Filing(known)
    numbers = caller_numbers(row, region)
    facts = facts_of(row)
    if not numbers and not facts.caller_name:
        return Filing(None)
    found = matches_for(session, row, region=region) if match else ()
    if found and found[0].strength == "strong":
        contact = session.get(Contact, found[0].contact_id)
        assert contact is not None
        add_heard_numbers(session, row, contact, region=region)
        return Filing(contact)
    if found:
        return Filing(None, proposed=found)
    contact = Contact(
        name=(_sure_name(row) or display_name(row, region) or "Unknown caller")[:200],
        company=facts.sure_company,
        is_lead=lead or facts.is_prospect,
        phones=[ContactPhone(e164=n, label=label) for n, label in numbers],
    )
    session.add(contact)
    session.flush()
    return Filing(contact, created=True)


def _sure_name(row: Voicemail) -> str | None:
    """What to call a new contact: the name said when extraction is sure of it, else the
    caller-ID name; never a guess written down as fact."""
    facts = facts_of(row)
    return facts.sure_name or row.caller_name or None


def add_heard_numbers(session: Session, row: Voicemail, contact: Contact, *, region: str) -> None:
    """The message's numbers onto ``contact``, labelled with the message they came from,
    except a number *heard* a digit or two from one on file: that is the one on file,
    misheard, and storing it would give the contact a wrong number."""
    from ringback.contacts.matching import NEAR_DIGITS, digits_apart
    from ringback.contacts.service import add_known_numbers

    have = [p.e164 for p in contact.phones]
    keep: list[tuple[str, str]] = []
    for number, label in caller_numbers(row, region):
        misheard = label == "callback" and any(
            0 < digits_apart(number, n) <= NEAR_DIGITS for n in have
        )
        if number not in have and not misheard:
            keep.append((number, f"{label}, {marker(row.id)}"[:40]))
    add_known_numbers(session, contact=contact, phones=keep)


def fill_from_message(row: Voicemail, contact: Contact) -> None:
    """What the user accepted by capturing: a name said (even one extraction was unsure
    of) replaces a placeholder name, and a company fills an empty one."""
    from ringback.contacts.matching import is_placeholder

    facts = facts_of(row)
    if facts.caller_name and is_placeholder(contact.name):
        contact.name = facts.caller_name[:200]
    if facts.company and not contact.company:
        contact.company = facts.company[:200]
