"""Contact operations. Keyword-only functions that take a Session and never commit themselves:
the caller's :func:`ringback.db.session.transaction` decides, so a failure writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Unpack

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ringback.contacts.editing import (
    CHUNK,
    NewContact,
    add_back_story,
    add_contact,
    apply_edit,
)
from ringback.contacts.matching import ContactMatch
from ringback.contacts.matching import probable_matches as _probable_matches
from ringback.contacts.merge import MergeResult, merge_into
from ringback.contacts.merge import SameContact as SameContact
from ringback.contacts.models import (
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.contacts.records import (
    BackStoryRecord,
    ContactChoice,
    ContactDetail,
    ContactList,
    ContactListing,
    ContactRecord,
    EditedContact,
    LastInteraction,
)
from ringback.contacts.removal import ContactRemoval, remove_contact
from ringback.contacts.removal import OnlyItsOwner as OnlyItsOwner
from ringback.contacts.search import contacts_matching, escape_like
from ringback.inputs import as_id
from ringback.phones import digits, to_e164

if TYPE_CHECKING:
    from ringback.config import Settings


class ContactNotFound(LookupError):
    """No contact is named by what was given (or, as :class:`AmbiguousContact`, several)."""


class AmbiguousContact(ContactNotFound):
    """A name (or shared phone or email) that picks out more than one contact."""

    def __init__(self, ref: str, candidates: Sequence[tuple[int, str]], total: int) -> None:
        self.candidates = list(candidates)  # (id, name), the first few by id
        listed = ", ".join(f"{cid} {name}" for cid, name in self.candidates)
        more = f" and {total - len(self.candidates)} more" if total > len(self.candidates) else ""
        super().__init__(f"{ref!r} matches {total} contacts ({listed}{more}); use the id")


def summary(*, url: str) -> dict[str, Any]:
    from ringback.db.session import transaction

    with transaction(url) as session:
        return {
            "contacts": session.scalar(select(func.count()).select_from(Contact)) or 0,
            "open_follow_ups": session.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.done_at.is_(None))
            )
            or 0,
        }


def _loaded() -> Any:
    return (
        selectinload(Contact.phones),
        selectinload(Contact.emails),
        selectinload(Contact.back_story),
        selectinload(Contact.interactions),
        selectinload(Contact.follow_ups),
    )


def _ids_by_phone(session: Session, text: str, region: str) -> list[int]:
    try:
        e164 = to_e164(text, region)
    except ValueError:
        return []
    return list(session.scalars(select(ContactPhone.contact_id).where(ContactPhone.e164 == e164)))


def get_contact(session: Session, *, ref: str | int, region: str) -> Contact:
    """The one resolver of "which contact": by id, phone, email or name, for every command
    and (next) the web. Raises ContactNotFound saying why, or AmbiguousContact listing the
    candidates with their ids.

    A name may be partial ("bill") as long as it picks out exactly one contact; a short
    digit string is an id, a long one a phone number typed bare.
    """
    text = str(ref).strip().lstrip("#")
    if not text:
        raise ContactNotFound("no contact given")
    # Short digit strings are ids; long ones are more likely phone numbers typed bare.
    if text.isdigit() and len(text) < 7:
        return contact_by_id(session, as_id(text) or 0)
    ids: list[int] = []
    if "@" in text:
        ids = list(
            session.scalars(
                select(ContactEmail.contact_id).where(ContactEmail.address == text.lower())
            )
        )
    elif len(digits(text)) >= 7:
        ids = _ids_by_phone(session, text, region)
        row_id = as_id(text) if not ids else None  # None: beyond any id, so not one
        if row_id is not None:
            contact = session.get(Contact, row_id, options=_loaded())
            if contact is not None:
                return contact
    if not ids:
        ids = list(
            session.scalars(select(Contact.id).where(func.lower(Contact.name) == text.lower()))
        )
    if not ids and "@" not in text:
        ids = list(
            session.scalars(
                select(Contact.id).where(
                    func.lower(Contact.name).like(f"%{escape_like(text.lower())}%", escape="\\")
                )
            )
        )
    unique = sorted(set(ids))
    if not unique:
        # Said so that a script passing a name or number where an id was meant learns why.
        raise ContactNotFound(
            f"no contact matches {text[:40]!r} (not a contact id, name, email or phone)"
        )
    if len(unique) > 1:
        query = select(Contact.id, Contact.name).where(Contact.id.in_(unique[:5]))
        raise AmbiguousContact(
            text, sorted((cid, name) for cid, name in session.execute(query)), len(unique)
        )
    return contact_by_id(session, unique[0])


def contact_by_id(session: Session, contact_id: int) -> Contact:
    """The contact with this id, loaded as :func:`get_contact` returns it (ContactNotFound
    if none): for callers that hold an id, not something a person typed."""
    contact = session.get(Contact, contact_id, options=_loaded()) if contact_id else None
    if contact is None:
        raise ContactNotFound(f"no contact with id {contact_id}")
    return contact


def find_by_phone(session: Session, *, numbers: Iterable[str]) -> Contact | None:
    """The contact who holds one of these E.164 numbers, asked in order (caller ID before a
    number said, say); of contacts sharing a number, the oldest. None when nobody does.

    The one place a caller is recognised by number: voicemail, telephony and tracking ask
    here instead of reading the phones table themselves."""
    for number in numbers:
        found = session.scalars(
            select(ContactPhone.contact_id)
            .where(ContactPhone.e164 == number)
            .order_by(ContactPhone.contact_id)
        ).first()
        if found is not None:
            return session.get(Contact, found)
    return None


def get_or_create_by_phone(
    session: Session,
    *,
    numbers: Sequence[tuple[str, str]],
    name: str | None,
    company: str | None = None,
    is_lead: bool = False,
) -> tuple[Contact, bool]:
    """The contact holding one of these (E.164, label) numbers, else a new one with all of
    them (named ``name``, or "Unknown caller"); returns (contact, created). A caller who
    phones from an unknown number is not checked for duplicates by email: they gave none."""
    found = find_by_phone(session, numbers=[n for n, _ in numbers])
    if found is not None:
        return found, False
    contact = Contact(
        name=(name or "Unknown caller")[:200],
        company=company or None,
        is_lead=is_lead,
        phones=[ContactPhone(e164=n, label=label) for n, label in numbers],
    )
    session.add(contact)
    session.flush()
    return contact, True


def add_known_numbers(
    session: Session,
    *,
    contact: Contact,
    phones: Iterable[tuple[str, str]] = (),
    emails: Iterable[tuple[str, str]] = (),
) -> None:
    """Give ``contact`` the (E.164, label) phones and (address, label) emails it does not
    have yet: how a caller's numbers and the address they spelled reach their record."""
    have = {p.e164 for p in contact.phones}
    for number, label in phones:
        if number not in have:
            contact.phones.append(ContactPhone(e164=number, label=label))
            have.add(number)
    mails = {e.address for e in contact.emails}
    for raw, label in emails:
        address = raw.strip().lower()
        if address and address not in mails:
            contact.emails.append(ContactEmail(address=address, label=label))
            mails.add(address)
    session.flush()


