"""Settings (issue 15 §3): your profile (your name and number, what your scripts,
greeting and follow-up emails say), your greeting (upload or record, checked, made live
only when it passes), your phone lines, where mail goes (and a test message), your account.

The greeting goes through :mod:`ringback.telephony.greeting_service` (as ``ringback
greeting upload --strict``), the test message through :func:`ringback.mail.service.
send_test_message` (as ``ringback mail test``), the webhooks through
:mod:`ringback.web.pages.webhooks`. Lines and mail are read from settings:
they change in the environment or ``.env``, so the page says which variable to set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.lines import LineKind
from ringback.web.auth import CurrentUser, require, signed_in_router
from ringback.web.recordings import UploadRefused, is_fragment_request, read_recording
from ringback.web.render import redirect_with_flash, render

if TYPE_CHECKING:
    from ringback.accounts.service import UserView
    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings
    from ringback.telephony.greeting_service import CheckedGreeting

router = signed_in_router()
uploads = signed_in_router()  # included with the upload body limit (create_app)

LINE_NAMES = {LineKind.PERSONAL: "Your personal line", LineKind.PROSPECT: "Prospect lines"}


def lines_view(
    settings: Settings, speaker: Speaker, own_prospects: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Your number (your profile's, see ``accounts.profile``) and the prospect lines (the
    install's, RINGBACK_PROSPECT_NUMBERS, and ``own_prospects``, your team lines added as
    prospect lines), formatted to read."""
    from ringback.lines import prospect_line_numbers
    from ringback.phones import international

    def shown(raw: str) -> str:
        return international(raw, settings.default_region) or raw

    return {
        "owner_phone": shown(speaker.phone) if speaker.phone else "",
        "prospect": sorted({shown(n) for n in prospect_line_numbers(settings) | own_prospects}),
        "prospect_notify_to": settings.prospect_notify_to,
    }


def mail_view(settings: Settings) -> dict[str, str]:
    """Where mail goes and to whom."""
    from ringback.mail.compose import recipients
    from ringback.mail.service import mail_destination

    return {"destination": mail_destination(settings), "to": recipients(settings)}


def _own_prospects(request: Request, speaker: Speaker) -> frozenset[str]:
    """The signed-in user's team lines of kind prospect (none before teams)."""
    from ringback.accounts.lines import prospect_numbers
    from ringback.web.auth import user_transaction

    if speaker.user_id is None:
        return frozenset()
    with user_transaction(request) as session:
        return prospect_numbers(session, user_id=speaker.user_id)


def speaker_of(request: Request) -> Speaker:
    """Who the signed-in user speaks as (their profile, else the owner settings)."""
    from ringback.accounts.profile import acting_speaker
    from ringback.web.auth import user_transaction

    with user_transaction(request) as session:
        return acting_speaker(session, settings=request.app.state.settings)


async def settings_view(request: Request, status_code: int = 200, **context: Any) -> Response:
    """The Settings page with ``context`` (a form's result) filled in."""
    from ringback.telephony.greeting_service import line_greetings
    from ringback.web.pages.webhooks import webhooks_view

    settings = request.app.state.settings
    speaker = await run_in_threadpool(speaker_of, request)
    own_prospects = await run_in_threadpool(_own_prospects, request, speaker)
    user = getattr(request.state, "user", None)
    values: dict[str, Any] = {
        "profile_error": "",
        "profile_form": {"name": user.name if user else "", "phone": _phone_shown(user, settings)},
        "checked": None,
        "greeting_error": "",
        "line": "personal",
        "new_webhook": None,
        "webhook_error": "",
        "webhook_url": "",
        **context,
    }
    hooks = await run_in_threadpool(webhooks_view, request, getattr(request.state, "user", None))
    return render(
        request,
        "pages/settings.html",
        status_code=status_code,
        greetings=line_greetings(settings, speaker),
        line_names=LINE_NAMES,
        lines=lines_view(settings, speaker, own_prospects),
        speaker=speaker,
        owner_settings=_owner_settings(settings, speaker),
        mail=mail_view(settings),
        upload_limit_mb=settings.web_max_upload_mb,
        webhooks=hooks,
        **values,
    )


@router.get("/settings")
async def settings_page(request: Request) -> Response:
    """The Settings page."""
    return await settings_view(request)


def _check_greeting(request: Request, audio: bytes, line: LineKind, name: str) -> Any:
    from ringback.telephony.greeting_service import check_and_store
    from ringback.telephony.greetings import GreetingError

    settings = request.app.state.settings
    speaker = speaker_of(request)  # it must say the name of who records it
    try:
        return check_and_store(
            audio, settings, line=line, source_name=name[:200], strict=True, speaker=speaker
        )
    except GreetingError as exc:
        return f"That recording cannot be your greeting: {exc}."


def _line_kind(line: str) -> LineKind:
    return LineKind(line) if line in {k.value for k in LineKind} else LineKind.PERSONAL


