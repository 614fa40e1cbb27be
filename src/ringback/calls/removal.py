"""Deleting a call review: the row, its comments, the recording, the review's files, its
``call.reviewed`` webhooks.

One function, :func:`delete_review`, that the CLI (``ringback call delete``), the review
page's "Delete…" and the API (``DELETE /api/v1/calls/{id}``) all call. What goes: the
review and the managers' comments on it; the uploaded recording in the data folder and,
with an object store, in the bucket, unless another review has the same bytes (uploads are
kept once per SHA-256); the review's folder (``calls/reviews/<id>/``: ``review.json``
with the transcript word by word, the Markdown and HTML reports, the timeline picture and
the proposals) here and in the bucket; the ``call.reviewed`` webhooks not sent yet, and
what those already sent said (the delivery's row stays as the record that it was sent,
see :func:`ringback.outbound.forgetting.forget_deliveries`). What stays: the contact, and
whatever was accepted from the review into it (back story, follow-ups, the call on its
timeline), which the contact's own page deletes.

Only a finished review (done or failed) is deleted: the worker would write the result of
a running one into a folder that is gone. Only its owner, or an owner-role user, deletes
it (a manager who sees it is refused; another rep does not find it). A store that does
not answer refuses the deletion before anything is written. Audited
(``call_review_delete``: ids and counts, never a name or a word of the call).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from ringback.accounts.scope import OnlyItsOwner, audit_as_actor, may_change
from ringback.calls.models import CallReview, CallReviewComment
from ringback.calls.reviews import ReviewNotFound, Status
from ringback.errors import NotFinished
from ringback.storage import Mirror, Storage, StorageUnavailable, StoreDown
from ringback.timefmt import plural

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.outbound.forgetting import Forgotten

__all__ = ["AUDIT_ACTION", "DeletedReview", "OnlyItsOwner", "StillAnalysing", "StoreDown"]

log = logging.getLogger("ringback.calls.reviews")
AUDIT_ACTION = "call_review_delete"
Copies = list[tuple[Storage, str]]


class StillAnalysing(NotFinished):
    """The review is queued or being analysed (409 on the API)."""

    def __init__(self, review_id: int, status: str) -> None:
        hint = "wait until the analysis is done or has failed (its page shows how far it is)"
        super().__init__(f"call review #{review_id}", status, hint)


@dataclass(frozen=True)
class DeletedReview:
    """What deleting one review removes (or, ``done`` False, would remove) and keeps."""

    review_id: int
    done: bool
    comments: int
    recordings: int  # copies of the recording removed (the data folder, the bucket)
    recording_shared: bool  # kept: another review has the same bytes
    recording_missing: bool  # it had a recording, but no copy of it was found
    files: int  # the review's files removed: transcript, reports, picture, proposals
    webhooks: Forgotten
    kept_contact_id: int | None

    def gone(self) -> list[str]:
        """What goes, in words, for the confirmation."""
        said = ["the review, its transcript and measurements"]
        if self.files:
            said.append(plural(self.files, "stored review file"))
        if self.recordings:
            said.append("the recording")
        if self.comments:
            said.append(plural(self.comments, "comment"))
        said += self.webhooks.said()
        return said

    def kept(self) -> list[str]:
        """What stays, in words."""
        said = []
        if self.recording_shared:
            said.append("the recording (another call review has the same audio)")
        if self.kept_contact_id is not None:
            said.append("the contact, and what was added to it from this call")
        return said

    def as_json(self) -> dict[str, Any]:
        """The ``ringback call delete --json`` contract."""
        return {
            "id": self.review_id,
            "deleted": self.done,
            "comments": self.comments,
            "recordings": self.recordings,
            "recording_shared": self.recording_shared,
            "recording_missing": self.recording_missing,
            "files": self.files,
            "webhooks_cancelled": self.webhooks.cancelled,
            "webhooks_erased": self.webhooks.erased,
            "kept": {"contact_id": self.kept_contact_id},
            "says": {"gone": self.gone(), "kept": self.kept()},
        }


def deletable(session: Session, review_id: int) -> CallReview:
    """The review the session's user may delete: ReviewNotFound (none, or another rep's),
    OnlyItsOwner (seen, not theirs: a manager's team's), StillAnalysing."""
    row = session.get(CallReview, review_id)
    if row is None:
        raise ReviewNotFound(f"no call review {review_id}")
    if not may_change(session, row):
        raise OnlyItsOwner(
            f"call review #{review_id} is not yours: only its owner can delete it",
            "ask its owner (or an owner of this Ringback) to delete it",
        )
    if row.status in (Status.QUEUED, Status.RUNNING):
        word = "waiting to be analysed" if row.status == Status.QUEUED else "being analysed"
        raise StillAnalysing(review_id, word)
    return row


def delete_review(
    session: Session,
    *,
    review_id: int,
    settings: Settings,
    mirror: Mirror | None = None,
    dry_run: bool = False,
) -> DeletedReview:
    """Delete review ``review_id`` (``dry_run``: only say what would go and stay).

    Raises ReviewNotFound, OnlyItsOwner, StillAnalysing, StoreDown."""
    row = deletable(session, review_id)
    mirror = mirror or Mirror.for_settings(settings)
    shared = _shared(session, row)
    try:
        mirror.store.reachable()
        recording = [] if shared else _existing(mirror, mirror.key_of(row.original_path))
        files = _existing_under(mirror, folder_key(review_id))
    except StorageUnavailable as exc:
        raise StoreDown(exc) from None
    had_recording = bool(row.original_path) and not shared
    planned = DeletedReview(
        review_id=row.id,
        done=False,
        comments=_comments(session, row.id),
        recordings=len(recording),
        recording_shared=shared,
        recording_missing=had_recording and not recording,
        files=len(files),
        webhooks=_forget_webhooks(session, row.id, dry_run=True),
        kept_contact_id=row.contact_id,
    )
    if dry_run:
        return planned
    webhooks = _forget_webhooks(session, row.id, dry_run=False)
    session.delete(row)  # its comments go by the foreign key (ON DELETE CASCADE)
    session.flush()  # the row goes first: a refused write leaves the files in place
    try:
        for where, key in [*recording, *files]:
            where.delete(key)
    except StorageUnavailable as exc:  # down between the check and now: roll back
        raise StoreDown(exc) from None
    shutil.rmtree(mirror.here.path(folder_key(review_id).rstrip("/")), ignore_errors=True)
    if planned.recording_missing:
        log.warning("call review %s: its recording was already gone from storage", review_id)
    done = replace(planned, done=True, webhooks=webhooks)
    _audit(session, done)
    return done


def folder_key(review_id: int) -> str:
    """The storage key prefix of a review's files (``uploads.reviews_dir``'s layout)."""
    return f"calls/reviews/{review_id}/"


def _shared(session: Session, row: CallReview) -> bool:
    """Whether another review (any user's: Core, past the scope) has the same recording."""
    table = CallReview.__table__
    same = or_(
        table.c.original_sha256 == row.original_sha256,
        table.c.original_path == row.original_path,
    )
    count = select(func.count()).where(same, table.c.id != row.id)
    return bool(session.execute(count).scalar())


def _places(mirror: Mirror) -> list[Storage]:
    """Where a stored file may be: the data folder and, with an object store, the bucket."""
    return [mirror.here, mirror.store] if mirror.remote else [mirror.here]


def _existing(mirror: Mirror, key: str | None) -> Copies:
    if key is None:
        return []
    return [(where, key) for where in _places(mirror) if where.exists(key)]


def _existing_under(mirror: Mirror, prefix: str) -> Copies:
    return [(where, key) for where in _places(mirror) for key in where.list(prefix)]


def _comments(session: Session, review_id: int) -> int:
    table = CallReviewComment.__table__
    count = select(func.count()).where(table.c.review_id == review_id)
    return int(session.execute(count).scalar() or 0)


def _forget_webhooks(session: Session, review_id: int, *, dry_run: bool) -> Forgotten:
    """Its ``call.reviewed`` deliveries: those not sent yet dropped, the payloads of those
    sent erased (``dry_run``: counted)."""
    from ringback.outbound.forgetting import forget_deliveries
    from ringback.outbound.service import CALL_REVIEWED

    return forget_deliveries(
        session, event=CALL_REVIEWED, event_ids=[str(review_id)], dry_run=dry_run
    )


def _audit(session: Session, done: DeletedReview) -> None:
    """The audit event: ids and counts only, never a name or what was said."""
    detail = {
        "review": done.review_id,
        "comments": done.comments,
        "recordings": done.recordings,
        "files": done.files,
        "webhooks_cancelled": done.webhooks.cancelled,
        "webhooks_erased": done.webhooks.erased,
    }
    audit_as_actor(session, AUDIT_ACTION, detail)
