"""``/api/v1/contacts`` (with back story) and their interactions."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from ringback.contacts import sync
from ringback.contacts.editing import DuplicateContact
from ringback.contacts.search import MAX_QUERY
from ringback.web.api.common import (
    ApiUser,
    Id,
    IdempotencyHeader,
    PagingParams,
    allowed,
    create_from_body,
    creates,
    deletes,
    in_db,
    page_body,
    settings_of,
)
from ringback.web.api.errors import ApiError, router_for
from ringback.web.api.models import (
    ContactDetailOut,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    InteractionIn,
    InteractionOut,
    InteractionPage,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = router_for("contacts", "/contacts")

NOT_FOUND_HINT = "list /api/v1/contacts to see the contacts you can reach"


def _missing(exc: LookupError) -> ApiError:
    return ApiError(404, str(exc), hint=NOT_FOUND_HINT)


def _refused(exc: ValueError) -> ApiError:
    if isinstance(exc, DuplicateContact):
        return ApiError(
            409,
            str(exc),
            code="duplicate_contact",
            hint="update that contact instead, or send allow_duplicate: true",
        )
    return ApiError(422, str(exc), hint="correct the value and send it again")


SearchParam = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY,
        description="Only the contacts whose name, company, job title, email or phone "
        "contains this text, ignoring case (the CLI's `--search` and the web app's search "
        "box find the same ones). A number may be typed any way, partial or written the "
        "national way of RINGBACK_DEFAULT_REGION. Back story and notes are not searched.",
    ),
]


@router.get("", response_model=ContactPage, summary="List contacts")
async def list_contacts(
    request: Request, user: ApiUser, paging: PagingParams, search: SearchParam = None
) -> dict[str, Any]:
    """Contacts in id order, a page at a time; ``updated_since`` for a sync, ``search``
    to find someone."""
    region = settings_of(request).default_region

    def read(session: Session) -> Any:
        return sync.contact_page(session, window=paging.window, search=search, region=region)

    page = await in_db(request, user, read)
    return page_body(request, page, [c.as_json() for c in page.items])


@creates(router, "", ContactOut, "Create a contact")
async def create_contact(
    request: Request, user: ApiUser, body: ContactIn, idempotency_key: IdempotencyHeader = None
) -> JSONResponse:
    """Add a contact; 409 when one already has this phone or email (its id is named)."""
    from ringback.contacts.service import create_contact as create

    region = settings_of(request).default_region
    phones = [*([body.phone] if body.phone else []), *body.phones]

    def make(session: Session) -> ContactOut:
        record = create(
            session,
            name=body.name,
            company=body.company,
            title=body.title,
            phones=phones,
            emails=body.emails,
            timezone=body.timezone,
            region=region,
            allow_duplicate=body.allow_duplicate,
        )
        return ContactOut.model_validate(record.as_json())

    try:
        return await create_from_body(request, user, body, key=idempotency_key, make=make)
    except ValueError as exc:
        raise _refused(exc) from None


@router.get("/{contact_id}", response_model=ContactDetailOut, summary="Get a contact")
async def get_contact(request: Request, user: ApiUser, contact_id: Id) -> dict[str, Any]:
    """The contact with its back story by kind, latest interactions and open follow-ups."""
    try:
        detail = await in_db(request, user, lambda s: sync.contact_by_id(s, contact_id=contact_id))
    except sync.NoSuchContact as exc:
        raise _missing(exc) from None
    return detail.as_json()


@router.patch(
    "/{contact_id}",
    response_model=ContactOut,
    summary="Update a contact",
    dependencies=[allowed("edit")],
)
async def update_contact(
    request: Request, user: ApiUser, contact_id: Id, body: ContactPatch
) -> dict[str, Any]:
    """Change the fields sent (others stay); add or remove phones and emails."""
    names = ("name", "company", "title", "timezone")
    fields = {k: getattr(body, k) for k in names if k in body.model_fields_set}
    region = settings_of(request).default_region

    def edit(session: Session) -> dict[str, Any]:
        record = sync.update_contact(
            session,
            contact_id=contact_id,
            fields=fields,
            phones=(body.add_phones, body.remove_phones),
            emails=(body.add_emails, body.remove_emails),
            region=region,
        )
        return record.as_json()

    try:
        return await in_db(request, user, edit)
    except sync.NoSuchContact as exc:
        raise _missing(exc) from None
    except ValueError as exc:
        raise _refused(exc) from None


@deletes(router, "/{contact_id}", "Delete a contact")
async def delete_contact(request: Request, user: ApiUser, contact_id: Id) -> Response:
    """Delete the contact with its numbers, emails, back story, interactions, tasks, logged
    attempts (they leave the statistics), sequences and shares, its approved emails still
    in the outbox and its webhooks not sent yet; the webhooks already sent about it keep
    when and where they went, not what they said. Its voicemails and call reviews stay,
    unlinked. 403 for a contact shared with you or your team's: only its
    owner (or an owner of this Ringback) can delete it. Audited (``contact_delete``)."""
    from ringback.contacts.service import ContactNotFound, OnlyItsOwner
    from ringback.contacts.service import delete_contact as delete
    from ringback.storage import StoreDown

    try:
        settings = settings_of(request)
        await in_db(request, user, lambda s: delete(s, contact_id=contact_id, settings=settings))
    except ContactNotFound as exc:
        raise _missing(exc) from None
    except OnlyItsOwner as exc:
        raise ApiError(403, str(exc), code="not_owner", hint=exc.hint) from None
    except StoreDown as exc:  # its call reviews' files could not be rewritten
        raise ApiError(503, str(exc), code="storage_unavailable", hint=exc.hint) from None
    return Response(status_code=204)


@router.get(
    "/{contact_id}/interactions",
    response_model=InteractionPage,
    summary="List a contact's interactions",
)
async def list_interactions(
    request: Request, user: ApiUser, contact_id: Id, paging: PagingParams
) -> dict[str, Any]:
    """Calls, emails, meetings, voicemails and notes with the contact, in id order."""

    def read(session: Session) -> Any:
        return sync.interaction_page(session, contact_id=contact_id, window=paging.window)

    try:
        page = await in_db(request, user, read)
    except sync.NoSuchContact as exc:
        raise _missing(exc) from None
    return page_body(request, page, [i.as_json() for i in page.items])


@creates(router, "/{contact_id}/interactions", InteractionOut, "Log an interaction")
async def create_interaction(
    request: Request,
    user: ApiUser,
    contact_id: Id,
    body: InteractionIn,
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    """Add a call, email, meeting or note to the contact's timeline."""

    at = body.at.replace(tzinfo=UTC) if body.at and body.at.tzinfo is None else body.at

    def make(session: Session) -> InteractionOut:
        record = sync.log_interaction(
            session,
            contact_id=contact_id,
            kind=body.kind,
            direction=body.direction,
            occurred_at=at,
            outcome=body.outcome,
            text=body.text,
        )
        return InteractionOut.model_validate(record.as_json())

    try:
        return await create_from_body(request, user, body, key=idempotency_key, make=make)
    except sync.NoSuchContact as exc:
        raise _missing(exc) from None
    except ValueError as exc:
        raise _refused(exc) from None
