"""Signing in and out, and changing one's password: the routes around a web session.

Sign-in is throttled per client address and per email with the same
:class:`~ringback.web.throttle.LoginThrottle` as HTTP Basic, and recorded in the audit
trail (success, failure, sign-out). Nothing here logs a password: a failure is logged
with the address and the email tried, never the password.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.accounts import service, sessions
from ringback.db.session import transaction
from ringback.web.auth import (
    SESSION_COOKIE,
    CurrentUser,
    check_csrf,
    client_ip,
    identify,
    signed_in_router,
)
from ringback.web.render import flash, redirect, redirect_with_flash, render, safe_next, set_cookie
from ringback.web.throttle import LoginThrottle

log = logging.getLogger("ringback.web")
router = APIRouter()
account = signed_in_router()

Text = Annotated[str, Form(max_length=1024)]


@router.get("/signin")
async def signin_form(request: Request, next: str = "/") -> Response:
    """The sign-in form; a signed-in browser goes straight on."""
    target = safe_next(next)
    if await identify(request) is not None:
        return redirect(target)
    return render(request, "signin.html", next=target, email="", error="")


def _sign_in(request: Request, email: str, password: str) -> tuple[service.UserView | None, str]:
    settings = request.app.state.settings
    ip, agent = client_ip(request), request.headers.get("user-agent", "")
    with transaction(settings.effective_database_url) as session:
        user = service.authenticate(session, email, password)
        if user is None:
            service.record(session, "signin_failed", ip=ip, detail=f"email: {email.strip()[:254]}")
            return None, ""
        previous = request.cookies.get(SESSION_COOKIE)
        if previous:  # signing in again (perhaps as someone else) ends the old session
            sessions.end_session(session, previous)
        lifetime = timedelta(hours=settings.web_session_max_hours)
        key = sessions.start_session(session, user, lifetime=lifetime, ip=ip, user_agent=agent)
        service.record(session, "signin", user_id=user.id, ip=ip)
        return user, key


@router.post("/signin")
async def signin(
    request: Request, email: Text = "", password: Text = "", next: Text = "/"
) -> Response:
    """Check the email and password; on success a new session and back to ``next``."""
    await check_csrf(request)
    target = safe_next(next)
    throttle: LoginThrottle = request.app.state.login_throttle
    ip = client_ip(request)
    wait = throttle.locked_for(ip, email.strip())
    if wait:
        error = f"Too many failed sign-ins. Try again in {wait} seconds."
        response = render(
            request, "signin.html", status_code=429, next=target, email=email, error=error
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user, key = await run_in_threadpool(_sign_in, request, email, password)
    if user is None:
        throttle.failed(ip, email.strip())
        log.warning("failed sign-in from %s for %r", ip, email.strip()[:254])
        error = "That email and password do not match an account. Check both and try again."
        return render(
            request, "signin.html", status_code=401, next=target, email=email, error=error
        )
    throttle.succeeded(ip)
    log.info("%s signed in from %s", user.email, ip)
    signed_in = redirect(target)
    max_age = request.app.state.settings.web_session_max_hours * 3600
    set_cookie(request, signed_in, SESSION_COOKIE, key, max_age=max_age)
    return signed_in


def _sign_out(request: Request, key: str) -> None:
    with transaction(request.app.state.settings.effective_database_url) as session:
        user_id = sessions.end_session(session, key)
        service.record(session, "signout", user_id=user_id, ip=client_ip(request))


@account.post("/signout")
async def signout(request: Request) -> Response:
    """End this session (its row is deleted) and go to the sign-in form."""
    key = request.state.principal.session_key
    if key:
        await run_in_threadpool(_sign_out, request, key)
    response = redirect("/signin")
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(request, response, "You are signed out.")
    return response


@account.get("/account/password")
async def password_form(request: Request) -> Response:
    """The change-password form."""
    return render(request, "password.html", error="")


def _change_password(request: Request, email: str, current: str, new: str) -> str:
    principal = request.state.principal
    with transaction(request.app.state.settings.effective_database_url) as session:
        if service.authenticate(session, email, current) is None:
            return "Your current password is not right."
        try:
            service.set_password(session, email, new, keep_session=principal.session_id)
        except service.AccountError as exc:
            return f"{str(exc).capitalize()}."
        service.record(
            session, "password_changed", user_id=principal.user.id, ip=client_ip(request)
        )
    return ""


@account.post("/account/password")
async def change_password(
    request: Request, user: CurrentUser, current: Text = "", new: Text = ""
) -> Response:
    """Change the password; every other session of this user is signed out."""
    error = await run_in_threadpool(_change_password, request, user.email, current, new)
    if error:
        return render(request, "password.html", status_code=422, error=error)
    return redirect_with_flash(
        request, "/settings", "Password changed. You were signed out everywhere else.", "success"
    )
