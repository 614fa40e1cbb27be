"""Building call turns for the call-review tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ringback.calls.model import Speaker, SpokenWord

if TYPE_CHECKING:
    from ringback.calls.analysis import CallAnalysis
    from ringback.config import Settings


def said(speaker: Speaker, start: float, text: str, rate: float = 0.3) -> list[SpokenWord]:
    """Words of ``text`` one after the other, ``rate`` seconds each, from ``start``."""
    out = []
    for i, word in enumerate(text.split()):
        out.append(SpokenWord(speaker, word, start + i * rate, start + (i + 1) * rate))
    return out


def conversation(lines: list[tuple[str, str]]) -> list[SpokenWord]:
    """(speaker, sentence) lines as words, 0.35 s apart, 1.2 s of silence between lines."""
    out, t = [], 0.5
    for speaker, sentence in lines:
        for word in sentence.split():
            out.append(SpokenWord(speaker, word, t, t + 0.3))  # type: ignore[arg-type]
            t += 0.35
        t += 1.2
    return out


def analysed(path: Path) -> CallAnalysis:
    """The analysis of a short sales call (made from words, no transcription) of ``path``."""
    from ringback.calls.analysis import CallAnalysis
    from ringback.calls.metrics import compute
    from ringback.calls.questions import find_questions

    spoken = conversation(
        [
            ("rep", "How is the season going for you?"),
            ("customer", "Our goal is to double revenue to 40000 dollars this year."),
            ("rep", "I'll send you the proposal next Friday."),
        ]
    )
    metrics = compute(spoken, spoken[-1].end + 1)
    return CallAnalysis(
        path, "mono", 0, metrics, tuple(find_questions(metrics.turns)), tuple(spoken)
    )


def finish_review(settings: Settings, review_id: int) -> Path:
    """Review ``review_id`` as the worker leaves it (``review_job``, around the analysis):
    its files written for its contact in ``calls/reviews/<id>/`` and put in the store,
    the row done and its ``call.reviewed`` webhooks queued. Returns the review's folder."""
    from datetime import UTC, datetime

    from ringback.calls import review_job
    from ringback.calls.models import CallReview
    from ringback.calls.reviews import review_row
    from ringback.calls.service import CallContact
    from ringback.db.session import transaction
    from ringback.storage import Mirror

    url = settings.effective_database_url
    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        assert row is not None
        view = review_row(session, row)
    analysis = analysed(view.original_path)
    out = review_job.reviews_dir(settings.data_dir) / str(review_id)
    result = review_job.write_review(
        analysis,
        contact=CallContact(view.contact_id or 0, view.contact_name or "the customer"),
        call_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        out_dir=out,
        settings=settings,
    )
    Mirror.for_settings(settings).push_tree(out)
    review_job._done(url, review_id, result, analysis)  # what the worker does last
    return out


def uploaded_review(
    settings: Settings, owner_id: int, *, audio: bytes, contact_id: int | None = None
) -> int:
    """A review of ``audio`` queued as the Calls page queues an upload (kept here and in
    the store, then the row); its id."""
    import io

    from ringback.calls.reviews import create_review
    from ringback.calls.uploads import store_call_upload
    from ringback.db.session import transaction
    from ringback.storage import Mirror

    stored = store_call_upload(
        io.BytesIO(audio), data_dir=settings.data_dir, max_bytes=1 << 30, max_minutes=5
    )
    Mirror.for_settings(settings).push(stored.path)
    with transaction(settings.effective_database_url) as session:
        review = create_review(
            session,
            owner_id=owner_id,
            stored=stored,
            original_name="call.wav",
            contact_id=contact_id,
        )
    return review.id
