"""Deleting a contact: ``ringback contacts delete``, the contact page's "Delete…" and
``DELETE /api/v1/contacts/{id}`` all call :func:`ringback.contacts.service.delete_contact`,
which finds the contact in the acting user's scope and hands it to :func:`remove_contact`.

What goes and what stays is the database's own word, read from its foreign keys to
``contacts.id`` as a merge reads them (:func:`ringback.contacts.merge.references`): a row
whose key is ON DELETE CASCADE goes with the contact (numbers, emails, back story,
interactions, tasks, logged attempts, sequences with their steps and unsent drafts,
shares, an opt-out); a row whose key is SET NULL stays, unlinked (voicemails in the
inbox, call reviews). A table a later room adds is counted without this module knowing
it. The counts are of every row, not only those the acting user sees: a note written by
someone the contact is shared with goes too, so it is counted too.

What a foreign key cannot do is done here, so that nothing more is sent to, about or
kept of a forgotten person. A kept row whose model has a ``forget_contact`` hook (a call
review, whose report files name the contact) removes the name through it, before its
link goes; a store that does not answer refuses the deletion (StoreDown). The follow-up
emails of their sequences that were approved but
are still in the mail outbox (queued for a retry, or parked as failed) are dropped from
it. The webhooks whose payload names them (``webhook_deliveries.contact_id``) are
forgotten: those not sent yet are dropped, those sent keep their row (when and where it
went) but not what it said, blanked rather than deleted so the webhooks page keeps its
history (:func:`ringback.outbound.forgetting.forget_deliveries` says why). The API's
stored answers to an ``Idempotency-Key`` that name them (a create's answer is the
contact, an interaction's points at them) are deleted, whoever sent the request: a
retry then makes a new request instead of answering with someone deleted.

The webhooks and stored answers go in the deletion's own transaction; the outbox is files
on disk, so its emails are withdrawn only once that transaction commits
(:func:`ringback.db.after_commit.after_commit`): a deletion that fails leaves the contact
and their queued email both in place.

Only whoever may change the contact's own row deletes it: its owner, or an owner-role
user (:func:`ringback.accounts.scope.may_change`). A user it is merely shared with, or a
manager who sees a rep's contacts, is refused (:class:`OnlyItsOwner`); another rep does
not find it at all (``ContactNotFound``). Every deletion is audited (``contact_delete``,
with the id and the counts, never a name).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, column, delete, func, select, table
from sqlalchemy.orm import Session

from ringback.accounts.idempotency import forget_answers
from ringback.accounts.scope import NotYours, OnlyItsOwner, audit_as_actor, may_change
from ringback.contacts.merge import WHAT, references
from ringback.contacts.models import Contact
from ringback.db.after_commit import after_commit
from ringback.mail.service import withdraw

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.outbound.forgetting import Forgotten

# How rows are named in a deletion's summary (a merge's names, but for these).
NAMES = {
    **WHAT,
    "follow_ups": "tasks",
    "outreach_events": "logged attempts",
    "contact_shares": "shares",
    "call_reviews": "call reviews",
}
WEBHOOKS = "webhook_deliveries"
ANSWERS = "stored API answers"  # an Idempotency-Key's answer naming them
# What a kept row's count is followed by, when it says more than "stays, unlinked".
_KEPT_NOTES = {
    "voicemails": "in the inbox, unlinked: delete {them} there",
    # The review's report files were written with the name: it is replaced there too.
    "call reviews": 'unlinked; the name in {its} report becomes "deleted contact"',
    "sent webhooks": "a record of when and to which CRM; {its} content is erased",
}


def counted(n: int, what: str) -> str:
    """ "1 number", "2 numbers": every name in ``NAMES`` is a plural in -s."""
    return f"{n} {what[:-1] if n == 1 and what.endswith('s') else what}"


@dataclass(frozen=True)
class ContactRemoval:
    """What deleting a contact took with it (or, with ``dry_run``, would take), and what
    stayed, unlinked: (what, how many) pairs, none of them zero."""

    contact_id: int
    name: str
    gone: tuple[tuple[str, int], ...]
    kept: tuple[tuple[str, int], ...]
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        """The ``ringback contacts delete --json`` contract."""
        return {
            "contact": {"id": self.contact_id, "name": self.name},
            "deleted": dict(self.gone),
            "kept": dict(self.kept),
            "dry_run": self.dry_run,
        }

    def gone_words(self) -> str:
        """ "3 back-story items, 12 interactions, 2 open tasks" ("nothing else" if none)."""
        return ", ".join(counted(n, what) for what, n in self.gone) or "nothing else"

    def kept_sentences(self) -> list[str]:
        """What stays, one sentence each, and what leaves the statistics."""
        out = []
        for what, n in self.kept:
            note = _KEPT_NOTES.get(what, "unlinked").format(
                them="them" if n > 1 else "it", its="their" if n > 1 else "its"
            )
            out.append(f"{counted(n, what)} {'stay' if n > 1 else 'stays'} ({note}).")
        attempts = dict(self.gone).get(NAMES["outreach_events"], 0)
        if attempts:
            out.append(
                f"Its {counted(attempts, NAMES['outreach_events'])} and their returns "
                "leave the statistics and what the coach learns from them."
            )
        return out


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(query) or 0)


def _tally(
    session: Session, contact_id: int, settings: Settings
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(gone, kept) for ``contact_id``, counted past the acting user's scope (Core)."""
    gone: list[tuple[str, int]] = []
    kept: list[tuple[str, int]] = []
    for ref in references(session):
        if ref.table == WEBHOOKS:  # not a foreign key's work: see the module docstring
            webhooks = _forget_webhooks(session, contact_id, dry_run=True)
            gone += [("unsent webhooks", webhooks.cancelled)] if webhooks.cancelled else []
            kept += [("sent webhooks", webhooks.erased)] if webhooks.erased else []
            continue
        rows = table(ref.table, column(ref.column), column("done_at"))
        count = select(func.count()).select_from(rows).where(rows.c[ref.column] == contact_id)
        if ref.table == "follow_ups":  # open and done tasks are two different losses
            found = [
                ("open tasks", _count(session, count.where(rows.c.done_at.is_(None)))),
                ("done tasks", _count(session, count.where(rows.c.done_at.is_not(None)))),
            ]
        else:
            what = NAMES.get(ref.table, ref.table.replace("_", " "))
            found = [(what, _count(session, count))]
        if ref.table == "followup_sequences":
            found.append(("unsent drafts", _drafts(session, contact_id)))
            queued = withdraw(settings, _approved_mail(session, contact_id), dry_run=True)
            found.append(("queued emails", queued))
        target = gone if ref.on_delete == "CASCADE" else kept
        target += [(w, n) for w, n in found if n]
    answers = _forget_answers(session, contact_id, dry_run=True)
    return gone + ([(ANSWERS, answers)] if answers else []), kept