def create_contact(session: Session, **fields: Unpack[NewContact]) -> ContactRecord:
    """Add a contact (see :func:`add_contact`: nothing is written if any value is bad)."""
    return ContactRecord.of(add_contact(session, **fields))


def edit_contact(
    session: Session,
    *,
    ref: str | int,
    fields: dict[str, str | None],
    add_phones: Sequence[str] = (),
    remove_phones: Sequence[str] = (),
    add_emails: Sequence[str] = (),
    remove_emails: Sequence[str] = (),
    region: str,
    allow_duplicate: bool = False,
) -> EditedContact:
    """Change the contact ``ref`` names (id, name, email or phone); returns it and what
    changed, in words. Raises ContactNotFound, or ValueError before writing anything."""
    contact = get_contact(session, ref=ref, region=region)
    changes = apply_edit(
        session,
        contact=contact,
        fields=fields,
        phones=(add_phones, remove_phones),
        emails=(add_emails, remove_emails),
        region=region,
        allow_duplicate=allow_duplicate,
    )
    return EditedContact(ContactRecord.of(contact), tuple(changes))


def show_contact(
    session: Session, *, ref: str | int, region: str, recent: int = 10
) -> ContactDetail:
    """The contact ``ref`` names with its back story, its ``recent`` latest interactions
    and its open follow-ups (ContactNotFound if none)."""
    return ContactDetail.of(get_contact(session, ref=ref, region=region), recent=recent)


