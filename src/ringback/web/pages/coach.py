"""Coach (issue 15 §3): score a voicemail script as you type, compose scripts from a
contact's back story, and rehearse a take recorded in the browser.

Every answer comes from :mod:`ringback.coach.service` (the functions ``ringback coach``
calls). The page's script (``static/coach.js``) asks ``/coach/score`` and
``/coach/rehearse`` for HTML fragments (header ``X-Requested-With: ringback``); without
it the same forms post and get the whole page back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.web.auth import signed_in_router, user_transaction
from ringback.web.recordings import UploadRefused, is_fragment_request, read_recording
from ringback.web.render import render

if TYPE_CHECKING:
    from ringback.coach.rehearse import Rehearsal
    from ringback.coach.scoring import Score
    from ringback.contacts.profile import ContactProfile

router = signed_in_router()
uploads = signed_in_router()  # included with the upload body limit (create_app)

PICKER_LIMIT = 500  # contacts offered in the picker; more are found by the Contacts page
REHEARSAL_MAX_SECONDS = 180.0  # a voicemail take is under a minute; three is generous
Script = Annotated[str, Form(max_length=100_000)]
Short = Annotated[str, Form(max_length=300)]


def _picker(request: Request) -> list[dict[str, Any]]:
    from ringback.contacts.service import contact_choices

    with user_transaction(request) as session:
        return [
            {"id": c.id, "name": c.name, "company": c.company}
            for c in contact_choices(session, limit=PICKER_LIMIT)
        ]


def _profile(request: Request, contact: str) -> ContactProfile | None:
    """The chosen contact's profile; None for "no one" or a contact that is gone."""
    from ringback.coach.service import contact_profile
    from ringback.contacts.service import ContactNotFound
    from ringback.inputs import as_id

    cid = as_id(contact) if contact else None
    if cid is None:
        return None
    settings = request.app.state.settings
    with user_transaction(request) as session:
        try:
            return contact_profile(session, ref=cid, region=settings.default_region)
        except ContactNotFound:
            return None


def _verdict(credit: float, passed: bool) -> str:
    return "met" if passed else "partly" if credit > 0 else "not"


def score_view(text: str, profile: ContactProfile | None) -> dict[str, Any]:
    """What the findings fragment shows: the score and each rule's verdict, or why the
    text cannot be scored (empty, too long, not English) and what to do."""
    from ringback.coach.service import score_draft
    from ringback.coach.text import ScriptError

    if not text.strip():
        return {"score": None, "error": "", "hint": "", "profile": profile}
    try:
        result: Score = score_draft(text=text, profile=profile)
    except ScriptError as exc:
        return {"score": None, "error": str(exc), "hint": exc.hint, "profile": profile}
    findings = [{"f": f, "verdict": _verdict(f.credit, f.passed)} for f in result.findings]
    return {"score": result, "findings": findings, "error": "", "hint": "", "profile": profile}


async def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {
        "text": "",
        "contact": "",
        "scored": score_view("", None),
        "composed": None,
        "compose_error": "",
        "rehearsal": None,
        "delivery": [],
        "rehearsal_error": "",
        **context,
    }
    contacts = await run_in_threadpool(_picker, request)
    limit = request.app.state.settings.web_max_upload_mb
    return render(
        request,
        "pages/coach.html",
        status_code=status_code,
        contacts=contacts,
        upload_limit_mb=limit,
        **values,
    )


@router.get("/coach")
async def coach_page(request: Request) -> Response:
    """The Coach page: a script box scored as you type, compose, rehearse."""
    return await _page(request)


@router.post("/coach/score")
async def score(request: Request, text: Script = "", contact: Short = "") -> Response:
    """The score and findings for ``text`` (against ``contact``'s goals when chosen)."""
    profile = await run_in_threadpool(_profile, request, contact) if contact else None
    scored = score_view(text, profile)
    if is_fragment_request(request):
        return render(request, "pages/coach_findings.html", scored=scored)
    status = 422 if scored["error"] else 200
    return await _page(request, status, text=text, contact=contact, scored=scored)


def _compose(request: Request, contact: str, fields: dict[str, str | None]) -> Any:
    from ringback.coach.service import compose_voicemails
    from ringback.contacts.service import ContactNotFound
    from ringback.inputs import as_id

    cid = as_id(contact)
    if cid is None:
        return "Choose a contact to compose for."
    settings = request.app.state.settings
    try:
        with user_transaction(request) as session:
            return compose_voicemails(session, contact_ref=cid, settings=settings, **fields)
    except ContactNotFound:
        return "That contact is no longer there: choose another."


