"""Call reviews as jobs: an uploaded recording queued, analysed in a worker, and kept.

A review row goes queued -> running -> done (or failed, with the reason and what to do).
The web request only stores the upload and creates the row; the worker process
(``telephony.worker.ProcessJobQueue``) runs :class:`~ringback.calls.review_job.ReviewJob`,
which writes its progress into the row as it goes and leaves the result in
``data_dir/calls/reviews/<id>/``: the report files of ``ringback call report`` plus
``review.json``, what the review page shows. A server that starts and finds rows not
finished queues them again (:func:`resume_unfinished`).

This module holds the review records and what the pages and the API ask of them
(create, list, get, the finished result, its proposals, accepting them); the run in the
worker is :mod:`ringback.calls.review_job`.

Functions taking a Session never commit; each returns frozen records, never rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.calls.models import CallReview
from ringback.db.base import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.calls.uploads import StoredCall
    from ringback.config import Settings
    from ringback.db.paging import Page, Window


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReviewNotFound(LookupError):
    """No such review for this user (another user's review is not found either)."""


@dataclass(frozen=True)
class ReviewRow:
    """A review as the pages see it."""

    id: int
    owner_id: int
    contact_id: int | None
    contact_name: str
    original_name: str
    original_path: Path
    status: str
    progress: float
    stage: str
    error: str
    result_path: Path | None
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        """Done or failed: nothing more will happen to it."""
        return self.status in (Status.DONE, Status.FAILED)

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``ringback call list --json`` entry, times in the user's timezone ``tz``;
        no paths on the server's disk."""
        return {
            "id": self.id,
            "status": self.status,
            "contact": {"id": self.contact_id, "name": self.contact_name or None},
            "recording": self.original_name,
            "error": self.error or None,
            "created_at": self.created_at.astimezone(tz).isoformat(timespec="seconds"),
            "updated_at": self.updated_at.astimezone(tz).isoformat(timespec="seconds"),
        }

    def status_json(self) -> dict[str, Any]:
        """What the upload page polls: status, progress (0-1), stage, error."""
        return {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 3),
            "stage": self.stage,
            "error": self.error,
        }


def review_row(session: Session, row: CallReview) -> ReviewRow:
    """The frozen record of ``row``, with its contact's name (the worker's
    :mod:`ringback.calls.review_job` makes its records the same way)."""
    name = ""
    if row.contact_id is not None:
        from ringback.contacts.models import Contact

        contact = session.get(Contact, row.contact_id)
        name = contact.name if contact else ""
    return _named(row, name)


def _named(row: CallReview, contact_name: str) -> ReviewRow:
    return ReviewRow(
        row.id,
        row.owner_id,
        row.contact_id,
        contact_name,
        row.original_name,
        Path(row.original_path),
        row.status,
        row.progress,
        row.stage,
        row.error,
        Path(row.result_path) if row.result_path else None,
        row.created_at,
        row.updated_at,
    )


def create_review(
    session: Session,
    *,
    owner_id: int,
    stored: StoredCall,
    original_name: str,
    contact_id: int | None = None,
) -> ReviewRow:
    """A queued review of the recording ``stored`` for user ``owner_id``."""
    row = CallReview(
        owner_id=owner_id,
        contact_id=contact_id,
        original_name=original_name[:255],
        original_path=str(stored.path),
        original_sha256=stored.sha256,
        status=Status.QUEUED.value,
        progress=0.0,
        stage="waiting for the worker",
        error="",
        result_path="",
    )
    session.add(row)
    session.flush()
    return review_row(session, row)


def list_reviews(session: Session, *, owner_id: int | None, limit: int = 50) -> list[ReviewRow]:
    """The user's reviews (``owner_id`` None: every review the session's user may see,
    ``ringback.accounts.scope``), newest first, each with its contact's name (one query: a
    lookup per review cost the Calls page 70 ms on PostgreSQL)."""
    from ringback.contacts.models import Contact

    query = (
        select(CallReview, Contact.name)
        .outerjoin(Contact, Contact.id == CallReview.contact_id)
        .order_by(CallReview.created_at.desc(), CallReview.id.desc())
        .limit(limit)
    )
    if owner_id is not None:
        query = query.where(CallReview.owner_id == owner_id)
    return [_named(row, name or "") for row, name in session.execute(query)]