def _drafts(session: Session, contact_id: int) -> int:
    """The drafted emails of the contact's sequences, written and never approved."""
    steps = table("followup_steps", column("sequence_id"), column("status"))
    sequences = table("followup_sequences", column("id"), column("contact_id"))
    theirs = select(sequences.c.id).where(sequences.c.contact_id == contact_id)
    query = select(func.count()).select_from(steps)
    return _count(
        session, query.where(steps.c.sequence_id.in_(theirs), steps.c.status == "drafted")
    )


def _approved_mail(session: Session, contact_id: int) -> list[str]:
    """The outbox keys of the contact's sequence emails that were approved (handed to the
    outbox), sent or not: the outbox knows which are still waiting."""
    steps = table("followup_steps", column("sequence_id"), column("mail_key"))
    sequences = table("followup_sequences", column("id"), column("contact_id"))
    theirs = select(sequences.c.id).where(sequences.c.contact_id == contact_id)
    query = select(steps.c.mail_key).where(
        steps.c.sequence_id.in_(theirs), steps.c.mail_key.is_not(None)
    )
    return [str(key) for key in session.scalars(query)]


def names_contact(answer: Any, contact_id: int) -> bool:
    """Whether an API answer (JSON) names the contact anywhere in it: is their record (an
    ``id`` with ``name`` and ``phones``, as a create answers it), or points at them
    (``contact_id``, ``contact: {"id": …}``), as a logged interaction, a capture or a
    queued call review answers."""

    def it(value: Any) -> bool:  # an id, not a bool that compares equal to 1
        return type(value) is int and value == contact_id

    if isinstance(answer, list):
        return any(names_contact(item, contact_id) for item in answer)
    if not isinstance(answer, dict):
        return False
    is_record = it(answer.get("id")) and "name" in answer and "phones" in answer
    linked = answer.get("contact")
    linked = linked.get("id") if isinstance(linked, dict) else linked
    if is_record or it(answer.get("contact_id")) or it(linked):
        return True
    return any(names_contact(value, contact_id) for value in answer.values())


