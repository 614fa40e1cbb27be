"""What a transcription is, independent of the engine that made it.

The shapes follow faster-whisper's own ``Segment``/``Word``/``TranscriptionInfo`` so
that an engine adapter stays thin, but they are frozen and carry only what Ringback
uses: the text, when each word was said, and how sure the model was of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: A recording: a file path, the file's bytes, or 16 kHz mono float32 samples in [-1, 1].
AudioInput: TypeAlias = "str | Path | bytes | bytearray | memoryview | npt.NDArray[np.float32]"

SAMPLE_RATE = 16_000


class SpeechError(Exception):
    """Base class for speech failures a caller can report as a clear status."""


class AudioDecodeError(SpeechError, ValueError):
    """The input is not audio we can decode; ``reason`` says why (for the message's status)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelNotAvailableError(SpeechError, RuntimeError):
    """The configured Whisper model cannot be loaded offline; the message says what to set."""


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """How to decode one recording. Defaults are the ones Ringback uses for voicemail.

    Attributes:
      language: ISO 639-1 code, or None to detect it (English-only models always say "en").
      beam_size: Beam width; 1 is greedy. On tiny.en and the FSDD callback-number bench
        (first 40 numbers, 2 shared cores) beam 1 got 65 % at 4.1 s a number, beam 2
        75 % at 3.2 s, beam 5 82.5 % at 5.0 s: 5 stays the default.
      temperatures: Decoding temperatures tried in turn when a decode looks like a
        hallucination (too repetitive or too unlikely). The default is 0.0 alone: a
        sampled fallback reads a doubtful stretch differently from run to run, and the
        same recording must always give the same transcript (and the same callback
        number). Loops are handled by ``loop_repetition_penalty`` instead.
      loop_repetition_penalty: When a decode loops (a window whose text compresses
        more than ``loop_compression_ratio``, like "8, 8, 8, …"), that piece is decoded
        again, still greedily/beam and so deterministically, with this repetition
        penalty. On a number said twice in one breath tiny.en otherwise loops; 1.1
        keeps both sayings intact (1.3 already garbles digits). None turns it off.
      loop_compression_ratio: gzip compression ratio above which a window's text is a
        loop (Whisper's own hallucination threshold).
      no_speech_threshold: A 30 s window whose "no speech" probability is above this (and
        whose text is unlikely) is dropped. None keeps every window.
      initial_prompt: Text the model sees as "what came before"; steers spelling and style.
      condition_on_previous_text: Feed each 30 s window's text to the next one. Off by
        default: on short, digit-heavy audio a repetition in one window otherwise
        snowballs into a loop in the next.
      vad_filter: Drop non-speech with Silero VAD first, so silence costs nothing and
        long pauses do not invite hallucinated text.
      vad_min_silence_ms: Only silences at least this long split speech; shorter pauses
        (between digits of a phone number, between words) stay inside one chunk.
      vad_speech_pad_ms: Audio kept either side of each speech chunk, so soft onsets
        (the first digit of a number) are not clipped.
      word_timestamps: Time and probability for every word (needed by the extractors).
    """

    language: str | None = None
    beam_size: int = 5
    temperatures: tuple[float, ...] = (0.0,)
    loop_repetition_penalty: float | None = 1.1
    loop_compression_ratio: float = 2.4
    no_speech_threshold: float | None = 0.6
    initial_prompt: str | None = None
    condition_on_previous_text: bool = False
    vad_filter: bool = True
    vad_min_silence_ms: int = 2000
    vad_speech_pad_ms: int = 400
    word_timestamps: bool = True


@dataclass(frozen=True, slots=True)
class Word:
    """One word as the model heard it.

    Attributes:
      text: The word with its leading space and attached punctuation, as Whisper writes it
        (``" five,"``); strip it for display.
      start, end: Seconds from the start of the original recording (not of the VAD chunks).
      probability: The model's confidence in this word, 0..1 (mean of its tokens).
    """

    text: str
    start: float
    end: float
    probability: float

    def to_json(self) -> dict[str, Any]:
        """The word as a voicemail row stores it (``Voicemail.words``, the transcribe stage)."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "probability": self.probability,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Word:
        return cls(
            str(data["text"]),
            float(data["start"]),
            float(data["end"]),
            float(data.get("probability", 1.0)),
        )


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech the model decoded as one piece, usually a sentence or two.

    Attributes:
      id: Position of the segment in the transcript, from 1.
      start, end: Seconds from the start of the recording.
      text: Decoded text, with Whisper's leading space removed.
      words: Word-level timings (empty when word timestamps were off).
      avg_logprob: Mean log probability of the tokens; below about -1 the text is doubtful.
      no_speech_prob: Probability that the window held no speech at all.
      compression_ratio: gzip ratio of the text; above about 2.4 it is repetitive.
      temperature: The temperature that produced this text (0 unless a fallback was used).
    """

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    temperature: float = 0.0


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole recording transcribed: the one transcript type of speech and the voicemail
    pipeline alike (the pipeline stores it with :meth:`to_json` and reloads it on resume).

    Attributes:
      text: All segments' text joined by single spaces.
      language: Language code used for decoding (detected or given).
      words: Every word of every segment, in order; filled from ``segments`` when not given.
      language_probability: Confidence of the detection; 1.0 when the language was given
        or the model is English-only.
      duration: Length of the recording in seconds.
      segments: The decoded segments in order (not stored: a reloaded transcript has none).
      speech_duration: Seconds of audio left after the VAD filter (equal to ``duration``
        when the filter is off); a message with almost none is an empty message.
      model: Name or path of the model that produced it.
    """

    text: str
    language: str | None = None
    words: tuple[Word, ...] = ()
    language_probability: float | None = None
    duration: float = 0.0
    segments: tuple[Segment, ...] = ()
    speech_duration: float = 0.0
    model: str = ""

    def __post_init__(self) -> None:
        if not self.words and self.segments:
            words = tuple(word for segment in self.segments for word in segment.words)
            object.__setattr__(self, "words", words)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def to_json(self) -> dict[str, Any]:
        """What the transcribe stage stores: text, language and words (not the segments)."""
        return {
            "text": self.text,
            "language": self.language,
            "language_probability": self.language_probability,
            "words": [w.to_json() for w in self.words],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transcript:
        return cls(
            text=str(data.get("text") or ""),
            language=data.get("language"),
            words=tuple(Word.from_json(w) for w in data.get("words") or ()),
            language_probability=data.get("language_probability"),
        )


@runtime_checkable
class Transcriber(Protocol):
    """Anything that turns a recording into a :class:`Transcript`."""

    def transcribe(
        self, audio: AudioInput, *, options: TranscribeOptions | None = None
    ) -> Transcript: ...
