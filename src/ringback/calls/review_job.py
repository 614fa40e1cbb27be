"""A call review's run in the worker: :class:`ReviewJob` analyses the recording, writes
its progress into the review's row, and keeps the result.

The handler the web server's worker process (``telephony.worker.ProcessJobQueue``) and
the Celery task (``workers/celery_app.py``) run: the analysis, the report files of
``ringback call report`` plus ``review.json`` in ``data_dir/calls/reviews/<id>/``, and the
``call.reviewed`` webhook once done. Its own room apart from :mod:`ringback.calls.reviews`
(the review records and the queries the pages make), which the pages read without loading
the analysis.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.calls.models import CallReview
from ringback.calls.reviews import ReviewRow, Status, review_row
from ringback.calls.uploads import RESULT as RESULT  # where they were first written
from ringback.calls.uploads import reviews_dir as reviews_dir
from ringback.db.base import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from ringback.accounts.speaker import Speaker
    from ringback.calls.analysis import CallAnalysis
    from ringback.calls.service import CallContact
    from ringback.config import Settings

log = logging.getLogger("ringback.calls.reviews")  # the name it was logged under


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


def run_review(review_id: int, *, settings: Settings) -> None:
    """Analyse review ``review_id`` and keep its result; a failure is recorded on the
    row with what to do next. A review already done is left alone (queues may repeat)."""
    from ringback.calls.audio import CallAudioError, probe
    from ringback.speech import SpeechError

    url = settings.effective_database_url
    started = _start(url, review_id, settings)
    if started is None:
        return
    path, contact, call_at = started.path, started.contact, started.call_at
    from ringback.storage import Mirror, StorageError

    mirror = Mirror.for_settings(settings)
    try:
        path = mirror.local(path)  # uploaded on another machine: from the object store
        tracker = _Tracker(url, review_id, probe(path)[1])
        from ringback.calls.service import analyze_call

        analysis = analyze_call(path, settings=settings, progress=tracker, rep=started.rep)
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
            data=reviewed_payload(review_row(session, row), analysis),
            contact_id=row.contact_id,
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


def _start(url: str, review_id: int, settings: Settings) -> _Started | None:
    """Mark the review running; what to analyse, or None if there is nothing to do."""
    from ringback.accounts.profile import speaker_for
    from ringback.calls.service import CallContact
    from ringback.db.session import transaction

    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        if row is None or row.status in (Status.DONE, Status.FAILED):
            return None
        view = review_row(session, row)
        row.status, row.progress, row.stage = Status.RUNNING.value, 0.02, "starting"
        row.updated_at = utcnow()
        # The rep is whoever's review it is (who uploaded it), not the install's owner.
        rep = speaker_for(session, user_id=row.owner_id, settings=settings)
    contact = CallContact(view.contact_id or 0, view.contact_name or "the customer")
    return _Started(view.original_path, contact, view.created_at, rep)


@dataclass(frozen=True)
class _Started:
    path: Path
    contact: CallContact
    call_at: datetime
    rep: Speaker


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
