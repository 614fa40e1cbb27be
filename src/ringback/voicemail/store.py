"""Content-addressed, durable storage of original recordings.

Every original lands under ``data_dir/recordings/ab/cd/<sha256>.<ext>`` before
anything else happens to it. The write is crash-safe (temp file in the same
directory, fsync, atomic rename, fsync of the directory) so that a power cut
leaves either the whole file or nothing; identical bytes are stored once, and
nothing here ever deletes a recording.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ringback.durable import fsync_dir
from ringback.safe_open import open_regular

# Default upload cap; the lead moves this into Settings (RINGBACK_MAX_UPLOAD_MB).
MAX_UPLOAD_MB = 200
_CHUNK = 1 << 20

# Leading bytes -> (extension, mime). Checked before the filename so that the same
# bytes always get the same extension (and therefore the same stored path).
_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"OggS", 0, "ogg", "audio/ogg"),
    (b"fLaC", 0, "flac", "audio/flac"),
    (b"ID3", 0, "mp3", "audio/mpeg"),
    (b"%PDF", 0, "pdf", "application/pdf"),
    (b"ftyp", 4, "m4a", "audio/mp4"),
    (b".snd", 0, "au", "audio/basic"),
)
_BY_EXTENSION = {
    "wav": "audio/wav",
    "gsm": "audio/gsm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "ul": "audio/basic",
    "ulaw": "audio/basic",
    "au": "audio/basic",
    "amr": "audio/amr",
    "webm": "audio/webm",
}


class TooLarge(ValueError):
    """The input is above the size cap; nothing was stored."""

    def __init__(self, size: int, cap_bytes: int) -> None:
        self.size = size
        self.cap_bytes = cap_bytes
        super().__init__(
            f"file too large: {size / 1e6:.1f} MB is above the "
            f"{cap_bytes / (1 << 20):.0f} MB upload limit (RINGBACK_MAX_UPLOAD_MB)"
        )


@dataclass(frozen=True)
class StoredFile:
    path: Path
    sha256: str
    size: int
    extension: str
    mime: str
    created: bool  # False when the same bytes were already stored


def sniff(head: bytes, filename: str | None) -> tuple[str, str]:
    """(extension, mime) from the first bytes, falling back to the filename's suffix."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav", "audio/wav"
    for magic, offset, ext, mime in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return ext, mime
    # MPEG audio frame sync without an ID3 tag.
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and head[1] != 0xFF:
        return "mp3", "audio/mpeg"
    suffix = Path(filename).suffix.lower().lstrip(".") if filename else ""
    if suffix and suffix.isalnum() and len(suffix) <= 8:
        return suffix, _BY_EXTENSION.get(suffix, "application/octet-stream")
    return "bin", "application/octet-stream"


def _existing(directory: Path, digest: str) -> Path | None:
    for candidate in directory.glob(f"{digest}.*"):
        if not candidate.name.endswith(".tmp"):
            return candidate
    return None


def recordings_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "recordings"


def store_original(
    source: Path | str | bytes | BinaryIO,
    data_dir: Path,
    *,
    filename: str | None = None,
    max_bytes: int | None = MAX_UPLOAD_MB << 20,
) -> StoredFile:
    """Copy ``source`` into the content-addressed store and return where it is.

    The bytes are hashed while they are copied into a temp file in the
    recordings directory, so the input is read once however large it is.
    Raises :class:`TooLarge` (storing nothing) above ``max_bytes``, and
    :class:`~ringback.safe_open.NotRegularFile` for a path that is not a plain file.
    """
    if isinstance(source, Path | str):
        path = Path(source)
        if filename is None:
            filename = path.name
        # A FIFO or device named .wav would block or never end: refused (NotRegularFile).
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise TooLarge(size, max_bytes)
            return _store_stream(handle, data_dir, filename, max_bytes)
    if isinstance(source, bytes | bytearray | memoryview):
        if max_bytes is not None and len(source) > max_bytes:
            raise TooLarge(len(source), max_bytes)
        return _store_stream(io.BytesIO(bytes(source)), data_dir, filename, max_bytes)
    return _store_stream(source, data_dir, filename, max_bytes)


def _store_stream(
    stream: BinaryIO, data_dir: Path, filename: str | None, max_bytes: int | None
) -> StoredFile:
    root = recordings_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".incoming-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(size, max_bytes)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        ext, mime = sniff(head, filename)
        directory = root / sha[:2] / sha[2:4]
        directory.mkdir(parents=True, exist_ok=True)
        found = _existing(directory, sha)
        if found is not None:
            # Same bytes already stored (maybe under another name): keep the first copy.
            return StoredFile(found, sha, size, found.suffix.lstrip("."), mime, created=False)
        final = directory / f"{sha}.{ext}"
        os.replace(tmp, final)
        fsync_dir(directory)
        return StoredFile(final, sha, size, ext, mime, created=True)
    finally:
        tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    """Hash a file without loading it whole (used for files refused before storing)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
