"""``/api/v1/calls``: upload a call recording (202 with a job), then poll the job until
it holds the analysis. The same store, queue and worker as the Calls page
(:mod:`ringback.calls.reviews`, started by :func:`ringback.web.pages.calls.review_worker`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.calls import reviews
from ringback.web.api.common import (
    MAX_ID,
    REPLAYED,
    ApiUser,
    Id,
    IdempotencyHeader,
    PagingParams,
    allowed,
    created,
    deletes,
    in_db,
    page_body,
    settings_of,
)
from ringback.web.api.errors import ApiError, ErrorBody, router_for
from ringback.web.api.models import CallDetail, CallJob, CallPage
from ringback.web.pages.calls import UPLOAD_CEILING, declared_size

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView

router = router_for("calls", "/calls")
# The upload route, with the upload body limit (see create_app).
uploads = router_for("calls", "/calls")
HINT = "list /api/v1/calls to see your call reviews"


def _shareable(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis without the recording's place on the server's disk (a path tells a
    caller about the machine, and nothing they can use: the job has ``original_name``)."""
    details = analysis.get("details")
    if isinstance(details, dict) and "file" in details:
        analysis = {**analysis, "details": {k: v for k, v in details.items() if k != "file"}}
    return analysis


def _job(request: Request, review: reviews.ReviewRow) -> dict[str, Any]:
    return {
        **review.status_json(),
        "contact_id": review.contact_id,
        "original_name": review.original_name,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "url": str(request.url_for("get_call", review_id=review.id)),
    }


def _store(request: Request, recording: UploadFile) -> Any:
    from ringback.calls.uploads import UploadRefused, store_call_upload

    settings = settings_of(request)
    try:
        return store_call_upload(
            recording.file,
            data_dir=settings.data_dir,
            max_bytes=settings.web_max_upload_mb << 20,
            max_minutes=settings.call_max_minutes,
        )
    except UploadRefused as exc:
        raise ApiError(422, f"not uploaded: {exc}; nothing was stored", hint=exc.hint) from None


def _queue(
    request: Request, user: UserView, recording: UploadFile, contact_id: int | None, key: str | None
) -> JSONResponse:
    from ringback.contacts.sync import NoSuchContact, contact_by_id

    stored = _store(request, recording)

    def make(session: Session) -> CallJob:
        if contact_id is not None:
            contact_by_id(session, contact_id=contact_id, recent=0)
        review = reviews.create_review(
            session,
            owner_id=user.id,
            stored=stored,
            original_name=recording.filename or stored.path.name,
            contact_id=contact_id,
        )
        return CallJob.model_validate(_job(request, review))

    payload = {"sha256": stored.sha256, "contact_id": contact_id}
    try:
        answer = created(request, user, key=key, payload=payload, make=make, status=202)
    except NoSuchContact as exc:
        raise ApiError(422, f"{exc}: nothing was queued", hint="leave contact_id out") from None
    return answer


@uploads.post(
    "",
    status_code=202,
    response_model=CallJob,
    summary="Upload a call recording for review",
    dependencies=[Depends(declared_size), allowed("edit")],
    max_body_size=UPLOAD_CEILING,
)
async def upload_call(
    request: Request,
    user: ApiUser,
    recording: Annotated[UploadFile, File(description="The call's recording (audio).")],
    contact_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    """Store the recording and queue its analysis: 202 with the job to poll."""
    try:
        answer = await run_in_threadpool(
            _queue, request, user, recording, contact_id, idempotency_key
        )
    finally:
        await recording.close()
    if REPLAYED not in answer.headers:  # a replayed answer's job is queued already
        request.app.state.call_reviews.submit(str(json.loads(bytes(answer.body))["id"]))
    return answer


@router.get("", response_model=CallPage, summary="List call reviews")
async def list_calls(request: Request, user: ApiUser, paging: PagingParams) -> dict[str, Any]:
    """Your call reviews in id order, each with its status."""
    page = await in_db(
        request, user, lambda s: reviews.review_page(s, owner_id=None, window=paging.window)
    )
    return page_body(request, page, [_job(request, r) for r in page.items])


@router.get("/{review_id}", response_model=CallDetail, summary="Get a call review")
async def get_call(request: Request, user: ApiUser, review_id: Id) -> dict[str, Any]:
    """The job's status and, once done, the analysis (talk ratio, questions, moments...)."""

    def read(session: Session) -> reviews.ReviewRow:
        return reviews.get_review(session, owner_id=None, review_id=review_id)

    try:
        review = await in_db(request, user, read)
        analysis = None
        if review.status == reviews.Status.DONE:
            analysis = _shareable(await run_in_threadpool(reviews.read_result, review))
    except reviews.ReviewNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    return {**_job(request, review), "analysis": analysis}


@deletes(
    router,
    "/{review_id}",
    "Delete a call review",
    responses={
        409: {"model": ErrorBody, "description": "the review is still being analysed"},
        503: {"model": ErrorBody, "description": "the recording's store does not answer"},
    },
)
async def delete_call(request: Request, user: ApiUser, review_id: Id) -> Response:
    """Delete a finished (done or failed) call review: its recording (unless another
    review has the same audio), transcript, reports, comments and the ``call.reviewed``
    webhooks not sent yet. The contact and what was accepted into it stay. 409 while it
    is queued or being analysed; 403 for a review you see but do not own (a manager,
    their rep's). Audited (``call_review_delete``)."""
    from ringback.calls import removal

    settings = settings_of(request)

    def delete(session: Session) -> None:
        removal.delete_review(session, review_id=review_id, settings=settings)

    try:
        await in_db(request, user, delete)
    except reviews.ReviewNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    except removal.OnlyItsOwner as exc:
        raise ApiError(403, str(exc), code="not_owner", hint=exc.hint) from None
    except removal.StillAnalysing as exc:
        raise ApiError(409, str(exc), code="not_finished", hint=exc.hint) from None
    except removal.StoreDown as exc:
        raise ApiError(503, str(exc), code="storage_unavailable", hint=exc.hint) from None
    return Response(status_code=204)
