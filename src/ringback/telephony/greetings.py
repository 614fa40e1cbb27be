"""Your greeting, in your own voice: checked against seed 003, converted for the phone.

Seed 003 on voicemail greetings: reassure callers they reached you (say your name), no
long prompt, no buttons to press, none of the mechanical preamble they wait through
before they can speak. ``check`` transcribes the recording with the configured Whisper
model and reports each point; ``save`` stores it as 8 kHz μ-law WAV (what the phone
network carries, and what Twilio plays without transcoding) for ``<Play>``.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.lines import LineKind
from ringback.telephony.greeting_store import Greeting, GreetingError, GreetingStore
from ringback.words import plain_words

__all__ = ["Greeting", "GreetingError", "GreetingStore"]  # where they were always imported from

from ringback.accounts.speaker import Speaker

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings

SAMPLE_RATE = 16_000
MAX_SECONDS = 10.0  # seed 003: "don't have a long prompt"
MAX_WORDS_BEFORE_NAME = 6  # "Hi, you've reached Dana Reyes" is three
TELEPHONY_RATE = 8_000
MIN_SPEECH_SECONDS = 0.5  # "Hi, Dana here" is about a second
_NO_SPEECH = "a greeting must say who the caller reached; record it again"

_BUTTONS = re.compile(
    r"\b(?:press(?:ing)?|push|pound|hash\s+key|star\s+key|keypad|touch[- ]?tone|"
    r"dial\s+(?:\d|one|two|three|zero)|option\s+(?:\d|one|two|three))\b",
    re.IGNORECASE,
)
# The stock phrases of a carrier's or an IVR's preamble: what callers "wait through".
_PREAMBLE = re.compile(
    r"\b(?:your\s+call\s+is\s+(?:very\s+)?important|please\s+listen\s+carefully|"
    r"(?:menu\s+)?options\s+have\s+(?:recently\s+)?changed|the\s+person\s+you\s+(?:are|'re)\s+calling|"
    r"the\s+number\s+you\s+(?:have\s+)?dialed|is\s+not\s+available|"
    r"(?:at|after)\s+the\s+(?:tone|beep)|when\s+(?:you\s+are\s+)?(?:done|finished)|hang\s+up|"
    r"record\s+your\s+message|this\s+call\s+may\s+be\s+recorded)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool
    label: str
    detail: str


@dataclass(frozen=True)
class GreetingReport:
    transcript: str
    duration: float
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "transcript": self.transcript,
            "duration": round(self.duration, 2),
            "checks": [asdict(c) for c in self.checks],
        }


# -- audio ----------------------------------------------------------------------------


def load_samples(source: Path | bytes) -> npt.NDArray[np.float32]:
    """16 kHz mono float32, leading and trailing silence trimmed (a greeting that starts
    with two seconds of room noise makes the caller wait for nothing)."""
    from ringback.speech import AudioDecodeError
    from ringback.speech.audio import decode

    try:
        samples = decode(source)
    except (AudioDecodeError, FileNotFoundError) as exc:
        raise GreetingError(str(exc)) from None
    trimmed = trim_silence(samples)
    if trimmed.size < SAMPLE_RATE // 4:
        raise GreetingError("the recording is silent (under a quarter second of sound)")
    return trimmed


def trim_silence(
    samples: npt.NDArray[np.float32], *, frame: int = 320, pad: float = 0.15
) -> npt.NDArray[np.float32]:
    import numpy as np

    n = len(samples) // frame
    if n == 0:
        return samples
    rms = np.sqrt((samples[: n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1))
    peak = float(rms.max())
    if peak <= 1e-4:
        return samples[:0]
    loud = np.nonzero(rms > max(peak * 0.05, 1e-3))[0]
    keep = round(pad * SAMPLE_RATE / frame)
    start = max(int(loud[0]) - keep, 0) * frame
    end = min(int(loud[-1]) + 1 + keep, n) * frame
    return samples[start:end]


def to_telephony_wav(samples: npt.NDArray[np.float32]) -> bytes:
    """8 kHz mono G.711 μ-law in a WAV container, encoded with PyAV."""
    import av
    import numpy as np

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="wav") as out:
        stream = out.add_stream("pcm_mulaw", rate=TELEPHONY_RATE, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=TELEPHONY_RATE)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(piece):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


# -- the check ------------------------------------------------------------------------


def _name_tokens(*names: str) -> list[str]:
    return [t for name in names for t in plain_words(name) if len(t) >= 2]


def _first_name_index(words: list[str], names: list[str]) -> int | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name or word.rstrip("'s") == name:
                return i
            if len(name) >= 4 and difflib.SequenceMatcher(None, word, name).ratio() >= 0.8:
                return i
    return None


def check_transcript(
    transcript: str,
    duration: float,
    *,
    owner_name: str,
    company: str = "",
    line: LineKind,
    name_setting: str = "RINGBACK_OWNER_NAME",
) -> GreetingReport:
    """The seed-003 checks on what the greeting says and how long it runs
    (``name_setting``: where the name is set, said when it is not)."""
    words = plain_words(transcript)
    names = _name_tokens(owner_name)
    if line is LineKind.PROSPECT:
        names += _name_tokens(company)
    at = _first_name_index(words, names) if names else None
    checks: list[Check] = []

    if not names:
        checks.append(
            Check(
                "says_name",
                False,
                "Says your name",
                f"{name_setting} is not set: set it so the greeting can be checked for your name",
            )
        )
    elif at is None:
        checks.append(
            Check(
                "says_name",
                False,
                "Says your name",
                f"your name ({owner_name}) is not in it: callers want to know they reached you",
            )
        )
    else:
        checks.append(Check("says_name", True, "Says your name", f"heard “{words[at]}”"))

    short = duration <= MAX_SECONDS
    checks.append(
        Check(
            "short",
            short,
            f"At most {MAX_SECONDS:g} seconds",
            f"{duration:.1f} s" + ("" if short else ": cut it down, callers wait through it"),
        )
    )

    buttons = _BUTTONS.search(transcript)
    checks.append(
        Check(
            "no_buttons",
            buttons is None,
            "No buttons to press",
            "none"
            if buttons is None
            else f"it says “{buttons.group(0)}”: nobody should have to press anything",
        )
    )

    stock = _PREAMBLE.search(transcript)
    before = at if at is not None else len(words)
    long_intro = before > MAX_WORDS_BEFORE_NAME
    if stock is not None:
        detail = f"it says “{stock.group(0)}”: the mechanical preamble callers wait through"
    elif long_intro:
        detail = f"{before} words before your name: get to it sooner"
    else:
        detail = f"{before} words before your name"
    checks.append(
        Check("no_preamble", stock is None and not long_intro, "No long preamble", detail)
    )
    return GreetingReport(" ".join(transcript.split()), duration, tuple(checks))


def check_samples(
    samples: npt.NDArray[np.float32],
    settings: Settings,
    line: LineKind = LineKind.PERSONAL,
    *,
    speaker: Speaker | None = None,
) -> GreetingReport:
    """Transcribe with the configured Whisper model, then check (that it says
    ``speaker``'s name: the user recording it, default the RINGBACK_OWNER_* settings);
    :class:`GreetingError` when there is no speech in it at all (such a greeting is never
    made live)."""
    from ringback.speech import ModelNotAvailableError
    from ringback.voicemail.adapters import speech_engine
    from ringback.voicemail.pipeline.audio import speech_seconds

    # A greeting with no voice in it (line noise, a pocket recording) would greet callers
    # with nothing; Whisper may still "hear" a word or two in noise, so the VAD decides.
    spoken = speech_seconds(samples, enough=MIN_SPEECH_SECONDS)
    if spoken < MIN_SPEECH_SECONDS:
        raise GreetingError(f"no speech in it ({spoken:.1f} s of voice): {_NO_SPEECH}")
    try:
        transcript = speech_engine(settings).transcribe(samples)
    except ModelNotAvailableError as exc:
        raise GreetingError(str(exc)) from None
    if not plain_words(transcript.text):
        raise GreetingError(f"no words heard in it: {_NO_SPEECH}")
    who = speaker or Speaker.from_settings(settings)
    return check_transcript(
        transcript.text,
        len(samples) / SAMPLE_RATE,
        owner_name=who.name,
        company=who.company,
        line=line,
        name_setting=(
            "RINGBACK_OWNER_NAME"
            if who.from_settings_too
            else f"your name (Settings → Your profile, or `ringback users edit {who.profile_of} --name NAME`)"
        ),
    )
