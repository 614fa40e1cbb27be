"""Which voice in a mono call is the rep's, from a recording of the rep alone.

"The voice of the first real turn is the rep" (``--rep-channel 0`` in mono) is wrong
whenever the other party holds the floor first — a rep who answers with a bare "Hello?"
and lets the caller explain. A recording of the rep alone (the greeting they
recorded, a voice memo, any earlier call channel of theirs) settles it by voice: its
*voice print*, the mean of its 1.6 s speaker-encoder windows, is compared with the two
voices found in the call, and the nearer one is the rep.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.calls.audio import CallAudioError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.calls.voice_encoder import VoiceEncoder

# Cosine similarity of the sample to the nearer voice minus that to the farther one, under
# which the sample decides nothing (two voices it resembles equally): GE2E same-speaker
# similarities run 0.1-0.3 above different-speaker ones on telephone speech, so a gap of
# 0.02 is no evidence either way.
MARGIN = 0.02
MIN_SPEECH_S = 1.0  # less speech than this in the sample: not enough to know a voice by
_WINDOW = 160  # frames (1.6 s): the encoder's training length, as the call's long windows
_HOP = 80


@dataclass(frozen=True)
class RepVoice:
    """The rep's voice print (unit vector) and where it came from, for messages."""

    embedding: npt.NDArray[np.float32]
    source: str


def voice_print(
    encoder: VoiceEncoder, samples: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32] | None:
    """The mean embedding of the speech in ``samples`` (16 kHz), or None when there is
    less than MIN_SPEECH_S of it."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from ringback.calls.voice_encoder import frame_energy, levelled_rows, mel_frames
    from ringback.speech.types import SAMPLE_RATE

    mel = mel_frames(samples)
    on = np.zeros(len(mel), dtype=bool)
    for span in get_speech_timestamps(samples, VadOptions(), sampling_rate=SAMPLE_RATE):
        on[span["start"] // 160 : span["end"] // 160 + 1] = True
    speech = np.nonzero(on[: len(mel)])[0]
    if len(speech) < MIN_SPEECH_S * 100:
        return None
    rows, power = mel[speech], frame_energy(samples)[: len(mel)][speech]
    width = min(_WINDOW, len(rows))
    starts = range(0, len(rows) - width + 1, _HOP)
    # Levelled per window exactly as the call's own windows are, so the print compares.
    batch = np.stack([levelled_rows(rows[s : s + width], power[s : s + width]) for s in starts])
    mean = encoder.embed(batch).mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def load_rep_voice(path: Path, encoder: VoiceEncoder) -> RepVoice:
    """The voice print of the recording at ``path``; CallAudioError says what is wrong
    with a file that cannot give one."""
    from ringback.speech import AudioDecodeError
    from ringback.speech.audio import decode

    path = Path(path).expanduser()
    if not path.is_file():
        raise CallAudioError(
            f"no such file: {path} (the sample of the rep's voice)",
            "pass a recording of you alone, e.g. your greeting, with --rep-voice "
            "(or fix RINGBACK_REP_VOICE)",
        )
    try:
        samples = decode(path)
    except AudioDecodeError as exc:
        raise CallAudioError(
            f"{path.name} (the sample of the rep's voice) is not usable audio: {exc.reason}",
            "pass a WAV/MP3/M4A recording of you alone with --rep-voice",
        ) from exc
    embedding = voice_print(encoder, samples)
    if embedding is None:
        raise CallAudioError(
            f"{path.name} (the sample of the rep's voice) has under {MIN_SPEECH_S:.0f} s of "
            "speech: too little to know a voice by",
            "record a few sentences of you alone (a greeting of 5-10 s is enough)",
        )
    return RepVoice(embedding, path.name)


def rep_index(centres: npt.NDArray[np.float32], rep: RepVoice) -> tuple[int | None, str]:
    """Which of the two voices (rows of ``centres``, unit vectors) is the rep's, and a
    line saying how sure; None when the sample resembles both alike."""
    near = centres @ rep.embedding
    best = int(near.argmax())
    gap = float(near[best] - near[1 - best])
    if gap < MARGIN:
        return None, (
            f"{rep.source} sounds as much like one voice in the call as the other "
            f"(cosine {near[0]:.2f} vs {near[1]:.2f}): the voice of the first real turn is taken as the rep"
        )
    return (
        best,
        f"the rep is the voice of {rep.source} (cosine {near[best]:.2f} vs {near[1 - best]:.2f})",
    )
