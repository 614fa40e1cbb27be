"""Deleting a voicemail: the row, its stage rows, its recording, its unsent webhooks.

One function, :func:`delete_voicemail` (its own module, next to ``service.py`` whose
lookups it uses), that the CLI (``ringback inbox delete``), the web page and the API
(``DELETE /api/v1/voicemails/{id}``) all call. What goes: the message and how the
pipeline went (its stage rows); the recording in the store (the data folder or the object
store) and any spooled copy of it in the data folder, unless another message has the same
bytes (the store is content-addressed); the ``voicemail.processed`` webhooks not delivered
yet, and what those already delivered carried (the caller's name, number and words: the
delivery's row stays as the record that it was sent, see
:func:`ringback.outbound.forgetting.forget_deliveries`); its email if it is still in the
outbox (it carries the transcript and the audio).
What stays, and the record says so: what was captured into
the contact (back story, interactions), the callback task (the link to it was on the
message), the email already sent, and a Twilio recording's row (its ``voicemail_id``
becomes NULL by the foreign key).

Only a finished message is deleted (a running pipeline would write to a row that is gone);
only whoever may write it deletes it (its owner, or an owner-role user). A store that is
down refuses the whole deletion before anything is written: no row goes while its audio
stays. A recording already missing from the store does not block it (it is logged).

The rows (the message, its stages, its webhooks) go in the deletion's own transaction;
the recording's copies and the queued email are outside it, so they are removed only once
that transaction commits (:func:`ringback.db.after_commit.after_commit`): a deletion that
fails (a trigger, a lost connection, the audit row refused) leaves the message, its audio
and its email all in place. What is removed is known before the commit (the store is asked
then, so a store that is down still refuses the deletion): that is what the answer says.
A store that goes down in the moment between that question and the commit leaves the
recording behind, with an error in the log naming it; the message is gone either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from ringback import errors
from ringback.accounts.scope import OnlyItsOwner
from ringback.db.after_commit import after_commit
from ringback.mail.service import withdraw
from ringback.storage import (
    LocalStorage,
    Storage,
    StorageError,
    StorageUnavailable,
    StoreDown,
    storage_from_settings,
)
from ringback.timefmt import plural
from ringback.voicemail.models import FINAL_STATUSES, Voicemail
from ringback.voicemail.service import email_status, get_voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.outbound.forgetting import Forgotten

log = logging.getLogger("ringback.voicemail")
AUDIT_ACTION = "voicemail_delete"


class NotFinished(errors.NotFinished):
    """The message is still being received or processed (409 on the API)."""

    def __init__(self, voicemail_id: int, status: str) -> None:
        hint = "wait until it is processed; `ringback jobs list` shows where it stands"
        super().__init__(f"voicemail #{voicemail_id}", status, hint)


@dataclass(frozen=True)
class DeletedVoicemail:
    """What deleting one message removes (or, ``done`` False, would remove) and keeps."""

    voicemail_id: int
    done: bool
    stages: int  # stage rows
    recordings: int  # copies of the recording removed (the store, a spooled copy)
    recording_missing: bool  # there was a recording, but no copy of it was found
    recording_shared: bool  # kept: another message has the same bytes
    # Its voicemail.processed deliveries: not sent yet (cancelled), sent (payload erased).
    webhooks: Forgotten
    email_cancelled: bool  # its email, still in the outbox, dropped
    kept_contact_id: int | None
    kept_task_id: int | None
    email: str | None  # sent / queued / failed before the deletion, as the outbox knew it
    kept_twilio_recordings: int  # Twilio recording rows, unlinked

    def kept(self) -> list[str]:
        """What stays, in words, for the confirmation."""
        said = []
        if self.kept_contact_id is not None:
            said.append("what was captured into the contact (back story, calls, notes)")
        if self.kept_task_id is not None:
            said.append("the callback task")
        if self.email == "sent":
            said.append("the email already sent (it is in your mailbox)")
        if self.kept_twilio_recordings:
            said.append("the Twilio recording's details (not its audio)")
        return said

    def gone(self) -> list[str]:
        """What goes, in words, for the confirmation."""
        said = ["the message, its transcript and facts", plural(self.stages, "pipeline step")]
        if self.recordings:
            said.append("the recording")
        said += self.webhooks.said()
        if self.email_cancelled or (not self.done and self.email in ("queued", "failed")):
            said.append("its email, not sent yet")
        return said

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.voicemail_id,
            "deleted": self.done,
            "stages": self.stages,
            "recordings": self.recordings,
            "recording_missing": self.recording_missing,
            "recording_shared": self.recording_shared,
            "webhooks_cancelled": self.webhooks.cancelled,
            "webhooks_erased": self.webhooks.erased,
            "email_cancelled": self.email_cancelled,
            "kept": {
                "contact_id": self.kept_contact_id,
                "callback_task_id": self.kept_task_id,
                "email": "sent" if self.email == "sent" else None,
                "twilio_recordings": self.kept_twilio_recordings,
            },
            "says": {"gone": self.gone(), "kept": self.kept()},
        }


def delete_voicemail(
    session: Session,
    *,
    voicemail_id: int,
    settings: Settings,
    store: Storage | None = None,
    dry_run: bool = False,
) -> DeletedVoicemail:
    """Delete message ``voicemail_id`` (``dry_run``: only say what would go and stay).

    Raises :class:`~ringback.voicemail.service.VoicemailNotFound` (another rep's too),
    :class:`OnlyItsOwner`, :class:`NotFinished`, :class:`StoreDown`."""
    from ringback.accounts.scope import may_change

    row = get_voicemail(session, voicemail_id)
    if not may_change(session, row):
        raise OnlyItsOwner(
            f"voicemail #{voicemail_id} is not yours: only its owner can delete it",
            "ask its owner (or an owner of this Ringback) to delete it",
        )
    if row.status not in FINAL_STATUSES:
        raise NotFinished(voicemail_id, str(row.status).replace("_", " "))
    store = store or storage_from_settings(settings)
    copies, shared = _copies(session, row, store, LocalStorage(settings.data_dir))
    planned = _plan(session, row, settings, len(copies), shared)
    if dry_run:
        return planned
    try:
        store.reachable()
        found = [(where, key) for where, key in copies if where.exists(key)]
    except StorageUnavailable as exc:
        raise StoreDown(exc) from None
    if copies and not found:
        log.warning("voicemail %s: its recording was already gone from storage", voicemail_id)
    # Its email if still queued or parked as failed (the outbox's word): the commit drops it.
    mail = [row.email_key] if row.email_key and planned.email != "sent" else []
    email = withdraw(settings, mail, dry_run=True) > 0
    webhooks = _forget_webhooks(session, row, dry_run=False)
    session.delete(row)
    session.flush()
    # Files, objects and the outbox are outside the transaction: touched only once it has
    # committed, so that a deletion that fails leaves the message whole.
    after_commit(
        session,
        partial(_remove_outside, voicemail_id, found, mail, settings),
    )
    done = replace(
        planned,
        done=True,
        recordings=len(found),
        recording_missing=bool(copies) and not found,
        webhooks=webhooks,
        email_cancelled=email,
    )
    _audit(session, done)
    return done


def _remove_outside(
    voicemail_id: int, copies: list[tuple[Storage, str]], mail: list[str], settings: Settings
) -> None:
    """After the commit: drop the queued email (first: it must never be sent now), then
    the recording's copies. A copy that cannot be removed is logged with where it is (the
    message is gone already, and the answer said so)."""
    withdraw(settings, mail)
    for where, key in copies:
        try:
            where.delete(key)
        except StorageError as exc:
            log.error(
                "voicemail %s was deleted but its recording %s is still in %s (%s): remove it"
                " by hand once the store answers",
                voicemail_id,
                key,
                where.describe(),
                exc,
            )


def _audit(session: Session, done: DeletedVoicemail) -> None:
    """The audit event: ids and counts only, never what the message said."""
    from ringback.accounts.scope import audit_as_actor

    detail = {
        "voicemail": done.voicemail_id,
        "stages": done.stages,
        "recordings": done.recordings,
        "webhooks_cancelled": done.webhooks.cancelled,
        "webhooks_erased": done.webhooks.erased,
    }
    audit_as_actor(session, AUDIT_ACTION, detail)


def _copies(
    session: Session, row: Voicemail, store: Storage, spool: LocalStorage
) -> tuple[list[tuple[Storage, str]], bool]:
    """Where the recording is kept: (store, key) for the store and, with an object store,
    the spool copy in the data folder; and whether it stays because another message (any
    user's) has the same bytes, the store being content-addressed."""
    location = row.original_path
    if not location:
        return [], False
    key = store.key_of(location) or spool.key_of(location)
    if key is None:
        log.warning("voicemail %s: its recording %s is in no store", row.id, location)
        return [], False
    # Core, not the ORM: another user's message with the same bytes counts too.
    table = Voicemail.__table__
    same = select(func.count()).where(table.c.original_path == location, table.c.id != row.id)
    if session.execute(same).scalar():
        return [], True
    return [(store, key), *([(spool, key)] if store.remote else [])], False


def _forget_webhooks(session: Session, row: Voicemail, *, dry_run: bool) -> Forgotten:
    """Its ``voicemail.processed`` deliveries: those not sent yet dropped, the payloads of
    those sent erased (``dry_run``: counted)."""
    from ringback.outbound.forgetting import forget_deliveries
    from ringback.outbound.service import VOICEMAIL_PROCESSED

    ids = [row.uid, str(row.id)] if row.uid else [str(row.id)]
    return forget_deliveries(session, event=VOICEMAIL_PROCESSED, event_ids=ids, dry_run=dry_run)


def _plan(
    session: Session, row: Voicemail, settings: Settings, copies: int, shared: bool
) -> DeletedVoicemail:
    """What deleting ``row`` would remove and keep, before anything is removed."""
    # SQL text: telephony imports this domain, not the other way round (and it counts
    # another user's row too, which the foreign key unlinks all the same).
    linked = text("SELECT count(*) FROM telephony_recordings WHERE voicemail_id = :id")
    return DeletedVoicemail(
        voicemail_id=row.id,
        done=False,
        stages=len(row.stages),
        recordings=copies,
        recording_missing=False,
        recording_shared=shared,
        webhooks=_forget_webhooks(session, row, dry_run=True),
        email_cancelled=False,
        kept_contact_id=row.contact_id,
        kept_task_id=row.callback_task_id,
        email=email_status(settings, row.email_key),
        kept_twilio_recordings=int(session.execute(linked, {"id": row.id}).scalar() or 0),
    )
