"""A recording a command was handed, decoded or refused with a clear message (exit 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ringback.console import fail

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings


def decode_or_fail(
    path: Path, settings: Settings, *, what: str, size_hint: str, redo_hint: str
) -> npt.NDArray[np.float32]:
    """16 kHz mono samples of ``path``; a missing file, one over ``max_upload_mb`` (MiB,
    counted as the inbox counts it) or one that is not audio ends the command with the
    reason. ``what`` names the file for the "no such file" hint ("the voice memo")."""
    from ringback.speech import AudioDecodeError
    from ringback.speech.audio import decode

    if not path.exists():
        fail(f"no such file: {path}", hint=f"pass the path of {what}")
    # A FIFO, device or folder is refused by decode() below with what it is, never read.
    if path.stat().st_size > settings.max_upload_mb << 20:
        fail(f"{path.name} is larger than {settings.max_upload_mb} MB", hint=size_hint)
    try:
        return decode(path)
    except AudioDecodeError as exc:
        fail(f"{path.name} is not usable audio: {exc.reason}", hint=redo_hint)