def note_back_story(
    session: Session,
    *,
    ref: str | int,
    kind: BackStoryKind | str,
    text: str,
    source: str | None = None,
    noted_on: date | None = None,
    phrase: str | None = None,
    region: str,
) -> BackStoryRecord:
    """Add a back-story item to the contact ``ref`` names (ContactNotFound if none);
    ``phrase`` is what messages say for it, when the user wrote one."""
    contact = get_contact(session, ref=ref, region=region)
    item = add_back_story(
        session,
        contact=contact,
        kind=kind,
        text=text,
        source=source,
        noted_on=noted_on,
        phrase=phrase,
    )
    return BackStoryRecord.of(item, contact)


def list_contacts(
    session: Session, *, search: str | None = None, region: str, limit: int | None = None
) -> ContactList:
    """Contacts by name (those ``search`` finds: :func:`contacts_matching`, a phone read
    as ``region``'s), each with its last interaction, and how many matched."""
    query = select(Contact.id).where(contacts_matching(query=search or "", region=region))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = (
        select(Contact)
        .where(Contact.id.in_(query))
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
        .order_by(func.lower(Contact.name), Contact.id)
    )
    if limit:
        ordered = ordered.limit(limit)
    contacts = list(session.scalars(ordered))
    last = _last_interactions(session, [c.id for c in contacts])
    listed = tuple(ContactListing(ContactRecord.of(c), last.get(c.id)) for c in contacts)
    return ContactList(listed, total)


def _last_interactions(session: Session, ids: list[int]) -> dict[int, LastInteraction]:
    """Each contact's latest interaction, notes aside, in a few queries."""
    last: dict[int, LastInteraction] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Interaction.contact_id, Interaction.occurred_at, Interaction.kind)
            .where(Interaction.contact_id.in_(ids[start : start + CHUNK]))
            # A note (typed or imported) is not a moment with the person.
            .where(Interaction.kind != InteractionKind.NOTE)
            .order_by(Interaction.occurred_at)
        )
        for cid, when, kind in rows:
            last[cid] = LastInteraction(when, kind.value)
    return last


def probable_matches(
    session: Session, *, name: str | None, company: str | None, phone: str | None
) -> tuple[ContactMatch, ...]:
    """The contacts a caller may be, strongest first ("strong": file under it; "probable":
    propose a merge); see :mod:`ringback.contacts.matching` for the thresholds."""
    return _probable_matches(session, name=name, company=company, phone=phone)


def merge_contacts(
    session: Session, *, keep_id: int, merge_id: int, dry_run: bool = False
) -> MergeResult:
    """Merge contact ``merge_id`` into ``keep_id`` (ids: the interface resolves what a
    person typed with :func:`get_contact`): its numbers, emails, back story, interactions, follow-ups,
    voicemails and sequences move, then it is removed. ``dry_run`` only counts. Raises
    ContactNotFound, or SameContact (a ValueError) when both name one contact."""
    keep = contact_by_id(session, keep_id)
    merge = contact_by_id(session, merge_id)
    return merge_into(session, keep=keep, merge=merge, dry_run=dry_run)


def contact_choices(session: Session, *, limit: int) -> tuple[ContactChoice, ...]:
    """The first ``limit`` contacts in :func:`list_contacts`' order, as a picker offers them:
    one query on three columns (a picker needs no phones, emails or last interaction,
    which cost a 500-contact Coach page 140 ms with 10,000 contacts)."""
    rows = session.execute(
        select(Contact.id, Contact.name, Contact.company)
        .order_by(func.lower(Contact.name), Contact.id)
        .limit(limit)
    )
    return tuple(ContactChoice(id, name, company or "") for id, name, company in rows)


def delete_contact(
    session: Session, *, contact_id: int, settings: Settings, dry_run: bool = False
) -> ContactRemoval:
    """Delete contact ``contact_id`` (a command resolves a name or phone to it first) with
    everything that goes with it (its approved emails still in the outbox, and what its
    webhooks said, too); its voicemails and call reviews stay, unlinked
    (:mod:`ringback.contacts.removal`). ``dry_run`` only counts. Raises ContactNotFound
    (another rep's contact is not there) or OnlyItsOwner (a ValueError)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(f"no contact with id {contact_id}")
    return remove_contact(session, contact, settings=settings, dry_run=dry_run)
