"""Contacts (issue 15 §3): the list (one search box over name, company, job title, phone
and email, the same search as the CLI's and the API's, 50 a page), adding a contact, and a contact's page: details edited in place, the back
story by kind (added and edited in place, with the phrase messages say), the timeline,
the prep brief, composing a voicemail, and quick notes typed or recorded.

The rules live in the services (:mod:`ringback.contacts.search`,
:mod:`ringback.contacts.backstory`, :mod:`ringback.contacts.notes`,
:mod:`ringback.voicemail.timeline`, :mod:`ringback.prep.service`,
:mod:`ringback.coach.service`); here requests become calls and results become pages.
Forms marked ``data-target`` get a fragment back (``static/app.js``); without the script
they post and redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.contacts import search
from ringback.contacts.backstory import StoryItemNotFound, kind_choices, story_groups
from ringback.web.auth import CurrentUser, signed_in_router
from ringback.web.pages.contact_forms import (
    ADD_FIELDS,
    EditContactForm,
    Long,
    NewContactForm,
    Short,
    StoryForm,
)
from ringback.web.pages.contact_view import (
    contact_context,
    edited,
    helpers,
    in_db,
    sentence,
    settings_of,
    visible,
)
from ringback.web.recordings import UploadRefused, is_fragment_request, read_recording
from ringback.web.render import redirect_with_flash, render

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView
    from ringback.config import Settings

router = signed_in_router()
uploads = signed_in_router()  # included with the upload body limit (create_app)
T = TypeVar("T")
StoryFields = Annotated[StoryForm, Form()]


@router.get("/contacts")
async def contacts_page(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = 1,
) -> Response:
    """The contact list: searched by name, company, job title, phone or email, 50 a page."""
    return await _list_page(request, q=q, page=page)


async def _list_page(
    request: Request,
    *,
    q: str = "",
    page: int = 1,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    error: str = "",
    duplicates: tuple[search.ProbableDuplicate, ...] = (),
) -> Response:
    found = await in_db(
        request,
        lambda session, settings: search.search_contacts(
            session, query=q, region=settings.default_region, page=page
        ),
    )
    return render(
        request,
        "pages/contacts.html",
        status_code=status_code,
        listing=found,
        form=form or dict.fromkeys(ADD_FIELDS, ""),
        error=error,
        duplicates=duplicates,
        **helpers(settings_of(request)),
    )


def _owner(user: UserView | None) -> str | None:
    return user.email if user is not None else None


@router.post("/contacts")
async def add_contact(
    request: Request,
    user: CurrentUser,
    typed: Annotated[NewContactForm, Form()],
) -> Response:
    """Add a contact from the form; a bad value or a probable duplicate shows the form
    again with what was typed, the message and (for a duplicate) a link to them."""
    form = typed.model_dump(include=set(ADD_FIELDS))
    name = typed.name

    def add(session: Session, settings: Settings) -> int | tuple[search.ProbableDuplicate, ...]:
        from ringback.contacts.fields import normalise_emails, normalise_phones
        from ringback.contacts.service import create_contact

        phones = [typed.phone] if typed.phone.strip() else []
        emails = [typed.email] if typed.email.strip() else []
        region = settings.default_region
        if not typed.allow_duplicate:
            similar = search.probable_duplicates(
                session,
                name=name,
                phones=tuple(normalise_phones(phones, region)),
                emails=tuple(normalise_emails(emails)),
            )
            if similar:
                return similar
        record = create_contact(
            session,
            name=name,
            company=typed.company,
            phones=phones,
            emails=emails,
            owner=_owner(user),
            region=region,
            allow_duplicate=True,
        )
        return record.id

    try:
        outcome = await in_db(request, add)
    except ValueError as exc:
        return await _list_page(request, status_code=422, form=form, error=sentence(exc))
    if isinstance(outcome, tuple):
        return await _list_page(request, status_code=409, form=form, duplicates=outcome)
    return redirect_with_flash(request, f"/contacts/{outcome}", f"Added {name.strip()}.", "success")


@router.get("/contacts/{contact_id}")
async def contact_page(request: Request, contact_id: int, user: CurrentUser) -> Response:
    """A contact: details, back story, timeline, prep brief, compose, quick notes."""
    context = await in_db(
        request,
        lambda session, settings: contact_context(
            session, settings, contact_id=contact_id, user=user, now=datetime.now(UTC)
        ),
    )
    return render(request, "pages/contact.html", **context, **helpers(settings_of(request)))


def _back(request: Request, contact_id: int, text: str, level: str = "success") -> Response:
    return redirect_with_flash(request, f"/contacts/{contact_id}", text, level)


@router.post("/contacts/{contact_id}/edit")
async def edit_contact(
    request: Request,
    contact_id: int,
    user: CurrentUser,
    typed: Annotated[EditContactForm, Form()],
) -> Response:
    """Change the contact's details; phones and emails one per line."""

    def edit(session: Session, settings: Settings) -> tuple[str, ...]:
        contact = visible(session, contact_id, user)
        fields: dict[str, str | None] = typed.model_dump(include={"name", "company", "title"})
        listed = [p for p in typed.phones.splitlines() if p.strip()]
        return edited(session, settings, contact, fields, listed, typed.emails.split())

    try:
        changes = await in_db(request, edit)
    except ValueError as exc:
        return _back(request, contact_id, sentence(exc), "error")
    return _back(
        request, contact_id, "Saved: " + "; ".join(changes) if changes else "Nothing changed."
    )


