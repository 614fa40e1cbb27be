"""``/api/v1/follow-ups``: the tasks owed to contacts (call back, send the proposal), and
marking one done."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from ringback.contacts import sync
from ringback.web.api.common import ApiUser, Id, PagingParams, allowed, in_db, page_body
from ringback.web.api.errors import ApiError, router_for
from ringback.web.api.models import FollowUpOut, FollowUpPage

router = router_for("follow-ups", "/follow-ups")


@router.get("", response_model=FollowUpPage, summary="List follow-ups")
async def list_follow_ups(
    request: Request,
    user: ApiUser,
    paging: PagingParams,
    open_only: Annotated[bool, Query(alias="open", description="Only those not done.")] = False,
) -> dict[str, Any]:
    """Follow-up tasks in id order; ``open=true`` for the ones still to do."""
    page = await in_db(
        request,
        user,
        lambda s: sync.follow_up_page(s, window=paging.window, open_only=open_only),
    )
    return page_body(request, page, [f.as_json() for f in page.items])


@router.post(
    "/{follow_up_id}/complete",
    response_model=FollowUpOut,
    summary="Mark a follow-up done",
    dependencies=[allowed("edit")],
)
async def complete_follow_up(request: Request, user: ApiUser, follow_up_id: Id) -> dict[str, Any]:
    """Mark it done (again: no change, the same answer)."""
    try:
        record, _changed = await in_db(
            request, user, lambda s: sync.finish_follow_up(s, follow_up_id=follow_up_id)
        )
    except sync.FollowUpNotFound as exc:
        raise ApiError(404, str(exc), hint="list /api/v1/follow-ups?open=true") from None
    return record.as_json()
