"""Deleting a call review from its page: "Delete…" leads to a confirmation that says what
goes and what stays (:func:`ringback.calls.removal.delete_review` with ``dry_run``); its
form posts the deletion, which ends on the Calls page with a flash message. A user who
sees the review but does not own it (a manager, their rep's) gets the page saying only
its owner can delete it (403); another rep's review is the 404 page like every review
route. A review still being analysed, or a store that does not answer, goes back to the
review's page saying why and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.calls.removal import (
    DeletedReview,
    OnlyItsOwner,
    StillAnalysing,
    StoreDown,
    delete_review,
)
from ringback.calls.reviews import ReviewNotFound
from ringback.web.auth import CurrentUser, signed_in_router, user_transaction
from ringback.web.pages.contact_view import sentence
from ringback.web.render import redirect_with_flash, render

if TYPE_CHECKING:
    from ringback.config import Settings

router = signed_in_router()
TEMPLATE = "pages/call_delete.html"


async def _delete(request: Request, review_id: int, *, dry_run: bool) -> DeletedReview:
    """The deletion (or what it would do) as the signed-in user; another rep's review, or
    none, is the 404 page."""
    settings: Settings = request.app.state.settings

    def run() -> DeletedReview:
        with user_transaction(request) as session:
            return delete_review(session, review_id=review_id, settings=settings, dry_run=dry_run)

    try:
        return await run_in_threadpool(run)
    except ReviewNotFound:
        raise HTTPException(404, "There is no such call review. Go back to Calls.") from None


async def _answer(request: Request, review_id: int, *, dry_run: bool) -> Response:
    """The confirmation (``dry_run``) or the deletion's redirect; a refusal's page or
    message otherwise."""
    try:
        found = await _delete(request, review_id, dry_run=dry_run)
    except OnlyItsOwner as exc:
        return render(
            request,
            TEMPLATE,
            status_code=403,
            review_id=review_id,
            plan=None,
            refusal=sentence(exc),
        )
    except (StillAnalysing, StoreDown) as exc:
        text = f"Not deleted: {exc}. {exc.hint[:1].upper()}{exc.hint[1:]}."
        return redirect_with_flash(request, f"/calls/{review_id}", text, "error")
    if dry_run:
        return render(request, TEMPLATE, review_id=review_id, plan=found, refusal="")
    kept = found.kept()
    said = f" Kept: {'; '.join(kept)}." if kept else ""
    text = f"Call review #{review_id} deleted with its recording and transcript.{said}"
    return redirect_with_flash(request, "/calls", text, "success")


@router.get("/calls/{review_id}/delete")
async def confirm_delete(request: Request, review_id: int, user: CurrentUser) -> Response:
    """What deleting the review would take with it and leave; the button that does it."""
    return await _answer(request, review_id, dry_run=True)


@router.post("/calls/{review_id}/delete")
async def delete(request: Request, review_id: int, user: CurrentUser) -> Response:
    """Delete the review; back to Calls, saying what went."""
    return await _answer(request, review_id, dry_run=False)