def _fragment(
    request: Request, template: str, contact_id: int, level: str, **context: Any
) -> Response:
    """A part of the contact's page, sent back for the page's script to put in place after
    a change made there (``static/app.js``): 422 when the input was refused, so the
    script shows the part's message as an error."""
    status = 422 if level == "error" else 200
    return render(request, template, status_code=status, contact_id=contact_id, **context)


def _story_reply(
    request: Request, contact_id: int, groups: Any, message: str, level: str
) -> Response:
    if is_fragment_request(request):
        return _fragment(
            request,
            "pages/contact_story.html",
            contact_id,
            level,
            story=groups,
            kinds=kind_choices(),
            story_message={"level": level, "text": message},
        )
    return _back(request, contact_id, message, level)


async def _change_story(
    request: Request,
    contact_id: int,
    user: UserView,
    change: Callable[[Session], object],
    done: str,
) -> Response:
    """Run ``change`` on the contact's back story; answer with the story and a message
    (the error's, when the input was bad: nothing is written then)."""

    def run(session: Session, _s: Settings) -> tuple[Any, str, str]:
        visible(session, contact_id, user)
        try:
            change(session)
        except StoryItemNotFound:
            raise  # the 404 page, not a message: the item is not this contact's
        except ValueError as exc:
            return story_groups(session, contact_id=contact_id), sentence(exc), "error"
        return story_groups(session, contact_id=contact_id), done, "success"

    groups, message, level = await in_db(request, run)
    return _story_reply(request, contact_id, groups, message, level)


@router.post("/contacts/{contact_id}/story")
async def add_story(
    request: Request, contact_id: int, user: CurrentUser, form: StoryFields
) -> Response:
    """Add a back-story item (and, optionally, the phrase messages say for it)."""
    from ringback.contacts.backstory import add_story_item

    def add(session: Session) -> object:
        return add_story_item(
            session, contact_id=contact_id, kind=form.kind, text=form.text, phrase=form.phrase
        )

    return await _change_story(request, contact_id, user, add, "Added to the back story.")


@router.post("/contacts/{contact_id}/story/{item_id}")
async def edit_story(
    request: Request, contact_id: int, item_id: int, user: CurrentUser, form: StoryFields
) -> Response:
    """Change a back-story item's note, kind or phrase (a blank phrase: the suggestion)."""
    from ringback.contacts.backstory import edit_story_item

    def edit(session: Session) -> object:
        return edit_story_item(
            session,
            contact_id=contact_id,
            item_id=item_id,
            text=form.text,
            phrase=form.phrase,
            kind=form.kind,
        )

    return await _change_story(request, contact_id, user, edit, "Back story saved.")


