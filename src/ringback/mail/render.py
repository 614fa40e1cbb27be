"""Text and HTML bodies of the voicemail email.

Everything that came from the caller (transcript, extracted facts) is hostile input:
in HTML it passes through :func:`html.escape` exactly once, at the point where it
meets markup, and only E.164 numbers and http(s) URLs ever reach an ``href``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from ringback.timefmt import format_day, format_duration, format_when

if TYPE_CHECKING:
    from ringback.speech.types import Word

LOW_CONFIDENCE = 0.5
E164 = re.compile(r"^\+[1-9]\d{5,14}$")
_SAFE_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f<>\"']+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^\s@<>\"'()]+@[^\s@<>\"'()]+\.[^\s@<>\"'()]+$")
_WORD_PARTS = re.compile(r"^(\s*)(.*?)([\"'.,!?;:…)\]]*)(\s*)$", re.DOTALL)


@dataclass(frozen=True)
class Fact:
    """One row of the facts table: a plain-text value and its already-safe HTML."""

    label: str
    text: str
    html: str


def esc(value: str) -> str:
    return escape(value, quote=True)


def local_time(when: datetime, tz: tzinfo, *, with_time: bool = True) -> str:
    """``Thu 26 Nov, 2:00 pm`` in the user's timezone (:mod:`ringback.timefmt`); never
    "today": an email is read later than it is written."""
    if not with_time:
        return format_day(when.astimezone(tz).date(), today=datetime.now(tz).date(), named=False)
    return format_when(when, tz, relative=False)


def duration_label(seconds: float) -> str:
    """``0:27``, ``12:05``, ``1:02:03``."""
    return format_duration(seconds)


def tel_href(e164: str | None, extension: str | None = None) -> str | None:
    """``tel:+14155550137``; with an extension ``tel:+14155550137;ext=12`` (RFC 3966), so a
    phone that dials from the link dials the extension too."""
    if not (e164 and E164.match(e164)):
        return None
    ext = f";ext={extension}" if extension and extension.isdigit() else ""
    return f"tel:{e164}{ext}"


def safe_url(url: str | None) -> str | None:
    return url if url and _SAFE_URL.match(url) else None


def mailto_href(address: str) -> str | None:
    return f"mailto:{quote(address, safe='@.+-_')}" if _EMAIL.match(address) else None


# ---- transcript -----------------------------------------------------------------------


def _split_word(word: str) -> tuple[str, str, str, str]:
    m = _WORD_PARTS.match(word)
    assert m is not None  # the pattern matches any string
    return m.group(1), m.group(2), m.group(3), m.group(4)


def _joined(words: Sequence[Word]) -> list[str]:
    # faster-whisper words carry their own leading space; other recognisers may not.
    spaced = any(w.text[:1].isspace() for w in words)
    return [w.text if spaced or i == 0 else " " + w.text for i, w in enumerate(words)]


def transcript_text(
    transcript: str, words: Sequence[Word], threshold: float = LOW_CONFIDENCE
) -> tuple[str, int]:
    """Plain-text transcript with unsure words as ``[word?]``; returns (text, marked)."""
    if not words:
        return transcript.strip(), 0
    out: list[str] = []
    marked = 0
    for word, raw in zip(words, _joined(words), strict=True):
        lead, core, punct, trail = _split_word(raw)
        if core and word.probability < threshold:
            marked += 1
            core = f"[{core}?]"
        out.append(lead + core + punct + trail)
    return "".join(out).strip(), marked


def transcript_html(
    transcript: str, words: Sequence[Word], threshold: float = LOW_CONFIDENCE
) -> str:
    if not words:
        return esc(transcript.strip()).replace("\n", "<br>\n")
    out: list[str] = []
    for word, raw in zip(words, _joined(words), strict=True):
        lead, core, punct, trail = _split_word(raw)
        if core and word.probability < threshold:
            pct = round(word.probability * 100)
            core_html = (
                f'<span class="low-confidence" title="unclear: {pct}% confidence" '
                'style="background-color:#fff3bf;border-bottom:1px dotted #c92a2a;">'
                f"{esc(core)}<sup>?</sup></span>"
            )
        else:
            core_html = esc(core)
        out.append(esc(lead) + core_html + esc(punct) + esc(trail))
    return "".join(out).strip()


# ---- whole bodies ---------------------------------------------------------------------


def text_body(
    *,
    heading: str,
    facts: Sequence[Fact],
    transcript: str,
    marked: int,
    threshold: float,
    notes: Sequence[str],
    missing: str = "(no speech recognised)",
) -> str:
    width = max((len(f.label) for f in facts), default=0) + 2
    lines = [heading, "-" * min(len(heading), 72), ""]
    for fact in facts:
        value_lines = fact.text.splitlines() or [""]
        lines.append(f"{fact.label + ':':<{width}}{value_lines[0]}")
        lines += [" " * width + more for more in value_lines[1:]]
    lines += ["", "Transcript", "----------"]
    if transcript:
        for paragraph in transcript.splitlines():
            lines += textwrap.wrap(paragraph, 72, break_on_hyphens=False) or [""]
    else:
        lines += textwrap.wrap(missing, 72, break_on_hyphens=False)
    if marked:
        lines += [
            "",
            f"Words in [brackets?] were unclear (under {round(threshold * 100)}% confidence):",
            "check them against the recording before you act on them.",
        ]
    if notes:
        lines.append("")
        lines += list(notes)
    lines += ["", "-- ", "Ringback"]
    return "\n".join(lines) + "\n"


def html_body(
    *,
    heading: str,
    facts: Sequence[Fact],
    transcript_markup: str,
    marked: int,
    threshold: float,
    notes: Sequence[str],
    call_href: str | None,
    call_label: str,
    missing: str = "(no speech recognised)",
) -> str:
    rows = "\n".join(
        f'<tr><th style="text-align:left;vertical-align:top;padding:4px 12px 4px 0;'
        f'color:#555;font-weight:normal;">{esc(f.label)}</th>'
        f'<td style="padding:4px 0;">{f.html}</td></tr>'
        for f in facts
    )
    button = ""
    if call_href:
        button = (
            f'<p><a href="{esc(call_href)}" style="display:inline-block;padding:8px 16px;'
            'background:#1864ab;color:#fff;text-decoration:none;border-radius:4px;">'
            f"Call back {esc(call_label)}</a></p>"
        )
    legend = ""
    if marked:
        legend = (
            '<p style="color:#555;font-size:90%;">Highlighted words marked '
            "<sup>?</sup> were unclear (under "
            f"{round(threshold * 100)}% confidence): check them against the recording.</p>"
        )
    note_html = "".join(f'<p style="color:#555;">{esc(n)}</p>' for n in notes)
    body = transcript_markup or f"<em>{esc(missing)}</em>"
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8"><title>'
        f"{esc(heading)}</title></head>\n"
        '<body style="font-family:sans-serif;line-height:1.4;">\n'
        f"<h2>{esc(heading)}</h2>\n{button}\n"
        f'<table class="facts" style="border-collapse:collapse;">\n{rows}\n</table>\n'
        '<h3>Transcript</h3>\n<blockquote class="transcript" style="margin:0;padding:8px 12px;'
        f'border-left:3px solid #ced4da;">{body}</blockquote>\n'
        f"{legend}{note_html}\n</body></html>\n"
    )
