"""The original as a real file for the stages that need one (FFmpeg decodes a path).

With the data folder as the store the original already is a file. Once the archive stage
has put it in an object store, the stages work on a local copy: the spool file while it
is still there, else a temporary download (removed by :class:`ArchiveStage` cleanup).
A store that is down raises :class:`~ringback.storage.StorageUnavailable`, which the
runner treats as "wait and try again".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from ringback.storage import StorageError, StorageUnavailable
from ringback.voicemail.pipeline import audio as audio_mod
from ringback.voicemail.pipeline.context import AudioInfo, VoicemailContext

TEMP_PREFIX = "ringback-voicemail-"


def with_local_copy(ctx: VoicemailContext) -> VoicemailContext:
    """``ctx`` whose ``original_path`` is a readable file (downloaded when it must be)."""
    if ctx.store is None or _is_file(ctx.original_path):
        return ctx
    key = ctx.store.key_of(ctx.location)
    if key is None:
        return ctx  # not in the object store: the path is what it is (decode says so)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=Path(key).suffix)
    try:
        with os.fdopen(fd, "wb") as out, ctx.store.open(key) as body:
            shutil.copyfileobj(body, out, 1 << 20)
    except StorageError:
        Path(name).unlink(missing_ok=True)
        raise
    except Exception as exc:  # the connection dropped mid-download
        Path(name).unlink(missing_ok=True)
        raise StorageUnavailable(f"reading {key}: {exc}") from exc
    return replace(ctx, original_path=Path(name))


def decode_original(
    ctx: VoicemailContext, max_seconds: float
) -> tuple[VoicemailContext, np.ndarray, AudioInfo]:
    """The original decoded (see :func:`ringback.voicemail.pipeline.audio.decode`), from a
    local copy when it is in the object store; a copy made for a decode that fails is
    removed at once."""
    local = with_local_copy(ctx)
    try:
        samples, info = audio_mod.decode(local.original_path, max_seconds=max_seconds)
    except BaseException:
        if local is not ctx:
            local.original_path.unlink(missing_ok=True)
        raise
    return local, samples, info


def _is_file(path: Path) -> bool:
    return str(path) not in ("", ".") and path.is_file()
