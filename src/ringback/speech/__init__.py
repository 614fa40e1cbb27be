"""Speech to text for voicemail, offline: faster-whisper with a bundled tiny.en model.

Importing this package is cheap; faster-whisper and the model load on first use.
"""

from ringback.speech.types import (
    AudioDecodeError,
    AudioInput,
    ModelNotAvailableError,
    Segment,
    SpeechError,
    TranscribeOptions,
    Transcriber,
    Transcript,
    Word,
)
from ringback.speech.whisper import FasterWhisperTranscriber

__all__ = [
    "AudioDecodeError",
    "AudioInput",
    "FasterWhisperTranscriber",
    "ModelNotAvailableError",
    "Segment",
    "SpeechError",
    "TranscribeOptions",
    "Transcriber",
    "Transcript",
    "Word",
]