async def _timeline_reply(request: Request, contact_id: int, message: str, level: str) -> Response:
    """After a note: the timeline fragment for the page's script, else the page."""
    if not is_fragment_request(request):
        return _back(request, contact_id, message, level)
    from ringback.voicemail.timeline import contact_timeline

    def read(session: Session, _s: Settings) -> Any:
        return contact_timeline(session, contact_id=contact_id)

    return _fragment(
        request,
        "pages/contact_timeline.html",
        contact_id,
        level,
        timeline=await in_db(request, read),
        note_message={"level": level, "text": message},
        **helpers(settings_of(request)),
    )


@router.post("/contacts/{contact_id}/notes")
async def add_typed_note(
    request: Request, contact_id: int, user: CurrentUser, text: Long = ""
) -> Response:
    """A typed note on the contact's timeline, stamped now."""
    from ringback.contacts.notes import NoteError, add_note

    def write(session: Session, settings: Settings) -> str:
        visible(session, contact_id, user)
        try:
            add_note(session, ref=contact_id, text=text, region=settings.default_region)
        except NoteError as exc:
            return sentence(exc)
        return ""

    error = await in_db(request, write)
    return await _timeline_reply(
        request, contact_id, error or "Noted.", "error" if error else "success"
    )


@uploads.post("/contacts/{contact_id}/memo")
async def add_voice_memo(
    request: Request,
    contact_id: int,
    user: CurrentUser,
    audio: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A voice memo recorded in the browser: checked (audio, size), transcribed offline
    (the same service as ``ringback note --audio``) and put on the timeline."""
    await in_db(request, lambda session, _s: visible(session, contact_id, user))
    try:
        data = await read_recording(request, audio, what="a voice memo")
    except UploadRefused as exc:
        return await _timeline_reply(request, contact_id, str(exc), "error")
    try:
        text = await run_in_threadpool(_memo_text, settings_of(request), data)
    except ValueError as exc:  # NoteError: not audio, no speech
        return await _timeline_reply(request, contact_id, sentence(exc), "error")

    def write(session: Session, settings: Settings) -> None:
        from ringback.contacts.notes import add_note

        add_note(session, ref=contact_id, text=text, region=settings.default_region)

    await in_db(request, write)
    return await _timeline_reply(
        request, contact_id, "Voice memo transcribed and noted.", "success"
    )


def _memo_text(settings: Settings, data: bytes) -> str:
    from ringback.contacts.notes import NoteError, memo_text
    from ringback.speech import FasterWhisperTranscriber, SpeechError

    try:
        engine = FasterWhisperTranscriber.from_settings(settings)
        return memo_text(data, transcriber=engine, name="recorded here")
    except SpeechError as exc:
        raise NoteError(f"the memo could not be transcribed ({exc}); try again") from None


@router.post("/contacts/{contact_id}/compose")
async def compose(
    request: Request,
    contact_id: int,
    user: CurrentUser,
    reason: Short = "",
    value: Short = "",
    next_step: Short = "",
) -> Response:
    """Scored voicemail variants written from the contact's back story, best first."""
    from ringback.coach.service import compose_voicemails

    fields = {"reason": reason, "value": value, "next_step": next_step}

    def write(session: Session, settings: Settings) -> Any:
        visible(session, contact_id, user)
        given = {k: v.strip() or None for k, v in fields.items()}
        return compose_voicemails(session, contact_ref=contact_id, settings=settings, **given)

    composed = await in_db(request, write)
    if is_fragment_request(request):
        return render(
            request,
            "pages/contact_compose.html",
            contact_id=contact_id,
            composed=composed,
            compose_form=fields,
        )
    context = await in_db(
        request,
        lambda session, settings: contact_context(
            session, settings, contact_id=contact_id, user=user, now=datetime.now(UTC)
        ),
    )
    context.update(composed=composed, compose_form=fields)
    return render(request, "pages/contact.html", **context, **helpers(settings_of(request)))
