"""The TwiML Ringback answers calls with, built with the ``twilio`` package.

Seed 003 for the caller: be reassured you reached the right person (the owner's own
greeting, or their name said), a short prompt, no buttons to press, no mechanical
preamble to wait through: greeting, beep, record. Optionally the owner's mobile (or, on a
prospect line, a colleague) is rung first and the greeting plays only on no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Required, TypedDict, Unpack
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import VoiceResponse

from ringback.lines import LineKind

VOICE_PATH = "/telephony/twilio/voice"
RECORDING_PATH = "/telephony/twilio/recording"
RECORDED_PATH = "/telephony/twilio/recorded"
INTAKE_PATH = "/telephony/twilio/intake"
# Call status callbacks (set on the number or the outbound call): outcomes for tracking.
STATUS_PATH = "/telephony/twilio/status"
GREETINGS_PATH = "/telephony/greetings"

# Twilio's DialCallStatus when the rung phone picked up: the call is over, nothing to record.
ANSWERED = "completed"
INTAKE_MAX_CHARS = 500  # what a prospect said to <Gather>, carried in the callback URL


@dataclass(frozen=True)
class CallPlan:
    """Everything the TwiML depends on, decided by the web layer from settings and the call."""

    line: LineKind
    base_url: str  # scheme://host[/prefix] Twilio reaches us at, no trailing slash
    owner_name: str = ""
    owner_company: str = ""
    greeting_url: str | None = None  # the uploaded greeting for this line, if any
    ring_first: str = ""  # a number to <Dial> before the greeting; empty = none
    ring_seconds: int = 15
    max_length: int = 120
    play_beep: bool = True
    silence_timeout: int = 5
    gather_speech: bool = False  # prospect intake by speech before the recording


class CallFacts(TypedDict, total=False):
    """What the webhook knows of a call and the recording callback carries: the caller's
    number, the number they called, and the caller's name when the carrier gives one."""

    from_number: Required[str | None]
    to_number: Required[str | None]
    caller_name: str | None


def spoken_greeting(plan: CallPlan) -> str:
    """The fallback greeting when no recording was uploaded: short, and it says the name."""
    name = plan.owner_name.strip()
    company = plan.owner_company.strip()
    if plan.line is LineKind.PROSPECT:
        who = company or name
        thanks = f"Thanks for calling {who}." if who else "Thanks for calling."
        return f"{thanks} Please leave your name, your company and what you need, and we'll call you back."
    if name:
        return f"Hi, you've reached {name}. Leave a message and I'll call you back."
    return "Please leave a message and you'll get a call back."


def recording_callback_url(
    plan: CallPlan, *, intake: str | None = None, **call: Unpack[CallFacts]
) -> str:
    """Where Twilio posts the RecordingStatusCallback. Twilio's recording callback does not
    carry From/To, so the call's facts travel in the URL, which Twilio signs with the rest."""
    query: dict[str, str] = {"line": str(plan.line)}
    from_number, to_number = call["from_number"], call["to_number"]
    caller_name = call.get("caller_name")
    if from_number:
        query["from"] = from_number
    if to_number:
        query["to"] = to_number
    if caller_name:
        query["caller"] = caller_name[:100]
    if intake:
        query["intake"] = intake[:INTAKE_MAX_CHARS]
    return f"{plan.base_url}{RECORDING_PATH}?{urlencode(query)}"


def loggable_url(url: str, *, region: str) -> str:
    """A webhook URL fit for a log line: the call's facts that :func:`recording_callback_url`
    put in its query are masked (numbers to ``+1 212-•••-••99``, the caller's name to
    initials, what they said to <Gather> left out), and any secret parameter too."""
    from ringback.redact import initials, mask_phone, mask_url

    parts = urlsplit(url)
    if not parts.query:
        return mask_url(url)
    shown = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in ("from", "to"):
            value = mask_phone(value, region=region)
        elif key == "caller":
            value = initials(value)
        elif key == "intake":
            value = "…" if value else ""
        shown.append(f"{key}={value}")
    return mask_url(parts._replace(query="&".join(shown)).geturl())


