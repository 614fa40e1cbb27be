"""Words with times, one channel at a time, through the product's warm Whisper model.

The transcriber is anything that satisfies :class:`ringback.speech.Transcriber`; the
default is the one configured for voicemail (``FasterWhisperTranscriber.from_settings``),
so the model is loaded once and shared by both channels. Silero VAD runs first, so the
half of each channel where the other party talks (or nobody does) costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ringback.calls.model import Speaker, SpokenWord
from ringback.speech.types import TranscribeOptions

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings
    from ringback.speech.types import Transcriber

_SPOKEN = re.compile(r"[A-Za-z0-9]")
# A decoded window this unlikely and this sure it heard no speech is a hallucination
# (Whisper "hears" words in music, hold tones and line noise).
_NO_SPEECH = 0.7
_LOW_LOGPROB = -1.0


def call_options(settings: Settings) -> TranscribeOptions:
    """Voicemail's options, with VAD cutting at half-second pauses: in a conversation the
    other party's turn is a pause on this channel, and a speech chunk that spans it would
    blur when this party stopped and started again."""
    return TranscribeOptions(
        language=settings.whisper_language or None,
        beam_size=settings.call_beam_size,
        vad_min_silence_ms=500,
        vad_speech_pad_ms=200,
        word_timestamps=True,
    )


def transcribe_channel(
    transcriber: Transcriber,
    samples: npt.NDArray[np.float32],
    speaker: Speaker,
    options: TranscribeOptions,
    *,
    offset: float = 0.0,
    on_progress: Callable[[float], None] | None = None,
) -> list[SpokenWord]:
    """The words of one channel (or one piece of it starting ``offset`` seconds in);
    ``on_progress`` hears how much of it is transcribed (0..1)."""
    from ringback.speech.progress import transcribe_tracked

    transcript = transcribe_tracked(transcriber, samples, options=options, on_progress=on_progress)
    words: list[SpokenWord] = []
    for segment in transcript.segments:
        if segment.no_speech_prob > _NO_SPEECH and segment.avg_logprob < _LOW_LOGPROB:
            continue
        for word in segment.words:
            text = word.text.strip()
            # "♪", "[Music]" and the like are the model describing sound, not words said.
            if not _SPOKEN.search(text) or (
                text.startswith(("[", "(")) and text.endswith(("]", ")"))
            ):
                continue
            end = max(word.end, word.start + 0.02)
            words.append(
                SpokenWord(speaker, text, round(word.start + offset, 3), round(end + offset, 3))
            )
    return words
