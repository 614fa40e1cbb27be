"""Call reviews as jobs: an uploaded recording queued, analysed in a worker, and kept.

A review row goes queued -> running -> done (or failed, with the reason and what to do).
The web request only stores the upload and creates the row; :class:`ReviewJob` runs in
the worker process (``telephony.worker.ProcessJobQueue``), writes its progress into the
row as it goes, and leaves the result in ``data_dir/calls/reviews/<id>/``: the report
files of ``ringback call report`` plus ``review.json``, what the review page shows.
A server that starts and finds rows not finished queues them again
(:func:`resume_unfinished`).

Functions taking a Session never commit; each returns frozen records, never rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.calls.models import CallReview
from ringback.db.base import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.calls.analysis import CallAnalysis
    from ringback.calls.service import CallContact
    from ringback.calls.uploads import StoredCall
    from ringback.config import Settings
    from ringback.db.paging import Page, Window

log = logging.getLogger("ringback.calls.reviews")

RESULT = "review.json"


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

    def status_json(self) -> dict[str, Any]:
        """What the upload page polls: status, progress (0-1), stage, error."""
        return {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 3),
            "stage": self.stage,
            "error": self.error,
        }


def _view(session: Session, row: CallReview) -> ReviewRow:
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
    return _view(session, row)


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
        convert=lambda rows: [_view(session, row) for row in rows],
    )


def get_review(session: Session, *, owner_id: int | None, review_id: int) -> ReviewRow:
    """One of the user's reviews (``owner_id`` None: one the session's user may see);
    ReviewNotFound if there is none or it is someone else's."""
    row = session.get(CallReview, review_id)
    if row is None or (owner_id is not None and row.owner_id != owner_id):
        raise ReviewNotFound(f"no call review {review_id}")
    return _view(session, row)


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


def _update(url: str, review_id: int, **values: Any) -> None:
    from ringback.db.session import transaction

    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()


def stage_fraction(stage: str, seconds: float) -> float:
    """How far along an analysis is when it says ``stage`` (``analyze_call``'s progress
    messages), for a recording of ``seconds``: transcription is most of the time."""
    import re

    at = re.search(r"at (\d+) min", stage)
    part = min(int(at.group(1)) * 60 / seconds, 1.0) if at and seconds > 0 else 0.0
    if stage.startswith("checking"):
        return 0.05
    if stage.startswith("transcribing channel 1") or stage.startswith("telling"):
        return 0.5 + 0.4 * part
    if stage.startswith("transcribing"):
        return 0.1 + 0.4 * part
    if stage.startswith("measuring"):
        return 0.92
    return 0.96 if stage.startswith("writing") else 0.0


class _Tracker:
    """The progress callback of one analysis: each stage written to the review's row."""

    def __init__(self, url: str, review_id: int, seconds: float) -> None:
        self.url, self.review_id, self.seconds, self.last = url, review_id, seconds, 0.02

    def __call__(self, stage: str) -> None:
        self.last = max(self.last, stage_fraction(stage, self.seconds))
        _update(self.url, self.review_id, progress=self.last, stage=stage[:200])


@dataclass(frozen=True)
class ReviewJob:
    """The worker's handler (picklable): ``job("7")`` analyses review 7."""

    settings: Settings

    def __call__(self, key: str) -> None:
        run_review(int(key), settings=self.settings)


def reviews_dir(data_dir: Path) -> Path:
    """Where finished reviews are kept, one folder per review id."""
    return Path(data_dir) / "calls" / "reviews"


def run_review(review_id: int, *, settings: Settings) -> None:
    """Analyse review ``review_id`` and keep its result; a failure is recorded on the
    row with what to do next. A review already done is left alone (queues may repeat)."""
    from ringback.calls.audio import CallAudioError, probe
    from ringback.speech import SpeechError

    url = settings.effective_database_url
    started = _start(url, review_id)
    if started is None:
        return
    path, contact, call_at = started
    from ringback.storage import Mirror, StorageError

    mirror = Mirror.for_settings(settings)
    try:
        path = mirror.local(path)  # uploaded on another machine: from the object store
        tracker = _Tracker(url, review_id, probe(path)[1])
        from ringback.calls.service import analyze_call

        analysis = analyze_call(path, settings=settings, progress=tracker)
        tracker("writing the review")
        out_dir = reviews_dir(settings.data_dir) / str(review_id)
        result = write_review(
            analysis, contact=contact, call_at=call_at, out_dir=out_dir, settings=settings
        )
        mirror.push_tree(out_dir)
    except StorageError as exc:
        _fail(url, review_id, f"the recording store did not answer: {exc}. Upload it again.")
        return
    except CallAudioError as exc:
        _fail(url, review_id, f"{exc}" + (f". {exc.hint}" if exc.hint else ""))
        return
    except SpeechError as exc:
        _fail(url, review_id, f"transcription failed: {exc}. Check RINGBACK_WHISPER_MODEL.")
        return
    except ModuleNotFoundError as exc:
        _fail(url, review_id, f"{exc.name} is not installed: pip install 'ringback[calls]'")
        return
    except Exception:
        log.exception("call review %s failed", review_id)
        _fail(
            url, review_id, "the analysis stopped on an unexpected error; the server log says why"
        )
        raise
    _done(url, review_id, result, analysis)


