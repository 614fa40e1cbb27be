"""Calls (issue 15 §3): upload a call recording, watch it being analysed, review it.

The upload is stored and queued here; the analysis runs in a worker process
(:class:`~ringback.calls.review_job.ReviewJob` on a ``ProcessJobQueue`` started with the
app, which also queues again what a stopped server left unfinished). Everything else is
:mod:`ringback.calls.reviews` and :mod:`ringback.calls.review_view`.

The upload route is the one route with a body limit above the app's 64 KiB: its own,
``RINGBACK_WEB_MAX_UPLOAD_MB``, checked against the declared length before sign-in reads
the form (so an oversized upload is refused before a byte of it is read), and again on
the bytes while they are streamed to disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.accounts.service import UserView
from ringback.calls import reviews
from ringback.web.auth import CurrentUser, current_user, signed_in_router, user_transaction
from ringback.web.render import flash, redirect, render

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ringback.config import Settings

# The route's hard ceiling (the setting's maximum); the configured cap is checked below it.
UPLOAD_CEILING = (4096 + 1) << 20
FORM_SLACK = 64 << 10  # the form's other fields and multipart boundaries


@asynccontextmanager
async def review_worker(app: FastAPI) -> AsyncIterator[None]:
    """The worker process that analyses calls; unfinished reviews are queued again."""
    from ringback.calls.review_job import ReviewJob
    from ringback.db.session import transaction
    from ringback.jobs import CeleryBackend, CeleryJobQueue, JobKind, uses_celery
    from ringback.telephony.worker import JobQueue, ProcessJobQueue

    settings: Settings = app.state.settings
    queue: JobQueue
    if uses_celery(settings):
        queue = CeleryJobQueue(CeleryBackend(settings), JobKind.REVIEW)
    else:
        queue = ProcessJobQueue(ReviewJob(settings))
    app.state.call_reviews = queue
    queue.start()

    def unfinished() -> list[int]:
        with transaction(settings.effective_database_url) as session:
            return reviews.resume_unfinished(session)

    for review_id in await run_in_threadpool(unfinished):
        queue.submit(str(review_id))
    yield
    queue.stop(timeout=5.0)


async def declared_size(request: Request) -> None:
    """413 with the limit in words when the declared body is over the upload cap."""
    settings: Settings = request.app.state.settings
    cap = settings.web_max_upload_mb << 20
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap + FORM_SLACK:
        raise HTTPException(
            413,
            f"The recording is larger than the {settings.web_max_upload_mb} MB upload limit; "
            "nothing was stored. Upload a shorter or compressed recording (MP3, M4A).",
        )


router = APIRouter(lifespan=review_worker)
pages = signed_in_router()


def _db(request: Request) -> str:
    return str(request.app.state.settings.effective_database_url)


def _review(request: Request, user: UserView, review_id: int) -> reviews.ReviewRow:

    with user_transaction(request) as session:
        try:
            return reviews.get_review(session, owner_id=None, review_id=review_id)
        except reviews.ReviewNotFound:
            raise HTTPException(404, "There is no such call review.") from None


def _list(request: Request, user: UserView) -> list[reviews.ReviewRow]:

    with user_transaction(request) as session:
        return reviews.list_reviews(session, owner_id=None)


async def _upload_page(
    request: Request, user: UserView, *, error: str = "", status: int = 200
) -> Response:
    settings: Settings = request.app.state.settings
    past = await run_in_threadpool(_list, request, user)
    return render(
        request,
        "pages/calls.html",
        status_code=status,
        reviews=past,
        error=error,
        max_mb=settings.web_max_upload_mb,
        max_minutes=settings.call_max_minutes,
        when=_when(settings),
    )


@pages.get("/calls")
async def calls_page(request: Request, user: CurrentUser) -> Response:
    """The upload form and the past reviews."""
    return await _upload_page(request, user)


def _contact_id(request: Request, ref: str) -> int | None:
    """The contact named ``ref`` (None for blank); ContactNotFound if there is none."""
    from ringback.calls.service import call_contact

    if not ref.strip():
        return None
    settings: Settings = request.app.state.settings
    with user_transaction(request) as session:
        return call_contact(session, ref=ref, region=settings.default_region).id


def _store_and_queue(
    request: Request, user: UserView, recording: UploadFile, contact_id: int | None
) -> reviews.ReviewRow:
    from ringback.calls.uploads import UploadRefused, store_call_upload
    from ringback.storage import Mirror, StorageError

    settings: Settings = request.app.state.settings
    stored = store_call_upload(
        recording.file,
        data_dir=settings.data_dir,
        max_bytes=settings.web_max_upload_mb << 20,
        max_minutes=settings.call_max_minutes,
    )
    try:
        Mirror.for_settings(settings).push(stored.path)  # the worker may be elsewhere
    except StorageError as exc:
        raise UploadRefused(
            f"the recording store did not take it ({exc})", "upload it again in a minute"
        ) from None
    with user_transaction(request) as session:
        return reviews.create_review(
            session,
            owner_id=user.id,
            stored=stored,
            original_name=recording.filename or stored.path.name,
            contact_id=contact_id,
        )


@router.post(
    "/calls",
    dependencies=[Depends(declared_size), Depends(current_user)],
    max_body_size=UPLOAD_CEILING,
)
async def upload_call(
    request: Request,
    user: CurrentUser,
    recording: Annotated[UploadFile | None, File()] = None,
    contact: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Store the recording and queue its analysis; then the review's page shows progress."""
    from ringback.calls.uploads import UploadRefused
    from ringback.contacts.service import ContactNotFound

    if recording is None or not recording.filename:
        return await _upload_page(
            request, user, error="Choose the call's recording file.", status=422
        )
    try:
        contact_id = await run_in_threadpool(_contact_id, request, contact)
        review = await run_in_threadpool(_store_and_queue, request, user, recording, contact_id)
    except ContactNotFound as exc:
        msg = f"{exc}: nothing was stored. Leave Contact empty, or add the contact first."
        return await _upload_page(request, user, error=msg, status=422)
    except UploadRefused as exc:
        msg = f"Not uploaded: {exc}; nothing was stored. {exc.hint[0].upper()}{exc.hint[1:]}."
        return await _upload_page(request, user, error=msg, status=422)
    finally:
        if recording is not None:
            await recording.close()
    request.app.state.call_reviews.submit(str(review.id))
    return redirect(f"/calls/{review.id}")