def _greeting(target: VoiceResponse, plan: CallPlan) -> None:
    if plan.greeting_url:
        target.play(plan.greeting_url)
    else:
        target.say(spoken_greeting(plan))


def _record(response: VoiceResponse, plan: CallPlan, callback: str) -> str:
    """Record after what ``response`` says so far; the finished TwiML."""
    response.record(
        action=plan.base_url + RECORDED_PATH,
        method="POST",
        max_length=plan.max_length,
        play_beep=plan.play_beep,
        timeout=plan.silence_timeout,
        finish_on_key="",  # no key ends the message: nobody is told to press anything
        trim="trim-silence",
        recording_status_callback=callback,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed absent",
    )
    response.hangup()  # an empty recording skips the action URL and falls through to here
    return str(response.to_xml())


# Stands in for the per-call callback URL in a cached template (never a real URL: no scheme).
_CALLBACK = "RINGBACK-RECORDING-CALLBACK"


def _attribute(value: str) -> str:
    """Escaped as ElementTree escapes an attribute value."""
    return escape(value, _ATTRIBUTE_ENTITIES)


_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}


def build_voice_response(
    plan: CallPlan, *, dial_status: str | None = None, **call: Unpack[CallFacts]
) -> str:
    """TwiML for ``/telephony/twilio/voice``, built afresh with the twilio package."""
    response = VoiceResponse()
    if dial_status is not None and dial_status.lower() == ANSWERED:
        response.hangup()  # the phone we rang was answered and the call has ended
        return str(response.to_xml())
    if dial_status is None and plan.ring_first:
        dial = response.dial(
            action=plan.base_url + VOICE_PATH,
            method="POST",
            timeout=plan.ring_seconds,
            answer_on_bridge=True,
        )
        dial.number(plan.ring_first)
        return str(response.to_xml())
    if plan.line is LineKind.PROSPECT and plan.gather_speech:
        gather = response.gather(
            input="speech",
            action=plan.base_url + INTAKE_PATH,
            method="POST",
            speech_timeout="auto",
            action_on_empty_result=True,
        )
        _greeting(gather, plan)
        return str(response.to_xml())
    callback = (
        _CALLBACK if call["from_number"] is _TEMPLATE else recording_callback_url(plan, **call)
    )
    _greeting(response, plan)
    return _record(response, plan, callback)


_TEMPLATE = "\0template"  # a from_number no call has: asks for the callback placeholder


@lru_cache(maxsize=256)
def _template(plan: CallPlan, answered: bool, dialled: bool) -> tuple[str, bool]:
    """The TwiML for a plan and branch, with the callback URL left as a placeholder."""
    xml = build_voice_response(
        plan,
        from_number=_TEMPLATE,
        to_number=None,
        dial_status=(ANSWERED if answered else "no-answer") if dialled else None,
    )
    return xml, _CALLBACK in xml


def voice_response(
    plan: CallPlan, *, dial_status: str | None = None, **call: Unpack[CallFacts]
) -> str:
    """TwiML for ``/telephony/twilio/voice``: a new call, or the return from ringing a phone.

    The same as :func:`build_voice_response`, but from a cached template per plan: only
    the recording callback URL (which carries the call's numbers) differs between calls,
    so the XML is built once and the URL substituted, escaped as ElementTree escapes it.
    """
    dialled = dial_status is not None
    answered = dialled and str(dial_status).lower() == ANSWERED
    xml, has_callback = _template(plan, answered, dialled)
    if not has_callback:
        return xml
    url = recording_callback_url(plan, **call)
    return xml.replace(_CALLBACK, _attribute(url), 1)


def intake_response(plan: CallPlan, *, speech: str | None = None, **call: Unpack[CallFacts]) -> str:
    """After a prospect answered the <Gather>: a one-line thanks, then the recording."""
    response = VoiceResponse()
    said = " ".join((speech or "").split())
    response.say(
        "Thank you. Add anything else after the tone."
        if said
        else "Please leave your message after the tone."
    )
    callback = recording_callback_url(plan, intake=said or None, **call)
    return _record(response, plan, callback)


def hangup_response() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response.to_xml())