def _done(url: str, review_id: int, result: Path, analysis: CallAnalysis) -> None:
    """Mark the review done and queue its ``call.reviewed`` webhook, in one transaction
    (queued, not sent: the CRM's receiver is never waited for)."""
    from ringback.db.session import transaction
    from ringback.outbound.service import CALL_REVIEWED, enqueue_event, owner_of_event

    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        if row is None:
            return
        row.status, row.progress, row.stage = Status.DONE.value, 1.0, "done"
        row.result_path, row.updated_at = str(result), utcnow()
        enqueue_event(
            session,
            event=CALL_REVIEWED,
            event_id=review_id,
            owner_id=owner_of_event(session, row),
            data=reviewed_payload(_view(session, row), analysis),
        )


def reviewed_payload(review: ReviewRow, analysis: CallAnalysis) -> dict[str, Any]:
    """What a CRM logs of a reviewed call: with whom, how long, the rep's talk share and
    the questions asked."""
    asked = [q for q in analysis.questions if q.speaker == "rep"]
    return {
        "review_id": review.id,
        "contact": {"id": review.contact_id, "name": review.contact_name or None},
        "recording": review.original_name,
        "uploaded_at": review.created_at.isoformat(),
        "reviewed_at": review.updated_at.isoformat(),
        "duration_seconds": round(analysis.metrics.duration, 1),
        "talk_share_rep": round(analysis.metrics.talk_share_rep, 4),
        "questions": {
            "asked_by_rep": len(asked),
            "open": sum(q.kind == "open" for q in asked),
            "closed": sum(q.kind == "closed" for q in asked),
            "by_customer": len(analysis.questions) - len(asked),
            "rep_questions": [{"text": q.text, "kind": q.kind} for q in asked[:20]],
        },
    }


def _start(url: str, review_id: int) -> tuple[Path, CallContact, datetime] | None:
    """Mark the review running; (recording, contact, when) or None if there is nothing to do."""
    from ringback.calls.service import CallContact
    from ringback.db.session import transaction

    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        if row is None or row.status in (Status.DONE, Status.FAILED):
            return None
        view = _view(session, row)
        row.status, row.progress, row.stage = Status.RUNNING.value, 0.02, "starting"
        row.updated_at = utcnow()
    contact = CallContact(view.contact_id or 0, view.contact_name or "the customer")
    return view.original_path, contact, view.created_at


def _fail(url: str, review_id: int, error: str) -> None:
    _update(url, review_id, status=Status.FAILED.value, stage="failed", error=error[:2000])


def write_review(
    analysis: CallAnalysis,
    *,
    contact: CallContact,
    call_at: datetime,
    out_dir: Path,
    settings: Settings,
) -> Path:
    """The report files and ``review.json`` for ``analysis`` in ``out_dir``; returns the
    path of ``review.json``."""
    from ringback.calls.moments import find_moments
    from ringback.calls.service import write_call_report
    from ringback.durable import write_atomic

    local = call_at.astimezone(settings.tz)
    report = write_call_report(
        analysis=analysis, contact=contact, call_at=local, out_dir=out_dir, tz=settings.tz
    )
    doc = {
        "version": 1,
        "contract": analysis.contract(),
        "details": analysis.details(),
        "words": [[w.speaker, w.text, round(w.start, 3), round(w.end, 3)] for w in analysis.words],
        "targets": [t.__dict__ for t in report.targets],
        "moments": [m.as_json() for m in find_moments(analysis, call_at=local, tz=settings.tz)],
    }
    result = out_dir / RESULT
    write_atomic(result, json.dumps(doc, ensure_ascii=False).encode(), out_dir)
    return result


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
