"""Cutting a long recording into pieces the engine can transcribe in bounded memory.

faster-whisper's ``WhisperModel.transcribe`` builds the log-mel spectrogram of all the
(VAD-kept) speech it is given before decoding a single window: several full-length float
arrays, about 55-70 MB per minute of speech (``docs/benchmarks.md``, one-hour message:
3.5 GB peak for an hour). Handing it the recording a piece at a time, each piece cut in a
silence, bounds that to one piece's worth whatever the length of the message.

The cuts are planned on Silero VAD speech runs (faster-whisper's bundled model, offline)
found with the same options the transcription uses, so a cut never falls inside speech
the decoder would have heard: it lands in the middle of a gap between two runs (or as
close to it as the maximum piece length allows). Only a single run of speech longer than
the maximum is split hard, at the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Longest piece, in seconds, handed to the engine at once. Five minutes keeps the
#: spectrogram and its intermediates to roughly 0.3-0.35 GB on top of the ~0.2 GB base
#: (so an hour stays well under the 1.5 GB target with the 230 MB of samples), while
#: nearly every voicemail (minutes long) is one piece and takes the unchanged path.
#: Shorter pieces would save little more memory but cut more often, and each cut is a
#: place where Whisper loses the context of what came before.
MAX_PIECE_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch ``[start, end)`` of the recording, in samples; ``speech`` says whether
    any VAD speech run falls inside it (a piece without speech need not be decoded)."""

    start: int
    end: int
    speech: bool


def speech_runs(
    samples: npt.NDArray[np.float32],
    *,
    min_silence_ms: int,
    speech_pad_ms: int,
) -> list[tuple[int, int]]:
    """Silero VAD speech runs ``(start, end)`` in samples, padded as the transcription
    pads them (faster-whisper's ``get_speech_timestamps``, offline)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms)
    return [
        (int(run["start"]), int(run["end"]))
        for run in get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE)
    ]


def plan_pieces(runs: list[tuple[int, int]], total: int, max_len: int) -> list[Piece]:
    """Cut ``[0, total)`` into consecutive pieces of at most ``max_len`` samples.

    ``runs`` are the speech runs, sorted and disjoint. A cut falls in the silence between
    two runs (its middle, or nearer the earlier run when the piece would otherwise be too
    long); a piece holds as many whole runs as fit. A run longer than ``max_len`` on its
    own is split hard into ``max_len`` pieces. Trailing silence longer than ``max_len`` is
    split into silent pieces. The pieces cover the recording exactly, in order.
    """
    if max_len <= 0:
        raise ValueError("max_len must be positive")
    pieces: list[Piece] = []
    start = 0
    speech = False  # does the piece being built hold speech yet?
    last_end = 0  # end of the last run placed in it
    for run_start, run_end in runs:
        run_start, run_end = max(run_start, start), min(run_end, total)
        if run_end <= run_start:
            continue
        if run_end - start > max_len:
            if speech:
                # The run does not fit: close the piece in the silence before it.
                cut = min((last_end + run_start) // 2, start + max_len)
                pieces.append(Piece(start, cut, True))
                start, speech = cut, False
            # Still too long with only silence before the run: cut that silence, in its
            # middle where the run then fits, into pieces of its own.
            while run_end - start > max_len and run_end - run_start <= max_len:
                cut = min(start + max_len, max((start + run_start) // 2, run_end - max_len))
                pieces.append(Piece(start, cut, False))
                start = cut
            # Still too long: the run alone exceeds the maximum; split it hard.
            while run_end - start > max_len:
                piece_speech = run_start < start + max_len
                pieces.append(Piece(start, start + max_len, piece_speech))
                start += max_len
        speech = True
        last_end = run_end
    # The tail after the last run.
    while total - start > max_len:
        cut = min((last_end + total) // 2, start + max_len) if speech else start + max_len
        pieces.append(Piece(start, cut, speech))
        start, speech = cut, False
    if total > start:
        pieces.append(Piece(start, total, speech))
    return pieces