def review_page(session: Session, *, owner_id: int | None, window: Window) -> Page[ReviewRow]:
    """The user's reviews (``owner_id`` None: every review the session's user may see, a
    manager's team's) in id order after ``window.after`` (the API's list)."""
    from ringback.db.paging import keyset

    query = select(CallReview)
    if owner_id is not None:
        query = query.where(CallReview.owner_id == owner_id)
    return keyset(
        session,
        query,
        id_column=CallReview.id,
        updated_column=CallReview.updated_at,
        window=window,
        convert=lambda rows: [review_row(session, row) for row in rows],
    )


def get_review(session: Session, *, owner_id: int | None, review_id: int) -> ReviewRow:
    """One of the user's reviews (``owner_id`` None: one the session's user may see);
    ReviewNotFound if there is none or it is someone else's."""
    row = session.get(CallReview, review_id)
    if row is None or (owner_id is not None and row.owner_id != owner_id):
        raise ReviewNotFound(f"no call review {review_id}")
    return review_row(session, row)


def resume_unfinished(session: Session) -> list[int]:
    """The ids of reviews a stopped server left queued or running, to queue again; a
    running one is marked queued (its worker is gone)."""
    rows = list(
        session.scalars(
            select(CallReview)
            .where(CallReview.status.in_([Status.QUEUED.value, Status.RUNNING.value]))
            .order_by(CallReview.id)
        )
    )
    for row in rows:
        if row.status == Status.RUNNING:
            row.status = Status.QUEUED.value
            row.stage = "picked up again after a restart"
            row.updated_at = utcnow()
    return [row.id for row in rows]


def read_result(review: ReviewRow) -> dict[str, Any]:
    """A finished review's ``review.json``; ReviewNotFound if it is not there (yet)."""
    if review.status != Status.DONE or review.result_path is None:
        raise ReviewNotFound(f"call review {review.id} is not finished")
    try:
        doc: dict[str, Any] = json.loads(review.result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReviewNotFound(
            f"the result of call review {review.id} cannot be read: {exc}"
        ) from None
    return doc


@dataclass(frozen=True)
class ReviewProposals:
    """A finished review's proposed back-story items and follow-ups, and when they were
    accepted (None: not yet)."""

    items: tuple[dict[str, Any], ...]
    accepted_at: datetime | None


def review_proposals(review: ReviewRow) -> ReviewProposals:
    """What the review proposes to file into the contact (empty if nothing was written)."""
    from ringback.calls.report import PROPOSALS

    if review.result_path is None:
        return ReviewProposals((), None)
    try:
        doc = json.loads((review.result_path.parent / PROPOSALS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ReviewProposals((), None)
    stamp = doc.get("accepted_at")
    try:
        accepted = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        accepted = None
    return ReviewProposals(tuple(doc.get("proposals") or ()), accepted)


def accept_review(
    session: Session,
    *,
    review: ReviewRow,
    only: set[int],
    contact_id: int | None,
    settings: Settings,
) -> tuple[Any, Any]:
    """File exactly the proposals numbered ``only`` into the contact (the review's, or
    ``contact_id`` when the review has none), with the call on their timeline. Returns
    (AcceptedProposals, ProposalsFile): stamp the file with ``mark_proposals_accepted``
    once the transaction is committed. Raises ProposalsError (not finished, accepted
    before, nothing chosen) or ContactNotFound."""
    from ringback.calls.service import ProposalsError, accept_call_proposals, read_proposals

    if review.result_path is None:
        raise ProposalsError("this review is not finished", "wait until the analysis is done")
    if not only:
        raise ProposalsError("nothing was checked", "check the items to add, then accept")
    proposals = read_proposals(review.result_path.parent, tz=settings.tz)
    who = review.contact_id or contact_id
    if who is None:
        raise ProposalsError("this call has no contact", "enter who the call was with, then accept")
    known = {int(p["id"]) for p in proposals.doc["proposals"]}
    if not only <= known:
        raise ProposalsError("that item is not in this review", "reload the page and try again")
    chosen = type(proposals)(proposals.path, {**proposals.doc, "contact_id": who})
    accepted = accept_call_proposals(session, proposals=chosen, settings=settings, only=only)
    return accepted, chosen
