"""Contacts (issue 15 §3): a placeholder until the page is built; replace the template's body."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ringback.web.auth import signed_in_router
from ringback.web.render import render

router = signed_in_router()


@router.get("/contacts")
async def contacts_page(request: Request) -> Response:
    """The Contacts page."""
    return render(request, "pages/contacts.html")
