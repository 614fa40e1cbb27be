"""Turn whatever a voicemail system hands us into 16 kHz mono float32 samples.

Decoding goes through PyAV (FFmpeg bundled in the wheel), via faster-whisper's
``decode_audio``: WAV in any sample format (8 kHz μ-law, GSM-in-WAV), raw GSM, MP3,
OGG/Opus, M4A… all arrive the same way. Anything FFmpeg cannot read as audio raises
:class:`AudioDecodeError` with a reason a person can act on.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.speech.types import SAMPLE_RATE, AudioDecodeError, AudioInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def decode(audio: AudioInput) -> npt.NDArray[np.float32]:
    """Samples at 16 kHz, mono, float32 in [-1, 1]; raises :class:`AudioDecodeError`.

    ``audio`` is a path, the bytes of a file, or samples already at 16 kHz (float32,
    or int16 which is scaled). A missing path raises :class:`FileNotFoundError`.
    """
    import numpy as np

    if isinstance(audio, np.ndarray):
        return _from_array(audio)
    if isinstance(audio, bytes | bytearray | memoryview):
        data = bytes(audio)
        if not data:
            raise AudioDecodeError("the file is empty (0 bytes)")
        samples = _decode_source(io.BytesIO(data), what="the data")
    elif isinstance(audio, str | Path):
        path = Path(audio)
        if not path.is_file():
            raise FileNotFoundError(f"no such audio file: {path}")
        if path.stat().st_size == 0:
            raise AudioDecodeError(f"{path.name} is empty (0 bytes)")
        samples = _decode_source(str(path), what=path.name)
    else:
        raise TypeError(f"cannot transcribe a {type(audio).__name__}; pass a path, bytes or array")
    if samples.size == 0:
        raise AudioDecodeError("the file holds an audio stream but no samples")
    return samples


def _decode_source(source: str | io.BytesIO, *, what: str) -> npt.NDArray[np.float32]:
    import av
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(source, sampling_rate=SAMPLE_RATE)
    except av.error.InvalidDataError:
        raise AudioDecodeError(f"{what} is not a recognised audio format") from None
    except av.error.FFmpegError as exc:
        raise AudioDecodeError(f"{what} could not be decoded: {exc.strerror or exc}") from None
    except (IndexError, ValueError) as exc:
        # PyAV raises these when the container has no audio stream (a PDF or an image
        # that FFmpeg nevertheless recognises) or when frames are inconsistent.
        raise AudioDecodeError(f"{what} has no decodable audio stream ({exc})") from None
    return samples


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
