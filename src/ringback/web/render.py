"""Pages as HTML: the Jinja2 environment, :func:`render`, flash messages, the navigation.

Autoescaping is on for every template whatever its file name (``autoescape=True``, not
Jinja's by-extension default): names, notes and transcripts are user text, and a
template that forgot ``|e`` must not be the one that lets a script through.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ringback.web.auth import CSRF_FIELD, PRE_COOKIE, csrf_token, is_https

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
FLASH_COOKIE = "rb_flash"
FLASH_LEVELS = ("info", "success", "error")


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str


# The navigation, in order: every page's link, named as users call the page.
NAV = (
    NavItem("Today", "/"),
    NavItem("Contacts", "/contacts"),
    NavItem("Inbox", "/inbox"),
    NavItem("Calls", "/calls"),
    NavItem("Coach", "/coach"),
    NavItem("Stats", "/stats"),
    NavItem("Settings", "/settings"),
)

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
)


def current_section(path: str) -> str:
    """The nav path a request path belongs to (``/contacts/7`` is under Contacts)."""
    for item in NAV[1:]:
        if path == item.path or path.startswith(item.path + "/"):
            return item.path
    return "/" if path == "/" else ""


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """``template`` rendered with ``context`` plus what every page needs: ``user`` (None
    when signed out), ``csrf_token`` (and ``csrf_field``, its name), ``nav``, ``section``,
    ``flashes`` (read once, then cleared) and ``request``."""
    flashes = read_flashes(request)
    values = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "nav": NAV,
        "section": current_section(request.url.path),
        "flashes": flashes,
        **context,
    }
    response = HTMLResponse(ENV.get_template(template).render(values), status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    new_pre = getattr(request.state, "new_pre", None)
    if new_pre:
        set_cookie(request, response, PRE_COOKIE, new_pre, max_age=None)
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    """A cookie the way every Ringback cookie is set: HttpOnly, SameSite=Lax, whole site,
    Secure over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def flash(request: Request, response: Response, text: str, level: str = "info") -> None:
    """Show ``text`` on the next page rendered (after a redirect)."""
    pending = [
        *read_flashes(request),
        {"level": level if level in FLASH_LEVELS else "info", "text": text},
    ]
    encoded = base64.urlsafe_b64encode(json.dumps(pending[-5:]).encode()).decode()
    set_cookie(request, response, FLASH_COOKIE, encoded, max_age=300)


def read_flashes(request: Request) -> list[dict[str, str]]:
    """The flash messages waiting for this browser (shown as text: escaped)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or len(raw) > 4000:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (binascii.Error, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [
        {"level": str(i.get("level", "info")), "text": str(i.get("text", ""))[:300]}
        for i in items
        if isinstance(i, dict)
    ]


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site (``/contacts?q=x``); else ``default``.

    Refuses whatever a browser could take to another site: ``//evil``, ``/\\evil``,
    ``https://evil``, and anything with control characters or a backslash.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return default
    if (
        target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def redirect(path: str) -> RedirectResponse:
    """A 303 See Other to ``path`` (after a POST, the browser GETs it)."""
    return RedirectResponse(path, status_code=303)


def redirect_with_flash(
    request: Request, path: str, text: str, level: str = "info"
) -> RedirectResponse:
    """A 303 to ``path`` whose page shows ``text`` (the end of most form posts)."""
    response = redirect(path)
    flash(request, response, text, level)
    return response
