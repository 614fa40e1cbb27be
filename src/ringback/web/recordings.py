"""Recordings uploaded from a page (a rehearsal take, a greeting): checked before any
decoding, refused with a sentence that says what to do.

The body itself is capped by the route (``RINGBACK_WEB_MAX_UPLOAD_MB``, see
:func:`ringback.web.app.create_app`); here the declared type must be audio (what
MediaRecorder and phones produce, and the usual files), and the file must not be empty.
Whether the bytes really are audio is the decoder's call, which comes next.
"""

from __future__ import annotations

from fastapi import Request, UploadFile

from ringback.web.limits import media_type

# Media types a browser declares for a recording or an audio file. video/webm and
# video/mp4 are what some browsers call an audio-only MediaRecorder take.
AUDIO_TYPES = frozenset(
    {
        "audio/webm",
        "audio/ogg",
        "audio/opus",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
        "audio/mpeg",
        "audio/mp3",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "audio/aac",
        "audio/flac",
        "audio/x-flac",
        "video/webm",
        "video/mp4",
    }
)


class UploadRefused(ValueError):
    """The upload cannot be used; the message says why and what to do instead."""


def is_fragment_request(request: Request) -> bool:
    """Asked for by the page's own script (``Ringback.request``), which wants a fragment."""
    return request.headers.get("x-requested-with") == "ringback"


async def read_recording(request: Request, upload: UploadFile | None, *, what: str) -> bytes:
    """The bytes of an uploaded recording, or :class:`UploadRefused`."""
    limit_mb = request.app.state.settings.web_max_upload_mb
    if upload is None or (not upload.filename and not upload.size):
        raise UploadRefused(f"No recording came with the form: choose {what} or record one.")
    kind = media_type(upload.content_type)
    if kind not in AUDIO_TYPES:
        shown = kind or "no type"
        raise UploadRefused(
            f"That file is not audio ({shown}): choose {what} as a sound file "
            "(WAV, MP3, M4A, OGG or WebM), or record one here."
        )
    data = await upload.read(limit_mb * 1024 * 1024 + 1)
    if len(data) > limit_mb * 1024 * 1024:  # the route's body cap stops it first
        raise UploadRefused(f"The recording is larger than {limit_mb} MB: send a shorter one.")
    if not data:
        raise UploadRefused("The recording is empty (0 bytes): record it again.")
    return data
