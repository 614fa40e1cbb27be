"""Inbox (issue 15 §3): the list of voicemails (unread first, 50 a page), a voicemail's
page (the recording, the transcript following playback, the facts, capture into the
contact, mark done, delete) and the recording itself.

Every rule is in :mod:`ringback.voicemail.listing`; here requests become calls to it, and
its results become pages. The recording is looked up by the message's id, never by a path
from the request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Form, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.config import Settings
from ringback.mail.render import tel_href
from ringback.phones import pretty
from ringback.storage import storage_from_settings
from ringback.timefmt import format_duration, format_mentioned, format_when
from ringback.voicemail import listing
from ringback.voicemail.capture import Captured, NotCapturable, capture_message
from ringback.voicemail.service import VoicemailNotFound
from ringback.web.auth import signed_in_router, user_transaction
from ringback.web.render import redirect_with_flash, render
from ringback.web.stored import serve_recording

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = signed_in_router()
T = TypeVar("T")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _in_db(request: Request, work: Callable[[Session, Settings], T]) -> T:
    """``work(session, settings)`` in one transaction, off the event loop; a voicemail that
    is not there is the 404 page."""
    settings = _settings(request)

    def run() -> T:
        with user_transaction(request) as session:
            return work(session, settings)

    try:
        return await run_in_threadpool(run)
    except VoicemailNotFound as exc:
        raise HTTPException(404, f"There is {exc}. Go back to the Inbox.") from None


def _helpers(settings: Settings) -> dict[str, Any]:
    """What the inbox templates format with."""
    now = datetime.now(settings.tz)
    return {
        "when": lambda moment: format_when(moment, settings.tz, now=now),
        "on": lambda iso: format_mentioned(iso, settings.tz, now=now),
        "length": format_duration,
        "tel": tel_href,
        "number": pretty,
    }


@router.get("/inbox")
async def inbox_page(
    request: Request, page: Annotated[int, Query(ge=1, le=listing.MAX_PAGE)] = 1
) -> Response:
    """The inbox: unread first, then newest first, 50 a page."""
    found = await _in_db(
        request,
        lambda session, settings: listing.inbox_page(
            session, region=settings.default_region, page=page
        ),
    )
    return render(request, "pages/inbox.html", inbox=found, **_helpers(_settings(request)))


@router.get("/inbox/{voicemail_id}")
async def voicemail_page(request: Request, voicemail_id: int) -> Response:
    """One voicemail; opening it marks it read."""
    view = await _in_db(
        request,
        lambda session, settings: listing.open_voicemail(
            session, voicemail_id=voicemail_id, region=settings.default_region, tz=settings.tz
        ),
    )
    return render(request, "pages/inbox_voicemail.html", view=view, **_helpers(_settings(request)))


@router.get("/inbox/{voicemail_id}/audio")
async def voicemail_audio(request: Request, voicemail_id: int) -> Response:
    """The stored original recording, with HTTP range support (the player seeks), from the
    data folder or the object store."""
    store = storage_from_settings(_settings(request))
    try:
        found = await _in_db(
            request,
            lambda session, settings: listing.recording_of(
                session, voicemail_id=voicemail_id, data_dir=settings.data_dir, store=store
            ),
        )
    except listing.NoRecording as exc:
        raise HTTPException(404, f"{exc}. The transcript is on the voicemail's page.") from None
    return await serve_recording(request, store, found)


@router.post("/inbox/{voicemail_id}/capture")
async def capture_voicemail(
    request: Request,
    voicemail_id: int,
    keep: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI copies it)
) -> Response:
    """Capture the message into the contact with the checked items only; mark it done."""
    chosen = {int(value) for value in keep if value.isdigit()}
    try:
        outcome = await _in_db(
            request,
            lambda session, settings: capture_message(
                session, settings=settings, voicemail_id=voicemail_id, keep=chosen
            ),
        )
    except NotCapturable as exc:
        return redirect_with_flash(
            request, f"/inbox/{voicemail_id}", f"Nothing to capture yet: {exc}.", "error"
        )
    return redirect_with_flash(
        request, f"/inbox/{voicemail_id}", _captured_text(outcome), "success"
    )


def _captured_text(outcome: Captured) -> str:
    if outcome.already:
        return "Already captured: nothing changed."
    if outcome.contact_name is None:
        return "Marked done (no caller to file it under)."
    who = ("new contact " if outcome.created_contact else "") + outcome.contact_name
    items = len(outcome.back_story)
    return f"Captured into {who}: {items} item{'s' if items != 1 else ''} saved. Marked done."


@router.post("/inbox/{voicemail_id}/done")
async def mark_done(request: Request, voicemail_id: int) -> Response:
    """Mark the message done without capturing it."""
    await _in_db(
        request, lambda session, _settings: listing.mark_done(session, voicemail_id=voicemail_id)
    )
    return redirect_with_flash(
        request, "/inbox", f"Voicemail #{voicemail_id} marked done.", "success"
    )


@router.post("/inbox/{voicemail_id}/delete")
async def delete_voicemail(request: Request, voicemail_id: int) -> Response:
    """Delete the message (the confirmation is the page's "Delete…" block); back to the
    Inbox with what went and what stayed."""
    from ringback.voicemail import removal

    try:
        done = await _in_db(
            request,
            lambda session, settings: removal.delete_voicemail(
                session, settings=settings, voicemail_id=voicemail_id
            ),
        )
    except removal.OnlyItsOwner as exc:
        raise HTTPException(403, f"Not deleted: {exc}.") from None
    except (removal.NotFinished, removal.StoreDown) as exc:
        return redirect_with_flash(
            request, f"/inbox/{voicemail_id}", f"Not deleted: {exc}. {exc.hint}.", "error"
        )
    kept = done.kept()
    said = f" Kept: {'; '.join(kept)}." if kept else ""
    return redirect_with_flash(
        request, "/inbox", f"Voicemail #{voicemail_id} deleted with its recording.{said}", "success"
    )
