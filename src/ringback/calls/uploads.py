"""Keeping an uploaded call recording: streamed to disk, checked, then stored for good.

The bytes go to a temporary file beside the store a chunk at a time (hashed as they pass,
never held in memory), and only a file that passes every check is renamed into
``data_dir/calls/recordings/<sha256>.<ext>``. A refusal deletes the temporary file, so a
refused upload leaves nothing behind. Whether it is audio is decided by FFmpeg reading
the content (PyAV), never by the file's name or the browser's Content-Type.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ringback.calls.audio import CallAudioError, probe
from ringback.durable import fsync_dir
from ringback.errors import HintedError

CHUNK = 1 << 20

# FFmpeg's demuxer names -> the extension the stored file gets (browsers pick the audio
# player's decoder by content, so the extension only helps a person browsing the folder).
EXTENSIONS = {
    "wav": "wav",
    "mp3": "mp3",
    "ogg": "ogg",
    "flac": "flac",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "matroska,webm": "webm",
    "aac": "aac",
    "au": "au",
    "amr": "amr",
}


class UploadRefused(HintedError):
    """An upload that is not kept; the message says why and ``hint`` what to do next."""


@dataclass(frozen=True)
class StoredCall:
    """A kept recording: where, its SHA-256, size in bytes, channels and seconds."""

    path: Path
    sha256: str
    size: int
    channels: int
    seconds: float


# A finished review's result, in its folder next to the report files (review_job).
RESULT = "review.json"


def recordings_dir(data_dir: Path) -> Path:
    """Where uploaded call recordings are kept."""
    return Path(data_dir) / "calls" / "recordings"


def reviews_dir(data_dir: Path) -> Path:
    """Where finished reviews are kept, one folder per review id."""
    return Path(data_dir) / "calls" / "reviews"


def store_call_upload(
    stream: BinaryIO, *, data_dir: Path, max_bytes: int, max_minutes: int
) -> StoredCall:
    """Copy ``stream`` into the store if it is a call recording under both limits;
    UploadRefused (nothing stored) if it is empty, too large, not audio or too long."""
    root = recordings_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=root, prefix=".incoming-", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            sha, size = _copy(stream, out, max_bytes)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadRefused("the file is empty", "choose the call's recording file")
        channels, seconds, ext = _check_audio(tmp, max_minutes)
        final = root / f"{sha}.{ext}"
        if not final.exists():  # the same bytes uploaded twice are kept once
            os.replace(tmp, final)
            fsync_dir(root)
        return StoredCall(final, sha, size, channels, seconds)
    finally:
        tmp.unlink(missing_ok=True)


def _copy(stream: BinaryIO, out: BinaryIO, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused(
                f"the recording is larger than the {max_bytes / (1 << 20):.0f} MB upload limit",
                "upload a shorter or compressed recording (MP3, M4A), or raise "
                "RINGBACK_WEB_MAX_UPLOAD_MB",
            )
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest(), size


def _check_audio(path: Path, max_minutes: int) -> tuple[int, float, str]:
    """(channels, seconds, extension) of the audio in ``path``, read from its content."""
    import av

    try:
        channels, seconds = probe(path)
        with av.open(str(path)) as container:
            kind = container.format.name
    except (CallAudioError, av.error.FFmpegError, OSError):
        raise UploadRefused(
            "that file is not an audio recording",
            "upload the call's recording (WAV, MP3, M4A, OGG, FLAC or WebM)",
        ) from None
    if seconds > max_minutes * 60:
        raise UploadRefused(
            f"the recording is {seconds / 60:.0f} minutes long; the limit is {max_minutes} minutes",
            "split the recording, or raise RINGBACK_CALL_MAX_MINUTES",
        )
    return channels, seconds, EXTENSIONS.get(kind, kind.split(",")[0][:8] or "audio")