def _forget_answers(session: Session, contact_id: int, *, dry_run: bool) -> int:
    """The API's stored Idempotency-Key answers that name the contact (every user's)."""
    return forget_answers(session, lambda body: names_contact(body, contact_id), dry_run=dry_run)


def _forget_webhooks(session: Session, contact_id: int, *, dry_run: bool) -> Forgotten:
    from ringback.outbound.forgetting import forget_deliveries

    return forget_deliveries(session, contact_id=contact_id, dry_run=dry_run)


def _forget_in_kept_rows(session: Session, contact: Contact, settings: Settings) -> None:
    """A row that stays, unlinked, may hold the contact's name where no foreign key
    reaches (a call review's report files): its model's ``forget_contact`` hook, if it
    has one, removes it while the row still points at the contact. The models are found
    in the registry, as the references are found in the schema: no domain imported."""
    from ringback.accounts.owned import class_for_table

    for ref in references(session):
        if ref.on_delete == "CASCADE" or ref.table == WEBHOOKS:
            continue
        hook = getattr(class_for_table(ref.table), "forget_contact", None)
        if hook is not None:
            hook(session, contact_id=contact.id, name=contact.name, settings=settings)


def remove_contact(
    session: Session, contact: Contact, *, settings: Settings, dry_run: bool = False
) -> ContactRemoval:
    """Delete ``contact`` (found by the caller, in the session's scope) and everything that
    goes with it (see the module docstring); audited. With ``dry_run``, only count (what
    a confirmation shows). Raises OnlyItsOwner, StoreDown."""
    if not may_change(session, contact):
        raise OnlyItsOwner(
            "only its owner can delete this contact",
            "ask its owner to delete it, or stop sharing it with you",
        )
    gone, kept = _tally(session, contact.id, settings)
    result = ContactRemoval(contact.id, contact.name, tuple(gone), tuple(kept), dry_run)
    if dry_run:
        return result
    mail = _approved_mail(session, contact.id)
    _forget_webhooks(session, contact.id, dry_run=False)
    _forget_in_kept_rows(session, contact, settings)
    # One statement; the database's ON DELETE rules do the rest (rows the actor does not
    # see included), and the scope's write limit applies to it as to any ORM DELETE.
    deleted = session.execute(delete(Contact).where(Contact.id == contact.id))
    if getattr(deleted, "rowcount", 1) != 1:  # deleted meanwhile by another request
        raise NotYours("no such contact")
    session.expire_all()  # the children loaded with it are gone too
    _forget_answers(session, contact.id, dry_run=False)
    # The outbox is on disk, outside the transaction: only once the deletion has
    # committed, so that a refused or failed one (its mail still theirs) sends on.
    after_commit(session, partial(withdraw, settings, mail))
    detail = {"contact": contact.id, "deleted": dict(gone), "kept": dict(kept)}
    audit_as_actor(session, "contact_delete", detail)
    session.flush()
    return result