@pages.get("/calls/{review_id}/status")
async def review_status(request: Request, user: CurrentUser, review_id: int) -> Response:
    """How far the analysis is (polled by the progress page)."""
    review = await run_in_threadpool(_review, request, user, review_id)
    return JSONResponse({**review.status_json(), "url": f"/calls/{review.id}"})


@pages.get("/calls/{review_id}/audio")
async def review_audio(request: Request, user: CurrentUser, review_id: int) -> Response:
    """The recording, with range requests (the player seeks without downloading it all)."""
    review = await run_in_threadpool(_review, request, user, review_id)
    path = await run_in_threadpool(_here, request, review.original_path)
    if not path.is_file():
        raise HTTPException(404, "The recording is no longer on the server.")
    return FileResponse(path, headers={"Cache-Control": "private, no-store"})


def _here(request: Request, path: Any) -> Any:
    """``path`` on this machine: fetched from the object store when it is not here."""
    from ringback.storage import Mirror, ObjectMissing, StorageUnavailable

    try:
        return Mirror.for_settings(request.app.state.settings).local(path)
    except ObjectMissing:
        return path
    except StorageUnavailable:
        raise HTTPException(
            503, "The recording store is not answering: try again shortly."
        ) from None


def _review_files(request: Request, review: reviews.ReviewRow) -> reviews.ReviewRow:
    """The review with its result files on this machine (from the object store if need be)."""
    from dataclasses import replace

    from ringback.calls.report import PROPOSALS

    if review.result_path is None:
        return review
    _here(request, review.result_path.parent / PROPOSALS)
    return replace(review, result_path=_here(request, review.result_path))


def _review_context(request: Request, review: reviews.ReviewRow) -> dict[str, Any]:
    from ringback.accounts.scope import may_change
    from ringback.calls.comments import list_comments
    from ringback.calls.review_view import review_page

    doc = reviews.read_result(review)
    with user_transaction(request) as session:
        comments = list_comments(session, review_id=review.id)
        can_delete = may_change(session, review)  # its owner, or an owner-role user
    return {
        "view": review_page(doc),
        "proposals": reviews.review_proposals(review),
        "comments": comments,
        "can_delete": can_delete,
    }


