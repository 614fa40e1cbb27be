"""What the contacts service hands its callers: frozen records, never ORM rows.

The command line and the web app get the same typed results; ``as_json()`` is each
command's ``--json`` contract, key for key. Built from loaded rows inside the caller's
transaction, so they stay readable after it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from ringback.contacts.models import BackStoryItem, BackStoryKind, Contact, FollowUp, Interaction
from ringback.db.paging import Limited


def _by_name(record: Any) -> dict[str, Any]:
    """A record whose JSON is just its fields, in order (shallow: values as they are)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def identity_of(contact: Contact) -> dict[str, Any]:
    """Who a contact is and how to reach them, as keywords: the fields that
    :class:`ContactRecord` and the coach's ``ContactProfile`` share, read in one place."""
    return {
        "id": contact.id,
        "name": contact.name,
        "company": contact.company,
        "title": contact.title,
        "phones": tuple(p.e164 for p in contact.phones),
        "emails": tuple(e.address for e in contact.emails),
        "timezone": contact.timezone,
    }


@dataclass(frozen=True)
class ContactRecord:
    """A contact's own fields: phones in E.164, emails lower-cased."""

    id: int
    name: str
    company: str | None
    title: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    timezone: str | None
    owner: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, contact: Contact) -> ContactRecord:
        return cls(
            **identity_of(contact),
            owner=contact.owner,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "company": self.company,
            "title": self.title,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "timezone": self.timezone,
            "owner": self.owner,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def contact_dict(contact: Contact) -> dict[str, Any]:
    """The contact's own fields as plain JSON-ready values."""
    return ContactRecord.of(contact).as_json()


@dataclass(frozen=True)
class EditedContact:
    """A contact after an edit, and what changed, in words."""

    contact: ContactRecord
    changes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.contact.as_json(), "changes": list(self.changes)}


@dataclass(frozen=True)
class LastInteraction:
    at: datetime
    kind: str


@dataclass(frozen=True)
class ContactListing:
    """One line of the contact list: the contact and its latest interaction, if any."""

    contact: ContactRecord
    last: LastInteraction | None

    def as_json(self) -> dict[str, Any]:
        last = {"at": self.last.at, "kind": self.last.kind} if self.last else None
        return {**self.contact.as_json(), "last_interaction": last}


@dataclass(frozen=True)
class ContactChoice:
    """A contact as a picker offers it."""

    id: int
    name: str
    company: str


@dataclass(frozen=True)
class ContactList(Limited[ContactListing]):
    """Contacts by name, and how many matched in all (more than listed under a limit)."""

    def as_json(self) -> list[dict[str, Any]]:
        return [c.as_json() for c in self.items]


@dataclass(frozen=True)
class BackStoryRecord:
    """One back-story item (a goal, challenge, interest or life event) of a contact."""

    id: int
    contact_id: int
    contact: str
    kind: str
    text: str
    source: str | None
    date: date | None
    phrase: str | None = None  # what messages say for it, when the user kept one

    @classmethod
    def of(cls, item: BackStoryItem, contact: Contact) -> BackStoryRecord:
        return cls(
            item.id,
            contact.id,
            contact.name,
            item.kind.value,
            item.text,
            item.source,
            item.noted_on,
            item.phrase,
        )

    def as_json(self) -> dict[str, Any]:
        """The ``ringback contacts story --json`` contract: every field, by its name."""
        return _by_name(self)

    def entry(self) -> dict[str, Any]:
        """As listed under its kind in a contact's detail."""
        return {
            "id": self.id,
            "text": self.text,
            "phrase": self.phrase,
            "source": self.source,
            "date": self.date,
        }


@dataclass(frozen=True)
class InteractionRecord:
    id: int
    contact_id: int
    kind: str
    direction: str
    at: datetime
    outcome: str | None
    text: str | None

    @classmethod
    def of(cls, item: Interaction) -> InteractionRecord:
        return cls(
            item.id,
            item.contact_id,
            item.kind.value,
            item.direction.value,
            item.occurred_at,
            item.outcome,
            item.text,
        )

    def as_json(self) -> dict[str, Any]:
        return _by_name(self)


@dataclass(frozen=True)
class FollowUpRecord:
    id: int
    contact_id: int | None  # None: a task on nobody yet (a missed call from a stranger)
    title: str
    due: datetime | None
    done_at: datetime | None
    updated_at: datetime | None = None  # when it last changed (a sync's updated_since)

    @classmethod
    def of(cls, item: FollowUp) -> FollowUpRecord:
        return cls(item.id, item.contact_id, item.title, item.due_at, item.done_at, item.updated_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "title": self.title,
            "due": self.due,
            "done": self.done_at is not None,
            "done_at": self.done_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class ContactDetail:
    """Everything ``contacts show`` prints: the contact, its back story by kind (every kind,
    empty or not), the most recent interactions (oldest first) and the open follow-ups."""

    contact: ContactRecord
    back_story: dict[str, tuple[BackStoryRecord, ...]] = field(hash=False)
    interactions: tuple[InteractionRecord, ...]
    interaction_count: int
    open_follow_ups: tuple[FollowUpRecord, ...]

    @classmethod
    def of(cls, contact: Contact, *, recent: int = 10) -> ContactDetail:
        story: dict[str, list[BackStoryRecord]] = {kind.value: [] for kind in BackStoryKind}
        for item in contact.back_story:
            story[item.kind.value].append(BackStoryRecord.of(item, contact))
        interactions = sorted(contact.interactions, key=lambda i: i.occurred_at)
        return cls(
            contact=ContactRecord.of(contact),
            back_story={kind: tuple(items) for kind, items in story.items()},
            interactions=tuple(InteractionRecord.of(i) for i in interactions[-recent:]),
            interaction_count=len(interactions),
            open_follow_ups=tuple(
                FollowUpRecord.of(f) for f in contact.follow_ups if f.done_at is None
            ),
        )

    def as_json(self) -> dict[str, Any]:
        """The ``ringback contacts show --json`` contract."""
        return {
            **self.contact.as_json(),
            "back_story": {
                kind: [item.entry() for item in items] for kind, items in self.back_story.items()
            },
            "interactions": [i.as_json() for i in self.interactions],
            "interaction_count": self.interaction_count,
            "open_follow_ups": [f.as_json() for f in self.open_follow_ups],
        }
