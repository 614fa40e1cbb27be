"""Was the speech in a recording transcribed, or only heard? (issue 14 §6)

The bundled model, ``tiny.en``, knows English only. Given Spanish it does not stay silent:
it writes English-sounding gibberish ("Marche and numero uno para grabar, sus men sahes")
or a stock hallucination ("Thank you very much for watching"), and sometimes nothing at
all; read as a transcript, either turns a real message into "left no message" or into a
summary of words nobody said. :func:`untranscribed` says when a transcript cannot be
trusted to stand for the speech, so the message is reported as "could not transcribe —
listen to the audio" instead.

The rule, measured on real recorded speech run through ``tiny.en``: Debian's Asterisk
prompts, the same speaker in English and in Mexican Spanish (45 of each, 1.5 s or longer),
flag 34 of the 40 Spanish ones long enough to judge and none of the 37 English ones; a real
two-person phone call (``../shared/eval/pyannote_sample``, in 8 s windows) and the spliced
FSDD voicemails of the tests are never flagged. The parts:

* Only speech of at least :data:`MIN_SPEECH_SECONDS` is judged. Under two seconds a
  transcript is two or three words, and one unlikely word ("Press 0 to eat an operator")
  would sway it; a shorter message is treated as before.
* **Near-empty**: fewer words than one per :data:`SECONDS_PER_WORD` seconds of detected
  speech. People leave messages at two to three words a second; Whisper dropping nearly
  all of it means it heard speech it could not write down.
* **Gibberish**: the share of words the decoder itself gave under even odds
  (probability < 0.5) is at least :data:`UNSURE_SHARE`. English prompts: at most a third,
  and only in clips of three words or fewer (median 0); Spanish: at least 0.29 and mostly
  over a half. Because a short clip has few words, the share needed rises as speech gets
  shorter (:func:`unsure_share_needed`), so one bad word in a short English message is
  never enough — the rule is relative to the speech's duration, as the evidence is.
* **Stock captions**: Whisper was trained on subtitles, and speech it cannot follow often
  comes out as their boilerplate ("Thank you for watching", "see you in the next video",
  "let us know in the comments"). Nobody leaves a voicemail thanking you for watching.

Probabilities, not a language check: ``tiny.en`` always reports "en" with probability 1,
so it cannot say the language; a multilingual model can (``Transcript.language``) and
transcribes the message instead, which this rule then leaves alone.
"""

from __future__ import annotations

import re

from ringback.speech.types import Transcript

# What the inbox, the email and the callback task say of such a message, and the intent its
# facts carry so that every reader can tell it from a transcribed one.
UNTRANSCRIBED_SUMMARY = (
    "a message Ringback could not transcribe (another language?) — listen to the audio"
)
UNTRANSCRIBED_INTENT = "untranscribed"
MIN_SPEECH_SECONDS = 2.0
SECONDS_PER_WORD = 4.0
UNSURE_SHARE = 0.45
UNSURE_PROBABILITY = 0.5
_CAPTION = re.compile(
    r"\b(?:thanks?(?: you)?(?: (?:very|so) much)? for watching|see you in the next video"
    r"|in the comments|(?:like and )?subscribe to (?:my|our|the) channel)\b",
    re.IGNORECASE,
)
# At and above this much speech the base share applies; below, up to +0.15 more.
_FULL_EVIDENCE_SECONDS = 6.0


def unsure_share_needed(speech_seconds: float) -> float:
    """The share of unsure words that marks gibberish, for this much speech."""
    short = max(0.0, _FULL_EVIDENCE_SECONDS - speech_seconds) / _FULL_EVIDENCE_SECONDS
    return UNSURE_SHARE + 0.15 * short


def untranscribed(transcript: Transcript | None, *, speech_seconds: float | None = None) -> bool:
    """Whether the speech in a recording did not come out as words that can be trusted.

    ``speech_seconds``: detected speech (default: the transcript's own VAD figure, else
    its duration). False without a transcript or with too little speech to judge.
    """
    if transcript is None:
        return False
    speech = speech_seconds
    if speech is None:
        speech = transcript.speech_duration or transcript.duration or 0.0
    if speech < MIN_SPEECH_SECONDS:
        return False
    words = transcript.words
    count = len(words) if words else len(transcript.text.split())
    if count < speech / SECONDS_PER_WORD or _CAPTION.search(transcript.text):
        return True
    if not words:
        return False  # no word probabilities (a stub transcriber): nothing more to judge
    unsure = sum(w.probability < UNSURE_PROBABILITY for w in words) / len(words)
    return unsure >= unsure_share_needed(speech)