def _may_delete(request: Request, review: reviews.ReviewRow) -> bool:
    """Whether the page offers "Delete…": finished, and the user's to delete."""
    from ringback.accounts.scope import may_change

    with user_transaction(request) as session:
        return review.finished and may_change(session, review)


@pages.get("/calls/{review_id}")
async def review_page(request: Request, user: CurrentUser, review_id: int) -> Response:
    """The review when it is done; until then, its progress (which the page polls)."""
    review = await run_in_threadpool(_review, request, user, review_id)
    if review.status != reviews.Status.DONE:
        can_delete = await run_in_threadpool(_may_delete, request, review)
        return render(request, "pages/calls_progress.html", review=review, can_delete=can_delete)
    try:
        review = await run_in_threadpool(_review_files, request, review)
        context = await run_in_threadpool(_review_context, request, review)
    except reviews.ReviewNotFound as exc:
        raise HTTPException(404, f"{exc}. Upload the recording again.") from None
    when = _when(request.app.state.settings)
    return render(request, "pages/calls_review.html", review=review, when=when, **context)


def _when(settings: Settings) -> Any:
    """Times on these pages as a person reads them, in the user's timezone (timefmt)."""
    from datetime import datetime

    from ringback.timefmt import format_when

    now = datetime.now(settings.tz)
    return lambda moment: format_when(moment, settings.tz, now=now)


def _accept(request: Request, user: UserView, review_id: int, only: set[int], contact: str) -> str:
    """File the checked proposals; the message to show."""
    from datetime import datetime

    from ringback.calls.service import call_contact, mark_proposals_accepted
    from ringback.storage import Mirror

    settings: Settings = request.app.state.settings
    review = _review_files(request, _review(request, user, review_id))
    with user_transaction(request) as session:
        contact_id = None
        if contact.strip() and review.contact_id is None:
            contact_id = call_contact(session, ref=contact, region=settings.default_region).id
        accepted, chosen = reviews.accept_review(
            session, review=review, only=only, contact_id=contact_id, settings=settings
        )
    mark_proposals_accepted(chosen, now=datetime.now(settings.tz))
    Mirror.for_settings(settings).push(chosen.path)  # accepted on every machine
    return (
        f"Added to {accepted.contact}: {len(accepted.back_story)} back-story items and "
        f"{len(accepted.follow_ups)} follow-ups, with the call on their timeline."
    )


@pages.post("/calls/{review_id}/accept")
async def accept_proposals(
    request: Request,
    user: CurrentUser,
    review_id: int,
    proposal: Annotated[list[int] | None, Form()] = None,
    contact: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """File exactly the checked back-story items and follow-ups into the contact."""
    from ringback.calls.service import ProposalsError
    from ringback.contacts.service import ContactNotFound

    target = f"/calls/{review_id}"
    response = redirect(target + "#proposals")
    try:
        text = await run_in_threadpool(
            _accept, request, user, review_id, set(proposal or ()), contact
        )
    except ProposalsError as exc:
        flash(
            request,
            response,
            f"Nothing was added: {exc}. {exc.hint[0].upper()}{exc.hint[1:]}.",
            "error",
        )
        return response
    except ContactNotFound as exc:
        flash(request, response, f"Nothing was added: {exc}. Check the contact's name.", "error")
        return response
    flash(request, response, text, "success")
    return response


router.include_router(pages)


@pages.post("/calls/{review_id}/comments")
async def comment_on_review(
    request: Request,
    user: CurrentUser,
    review_id: int,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """A comment on the review (a manager coaching their team's rep, the rep answering)."""
    from ringback.calls.comments import CommentError, add_comment

    await run_in_threadpool(_review, request, user, review_id)  # 404 unless visible

    def write() -> None:
        with user_transaction(request) as session:
            add_comment(session, review_id=review_id, text=text)

    response = redirect(f"/calls/{review_id}#comments")
    try:
        await run_in_threadpool(write)
    except CommentError as exc:
        flash(request, response, f"Not added: {exc}.", "error")
        return response
    flash(request, response, "Comment added.", "success")
    return response
