"""Is this caller someone we know? By phone first, then by name and company.

A voicemail's caller arrives with a number (the caller ID, or digits heard in the message,
which the recogniser may have got a digit or two wrong) and, when they said so, a name and
a company, spelled however the transcript spelled them ("Karen Lopes", "karen lopez",
"Lopez Realty Group"). Matching only on the number made a second "Karen Lopez" whenever
one digit was misheard; matching on anything less than a number risks filing a stranger
under a client. So a match is graded:

- **strong**: the same name and the same company, or the same name and a number a digit
  or two from one on file. The message is filed under that contact.
- **probable**: the same name alone, or a close name with the same company or a near
  number. Nothing is filed: the caller is kept apart and a merge is proposed.

Similarity is RapidFuzz's ``token_sort_ratio`` (0–100) on lower-cased words, so word
order and case never matter. The thresholds, and why:

- :data:`SAME_NAME` 88: one letter wrong in a first-and-last name scores 90–95 ("karen
  lopes" / "karen lopez" 91, "jon smith" / "john smith" 95) while two different people
  sharing a first name score far lower ("karen lopez" / "karen lewis" 73).
- :data:`CLOSE_NAME` 75: a missing or doubled letter in each word, or a nickname's
  worth of difference; only ever *probable*, and only with a second cue.
- :data:`SAME_COMPANY` 85, after dropping words that say what kind of company it is
  ("group", "inc", "llc", "the"): "Lopez Realty" / "Lopez Realty Group" become equal,
  "Lopez Realty" / "Lopes Realty" score 92, while "Acme Realty" / "Lopez Realty" stay at 70.
- :data:`NEAR_DIGITS` 2: the number check in ``extract.callback`` calls a number a digit or
  two from the caller ID a mishearing; the same line is used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.contacts.models import Contact, ContactPhone

SAME_NAME = 88
CLOSE_NAME = 75
SAME_COMPANY = 85
NEAR_DIGITS = 2
MAX_MATCHES = 5

_GENERIC = frozenset(
    [
        "the",
        "group",
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "co",
        "corp",
        "corporation",
        "company",
        "and",
        "&",
        "of",
    ]
)
_WORD = re.compile(r"[a-z0-9']+")
# Names a contact gets when the caller gave none: never evidence that two callers match.
_PLACEHOLDER = re.compile(r"^(?:unknown caller|[\d\s+().\-]+)$", re.IGNORECASE)

Strength = Literal["strong", "probable"]


@dataclass(frozen=True)
class ContactMatch:
    """An existing contact the caller may be: how strongly, and the cues in words."""

    contact_id: int
    name: str
    company: str | None
    strength: Strength
    score: float  # 0–100, the name's similarity (100 for a number on file)
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "name": self.name,
            "company": self.company,
            "strength": self.strength,
            "score": round(self.score, 1),
            "reasons": list(self.reasons),
        }


def _words(text: str | None, *, drop: frozenset[str] = frozenset()) -> str:
    return " ".join(w for w in _WORD.findall((text or "").lower()) if w not in drop)


def is_placeholder(name: str | None) -> bool:
    """A name Ringback gave a caller who gave none ("Unknown caller", their number)."""
    return not name or not name.strip() or bool(_PLACEHOLDER.match(name.strip()))


def name_similarity(a: str | None, b: str | None) -> float:
    """0–100: how alike two people's names are, whatever the case or word order."""
    left, right = _words(a), _words(b)
    if not left or not right or is_placeholder(a) or is_placeholder(b):
        return 0.0
    return float(fuzz.token_sort_ratio(left, right))


def company_similarity(a: str | None, b: str | None) -> float:
    """0–100: how alike two company names are, ignoring "Group", "Inc" and the like."""
    left, right = _words(a, drop=_GENERIC), _words(b, drop=_GENERIC)
    if not left or not right:
        return 0.0
    return float(fuzz.token_sort_ratio(left, right))


def digits_apart(a: str, b: str) -> int:
    """How many digits one E.164 number is from another (an edit: changed, added, lost)."""
    return int(Levenshtein.distance(a.lstrip("+"), b.lstrip("+")))


def grade(
    contact: Contact, *, name: str | None, company: str | None, phone: str | None
) -> ContactMatch | None:
    """How ``contact`` matches a caller who gave this name, company and number; None when
    it does not."""
    numbers = [p.e164 for p in contact.phones]
    if phone and phone in numbers:
        return ContactMatch(
            contact.id, contact.name, contact.company, "strong", 100.0, ("same number",)
        )
    named = name_similarity(name, contact.name)
    firm = company_similarity(company, contact.company)
    near = [n for n in numbers if phone and digits_apart(n, phone) <= NEAR_DIGITS]
    reasons: list[str] = []
    if named >= SAME_NAME:
        reasons.append("same name" if named == 100 else f"name alike ({named:.0f}%)")
    elif named >= CLOSE_NAME:
        reasons.append(f"name close ({named:.0f}%)")
    if firm >= SAME_COMPANY:
        reasons.append("same company" if firm == 100 else f"company alike ({firm:.0f}%)")
    if near:
        reasons.append(f"number a digit or two from {near[0]}")
    strong = named >= SAME_NAME and (firm >= SAME_COMPANY or bool(near))
    probable = named >= SAME_NAME or (named >= CLOSE_NAME and (firm >= SAME_COMPANY or near))
    if not (strong or probable):
        return None
    strength: Strength = "strong" if strong else "probable"
    return ContactMatch(contact.id, contact.name, contact.company, strength, named, tuple(reasons))


def probable_matches(
    session: Session, *, name: str | None, company: str | None, phone: str | None
) -> tuple[ContactMatch, ...]:
    """The contacts a caller (name, company, E.164 number; any may be None) may be, the
    strongest first: a contact holding the number, then name-and-company matches."""
    if phone:
        holders = session.scalars(
            select(Contact)
            .join(ContactPhone, ContactPhone.contact_id == Contact.id)
            .where(ContactPhone.e164 == phone)
            .order_by(Contact.id)
        ).all()
        if holders:
            return tuple(
                m for c in holders if (m := grade(c, name=name, company=company, phone=phone))
            )[:MAX_MATCHES]
    if not _words(name) or is_placeholder(name):
        return ()  # without a name there is nothing but the number to know them by
    # Names are compared on plain rows; only the few close enough are loaded whole.
    close = [
        cid
        for cid, other in session.execute(select(Contact.id, Contact.name))
        if name_similarity(name, other) >= CLOSE_NAME
    ]
    found = [
        m
        for c in session.scalars(select(Contact).where(Contact.id.in_(close[:200])))
        if (m := grade(c, name=name, company=company, phone=phone))
    ]
    found.sort(key=lambda m: (m.strength != "strong", -m.score, m.contact_id))
    return tuple(found[:MAX_MATCHES])
