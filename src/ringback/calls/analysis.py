"""One call recording in, the review out: ``analyze_call(path, settings=…)``.

Stereo (one party per channel) is measured: each channel is transcribed on its own and
its words belong to its party. Mono, or stereo whose two channels carry the same signal,
falls back to telling the two voices apart (``diarize.py``) and says so: the result's
``mode`` is "mono" and ``confidence`` "low". Problems with the file that still allow an
analysis (a silent channel, clipping, channels that look swapped) become warnings; ones
that do not (not audio, no speech at all, too long) raise :class:`CallAudioError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.calls.audio import CallAudio, CallAudioError, channel_pieces, inspect, probe
from ringback.calls.metrics import Metrics, compute
from ringback.calls.model import Speaker, SpokenWord
from ringback.calls.questions import Question, find_questions

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.speech.types import Transcriber

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
) -> CallAnalysis:
    """Analyse the call at ``path``. ``rep_voice``: a recording of the rep alone, which
    names the rep by voice in a mono call (default ``settings.rep_voice``; see
    :mod:`ringback.calls.rep_voice`)."""
    from ringback.calls.transcribe import call_options, transcribe_channel

    say = progress or (lambda _msg: None)
    if rep_channel not in (0, 1):
        raise CallAudioError(f"--rep-channel must be 0 or 1, not {rep_channel}")
    path = Path(path)
    _, header_seconds = probe(path)
    limit = settings.call_max_minutes * 60
    if header_seconds > limit:
        raise CallAudioError(
            f"{path.name} is {header_seconds / 60:.0f} minutes long; the limit is "
            f"{settings.call_max_minutes} minutes",
            "split the recording, or raise RINGBACK_CALL_MAX_MINUTES",
        )
    say("checking the audio")
    audio = inspect(path)
    if audio.duration > limit:  # a header can lie (or be missing)
        raise CallAudioError(
            f"{path.name} is {audio.duration / 60:.0f} minutes long; the limit is "
            f"{settings.call_max_minutes} minutes",
            "split the recording, or raise RINGBACK_CALL_MAX_MINUTES",
        )
    warnings = _audio_warnings(audio, rep_channel)
    engine = transcriber or _default_transcriber(settings)
    options = call_options(settings)
    stereo = audio.stereo and not audio.same_signal and not force_mono
    if stereo and rep_voice is not None:
        warnings.append(
            f"{Path(rep_voice).name} was not used: in a two-channel recording the channel "
            "says who is who (--rep-channel)"
        )
    words: list[SpokenWord] = []
    talk: dict[Speaker, float] | None = None
    if stereo:
        for channel in (0, 1):
            speaker: Speaker = "rep" if channel == rep_channel else "customer"
            if audio.stats[channel].silent:
                continue
            # A piece at a time: memory does not grow with the length of the call.
            for offset, samples in channel_pieces(path, channel, audio.channels):
                say(f"transcribing channel {channel} ({speaker}) at {offset / 60:.0f} min")
                words += transcribe_channel(engine, samples, speaker, options, offset=offset)
    else:
        from ringback.calls.diarize import VoiceTrack

        track, fallback = VoiceTrack.for_settings(settings)
        if fallback:
            warnings.append(fallback)
        sample, asked = _rep_sample(rep_voice, settings)
        known_rep = None
        if sample is not None and track.encoder is None:
            warnings.append(
                f"{sample.name} was not used: naming the rep by voice needs the encoder"
            )
        elif sample is not None and track.encoder is not None:
            from ringback.calls.rep_voice import load_rep_voice

            try:
                known_rep = load_rep_voice(sample, track.encoder)
            except CallAudioError as exc:
                if asked:
                    raise
                # The stored greeting is used unasked: a poor one is a warning, not a stop.
                warnings.append(f"your greeting was not used to find your voice: {exc}")
            if known_rep is not None and not asked:
                known_rep = replace(known_rep, source="your greeting")
        heard: list[SpokenWord] = []
        # FFmpeg mixes a stereo file down to the one channel asked for.
        for offset, samples in channel_pieces(path, 0, 1):
            say(f"transcribing (mono: one channel, two voices) at {offset / 60:.0f} min")
            piece = transcribe_channel(engine, samples, "rep", options, offset=offset)
            say(f"telling the two voices apart at {offset / 60:.0f} min")
            track.add(samples, offset, piece)
            heard += piece
        voices = track.split(heard, rep_first=rep_channel == 0, rep_voice=known_rep)
        words, talk = voices.words, voices.talk
        if voices.note:
            warnings.append(voices.note)
        if not voices.rep_by_voice:
            words, talk, why = _named_by_introduction(words, talk, settings)
            if why:
                warnings.append(why)
    if not words:
        raise CallAudioError(
            f"no speech found in {path.name} ({audio.duration:.0f} s of audio): nothing to analyse",
            "check that this is the call recording (not hold music or a tone) and that it "
            "is not silent",
        )
    say("measuring")
    metrics = compute(words, audio.duration, talk)
    questions = tuple(find_questions(metrics.turns))
    if stereo:
        for speaker in ("rep", "customer"):
            channel = rep_channel if speaker == "rep" else 1 - rep_channel
            if not audio.stats[channel].silent and not any(w.speaker == speaker for w in words):
                warnings.append(
                    f"no words were heard on channel {channel} ({speaker}): its talk time is 0"
                )
        swap = swapped_evidence(words, questions, settings.owner_name, settings.owner_company)
        if swap:
            warnings.append(
                f"the channels look swapped: {swap}; if channel {1 - rep_channel} is you, "
                f"rerun with --rep-channel {1 - rep_channel}"
            )
    return CallAnalysis(
        path=path,
        mode="stereo" if stereo else "mono",
        rep_channel=rep_channel,
        metrics=metrics,
        questions=questions,
        words=tuple(words),
        warnings=tuple(warnings),
    )


def _rep_sample(given: Path | None, settings: Settings) -> tuple[Path | None, bool]:
    """The recording of the rep alone to name the rep by in a mono call, and whether the
    user asked for it (a bad one they asked for is an error; the greeting, a warning).

    Unasked, it is the personal line's greeting (``ringback greeting upload``): the owner
    recorded it in their own voice, which is exactly the sample needed.
    ``RINGBACK_REP_VOICE=none`` turns that off (a greeting someone else recorded)."""
    if given is not None:
        return Path(given), True
    if settings.rep_voice.strip().lower() in NO_REP_VOICE:
        return None, False
    if settings.rep_voice:
        return Path(settings.rep_voice).expanduser(), True
    from ringback.telephony.greetings import GreetingStore
    from ringback.telephony.lines import LineKind

    greeting = GreetingStore(settings.data_dir).path(LineKind.PERSONAL)
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


def _intro_pattern(name: str, company: str) -> re.Pattern[str] | None:
    parts = []
    first = name.strip().split()[0] if name.strip() else ""
    if first:
        f = re.escape(first)
        parts.append(
            rf"\b(?:this is|my name is|i'm|i am|it's)\s+{f}\b|\b{f}\s+(?:from|with|at|here)\b"
        )
    if company.strip():
        parts.append(rf"\b(?:from|with|at|calling from)\s+{re.escape(company.strip())}\b")
    return re.compile("|".join(parts), re.I) if parts else None


def _said_by(words: list[SpokenWord]) -> dict[str, str]:
    """Everything each side said, as one text (typographic apostrophes made plain)."""
    return {
        s: " ".join(w.text for w in words if w.speaker == s).replace("\u2019", "'")
        for s in ("rep", "customer")
    }


def _named_by_introduction(
    words: list[SpokenWord], talk: dict[Speaker, float] | None, settings: Settings
) -> tuple[list[SpokenWord], dict[Speaker, float] | None, str | None]:
    """Mono: the voice that introduces itself as the owner ("this is Dana", from
    RINGBACK_OWNER_NAME / RINGBACK_OWNER_COMPANY) is the rep, whoever spoke first. Only a
    one-sided introduction decides; the roles are flipped, with the reason, when it is the
    "customer" voice's."""
    pattern = _intro_pattern(settings.owner_name, settings.owner_company)
    if pattern is None:
        return words, talk, None
    text = _said_by(words)
    heard = pattern.search(text["customer"])
    if heard is None or pattern.search(text["rep"]):
        return words, talk, None
    flip: dict[Speaker, Speaker] = {"rep": "customer", "customer": "rep"}
    words = [SpokenWord(flip[w.speaker], w.text, w.start, w.end) for w in words]
    if talk is not None:
        talk = {flip[k]: v for k, v in talk.items()}
    return (
        words,
        talk,
        (
            f'the rep is the voice that says "{heard.group(0).strip()}" (your name or company), '
            "not the voice of the first real turn"
        ),
    )


def swapped_evidence(
    words: list[SpokenWord], questions: tuple[Question, ...], owner_name: str, owner_company: str
) -> str | None:
    """Why the "customer" channel looks like the rep, or None.

    The rep introduces themselves ("this is Dana", "from Northwind", from the owner
    settings) and, in a discovery call, asks most of the questions (seed 002). A
    self-introduction heard only on the customer side is decisive; without one either
    way, the customer asking at least three questions and more than twice as many as the
    rep is.
    """
    text = _said_by(words)
    pattern = _intro_pattern(owner_name, owner_company)
    if pattern is not None:
        rep_intro = pattern.search(text["rep"])
        customer_intro = pattern.search(text["customer"])
        if customer_intro and not rep_intro:
            return f'the customer channel says "{customer_intro.group(0)}"'
        if rep_intro:
            return None
    rep_q = sum(1 for q in questions if q.speaker == "rep")
    customer_q = sum(1 for q in questions if q.speaker == "customer")
    if customer_q >= 3 and customer_q > 2 * rep_q:
        return f"the customer channel asks {customer_q} of the {rep_q + customer_q} questions"
    return None
