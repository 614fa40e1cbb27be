"""One call recording in, the review out: ``analyze_call(path, settings=…)``.

Stereo (one party per channel) is measured: each channel is transcribed on its own and
its words belong to its party. Mono, or stereo whose two channels carry the same signal,
falls back to telling the two voices apart (``diarize.py``) and says so: the result's
``mode`` is "mono" and ``confidence`` "low". Problems with the file that still allow an
analysis (a silent channel, clipping, channels that look swapped) become warnings; ones
that do not (not audio, no speech at all, too long) raise :class:`CallAudioError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.calls.audio import CallAudio, CallAudioError, channel_pieces, inspect, probe
from ringback.calls.introductions import named_by_introduction, swapped_evidence
from ringback.calls.metrics import Metrics, compute
from ringback.calls.model import Speaker, SpokenWord
from ringback.calls.questions import Question, find_questions

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.accounts.speaker import Speaker as Person
    from ringback.calls.rep_voice import RepVoice
    from ringback.calls.voice_encoder import VoiceEncoder
    from ringback.config import Settings
    from ringback.speech.types import TranscribeOptions, Transcriber

Progress = Callable[[str], None]

NO_REP_VOICE = frozenset({"none", "off", "false", "no"})  # RINGBACK_REP_VOICE: use no sample


@dataclass(frozen=True)
class CallAnalysis:
    path: Path
    mode: str  # "stereo" or "mono"
    rep_channel: int
    metrics: Metrics
    questions: tuple[Question, ...]
    words: tuple[SpokenWord, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def confidence(self) -> str:
        return "normal" if self.mode == "stereo" else "low"

    def contract(self) -> dict[str, Any]:
        """Exactly the evaluation contract of ``ringback call analyze --json``."""
        m = self.metrics
        return {
            "duration": round(m.duration, 3),
            "talk_share_rep": round(m.talk_share_rep, 4),
            "speakers": {
                s: {
                    "talk_seconds": round(v.talk_seconds, 3),
                    "words_per_minute": v.words_per_minute,
                    "longest_monologue_seconds": round(v.longest_monologue_seconds, 3),
                    "turns": v.turns,
                }
                for s, v in m.speakers.items()
            },
            "questions": [q.contract() for q in self.questions],
            "interruptions": [
                {"start": round(e.start, 3), "speaker": e.speaker} for e in m.interruptions
            ],
            "transcript": [
                {
                    "speaker": u.speaker,
                    "start": round(u.start, 3),
                    "end": round(u.end, 3),
                    "text": u.text,
                }
                for u in m.utterances
            ],
        }

    def details(self) -> dict[str, Any]:
        """What the contract leaves out: how it was measured, fillers, patience, backchannels."""
        m = self.metrics
        story = m.customer_longest_story
        return {
            "file": str(self.path),
            "mode": self.mode,
            "confidence": self.confidence,
            "rep_channel": self.rep_channel,
            "warnings": list(self.warnings),
            "speakers": {
                s: {
                    "words": v.words,
                    "fillers": v.fillers,
                    "fillers_per_100_words": v.fillers_per_100_words,
                    "backchannels": v.backchannels,
                }
                for s, v in m.speakers.items()
            },
            "patience_seconds": m.patience_seconds,
            "rep_backchannels_per_customer_minute": m.rep_backchannels_per_customer_minute,
            "backchannels": [
                {"start": round(e.start, 3), "speaker": e.speaker, "text": e.text}
                for e in m.backchannels
            ],
            "customer_longest_story": (
                {"start": round(story.start, 3), "end": round(story.end, 3), "text": story.text}
                if story
                else None
            ),
        }


def _default_transcriber(settings: Settings) -> Transcriber:
    from ringback.speech import FasterWhisperTranscriber

    return FasterWhisperTranscriber.from_settings(settings)


def analyze_call(
    path: Path,
    *,
    settings: Settings,
    rep_channel: int = 0,
    force_mono: bool = False,
    rep_voice: Path | None = None,
    transcriber: Transcriber | None = None,
    progress: Progress | None = None,
    on_progress: Callable[[float], None] | None = None,
    rep: Person | None = None,
) -> CallAnalysis:
    """Analyse the call at ``path``. ``rep_voice``: a recording of the rep alone, which
    names the rep by voice in a mono call (default ``settings.rep_voice``; see
    :mod:`ringback.calls.rep_voice`). ``rep``: who the rep is (their profile: the name
    and company they introduce themselves with; default the RINGBACK_OWNER_* settings).
    ``progress`` hears what is being done, in words; ``on_progress`` how much of the
    transcription is done (0..1, every channel counted)."""
    from ringback.accounts.speaker import Speaker as Person
    from ringback.calls.transcribe import call_options

    say = progress or (lambda _msg: None)
    if rep_channel not in (0, 1):
        raise CallAudioError(f"--rep-channel must be 0 or 1, not {rep_channel}")
    path = Path(path)
    audio = _checked_audio(path, settings, say)
    warnings = _audio_warnings(audio, rep_channel)
    job = _Transcription(
        path=path,
        audio=audio,
        engine=transcriber or _default_transcriber(settings),
        options=call_options(settings),
        rep_channel=rep_channel,
        say=say,
        on_progress=on_progress,
        rep=rep or Person.from_settings(settings),
    )
    stereo = audio.stereo and not audio.same_signal and not force_mono
    if stereo and rep_voice is not None:
        warnings.append(
            f"{Path(rep_voice).name} was not used: in a two-channel recording the channel "
            "says who is who (--rep-channel)"
        )
    heard = _hear_stereo(job) if stereo else _hear_mono(job, settings, rep_voice)
    warnings += heard.warnings
    words = heard.words
    if not words:
        raise CallAudioError(
            f"no speech found in {path.name} ({audio.duration:.0f} s of audio): nothing to analyse",
            "check that this is the call recording (not hold music or a tone) and that it "
            "is not silent",
        )
    if on_progress is not None:
        on_progress(1.0)
    say("measuring")
    metrics = compute(words, audio.duration, heard.talk)
    questions = tuple(find_questions(metrics.turns))
    if stereo:
        warnings += _stereo_warnings(words, questions, audio, rep_channel, job.rep)
    return CallAnalysis(
        path=path,
        mode="stereo" if stereo else "mono",
        rep_channel=rep_channel,
        metrics=metrics,
        questions=questions,
        words=tuple(words),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Transcription:
    """What transcribing one call needs, whichever way its voices are told apart."""

    path: Path
    audio: CallAudio
    engine: Transcriber
    options: TranscribeOptions  # ``transcribe.call_options``: VAD cut at short pauses
    rep_channel: int
    say: Progress
    on_progress: Callable[[float], None] | None = None
    rep: Person | None = None  # who the rep introduces themselves as (their profile)

    def piece_progress(
        self, part: int, parts: int, offset: float, samples: npt.NDArray[np.float32]
    ) -> Callable[[float], None] | None:
        """The progress callback of one piece (``offset`` s into the ``part``-th of
        ``parts`` channels transcribed), on the scale of the whole transcription."""
        from ringback.speech.progress import scaled
        from ringback.speech.types import SAMPLE_RATE

        if self.on_progress is None:
            return None
        total = parts * max(self.audio.duration, 1e-6)
        start = (part * self.audio.duration + offset) / total
        return scaled(self.on_progress, start, len(samples) / SAMPLE_RATE / total)


@dataclass(frozen=True)
class _Heard:
    """The words of a call with their speakers, the talk time per speaker when the voices
    were measured apart (mono), and what the listener should know about how."""

    words: list[SpokenWord]
    talk: dict[Speaker, float] | None = None
    warnings: tuple[str, ...] = ()


def _checked_audio(path: Path, settings: Settings, say: Progress) -> CallAudio:
    """The recording's audio facts, refused when it is longer than the limit: first by
    its header (cheap), then by its decoded length."""
    _, header_seconds = probe(path)
    limit = settings.call_max_minutes * 60
    if header_seconds > limit:
        raise _too_long(path, header_seconds, settings)
    say("checking the audio")
    audio = inspect(path)
    if audio.duration > limit:  # a header can lie (or be missing)
        raise _too_long(path, audio.duration, settings)
    return audio


def _too_long(path: Path, seconds: float, settings: Settings) -> CallAudioError:
    return CallAudioError(
        f"{path.name} is {seconds / 60:.0f} minutes long; the limit is "
        f"{settings.call_max_minutes} minutes",
        "split the recording, or raise RINGBACK_CALL_MAX_MINUTES",
    )


def _hear_stereo(job: _Transcription) -> _Heard:
    """Stereo: each channel transcribed on its own, its words belonging to its party."""
    from ringback.calls.transcribe import transcribe_channel

    words: list[SpokenWord] = []
    heard = [channel for channel in (0, 1) if not job.audio.stats[channel].silent]
    for part, channel in enumerate(heard):
        speaker: Speaker = "rep" if channel == job.rep_channel else "customer"
        # A piece at a time: memory does not grow with the length of the call.
        for offset, samples in channel_pieces(job.path, channel, job.audio.channels):
            job.say(f"transcribing channel {channel} ({speaker}) at {offset / 60:.0f} min")
            words += transcribe_channel(
                job.engine,
                samples,
                speaker,
                job.options,
                offset=offset,
                on_progress=job.piece_progress(part, len(heard), offset, samples),
            )
    return _Heard(words)


def _hear_mono(job: _Transcription, settings: Settings, rep_voice: Path | None) -> _Heard:
    """Mono: one channel transcribed, the two voices told apart by sound, and the rep
    named by a sample of their voice, else by who introduces themselves as the owner."""
    from ringback.accounts.speaker import Speaker as Person
    from ringback.calls.diarize import VoiceTrack
    from ringback.calls.transcribe import transcribe_channel

    warnings: list[str] = []
    track, fallback = VoiceTrack.for_settings(settings)
    if fallback:
        warnings.append(fallback)
    known_rep = _known_rep(rep_voice, settings, track.encoder, warnings, job.rep)
    heard: list[SpokenWord] = []
    # FFmpeg mixes a stereo file down to the one channel asked for.
    for offset, samples in channel_pieces(job.path, 0, 1):
        job.say(f"transcribing (mono: one channel, two voices) at {offset / 60:.0f} min")
        piece = transcribe_channel(
            job.engine,
            samples,
            "rep",
            job.options,
            offset=offset,
            on_progress=job.piece_progress(0, 1, offset, samples),
        )
        job.say(f"telling the two voices apart at {offset / 60:.0f} min")
        track.add(samples, offset, piece)
        heard += piece
    voices = track.split(heard, rep_first=job.rep_channel == 0, rep_voice=known_rep)
    words, talk = voices.words, voices.talk
    if voices.note:
        warnings.append(voices.note)
    if not voices.rep_by_voice:
        rep = job.rep or Person.from_settings(settings)
        words, talk, why = named_by_introduction(words, talk, rep.name, rep.company)
        if why:
            warnings.append(why)
    return _Heard(words, talk, tuple(warnings))


def _known_rep(
    rep_voice: Path | None,
    settings: Settings,
    encoder: VoiceEncoder | None,
    warnings: list[str],
    rep: Person | None = None,
) -> RepVoice | None:
    """The rep's voice print from their sample, if there is one and it can be used; why
    not goes to ``warnings`` (an unusable sample the user asked for is an error)."""
    sample, asked = _rep_sample(rep_voice, settings, rep)
    if sample is None:
        return None
    if encoder is None:
        warnings.append(f"{sample.name} was not used: naming the rep by voice needs the encoder")
        return None
    from ringback.calls.rep_voice import load_rep_voice

    try:
        known_rep = load_rep_voice(sample, encoder)
    except CallAudioError as exc:
        if asked:
            raise
        # The stored greeting is used unasked: a poor one is a warning, not a stop.
        warnings.append(f"your greeting was not used to find your voice: {exc}")
        return None
    return known_rep if asked else replace(known_rep, source="your greeting")


def _stereo_warnings(
    words: list[SpokenWord],
    questions: tuple[Question, ...],
    audio: CallAudio,
    rep_channel: int,
    rep: Person | None,
) -> list[str]:
    """A channel with sound but no words, and channels that look swapped (``rep``: who
    the rep introduces themselves as)."""
    warnings: list[str] = []
    for speaker in ("rep", "customer"):
        channel = rep_channel if speaker == "rep" else 1 - rep_channel
        if not audio.stats[channel].silent and not any(w.speaker == speaker for w in words):
            warnings.append(
                f"no words were heard on channel {channel} ({speaker}): its talk time is 0"
            )
    swap = swapped_evidence(words, questions, rep.name if rep else "", rep.company if rep else "")
    if swap:
        warnings.append(
            f"the channels look swapped: {swap}; if channel {1 - rep_channel} is you, "
            f"rerun with --rep-channel {1 - rep_channel}"
        )
    return warnings


def _rep_sample(
    given: Path | None, settings: Settings, rep: Person | None = None
) -> tuple[Path | None, bool]:
    """The recording of the rep alone to name the rep by in a mono call, and whether the
    user asked for it (a bad one they asked for is an error; the greeting, a warning).

    Unasked, it is ``rep``'s own personal greeting (``ringback greeting upload``; the
    install's for the first owner): recorded in their own voice, exactly the sample
    needed. Never another user's: a rep with none of their own has no sample.
    ``RINGBACK_REP_VOICE=none`` turns that off (a greeting someone else recorded)."""
    if given is not None:
        return Path(given), True
    if settings.rep_voice.strip().lower() in NO_REP_VOICE:
        return None, False
    if settings.rep_voice:
        return Path(settings.rep_voice).expanduser(), True
    from contextlib import suppress

    from ringback.lines import LineKind, greeting_path
    from ringback.storage import Mirror, StorageError

    whose = rep.greetings_of if rep is not None else None
    greeting = greeting_path(settings.data_dir, LineKind.PERSONAL, whose)
    # A worker on another machine gets it from the object store; none there (or the store
    # down): the first real turn decides, as without a greeting.
    with suppress(StorageError):
        greeting = Mirror.for_settings(settings).local(greeting)
    return (greeting, False) if greeting.is_file() else (None, False)


def _audio_warnings(audio: CallAudio, rep_channel: int) -> list[str]:
    warnings: list[str] = []
    names = {rep_channel: "rep", 1 - rep_channel: "customer"}
    if not audio.stereo:
        warnings.append(
            "mono recording: the two voices are told apart by sound alone, so who-said-what "
            "and talk share are lower confidence; record calls dual-channel for a measurement"
        )
    elif audio.same_signal:
        warnings.append(
            "both channels carry the same audio (a mono call saved as stereo): analysed as "
            "mono, lower confidence"
        )
    else:
        for channel, stats in enumerate(audio.stats[:2]):
            if stats.silent:
                warnings.append(
                    f"channel {channel} ({names[channel]}) is silent: only one side of the call "
                    "was recorded; if both voices are on the other channel, rerun with --mono"
                )
    for channel, stats in enumerate(audio.stats[:2]):
        if stats.clipped:
            which = f"channel {channel}" if audio.stereo else "the audio"
            warnings.append(
                f"{which} is clipped ({stats.clipped_fraction:.1%} of samples at full scale): "
                "words may be misheard; lower the recording gain"
            )
    return warnings
