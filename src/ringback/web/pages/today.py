"""Today (issue 15 §3): callbacks due (each with its ``tel:`` link and the prep brief one
tap away), voicemails not read yet, follow-up emails waiting for approval (approved from
here, the draft in view) and the other calls to make.

The lists come from :func:`ringback.voicemail.today.today_agenda`; approving is
:func:`ringback.tracking.service.approve_followup`, the same as ``ringback sequence``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.config import Settings
from ringback.web.auth import signed_in_router, user_transaction
from ringback.web.pages.contact_view import helpers
from ringback.web.render import flash, redirect, render

router = signed_in_router()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/")
async def today_page(request: Request) -> Response:
    """The Today page."""
    from ringback.voicemail.today import today_agenda

    settings = _settings(request)

    def read() -> object:
        with user_transaction(request) as session:
            return today_agenda(
                session, now=datetime.now(UTC), tz=settings.tz, region=settings.default_region
            )

    agenda = await run_in_threadpool(read)
    return render(request, "pages/today.html", agenda=agenda, **helpers(settings))


@router.post("/today/drafts/{step_id}/approve")
async def approve_draft(request: Request, step_id: int) -> Response:
    """Send a drafted follow-up email (never twice); a problem is said on Today."""
    from ringback.mail.protocol import MailConfigError
    from ringback.tracking.sequence_state import SequenceError, StepNotFound
    from ringback.tracking.service import approve_followup

    settings = _settings(request)

    def approve() -> str:
        with user_transaction(request) as session:
            return approve_followup(
                session, step_id=step_id, settings=settings, now=datetime.now(UTC)
            ).status

    response = redirect("/")
    try:
        status = await run_in_threadpool(approve)
    except StepNotFound:  # gone, or another user's: nothing says which
        raise HTTPException(404, "There is no such draft. See Today.") from None
    except SequenceError as exc:
        flash(request, response, f"Not sent: {exc}.", "error")
        return response
    except MailConfigError as exc:
        flash(request, response, f"Not sent: {exc}. Set up mail on Settings first.", "error")
        return response
    words = {"already_sent": "It had been sent already."}.get(status, f"The email is {status}.")
    flash(request, response, f"Approved. {words}", "success")
    return response


@router.post("/today/tasks/{task_id}/done")
async def task_done(request: Request, task_id: int) -> Response:
    """Mark a call task done (the call is made)."""
    from ringback.contacts.history import FollowUpNotFound, complete_follow_up

    def done() -> str:
        with user_transaction(request) as session:
            task, _ = complete_follow_up(session, follow_up_id=task_id)
            return task.title

    response = redirect("/")
    try:
        title = await run_in_threadpool(done)
    except FollowUpNotFound:  # gone, or another user's: nothing says which
        raise HTTPException(404, "That task is no longer there. See Today.") from None
    flash(request, response, f"Done: {title}", "success")
    return response
