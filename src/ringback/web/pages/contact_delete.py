"""Deleting a contact from its page: "Delete…" leads to a confirmation that says what goes
and what stays (:func:`ringback.contacts.service.delete_contact` with ``dry_run``); its
form posts the deletion, which ends on the contacts list with a flash message. A user who
sees the contact but does not own it gets the same page, saying only its owner can
delete it (403); another rep's contact is the 404 page like every contact route."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from fastapi.responses import Response

from ringback.contacts.removal import ContactRemoval, OnlyItsOwner
from ringback.contacts.service import delete_contact
from ringback.storage import StoreDown
from ringback.web.auth import CurrentUser, signed_in_router
from ringback.web.pages.contact_view import in_db, sentence
from ringback.web.render import redirect_with_flash, render

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

router = signed_in_router()


def _page(request: Request, contact_id: int, found: ContactRemoval | str) -> Response:
    """The confirmation for ``found``; or, for a refusal's message, the page saying so."""
    if isinstance(found, str):
        return render(
            request,
            "pages/contact_delete.html",
            status_code=403,
            contact_id=contact_id,
            removal=None,
            refusal=found,
        )
    return render(
        request, "pages/contact_delete.html", contact_id=contact_id, removal=found, refusal=""
    )


async def _delete(request: Request, contact_id: int, *, dry_run: bool) -> ContactRemoval | str:
    """The deletion (or its count): another rep's contact is the 404 page (``in_db``);
    one the user may not delete, the refusal's sentence."""

    def run(session: Session, settings: Settings) -> ContactRemoval:
        return delete_contact(session, contact_id=contact_id, settings=settings, dry_run=dry_run)

    try:
        return await in_db(request, run)
    except OnlyItsOwner as exc:
        return sentence(exc)
    except StoreDown as exc:  # its call reviews' files could not be rewritten
        raise HTTPException(503, f"{sentence(exc)} {exc.hint[:1].upper()}{exc.hint[1:]}.") from None


@router.get("/contacts/{contact_id}/delete")
async def confirm_delete(request: Request, contact_id: int, user: CurrentUser) -> Response:
    """What deleting the contact would take with it and leave; the button that does it."""
    return _page(request, contact_id, await _delete(request, contact_id, dry_run=True))


@router.post("/contacts/{contact_id}/delete")
async def delete(request: Request, contact_id: int, user: CurrentUser) -> Response:
    """Delete the contact; back to the list, saying what went."""
    done = await _delete(request, contact_id, dry_run=False)
    if isinstance(done, str):
        return _page(request, contact_id, done)
    text = f"Deleted {done.name} and {done.gone_words()}."
    kept = " ".join(done.kept_sentences())
    return redirect_with_flash(request, "/contacts", f"{text} {kept}".strip(), "success")
