"""``/api/v1/voicemails``: the inbox's messages with their facts, transcript and an audio
URL (itself an API route, under the same credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response

from ringback.storage import storage_from_settings
from ringback.voicemail.service import VoicemailNotFound
from ringback.web.api.common import (
    ApiUser,
    Id,
    IdempotencyHeader,
    PagingParams,
    acts,
    create_from_body,
    deletes,
    in_db,
    page_body,
    settings_of,
)
from ringback.web.api.errors import ApiError, ErrorBody, router_for
from ringback.web.api.models import (
    CapturedOut,
    CaptureIn,
    DoneOut,
    VoicemailDetailOut,
    VoicemailPage,
)
from ringback.web.stored import serve_recording

if TYPE_CHECKING:
    from fastapi.responses import JSONResponse
    from sqlalchemy.orm import Session

router = router_for("voicemails", "/voicemails")
HINT = "list /api/v1/voicemails to see the messages you can reach"
AUDIO_TYPES = ("audio/wav", "audio/mpeg", "audio/ogg", "audio/webm", "audio/mp4", "audio/x-wav")


def audio_url(request: Request, voicemail_id: int) -> str:
    return str(request.url_for("voicemail_audio", voicemail_id=voicemail_id))


@router.get("", response_model=VoicemailPage, summary="List voicemails")
async def list_voicemails(request: Request, user: ApiUser, paging: PagingParams) -> dict[str, Any]:
    """Every message, handled or not, in id order; ``updated_since`` for a sync."""
    from ringback.voicemail.inbox import inbox_page

    settings = settings_of(request)
    page = await in_db(
        request, user, lambda s: inbox_page(s, settings=settings, window=paging.window)
    )
    items = [
        {**e.as_json(), "updated_at": e.updated_at, "audio_url": audio_url(request, e.id)}
        for e in page.items
    ]
    return page_body(request, page, items)


@router.get("/{voicemail_id}", response_model=VoicemailDetailOut, summary="Get a voicemail")
async def get_voicemail(request: Request, user: ApiUser, voicemail_id: Id) -> dict[str, Any]:
    """The message: its facts (``callback_at`` among them), transcript, audio URL and the
    back-story items capturing would file (``proposed_back_story``, by index)."""
    from ringback.voicemail.inbox import show_message

    settings = settings_of(request)

    def read(session: Session) -> dict[str, Any]:
        message = show_message(session, settings=settings, voicemail_id=voicemail_id)
        return {**message.as_json(), "updated_at": message.entry.updated_at}

    try:
        found = await in_db(request, user, read)
    except VoicemailNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    facts = found.get("facts") if isinstance(found.get("facts"), dict) else None
    return {
        **found,
        "facts": facts,
        "callback_at": (facts or {}).get("callback_at"),
        "audio_url": audio_url(request, voicemail_id),
    }


@router.get(
    "/{voicemail_id}/audio",
    summary="The voicemail's recording",
    response_class=Response,
    responses={200: {"content": {kind: {} for kind in AUDIO_TYPES}, "description": "The audio"}},
)
async def voicemail_audio(request: Request, user: ApiUser, voicemail_id: Id) -> Response:
    """The stored original recording (HTTP range requests work)."""
    from ringback.voicemail import listing

    settings = settings_of(request)
    store = storage_from_settings(settings)

    def find(session: Session) -> listing.Recording:
        return listing.recording_of(
            session, voicemail_id=voicemail_id, data_dir=settings.data_dir, store=store
        )

    try:
        found = await in_db(request, user, find)
    except (VoicemailNotFound, listing.NoRecording) as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    return await serve_recording(request, store, found)


@acts(router, "/{voicemail_id}/capture", CapturedOut, "Capture a voicemail into its contact")
async def capture_voicemail(
    request: Request,
    user: ApiUser,
    voicemail_id: Id,
    body: CaptureIn | None = None,
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    """File the message under its caller's contact (a new one if nobody on file is the
    caller): their numbers, the ``proposed_back_story`` items named in ``keep`` (all when
    left out), the call in their timeline and the callback task; then mark it handled and
    read. Capturing again changes nothing and says ``already_captured: true``. 409 while
    it is still being processed; 404 for a ``merge_into`` contact you cannot reach."""
    from ringback.contacts.service import ContactNotFound
    from ringback.voicemail.capture import NotCapturable, capture_message

    settings = settings_of(request)
    asked = body or CaptureIn()

    def make(session: Session) -> CapturedOut:
        done = capture_message(
            session,
            settings=settings,
            voicemail_id=voicemail_id,
            merge_into=asked.merge_into,
            keep=asked.keep,
        )
        return CapturedOut.model_validate(done.to_json())

    try:
        return await create_from_body(
            request, user, asked, key=idempotency_key, make=make, status=200
        )
    except VoicemailNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    except ContactNotFound as exc:
        raise ApiError(
            404,
            f"merge_into: {exc}",
            hint="list /api/v1/contacts to see the contacts you can reach, or leave merge_into out",
        ) from None
    except NotCapturable as exc:
        raise ApiError(
            409,
            str(exc),
            code="not_capturable",
            hint=f"only a processed message (status done or no_message) can be captured: GET "
            f"/api/v1/voicemails/{voicemail_id} again once it is, or mark it handled with "
            f"POST /api/v1/voicemails/{voicemail_id}/done",
        ) from None


@acts(router, "/{voicemail_id}/done", DoneOut, "Mark a voicemail done")
async def mark_voicemail_done(
    request: Request, user: ApiUser, voicemail_id: Id, idempotency_key: IdempotencyHeader = None
) -> JSONResponse:
    """Mark the message handled and read without filing anything into a contact (again:
    no change, ``already: true``)."""
    from ringback.voicemail.listing import mark_done

    def make(session: Session) -> DoneOut:
        done = mark_done(session, voicemail_id=voicemail_id)
        return DoneOut(voicemail_id=done.voicemail_id, already=done.already)

    try:
        return await create_from_body(
            request, user, None, key=idempotency_key, make=make, status=200
        )
    except VoicemailNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None


@deletes(
    router,
    "/{voicemail_id}",
    "Delete a voicemail",
    responses={503: {"model": ErrorBody, "description": "the recording's store does not answer"}},
)
async def delete_voicemail(request: Request, user: ApiUser, voicemail_id: Id) -> Response:
    """Delete a processed message: its transcript, facts, recording and the
    ``voicemail.processed`` webhooks not sent yet. What was captured into the contact,
    the callback task and the email already sent stay. 409 while it is still being
    processed; 403 for a message you see but do not own (a manager, their rep's)."""
    from ringback.voicemail import removal

    settings = settings_of(request)

    def delete(session: Session) -> None:
        removal.delete_voicemail(session, settings=settings, voicemail_id=voicemail_id)

    try:
        await in_db(request, user, delete)
    except VoicemailNotFound as exc:
        raise ApiError(404, str(exc), hint=HINT) from None
    except removal.OnlyItsOwner as exc:
        raise ApiError(403, str(exc), hint=exc.hint) from None
    except removal.NotFinished as exc:
        raise ApiError(409, str(exc), code="not_finished", hint=exc.hint) from None
    except removal.StoreDown as exc:
        raise ApiError(503, str(exc), code="storage_unavailable", hint=exc.hint) from None
    return Response(status_code=204)