# Every signed-in user's own greeting (the first owner's is the install's): no permission
# beyond signing in, and no form field says whose, so nobody reaches another's.
@uploads.post("/settings/greeting")
async def upload_greeting(
    request: Request,
    greeting: Annotated[UploadFile | None, File()] = None,
    line: Annotated[str, Form(max_length=20)] = "personal",
) -> Response:
    """Check a recorded or uploaded greeting; it goes live only when it passes."""
    kind = _line_kind(line)
    try:
        audio = await read_recording(request, greeting, what="your greeting")
        name = greeting.filename if greeting and greeting.filename else "recorded in the browser"
        result = await run_in_threadpool(_check_greeting, request, audio, kind, name)
    except UploadRefused as exc:
        result = str(exc)
    error = result if isinstance(result, str) else ""
    checked: CheckedGreeting | None = None if error else result
    status = 422 if error or (checked is not None and checked.stored is None) else 200
    context = {"checked": checked, "greeting_error": error, "line": kind.value}
    if is_fragment_request(request):
        return render(
            request,
            "pages/settings_greeting.html",
            status_code=status,
            line_names=LINE_NAMES,
            **context,
        )
    return await settings_view(request, status, **context)


def _remove_greeting(request: Request, line: LineKind) -> bool:
    from ringback.telephony.greeting_service import remove_greeting

    speaker = speaker_of(request)
    return remove_greeting(request.app.state.settings, line=line, speaker=speaker)


@router.post("/settings/greeting/remove")
async def remove_greeting_form(
    request: Request, line: Annotated[str, Form(max_length=20)] = "personal"
) -> Response:
    """Take the signed-in user's own recorded greeting for ``line`` down."""
    kind = _line_kind(line)
    removed = await run_in_threadpool(_remove_greeting, request, kind)
    name = LINE_NAMES[kind].lower()
    text = (
        f"Your recorded greeting on {name} is removed."
        if removed
        else f"You have no recorded greeting on {name}: nothing was removed."
    )
    return redirect_with_flash(request, "/settings#greeting", text, "success")


def _owner_settings(settings: Settings, speaker: Speaker) -> list[str]:
    """The RINGBACK_OWNER_* settings that come before the install owner's profile."""
    if not (speaker.from_settings_too and speaker.profile_of):
        return []
    given = (
        ("RINGBACK_OWNER_NAME", settings.owner_name),
        ("RINGBACK_OWNER_PHONE", settings.owner_phone),
    )
    return [var for var, value in given if (value or "").strip()]


def _phone_shown(user: Any, settings: Settings) -> str:
    from ringback.phones import international

    phone = user.phone if user is not None else None
    return (international(phone, settings.default_region) or phone) if phone else ""


def _save_profile(request: Request, user: UserView, name: str, phone: str) -> UserView:
    from ringback.accounts.profile import edit_profile
    from ringback.web.auth import user_transaction

    region = request.app.state.settings.default_region
    with user_transaction(request) as session:
        return edit_profile(session, user.email, name=name, phone=phone, region=region, by=user)


@router.post("/settings/profile")
async def save_profile(
    request: Request,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Save the signed-in user's name and number; a bad number is said, what was typed kept."""
    from ringback.accounts.service import AccountError

    try:
        saved = await run_in_threadpool(_save_profile, request, user, name, phone)
    except AccountError as exc:
        error = f"Your profile was not saved: {exc}."
        form = {"name": name, "phone": phone}
        return await settings_view(request, 422, profile_error=error, profile_form=form)
    said = saved.name or "no name yet"
    text = f"Your profile is saved: your scripts, greeting and follow-up emails now say {said}."
    return redirect_with_flash(request, "/settings#profile", text, "success")


def _send_test(settings: Settings, to: str) -> tuple[str, str]:
    from ringback.mail.protocol import MailConfigError, MailDeliveryError
    from ringback.mail.service import send_test_message

    try:
        sent = send_test_message(settings, to=to or None)
    except (MailConfigError, MailDeliveryError) as exc:
        hint = "Fix the RINGBACK_SMTP_* settings (environment or .env) and try again."
        return f"The test message was not sent: {exc}. {hint}", "error"
    return f"Test message sent to {sent.to} through {sent.via}.", "success"


@router.post("/settings/mail/test", dependencies=[require("manage_settings")])
async def mail_test(request: Request, to: Annotated[str, Form(max_length=254)] = "") -> Response:
    """Send a test email now (not through the outbox), and say how it went."""
    from ringback.mail.compose import one_line

    address = one_line(to)
    if address and ("@" not in address or " " in address):
        text, level = f"“{address}” is not an email address: write it as name@example.com.", "error"
    else:
        text, level = await run_in_threadpool(_send_test, request.app.state.settings, address)
    return redirect_with_flash(request, "/settings#mail", text, level)


@router.post("/settings/webhooks")
async def add_webhook(
    request: Request,
    user: CurrentUser,
    url: Annotated[str, Form(max_length=2000)] = "",
    events: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Add a webhook; the page that answers shows its secret, this once."""
    from ringback.outbound.service import WebhookError
    from ringback.web.pages.webhooks import add_for, private_note

    try:
        added = await run_in_threadpool(add_for, request, user, url, events or [])
    except WebhookError as exc:
        error = f"That webhook was not added: {exc}. {exc.hint[:1].upper()}{exc.hint[1:]}."
        return await settings_view(request, 422, webhook_error=error, webhook_url=url)
    note = await run_in_threadpool(private_note, request, added.endpoint.url)
    return await settings_view(request, 200, new_webhook=added, webhook_error=note)
