"""``/api/v1/coach``: score a voicemail script, compose scripts for a contact; and
``/api/v1/stats``: are voicemails returned (the ``ringback stats --json`` document)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Request
from pydantic import BaseModel

from ringback.web.api.common import ApiUser, in_db, iso_time, settings_of, time_query
from ringback.web.api.errors import ApiError, router_for
from ringback.web.api.models import ComposeIn, ScoreIn

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = router_for("coach")
stats_router = router_for("stats")
NO_CONTACT = "list /api/v1/contacts for the ids you can reach"


class Finding(BaseModel):
    rule: str
    passed: bool
    message: str
    title: str
    hint: str
    weight: float
    credit: float


class ScoreOut(BaseModel):
    score: int
    seconds: float
    words: int
    findings: list[Finding]


class ComposedOut(BaseModel):
    contact: dict[str, Any]
    warnings: list[str]
    variants: list[dict[str, Any]]


EMPTY_SCRIPT = 'send the voicemail you mean to leave as "text" (about 75 words, 30 seconds)'


@router.post("/coach/score", response_model=ScoreOut, summary="Score a voicemail script")
async def score(request: Request, user: ApiUser, body: ScoreIn) -> dict[str, Any]:
    """0-100 with one finding per rule (passed or not, why, what to try); with
    ``contact_id`` the value rule checks the script against the contact's goals."""
    from ringback.accounts.profile import acting_speaker
    from ringback.coach.service import contact_profile, score_draft
    from ringback.coach.text import ScriptError
    from ringback.contacts.service import ContactNotFound

    if not body.text.strip():  # (the coach's own hint is the command line's)
        raise ApiError(422, "the script is empty", hint=EMPTY_SCRIPT)
    settings = settings_of(request)
    cid = body.contact_id

    def run(session: Session) -> dict[str, Any]:
        profile = None
        if cid is not None:
            profile = contact_profile(session, ref=cid, region=settings.default_region)
        owner = acting_speaker(session, settings=settings)  # the token's user
        return score_draft(text=body.text, profile=profile, owner=owner).as_json()

    try:
        return await in_db(request, user, run)
    except ContactNotFound as exc:
        raise ApiError(404, str(exc), hint=NO_CONTACT) from None
    except ScriptError as exc:
        raise ApiError(422, str(exc), hint=exc.hint) from None


@router.post("/coach/compose", response_model=ComposedOut, summary="Compose voicemail scripts")
async def compose(request: Request, user: ApiUser, body: ComposeIn) -> dict[str, Any]:
    """Scored voicemail variants for the contact from their back story, best first."""
    from ringback.coach.service import compose_voicemails
    from ringback.contacts.service import ContactNotFound

    settings = settings_of(request)

    def run(session: Session) -> dict[str, Any]:
        return compose_voicemails(
            session,
            contact_ref=body.contact_id,
            settings=settings,
            reason=body.reason,
            value=body.value,
            next_step=body.next_step,
        ).as_json()

    try:
        return await in_db(request, user, run)
    except ContactNotFound as exc:
        raise ApiError(404, str(exc), hint=NO_CONTACT) from None


@stats_router.get("/stats", response_model=dict[str, Any], summary="Return statistics")
async def stats(
    request: Request,
    user: ApiUser,
    since: Annotated[
        str | None, time_query("Only voicemails left at or after this ISO 8601 time.")
    ] = None,
) -> dict[str, Any]:
    """Are voicemails returned: overall, per week, by coach score, rule, variant and hour."""
    from ringback.tracking.service import return_stats

    settings = settings_of(request)
    moment = iso_time(since, "since")
    found = await in_db(request, user, lambda s: return_stats(s, settings=settings, since=moment))
    return found.as_json()
