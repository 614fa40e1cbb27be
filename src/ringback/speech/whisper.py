"""The faster-whisper engine behind :class:`~ringback.speech.types.Transcriber`.

One instance per settings; the model underneath is shared and warm (see ``models.py``).
``stream`` yields segments as the decoder produces them (nothing is decoded until the
caller iterates); ``transcribe`` materialises them into a :class:`Transcript`.

A recording longer than ``max_piece_seconds`` (five minutes by default, see
``chunking.py``) is transcribed a piece at a time, cut at VAD silences, so memory stays
bounded whatever its length; anything shorter takes the engine in one call, as before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringback.speech.audio import decode, duration_of
from ringback.speech.chunking import MAX_PIECE_SECONDS, Piece, plan_pieces, speech_runs
from ringback.speech.models import LoadedModel, load_model
from ringback.speech.types import (
    SAMPLE_RATE,
    AudioInput,
    Segment,
    TranscribeOptions,
    Transcript,
    Word,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings


log = logging.getLogger(__name__)


def default_cpu_threads() -> int:
    """All cores up to four: CTranslate2 scales poorly past that for tiny models, and on a
    shared 2-core box asking for more threads than cores only adds contention."""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class StreamInfo:
    """What is known before the first segment is decoded."""

    language: str
    language_probability: float
    duration: float
    speech_duration: float


class FasterWhisperTranscriber:
    """Transcribes recordings with a faster-whisper (CTranslate2) Whisper model.

    Args:
      model: Model directory, or a name resolvable offline (see ``models.resolve_model``).
      device: "cpu", "cuda" or "auto".
      compute_type: CTranslate2 quantisation, e.g. "int8" (fast on CPU), "float16" (GPU).
      cpu_threads: Threads for the encoder/decoder; 0 means :func:`default_cpu_threads`.
      options: Default :class:`TranscribeOptions` for every call that passes none.
      max_piece_seconds: Longer recordings are transcribed in pieces of at most this
        length, cut at silences (see ``chunking.py``); 0 or less never splits.

    The model is loaded on first use, not here, so building a transcriber is free.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        options: TranscribeOptions | None = None,
        max_piece_seconds: float = MAX_PIECE_SECONDS,
    ) -> None:
        self.model_name = model
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads or default_cpu_threads()
        self.options = options or TranscribeOptions()
        self.max_piece_seconds = max_piece_seconds

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FasterWhisperTranscriber:
        from ringback.config import get_settings

        s = settings or get_settings()
        note = s.whisper_language_note
        if note:
            _say_once(note)
        return cls(
            s.whisper_model,
            device=s.whisper_device,
            compute_type=s.whisper_compute_type,
            cpu_threads=s.whisper_cpu_threads,
            options=TranscribeOptions(
                beam_size=s.whisper_beam_size,
                # An English-only model given "es" would be told to decode English anyway
                # (and the library would log its own warning): say it once, ask for none.
                language=None if note else s.whisper_language or None,
            ),
        )

    def load(self) -> LoadedModel:
        """Load (or fetch the already-warm) model; raises ModelNotAvailableError."""
        return load_model(
            self.model_name,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
        )

    def stream(
        self, audio: AudioInput, *, options: TranscribeOptions | None = None
    ) -> tuple[StreamInfo, Iterator[Segment]]:
        """Decode lazily: the info now, the segments as they are iterated."""
        samples = decode(audio)
        return self.stream_samples(samples, options=options)

    def stream_samples(
        self, samples: npt.NDArray[np.float32], *, options: TranscribeOptions | None = None
    ) -> tuple[StreamInfo, Iterator[Segment]]:
        opts = options or self.options
        max_len = int(self.max_piece_seconds * SAMPLE_RATE)
        if 0 < max_len < len(samples):
            return self._stream_pieces(samples, opts, max_len)
        model = self.load().model
        kwargs = _engine_kwargs(opts, model)
        segments, info = model.transcribe(samples, **kwargs)
        kwargs["language"] = info.language  # a loop retry must not detect it again
        stream_info = StreamInfo(
            language=info.language,
            language_probability=float(info.language_probability),
            duration=duration_of(samples),
            speech_duration=float(info.duration_after_vad),
        )

        def generate() -> Iterator[Segment]:
            yield from _decode(model, samples, kwargs, opts, first=segments)

        return stream_info, generate()

    def _stream_pieces(
        self, samples: npt.NDArray[np.float32], opts: TranscribeOptions, max_len: int
    ) -> tuple[StreamInfo, Iterator[Segment]]:
        """Transcribe piece by piece: only one piece's features exist at a time.

        Every piece is decoded with the same options; the language is the one found in the
        first piece with speech and is then fixed for the others, as the engine fixes it
        for a whole recording from its first window. A piece without VAD speech is skipped
        when the VAD filter is on (the engine would drop all of it anyway).
        """
        model = self.load().model
        runs = speech_runs(
            samples, min_silence_ms=opts.vad_min_silence_ms, speech_pad_ms=opts.vad_speech_pad_ms
        )
        pieces = plan_pieces(runs, len(samples), max_len)
        if opts.vad_filter:
            pieces = [p for p in pieces if p.speech]
            speech_duration = sum(end - start for start, end in runs) / SAMPLE_RATE
        else:
            speech_duration = duration_of(samples)
        kwargs = _engine_kwargs(opts, model)
        first: tuple[Any, Piece] | None = None
        language, probability = opts.language or "en", 1.0
        if pieces:
            # Decoding the first piece is lazy, but its features and language are built now.
            segments, info = model.transcribe(samples[pieces[0].start : pieces[0].end], **kwargs)
            first = (segments, pieces[0])
            language, probability = info.language, float(info.language_probability)
            kwargs["language"] = language
        stream_info = StreamInfo(
            language=language,
            language_probability=probability,
            duration=duration_of(samples),
            speech_duration=speech_duration,
        )

        def generate() -> Iterator[Segment]:
            nonlocal first
            next_id = 1
            for piece in pieces:
                segments = None
                if first is not None:
                    segments, _ = first
                    first = None
                decoded = _decode(
                    model,
                    samples[piece.start : piece.end],
                    kwargs,
                    opts,
                    first=segments,
                    offset=piece.start / SAMPLE_RATE,
                    first_id=next_id,
                )
                del segments  # this piece's features go before the next piece's are built
                for segment in decoded:
                    next_id = segment.id + 1
                    yield segment

        return stream_info, generate()

    def transcribe(
        self,
        audio: AudioInput,
        *,
        options: TranscribeOptions | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> Transcript:
        """The whole recording; ``on_progress`` (see ``progress.py``) hears how far the
        decoder has got, from 0.0 to 1.0, as segments come out."""
        from ringback.speech.progress import tracked

        info, segments = self.stream(audio, options=options)
        if on_progress is not None:
            segments = tracked(segments, info.duration, on_progress)
        return self.collect(info, segments)

    def score_texts(
        self,
        samples: npt.NDArray[np.float32],
        texts: list[str],
        *,
        language: str | None = None,
        batch: int = 16,
    ) -> list[float]:
        """How well each text explains a short clip: the sum of its tokens' log-probabilities
        when the decoder is forced to produce exactly that text (first 30 s of the clip).

        Lets a caller with a grammar rank candidate readings (every valid phone number one
        digit away from what was heard) by the acoustic evidence rather than guess.
        """
        from ringback.speech.alignment import score_forced

        if not texts:
            return []
        return score_forced(
            self.load().model, samples, texts, language=language, trim=False, batch=batch
        )

    def collect(self, info: StreamInfo, segments: Iterator[Segment]) -> Transcript:
        materialised = tuple(segments)
        return Transcript(
            text=" ".join(s.text for s in materialised if s.text),
            language=info.language,
            language_probability=info.language_probability,
            duration=info.duration,
            segments=materialised,
            speech_duration=info.speech_duration,
            model=self.model_name,
        )


_SAID: set[str] = set()


def _say_once(line: str) -> None:
    """A settings problem, logged once per process (not once per message)."""
    if line not in _SAID:
        _SAID.add(line)
        log.warning("%s", line)


def _engine_kwargs(opts: TranscribeOptions, model: Any = None) -> dict[str, Any]:
    language = opts.language
    if language not in (None, "en") and not getattr(
        getattr(model, "model", None), "is_multilingual", True
    ):
        _say_once(
            f"language {language!r} asked of an English-only Whisper model: transcribing as "
            "English (set RINGBACK_WHISPER_MODEL to a multilingual model; see the README)"
        )
        language = None
    kwargs: dict[str, Any] = {
        "language": language,
        "beam_size": opts.beam_size,
        # best_of only matters for sampled (temperature > 0) fallbacks; keep it as small
        # as the beam so a fallback costs no more than the first attempt.
        "best_of": max(1, opts.beam_size),
        "temperature": list(opts.temperatures),
        "compression_ratio_threshold": opts.loop_compression_ratio,
        "no_speech_threshold": opts.no_speech_threshold,
        "initial_prompt": opts.initial_prompt,
        "condition_on_previous_text": opts.condition_on_previous_text,
        "word_timestamps": opts.word_timestamps,
        "vad_filter": opts.vad_filter,
        "vad_parameters": {
            "min_silence_duration_ms": opts.vad_min_silence_ms,
            "speech_pad_ms": opts.vad_speech_pad_ms,
        },
    }
    return kwargs


def _decode(
    model: Any,
    samples: npt.NDArray[np.float32],
    kwargs: dict[str, Any],
    opts: TranscribeOptions,
    *,
    first: Any = None,
    offset: float = 0.0,
    first_id: int = 1,
) -> list[Segment]:
    """One piece's segments (``first``: its already started engine decode, if any).

    A piece whose text loops is decoded once more with a repetition penalty, and the
    retry is kept only when it loops less: both decodes are deterministic, so the same
    audio always reads the same (a sampled fallback would not).
    """
    segments = first if first is not None else model.transcribe(samples, **kwargs)[0]
    decoded = list(_convert(segments, offset=offset, first_id=first_id))
    del segments
    if _loops(decoded, opts):
        again, _ = model.transcribe(
            samples, **kwargs, repetition_penalty=opts.loop_repetition_penalty
        )
        retry = list(_convert(again, offset=offset, first_id=first_id))
        if _loop_chars(retry, opts) < _loop_chars(decoded, opts):
            decoded = retry
    return decoded


def _loops(segments: list[Segment], opts: TranscribeOptions) -> bool:
    return opts.loop_repetition_penalty is not None and _loop_chars(segments, opts) > 0


def _loop_chars(segments: list[Segment], opts: TranscribeOptions) -> int:
    """How much text sits in looping windows: the measure a retry must bring down."""
    return sum(len(s.text) for s in segments if s.compression_ratio > opts.loop_compression_ratio)


def _convert(segments: Any, *, offset: float = 0.0, first_id: int = 1) -> Iterator[Segment]:
    """Engine segments as ours; ``offset`` (seconds) moves a piece's times back onto the
    recording's timeline, ``first_id`` continues the numbering across pieces."""
    for index, seg in enumerate(segments, start=first_id):
        words = tuple(
            Word(
                text=w.word,
                start=round(float(w.start) + offset, 3),
                end=round(float(w.end) + offset, 3),
                probability=round(float(w.probability), 4),
            )
            for w in (seg.words or ())
        )
        yield Segment(
            id=index,
            start=round(float(seg.start) + offset, 3),
            end=round(float(seg.end) + offset, 3),
            text=seg.text.strip(),
            words=words,
            avg_logprob=float(seg.avg_logprob),
            no_speech_prob=float(seg.no_speech_prob),
            compression_ratio=float(seg.compression_ratio),
            temperature=float(seg.temperature or 0.0),
        )