@router.post("/coach/compose")
async def compose(
    request: Request,
    contact: Short = "",
    reason: Short = "",
    value: Short = "",
    next_step: Short = "",
) -> Response:
    """Scored voicemail variants written from the contact's back story, best first."""
    fields = {"reason": reason, "value": value, "next_step": next_step}
    given = {k: v.strip() or None for k, v in fields.items()}
    composed = await run_in_threadpool(_compose, request, contact, given)
    error = composed if isinstance(composed, str) else ""
    composed = None if error else composed
    if is_fragment_request(request):
        return render(
            request,
            "pages/coach_variants.html",
            status_code=422 if error else 200,
            composed=composed,
            compose_error=error,
        )
    return await _page(
        request, 422 if error else 200, contact=contact, composed=composed, compose_error=error
    )


def _rehearse(request: Request, audio: bytes, script: str | None) -> Rehearsal | str:
    """The delivery report for a take, or a sentence saying why there is none."""
    from ringback.coach.rehearse import NoSpeech
    from ringback.coach.service import rehearse_take
    from ringback.speech import AudioDecodeError, SpeechError
    from ringback.speech.audio import decode

    try:
        samples = decode(audio, max_seconds=REHEARSAL_MAX_SECONDS)
    except AudioDecodeError as exc:
        return f"That recording could not be read as audio ({exc}): record the take again."
    settings = request.app.state.settings
    try:
        return rehearse_take(samples=samples, script=script, settings=settings)
    except NoSpeech:
        return "No words were heard in the take: check the microphone and record it again."
    except SpeechError as exc:
        return f"The take could not be transcribed ({exc}): try again in a moment."


def delivery_rows(r: Rehearsal) -> list[tuple[str, str, bool | None]]:
    """The delivery report as (measure, what was measured, within the target?) rows."""
    from ringback.coach.rehearse import MAX_DIGITS_PER_SECOND, MONOTONE_SEMITONES, RATE_RANGE

    low, high = RATE_RANGE
    rows: list[tuple[str, str, bool | None]] = [
        ("Length", f"{r.duration:.1f} s ({r.speech_seconds:.1f} s of speech)", None),
        (
            "Pace",
            f"{r.words_per_minute:.0f} words a minute (aim for {low:.0f}–{high:.0f})",
            low <= r.words_per_minute <= high,
        ),
        ("Pauses", f"{r.pauses}, the longest {r.longest_pause:.1f} s", r.long_pauses == 0),
        ("Filler words", f"{r.fillers} (um, uh, like…)", r.fillers == 0),
    ]
    if r.pitch_variation_semitones is not None:
        lively = r.pitch_variation_semitones >= MONOTONE_SEMITONES
        tone = "lively" if lively else "flat: vary your pitch"
        rows.append(
            ("Voice", f"{r.pitch_variation_semitones:.1f} semitones of pitch ({tone})", lively)
        )
    for n in r.numbers:
        slow = n.digits_per_second <= MAX_DIGITS_PER_SECOND
        pace = "slow enough to write down" if slow else "too fast to write down"
        rows.append(
            (
                "Your number",
                f"{n.digits_per_second:.1f} digits a second, {pace} (“{n.text}”)",
                slow,
            )
        )
    if not r.numbers:
        rows.append(("Your number", "not heard", False if r.script_number else None))
    if r.script_similarity is not None:
        rows.append(("Matches the script", f"{r.script_similarity:.0%}", None))
    return rows


@uploads.post("/coach/rehearse")
async def rehearse(
    request: Request,
    take: Annotated[UploadFile | None, File()] = None,
    script: Script = "",
) -> Response:
    """Measure a recorded take: pace, pauses, fillers, how slowly the number was said,
    how far it strayed from the script, and the top three changes."""
    try:
        audio = await read_recording(request, take, what="a recording of your take")
        result = await run_in_threadpool(_rehearse, request, audio, script.strip() or None)
    except UploadRefused as exc:
        result = str(exc)
    error = result if isinstance(result, str) else ""
    report = {
        "rehearsal": None if isinstance(result, str) else result,
        "delivery": [] if isinstance(result, str) else delivery_rows(result),
        "rehearsal_error": error,
    }
    status = 422 if error else 200
    if is_fragment_request(request):
        return render(request, "pages/coach_rehearsal.html", status_code=status, **report)
    return await _page(request, status, text=script, **report)
