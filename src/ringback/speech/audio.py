"""Turn whatever a voicemail system hands us into 16 kHz mono float32 samples.

Decoding goes through PyAV (FFmpeg bundled in the wheel): WAV in any sample format
(8 kHz μ-law, GSM-in-WAV), raw GSM, MP3, OGG/Opus, M4A… all arrive the same way, with
the header checked first and memory capped (:mod:`ringback.speech.bounded`). Anything
FFmpeg cannot read as audio, and anything that is not a plain file (a FIFO named
``.wav``), raises :class:`AudioDecodeError` with a reason a person can act on.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ringback.safe_open import NotRegularFile, open_regular
from ringback.speech.bounded import CEILING_SECONDS, Samples, check_header, resample_into
from ringback.speech.types import SAMPLE_RATE, AudioDecodeError, AudioInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def decode(audio: AudioInput, *, max_seconds: float = CEILING_SECONDS) -> npt.NDArray[np.float32]:
    """Samples at 16 kHz, mono, float32 in [-1, 1]; raises :class:`AudioDecodeError`.

    ``audio`` is a path, the bytes of a file, or samples already at 16 kHz (float32,
    or int16 which is scaled). A missing path raises :class:`FileNotFoundError`; a
    recording longer than ``max_seconds`` (by its header or once decoded) raises
    :class:`~ringback.speech.bounded.TooLong`, an :class:`AudioDecodeError`.
    """
    import numpy as np

    if isinstance(audio, np.ndarray):
        return _from_array(audio)
    if isinstance(audio, bytes | bytearray | memoryview):
        data = bytes(audio)
        if not data:
            raise AudioDecodeError("the file is empty (0 bytes)")
        samples = _decode_source(io.BytesIO(data), what="the data", max_seconds=max_seconds)
    elif isinstance(audio, str | Path):
        path = Path(audio)
        if not path.exists():
            raise FileNotFoundError(f"no such audio file: {path}")
        try:
            handle = open_regular(path)
        except NotRegularFile as exc:
            raise AudioDecodeError(str(exc)) from None
        with handle:
            if os.fstat(handle.fileno()).st_size == 0:
                raise AudioDecodeError(f"{path.name} is empty (0 bytes)")
            samples = _decode_source(handle, what=path.name, max_seconds=max_seconds)
    else:
        raise TypeError(f"cannot transcribe a {type(audio).__name__}; pass a path, bytes or array")
    if samples.size == 0:
        raise AudioDecodeError("the file holds an audio stream but no samples")
    return samples


def _decode_source(source: BinaryIO, *, what: str, max_seconds: float) -> npt.NDArray[np.float32]:
    import av

    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            check_header(container, stream, max_seconds=max_seconds)
            samples = Samples((container.duration or 0) / 1_000_000, max_seconds)
            resample_into(samples, _valid_frames(container.decode(stream)))
            return samples.array()
    except AudioDecodeError:
        raise  # the header check or the cap: its reason already says what is wrong
    except av.error.InvalidDataError:
        raise AudioDecodeError(f"{what} is not a recognised audio format") from None
    except av.error.FFmpegError as exc:
        raise AudioDecodeError(f"{what} could not be decoded: {exc.strerror or exc}") from None
    except (IndexError, ValueError) as exc:
        # PyAV raises these when the container has no audio stream (a PDF or an image
        # that FFmpeg nevertheless recognises) or when frames are inconsistent.
        raise AudioDecodeError(f"{what} has no decodable audio stream ({exc})") from None


def _valid_frames(frames: Iterator[Any]) -> Iterator[Any]:
    """The frames FFmpeg could decode: one damaged frame should not lose the recording."""
    import av

    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue
        yield frame


def _from_array(audio: npt.NDArray[np.generic]) -> npt.NDArray[np.float32]:
    import numpy as np

    if audio.ndim != 1:
        raise AudioDecodeError(
            f"expected mono samples (a 1-D array), got shape {audio.shape}; mix down first"
        )
    if audio.dtype == np.int16:
        return audio.astype(np.float32) / 32768.0
    if not np.issubdtype(audio.dtype, np.floating):
        raise AudioDecodeError(f"expected float32 samples at 16 kHz, got dtype {audio.dtype}")
    samples = np.ascontiguousarray(audio, dtype=np.float32)
    if samples.size == 0:
        raise AudioDecodeError("the array holds no samples")
    if not np.isfinite(samples).all():
        raise AudioDecodeError("the samples contain NaN or infinity")
    return samples


def duration_of(samples: npt.NDArray[np.float32]) -> float:
    return float(samples.shape[0]) / SAMPLE_RATE
